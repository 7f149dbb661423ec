"""The daily summary as an Excel workbook laid out for printing: 全市 and each district, with the change on the day."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import excel
from labour.figures import labour_day_rows
from reference.models import District
from workforce.models import DailySummary

TITLE = _("昆山市企业用工情况日报汇总 · %(area)s")
CITY = _("全市")
DAY = _("%(year)d年%(month)d月%(day)d日")
SUBTITLE = _("%(day)s　%(status)s　生成时间：%(built_at)s　单位：人、家、千瓦时、%%")
PROVISIONAL = _("临时数")
FINAL = _("终稿")
TOTAL = _("合计")
DISTRICTS_HEADING = _("各属地情况")
RETURN_RANKING_HEADING = _("各属地返岗率排名")
ON_DUTY_RANKING_HEADING = _("各属地在岗率排名")
LABOUR_HEADING = _("用工保障与劳资纠纷(当日末)")

COUNT = "#,##0"
KWH = "#,##0.0"
PERCENT = "0.0%"
# Changes carry their sign; a rate's change is in percentage points.
_CHANGE_FORMATS = {COUNT: "+#,##0;-#,##0;0", KWH: "+#,##0.0;-#,##0.0;0.0", PERCENT: "+0.0%;-0.0%;0.0%"}
# Rates are ranked as shown (0.1%), so two districts showing the same rate share a rank.
_SHOWN_RATE = Decimal("0.001")


def _percent(value: Decimal | None) -> float | None:
    """Capacity is stored in percent (85.3); the workbook holds every rate as a fraction (0.853)."""
    return None if value is None else float(value / 100)


def _electricity_change(row: DailySummary) -> float | None:
    last_year = row.electricity_kwh_last_year
    return float(row.electricity_kwh / last_year - 1) if last_year else None


@dataclass(frozen=True)
class Figure:
    label: str
    value: Callable[[DailySummary], Any]
    number_format: str


def _field(name: str) -> Callable[[DailySummary], Any]:
    return lambda row: getattr(row, name)


FIGURES = [
    Figure(_("应报企业"), _field("expected"), COUNT),
    Figure(_("已报企业"), _field("reported"), COUNT),
    Figure(_("未报企业"), _field("not_reported"), COUNT),
    Figure(_("迟报企业"), _field("late"), COUNT),
    Figure(_("职工总数"), _field("employees"), COUNT),
    Figure(_("累计返昆"), _field("returned"), COUNT),
    Figure(_("今日在岗"), _field("on_duty"), COUNT),
    Figure(_("返岗率 (%)"), _field("return_rate"), PERCENT),
    Figure(_("在岗率 (%)"), _field("on_duty_rate"), PERCENT),
    Figure(_("未返昆 (高风险)"), _field("away_high"), COUNT),
    Figure(_("未返昆 (中风险)"), _field("away_medium"), COUNT),
    Figure(_("未返昆 (低风险)"), _field("away_low"), COUNT),
    Figure(_("隔离观察"), _field("in_quarantine"), COUNT),
    Figure(_("今日返昆"), _field("returned_today"), COUNT),
    Figure(_("报送产能的规上企业"), _field("above_scale_reporting"), COUNT),
    Figure(_("平均产能利用率 (%)"), lambda row: _percent(row.capacity_mean), PERCENT),
    Figure(_("产能利用率中位数 (%)"), lambda row: _percent(row.capacity_median), PERCENT),
    Figure(_("用电量"), _field("electricity_kwh"), KWH),
    Figure(_("去年同日用电量"), _field("electricity_kwh_last_year"), KWH),
    Figure(_("用电量同比 (%)"), _electricity_change, PERCENT),
    # Clause 6: key enterprises and chain leaders (either flag, counted once).
    Figure(_("重点企业: 应报"), _field("key_expected"), COUNT),
    Figure(_("重点企业: 已报"), _field("key_reported"), COUNT),
    Figure(_("重点企业: 职工总数"), _field("key_employees"), COUNT),
    Figure(_("重点企业: 累计返昆"), _field("key_returned"), COUNT),
    Figure(_("重点企业: 今日在岗"), _field("key_on_duty"), COUNT),
    Figure(_("重点企业: 返岗率 (%)"), _field("key_return_rate"), PERCENT),
    Figure(_("重点企业: 在岗率 (%)"), _field("key_on_duty_rate"), PERCENT),
    Figure(_("重点企业: 今日返昆"), _field("key_returned_today"), COUNT),
    Figure(_("重点企业: 报送产能"), _field("key_capacity_reporting"), COUNT),
    Figure(_("重点企业: 平均产能利用率 (%)"), lambda row: _percent(row.key_capacity_mean), PERCENT),
]

FIGURE_COLUMNS = [
    excel.Column("label", _("项目"), width=26),
    excel.Column("value", _("数值"), width=16),
    excel.Column("change", _("较昨日"), width=16),
]
# The district table's columns: (header, value of a row, format).
DISTRICT_TABLE = [
    (_("应报"), _field("expected"), COUNT),
    (_("已报"), _field("reported"), COUNT),
    (_("未报"), _field("not_reported"), COUNT),
    (_("迟报"), _field("late"), COUNT),
    (_("职工总数"), _field("employees"), COUNT),
    (_("累计返昆"), _field("returned"), COUNT),
    (_("今日在岗"), _field("on_duty"), COUNT),
    (_("返岗率"), _field("return_rate"), PERCENT),
    (_("在岗率"), _field("on_duty_rate"), PERCENT),
    (_("平均产能利用率"), lambda row: _percent(row.capacity_mean), PERCENT),
    (_("重点企业返昆"), _field("key_returned"), COUNT),
    (_("重点企业在岗"), _field("key_on_duty"), COUNT),
    (_("重点企业产能利用率"), lambda row: _percent(row.key_capacity_mean), PERCENT),
]
DISTRICT_COLUMNS = [
    excel.Column("district", _("属地"), width=14),
    *(excel.Column(f"c{i}", header, width=10, number_format=fmt) for i, (header, _v, fmt) in enumerate(DISTRICT_TABLE)),
]
# Labour figures at the end of the day (labour.figures.labour_day_rows), not typed into any report.
LABOUR_TABLE = [
    ("open_positions", _("用工缺口")),
    ("hired_today", _("当日到岗")),
    ("hired_total", _("累计到岗")),
    ("pairings", _("结对机构")),
    ("disputes_open", _("未办结纠纷")),
    ("disputes_workers", _("纠纷涉及职工")),
]
LABOUR_COLUMNS = [
    excel.Column("district", _("属地"), width=14),
    *(excel.Column(key, header, width=10, number_format=COUNT) for key, header in LABOUR_TABLE),
]
RANKING_COLUMNS = [
    excel.Column("rank", _("名次"), width=8),
    excel.Column("district", _("属地"), width=14),
    excel.Column("rate", _("比率"), width=10, number_format=PERCENT),
]


# Further sheets other apps add to the workbook (day, district or None for the city) -> a sheet. Registered from
# their AppConfig.ready, so this module imports none of them (the layering contract).
_EXTRA_SHEETS: list[Callable[[date, District | None], excel.Sheet]] = []


def register_extra_sheet(builder: Callable[[date, District | None], excel.Sheet]) -> None:
    if builder not in _EXTRA_SHEETS:
        _EXTRA_SHEETS.append(builder)


def daily_summary_workbook(*, day: date, district: District | None = None) -> bytes:
    """全市 then each district in order (commanders), or the one district's sheet (its staff).

    Raises DailySummary.DoesNotExist when the day's summary has not been built.
    """
    rows = DailySummary.objects.filter(day__in=[day, day - timedelta(days=1)]).select_related("district")
    if district is not None:
        rows = rows.filter(district=district)
    today: dict[int | None, DailySummary] = {}
    yesterday: dict[int | None, DailySummary] = {}
    for row in rows.order_by("district__sort_order", "district__code"):
        (today if row.day == day else yesterday)[row.district_id] = row

    key = None if district is None else district.pk
    if key not in today:
        raise DailySummary.DoesNotExist(f"No daily summary for {day} ({district or CITY}).")
    districts = [row for district_id, row in today.items() if district_id is not None]
    extra = [builder(day, district) for builder in _EXTRA_SHEETS]
    if district is not None:
        return excel.write_workbook([_district_sheet(today[key], yesterday.get(key)), *extra])
    city = today[None]
    return excel.write_workbook(
        [
            _city_sheet(city, yesterday.get(None), districts, labour_day_rows(day)),
            *(_district_sheet(row, yesterday.get(row.district_id)) for row in districts),
            *extra,
        ]
    )


def _labour_line(name: str, figures: dict | None) -> list:
    return [name, *((figures or {}).get(key, 0) for key, _header in LABOUR_TABLE)]


def _district_sheet(row: DailySummary, previous: DailySummary | None) -> excel.Sheet:
    return _sheet(row.district.name, row, previous)


def _city_sheet(
    city: DailySummary, previous: DailySummary | None, districts: list[DailySummary], labour: dict
) -> excel.Sheet:
    return _sheet(
        str(CITY),
        city,
        previous,
        tables=[
            excel.Table(
                columns=DISTRICT_COLUMNS,
                rows=[_district_line(row.district.name, row) for row in districts],
                heading=DISTRICTS_HEADING,
                totals=_district_line(TOTAL, city),
                new_page=True,
            ),
            excel.Table(
                columns=RANKING_COLUMNS,
                rows=_ranking(districts, "returned"),
                heading=RETURN_RANKING_HEADING,
                new_page=True,
            ),
            excel.Table(
                columns=RANKING_COLUMNS,
                rows=_ranking(districts, "on_duty"),
                heading=ON_DUTY_RANKING_HEADING,
                new_page=True,
            ),
            excel.Table(
                columns=LABOUR_COLUMNS,
                heading=LABOUR_HEADING,
                new_page=True,
                rows=[_labour_line(row.district.name, labour.get(row.district_id)) for row in districts],
                totals=_labour_line(TOTAL, labour.get(None)),
            ),
        ],
    )


def _sheet(
    area: str, row: DailySummary, previous: DailySummary | None, tables: Sequence[excel.Table] = ()
) -> excel.Sheet:
    return excel.Sheet(
        title=area,
        columns=FIGURE_COLUMNS,
        rows=_figure_lines(row, previous),
        heading=TITLE % {"area": area},
        subheading=SUBTITLE
        % {
            "day": DAY % {"year": row.day.year, "month": row.day.month, "day": row.day.day},
            "status": FINAL if row.is_final else PROVISIONAL,
            "built_at": timezone.localtime(row.built_at).strftime("%Y-%m-%d %H:%M"),
        },
        tables=tables,
        report=True,
    )


def _figure_lines(row: DailySummary, previous: DailySummary | None) -> list[list]:
    lines = []
    for figure in FIGURES:
        value = figure.value(row)
        before = figure.value(previous) if previous is not None else None
        change = value - before if value is not None and before is not None else None
        lines.append(
            [
                figure.label,
                excel.Cell(value, figure.number_format),
                excel.Cell(change, _CHANGE_FORMATS[figure.number_format]),
            ]
        )
    return lines


def _district_line(name: str, row: DailySummary) -> list:
    return [name, *(value(row) for _header, value, _fmt in DISTRICT_TABLE)]


def _ranking(districts: list[DailySummary], numerator: str) -> list[list]:
    """Best first, equal shown rates ranked equally (1, 1, 3); districts without employees last, unranked."""

    def shown_rate(row: DailySummary) -> Decimal:
        return (Decimal(getattr(row, numerator)) / row.employees).quantize(_SHOWN_RATE, ROUND_HALF_UP)

    ranked = sorted((row for row in districts if row.employees), key=shown_rate, reverse=True)
    lines, rank, last_rate = [], 0, None
    for position, row in enumerate(ranked, start=1):
        rate = shown_rate(row)
        if rate != last_rate:
            rank, last_rate = position, rate
        lines.append([rank, row.district.name, getattr(row, numerator) / row.employees])
    lines += [[None, row.district.name, None] for row in districts if not row.employees]
    return lines


NOT_REPORTED_TITLE = _("未报日报企业")
NOT_REPORTED_HEADING = _("%(day)s 未报用工情况日报的企业 · %(area)s")
NOT_REPORTED_COLUMNS = [
    excel.Column("district", _("属地"), width=14),
    excel.Column("name", _("企业名称"), width=34),
    excel.Column("credit_code", _("统一社会信用代码"), width=22),
    excel.Column("industry", _("行业"), width=28),
    excel.Column("contact_name", _("联系人"), width=10),
    excel.Column("contact_mobile", _("联系人手机"), width=13),
    excel.Column("above_scale", _("规上企业"), width=9),
    excel.Column("key", _("重点企业"), width=9),
]


def not_reported_workbook(enterprises, *, day: date, area: str) -> bytes:
    """The enterprises without a daily report on `day` (a queryset scoped by the selector), streamed."""
    sheet = excel.Sheet(
        title=str(NOT_REPORTED_TITLE),
        columns=NOT_REPORTED_COLUMNS,
        rows=(
            [
                e.district.name,
                e.name,
                e.credit_code,
                f"{e.industry.code} {e.industry.name}" if e.industry_id else None,
                e.contact_name,
                e.contact_mobile,
                excel.FLAG_TEXT[e.is_above_scale],
                excel.FLAG_TEXT[e.is_key],
            ]
            for e in enterprises.iterator(chunk_size=2000)
        ),
        heading=str(NOT_REPORTED_HEADING % {"day": day.isoformat(), "area": area}),
        subheading=str(_("导出时间: %(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")}),
    )
    return excel.write_workbook([sheet])
