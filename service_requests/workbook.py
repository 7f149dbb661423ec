"""The daily workbook's sheet of request figures (件件有答复), registered into workforce.workbook.

Counted up to the end of the workbook's day (or now, for today), so the sheet of today equals the
dashboards' figures at the same moment."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import excel
from core.dates import day_start
from reference.models import District
from service_requests.models import ServiceRequest
from service_requests.selectors import request_figures

SHEET_TITLE = _("企业诉求")
HEADING = _("企业诉求办理情况(件件有答复) · %(area)s")
SUBHEADING = _("统计截至 %(until)s　单位：件、%%、小时")
CITY = _("全市")
TOTAL = _("合计")
TABLES = [
    ("district", _("各属地")),
    ("tier", _("各层级(当前所在层级)")),
    ("category", _("各类别")),
    ("department", _("各部门(当前所在部门)")),
]

COUNT, PERCENT, HOURS = "#,##0", "0.0%", "0.0"
FIGURE_COLUMNS = [
    ("received", _("受理"), COUNT),
    ("answered", _("已答复"), COUNT),
    ("on_time", _("按期答复"), COUNT),
    ("escalated", _("逾期升级"), COUNT),
    ("closed", _("已办结"), COUNT),
    ("satisfied", _("满意"), COUNT),
    ("basic", _("基本满意"), COUNT),
    ("unsatisfied", _("不满意"), COUNT),
    ("deemed", _("视为满意"), COUNT),
    ("satisfaction_rate", _("满意率"), PERCENT),
    ("median_hours", _("答复用时中位数(小时)"), HOURS),
    ("overdue", _("逾期未答复"), COUNT),
]


def columns(first: str) -> list[excel.Column]:
    return [
        excel.Column("label", first, width=22),
        *(excel.Column(key, header, width=11, number_format=fmt) for key, header, fmt in FIGURE_COLUMNS),
    ]


def figure_line(label, row: dict) -> list:
    return [label, *(row[key] for key, _h, _f in FIGURE_COLUMNS)]


def sheet_until(day: date) -> datetime:
    return min(day_start(day + timedelta(days=1)), timezone.now())


def request_figures_sheet(day: date, district: District | None) -> excel.Sheet:
    until = sheet_until(day)
    figures = request_figures(ServiceRequest.objects.all(), until=until, district_id=district.pk if district else None)
    tables = [
        excel.Table(
            columns=columns(str(heading)),
            rows=[figure_line(row["label"], row) for row in figures[name]],
            heading=str(heading),
            totals=figure_line(TOTAL, figures["totals"]),
        )
        for name, heading in TABLES[1:]
    ]
    area = district.name if district else str(CITY)
    first = figures["district"] if district is None else [{**figures["totals"], "label": area}]
    return excel.Sheet(
        title=str(SHEET_TITLE),
        columns=columns(str(TABLES[0][1])),
        rows=[figure_line(row["label"], row) for row in first],
        totals=figure_line(TOTAL, figures["totals"]) if district is None else None,
        heading=str(HEADING % {"area": area}),
        subheading=str(SUBHEADING % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}),
        tables=tables,
        report=True,
    )
