"""The dashboard shows the daily summary workbook's numbers for the same day: values, changes and ranks."""

import pytest

from dashboard import selectors
from dashboard.figures import FIGURES, change, ranks
from tests.dashboard.conftest import DAY
from tests.excel_helpers import open_workbook
from tests.workforce.test_workbook import figures as workbook_figures
from tests.workforce.test_workbook import table_below
from workforce.services import daily_summary_build
from workforce.workbook import ON_DUTY_RANKING_HEADING, RETURN_RANKING_HEADING, daily_summary_workbook

pytestmark = pytest.mark.django_db

# Workbook label: (dashboard figure, the factor from the dashboard's value to the cell's).
WORKBOOK_FIGURES = {
    "应报企业": ("expected", 1),
    "已报企业": ("reported", 1),
    "未报企业": ("not_reported", 1),
    "迟报企业": ("late", 1),
    "职工总数": ("employees", 1),
    "累计返昆": ("returned", 1),
    "今日在岗": ("on_duty", 1),
    "返岗率 (%)": ("return_rate", 1),
    "在岗率 (%)": ("on_duty_rate", 1),
    "隔离观察": ("in_quarantine", 1),
    "今日返昆": ("returned_today", 1),
    "报送产能的规上企业": ("above_scale_reporting", 1),
    "平均产能利用率 (%)": ("capacity_mean", 100),  # the workbook holds every rate as a fraction
    "产能利用率中位数 (%)": ("capacity_median", 100),
    "重点企业: 已报": ("key_reported", 1),
    "重点企业: 累计返昆": ("key_returned", 1),
    "重点企业: 今日在岗": ("key_on_duty", 1),
    "重点企业: 在岗率 (%)": ("key_on_duty_rate", 1),
    "重点企业: 平均产能利用率 (%)": ("key_capacity_mean", 100),
}


@pytest.fixture
def workbook(known):
    daily_summary_build(day=DAY)
    return open_workbook(daily_summary_workbook(day=DAY))


def _same(cell_value, mine, factor) -> bool:
    if cell_value is None or mine is None:
        return cell_value is None and mine is None
    return abs(cell_value - float(mine) / factor) < 1e-9


@pytest.mark.parametrize("sheet_name", ["全市", "张浦镇", "昆山开发区"])
def test_dashboard_figures_and_changes_equal_the_workbooks(known, workbook, sheet_name):
    area_key = {"全市": None, "张浦镇": known.a.pk, "昆山开发区": known.b.pk}[sheet_name]
    area = selectors.city_figures(DAY)["areas"][area_key]
    cells = workbook_figures(workbook[sheet_name])
    for label, (key, factor) in WORKBOOK_FIGURES.items():
        value_cell, change_cell = cells[label]
        assert _same(value_cell.value, area["now"][key], factor), (sheet_name, label, value_cell.value)
        assert _same(change_cell.value, change(key, area["now"], area["before"]), factor), (sheet_name, label)


def test_the_headlines_show_the_workbooks_values(known, workbook):
    city = {
        f["key"]: f
        for group in selectors.headlines(selectors.Scope(selectors.CITY), selectors.city_figures(DAY))
        for f in group["figures"]
    }
    cells = workbook_figures(workbook["全市"])
    assert city["returned"]["value"] == cells["累计返昆"][0].value == 270
    assert city["return_rate"]["shown"] == f"{cells['返岗率 (%)'][0].value * 100:.1f}%" == "75.0%"
    assert city["on_duty"]["change"] == cells["今日在岗"][1].value == 200 - 150
    assert city["capacity_mean"]["shown"] == "71.8%"


@pytest.mark.parametrize(
    ("heading", "key"), [(RETURN_RANKING_HEADING, "return_rate"), (ON_DUTY_RANKING_HEADING, "on_duty_rate")]
)
def test_district_ranks_equal_the_workbooks_rankings(known, workbook, heading, key):
    data = selectors.city_figures(DAY)
    names = dict(data["districts"])
    mine = ranks(((pk, data["areas"][pk]["now"][key]) for pk in names), key)
    ranked = {row[1]: row[0] for row in table_below(workbook["全市"], str(heading))[1:] if row[0] is not None}
    assert {names[pk]: rank for pk, rank in mine.items()} == ranked
    assert FIGURES[key].unit == "rate"
