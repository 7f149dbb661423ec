from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from reference.models import District
from tests.excel_helpers import open_workbook
from workforce.models import DailySummary
from workforce.workbook import FIGURES, daily_summary_workbook

DAY = date(2020, 3, 9)
YESTERDAY = date(2020, 3, 8)
BUILT_AT = timezone.make_aware(datetime(2020, 3, 9, 17, 30))
HEADER_ROW = 3
FIRST_FIGURE_ROW = 4

COUNTS = [
    "expected",
    "reported",
    "late",
    "employees",
    "returned",
    "on_duty",
    "away_high",
    "away_medium",
    "away_low",
    "in_quarantine",
    "returned_today",
    "above_scale_reporting",
]

pytestmark = pytest.mark.django_db


def summary(day, code, *, is_final=False, **figures) -> DailySummary:
    """A summary row; figures not given are 0 (capacity figures empty)."""
    fields = dict.fromkeys(COUNTS, 0)
    fields |= {"electricity_kwh": Decimal(0), "electricity_kwh_last_year": Decimal(0)}
    fields |= figures
    district = District.objects.get(code=code) if code else None
    return DailySummary.objects.create(day=day, district=district, is_final=is_final, built_at=BUILT_AT, **fields)


KFQ_TODAY = {
    "expected": 50,
    "reported": 45,
    "late": 3,
    "employees": 1000,
    "returned": 800,
    "on_duty": 600,
    "away_high": 50,
    "away_medium": 50,
    "away_low": 100,
    "in_quarantine": 20,
    "returned_today": 30,
    "above_scale_reporting": 10,
    "capacity_mean": Decimal("75.5"),
    "capacity_median": Decimal("80.0"),
    "electricity_kwh": Decimal("12000.0"),
    "electricity_kwh_last_year": Decimal("15000.0"),
}
KFQ_YESTERDAY = {
    "expected": 50,
    "reported": 40,
    "late": 5,
    "employees": 1000,
    "returned": 700,
    "on_duty": 500,
    "away_high": 100,
    "away_medium": 100,
    "away_low": 100,
    "in_quarantine": 25,
    "returned_today": 20,
    "above_scale_reporting": 8,
    "capacity_mean": Decimal("70.0"),
    "capacity_median": Decimal("75.0"),
    "electricity_kwh": Decimal("10000.0"),
    "electricity_kwh_last_year": Decimal("14000.0"),
}
CITY_TODAY = {
    "expected": 125,
    "reported": 113,
    "late": 5,
    "employees": 1700,
    "returned": 1300,
    "on_duty": 950,
    "away_high": 70,
    "away_medium": 110,
    "away_low": 220,
    "in_quarantine": 30,
    "returned_today": 42,
    "above_scale_reporting": 16,
    "capacity_mean": Decimal("70.0"),
    "capacity_median": Decimal("72.0"),
    "electricity_kwh": Decimal("20000.0"),
    "electricity_kwh_last_year": Decimal("25000.0"),
}


@pytest.fixture
def summaries():
    """Two days: 开发区 and 张浦 tie on 返岗率 (80%), 周市 is third (50%), 高新区 has no employees.

    On 在岗率 开发区 leads (60%) and 张浦 and 周市 tie (50%). Only 开发区 and the city have a row the day before.
    """
    summary(DAY, "kfq", **KFQ_TODAY)
    summary(DAY, "gxq", expected=5)
    summary(DAY, "zhangpu", expected=40, reported=38, late=2, employees=500, returned=400, on_duty=250)
    summary(DAY, "zhoushi", expected=30, reported=30, employees=200, returned=100, on_duty=100)
    city = summary(DAY, None, **CITY_TODAY)
    summary(YESTERDAY, "kfq", **KFQ_YESTERDAY)
    summary(YESTERDAY, None, **(CITY_TODAY | {"reported": 100}))
    return city


def figures(sheet) -> dict[str, tuple]:
    """label -> (value cell, change cell) of the figures table."""
    rows = sheet.iter_rows(min_row=FIRST_FIGURE_ROW, max_row=FIRST_FIGURE_ROW + len(FIGURES) - 1, max_col=3)
    return {label.value: (value, change) for label, value, change in rows}


def table_below(sheet, heading: str) -> list[list]:
    """The values of the rows of the table under `heading`, its header first, up to the next blank row."""
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == heading) + 1
    end = next((i for i in range(start, len(rows)) if all(v is None for v in rows[i])), len(rows))
    width = sum(value is not None for value in rows[start])
    return [row[:width] for row in rows[start:end]]


def test_commanders_get_the_city_sheet_first_then_each_district_in_sort_order(summaries):
    book = open_workbook(daily_summary_workbook(day=DAY))

    # The last sheet holds the request figures (issue 14, service_requests/workbook.py).
    assert book.sheetnames == ["全市", "昆山开发区", "昆山高新区", "张浦镇", "周市镇", "企业诉求"]


def test_each_sheet_has_a_title_and_a_subtitle_with_date_status_build_time_and_units(summaries):
    book = open_workbook(daily_summary_workbook(day=DAY))

    sheet = book["张浦镇"]
    assert sheet["A1"].value == "昆山市企业用工情况日报汇总 · 张浦镇"
    assert sheet["A1"].font.bold
    assert book["全市"]["A1"].value == "昆山市企业用工情况日报汇总 · 全市"
    subtitle = sheet["A2"].value
    assert "2020年3月9日" in subtitle
    assert "临时数" in subtitle
    assert "终稿" not in subtitle
    assert "2020-03-09 17:30" in subtitle
    assert "单位：人、家、千瓦时、%" in subtitle
    assert [cell.value for cell in sheet[HEADER_ROW]] == ["项目", "数值", "较昨日"]
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])


def test_a_final_summary_says_so(summaries):
    DailySummary.objects.filter(day=DAY).update(is_final=True)

    book = open_workbook(daily_summary_workbook(day=DAY))

    assert "终稿" in book["全市"]["A2"].value
    assert "临时数" not in book["昆山开发区"]["A2"].value


def test_a_district_sheet_shows_each_figure_and_its_change_from_the_day_before(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["昆山开发区"]

    shown = {label: (value.value, change.value) for label, (value, change) in figures(sheet).items()}
    assert list(shown) == [str(figure.label) for figure in FIGURES]
    assert shown["应报企业"] == (50, 0)
    assert shown["已报企业"] == (45, 5)
    assert shown["未报企业"] == (5, -5)
    assert shown["迟报企业"] == (3, -2)
    assert shown["职工总数"] == (1000, 0)
    assert shown["累计返昆"] == (800, 100)
    assert shown["今日在岗"] == (600, 100)
    assert shown["未返昆 (高风险)"] == (50, -50)
    assert shown["未返昆 (中风险)"] == (50, -50)
    assert shown["未返昆 (低风险)"] == (100, 0)
    assert shown["隔离观察"] == (20, -5)
    assert shown["今日返昆"] == (30, 10)
    assert shown["报送产能的规上企业"] == (10, 2)
    assert shown["用电量"] == (12000, 2000)
    assert shown["去年同日用电量"] == (15000, 1000)
    # Rates are fractions: 800 / 1000 today against 700 / 1000 the day before.
    assert shown["返岗率 (%)"] == pytest.approx((0.8, 0.1))
    assert shown["在岗率 (%)"] == pytest.approx((0.6, 0.1))
    assert shown["平均产能利用率 (%)"] == pytest.approx((0.755, 0.055))
    assert shown["产能利用率中位数 (%)"] == pytest.approx((0.8, 0.05))
    assert shown["用电量同比 (%)"] == pytest.approx((12000 / 15000 - 1, 12000 / 15000 - 10000 / 14000))


def test_rates_are_numbers_with_a_percent_format_and_counts_are_whole_numbers(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["昆山开发区"]
    cells = figures(sheet)

    value, change = cells["返岗率 (%)"]
    assert isinstance(value.value, float)
    assert value.number_format == "0.0%"
    assert change.number_format == "+0.0%;-0.0%;0.0%"
    assert cells["平均产能利用率 (%)"][0].number_format == "0.0%"
    assert cells["用电量同比 (%)"][0].number_format == "0.0%"
    assert cells["职工总数"][0].number_format == "#,##0"
    assert cells["用电量"][0].number_format == "#,##0.0"


def test_the_change_is_blank_without_a_row_the_day_before(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["周市镇"]

    cells = figures(sheet)
    assert cells["职工总数"][0].value == 200
    assert [change.value for _value, change in cells.values()] == [None] * len(FIGURES)


def test_a_district_without_employees_has_no_rates(summaries):
    cells = figures(open_workbook(daily_summary_workbook(day=DAY))["昆山高新区"])

    assert cells["返岗率 (%)"][0].value is None
    assert cells["在岗率 (%)"][0].value is None
    assert cells["平均产能利用率 (%)"][0].value is None
    assert cells["用电量同比 (%)"][0].value is None


def test_the_city_sheet_shows_the_city_figures_and_a_district_table_whose_total_is_the_city_row(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["全市"]

    shown = {label: value.value for label, (value, _change) in figures(sheet).items()}
    assert shown["职工总数"] == 1700
    assert shown["已报企业"] == 113
    assert shown["返岗率 (%)"] == pytest.approx(1300 / 1700)
    assert figures(sheet)["已报企业"][1].value == 13

    table = table_below(sheet, "各属地情况")
    assert table[0] == [
        "属地",
        "应报",
        "已报",
        "未报",
        "迟报",
        "职工总数",
        "累计返昆",
        "今日在岗",
        "返岗率",
        "在岗率",
        "平均产能利用率",
        "重点企业返昆",
        "重点企业在岗",
        "重点企业产能利用率",
    ]
    assert [row[0] for row in table[1:]] == ["昆山开发区", "昆山高新区", "张浦镇", "周市镇", "合计"]
    assert table[3][:9] == ["张浦镇", 40, 38, 2, 2, 500, 400, 250, pytest.approx(0.8)]
    total = table[-1]
    assert total[1:] == [
        shown["应报企业"],
        shown["已报企业"],
        shown["未报企业"],
        shown["迟报企业"],
        shown["职工总数"],
        shown["累计返昆"],
        shown["今日在岗"],
        pytest.approx(shown["返岗率 (%)"]),
        pytest.approx(shown["在岗率 (%)"]),
        pytest.approx(shown["平均产能利用率 (%)"]),
        shown["重点企业: 累计返昆"],
        shown["重点企业: 今日在岗"],
        shown["重点企业: 平均产能利用率 (%)"],
    ]
    total_row = next(row for row in sheet.iter_rows() if row[0].value == "合计")
    assert all(cell.font.bold for cell in total_row)
    assert total_row[8].number_format == "0.0%"


def test_districts_are_ranked_best_first_with_ties_sharing_a_rank_and_those_without_employees_last(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["全市"]

    assert table_below(sheet, "各属地返岗率排名") == [
        ["名次", "属地", "比率"],
        [1, "昆山开发区", pytest.approx(0.8)],
        [1, "张浦镇", pytest.approx(0.8)],
        [3, "周市镇", pytest.approx(0.5)],
        [None, "昆山高新区", None],
    ]
    assert table_below(sheet, "各属地在岗率排名") == [
        ["名次", "属地", "比率"],
        [1, "昆山开发区", pytest.approx(0.6)],
        [2, "张浦镇", pytest.approx(0.5)],
        [2, "周市镇", pytest.approx(0.5)],
        [None, "昆山高新区", None],
    ]


def test_rates_that_show_the_same_share_a_rank():
    summary(DAY, None, employees=4501, returned=3601)
    summary(DAY, "kfq", employees=2500, returned=2000)  # 80.0%
    summary(DAY, "zhangpu", employees=2001, returned=1601)  # 80.009...%, shown as 80.0%

    sheet = open_workbook(daily_summary_workbook(day=DAY))["全市"]

    assert [row[:2] for row in table_below(sheet, "各属地返岗率排名")[1:]] == [[1, "昆山开发区"], [1, "张浦镇"]]


def test_sheets_are_frozen_below_the_header_and_print_landscape_one_page_wide(summaries):
    book = open_workbook(daily_summary_workbook(day=DAY))

    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A4"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    district = book["张浦镇"]
    assert district.print_title_rows == "$1:$3"
    assert "A1:C1" in district.merged_cells
    assert not district.row_breaks.brk


def test_the_city_sheet_prints_each_table_on_its_own_page_under_the_title_rows(summaries):
    sheet = open_workbook(daily_summary_workbook(day=DAY))["全市"]

    # The figures' header (row 3) would mislabel the tables below it, so only title and subtitle repeat.
    assert sheet.print_title_rows == "$1:$2"
    headings = {row[0].value: row[0].row for row in sheet.iter_rows() if row[0].font.size == 12}
    # Issue 15 adds the labour figures (labour.figures.labour_day_rows) as the city sheet's last table.
    assert list(headings) == ["各属地情况", "各属地返岗率排名", "各属地在岗率排名", "用工保障与劳资纠纷(当日末)"]
    assert [brk.id + 1 for brk in sheet.row_breaks.brk] == list(headings.values())


def test_district_staff_get_only_their_districts_sheet(summaries):
    book = open_workbook(daily_summary_workbook(day=DAY, district=District.objects.get(code="kfq")))

    assert book.sheetnames == ["昆山开发区", "企业诉求"]
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "昆山市企业用工情况日报汇总 · 昆山开发区"
    assert figures(sheet)["累计返昆"][0].value == 800
    assert figures(sheet)["累计返昆"][1].value == 100


def test_the_workbook_is_read_in_one_query_however_many_districts(summaries, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from service_requests.workbook import request_figures_sheet

    zhangpu = District.objects.get(code="zhangpu")
    # The sheet of request figures (issue 14) reads its own fixed number of queries; the summaries read one; the
    # city's workbook also reads the labour figures of the day (issue 15): four grouped queries, at any size.
    for district, labour_queries in ((None, 4), (zhangpu, 0)):
        with CaptureQueriesContext(connection) as requests_sheet:
            request_figures_sheet(DAY, district)
        with django_assert_num_queries(1 + len(requests_sheet.captured_queries) + labour_queries):
            daily_summary_workbook(day=DAY, district=district)


def test_a_day_without_a_summary_is_refused(summaries):
    with pytest.raises(DailySummary.DoesNotExist):
        daily_summary_workbook(day=date(2020, 3, 10))
    with pytest.raises(DailySummary.DoesNotExist):
        daily_summary_workbook(day=DAY, district=District.objects.get(code="lujia"))


def test_the_workbook_for_all_twelve_districts_has_a_sheet_each():
    # Its build time is measured in `make bench`, not here.
    for day in (YESTERDAY, DAY):
        summary(day, None, **CITY_TODAY)
        for district in District.objects.all():
            summary(day, district.code, **KFQ_TODAY)
    assert len(open_workbook(daily_summary_workbook(day=DAY)).sheetnames) == 14  # with 企业诉求
