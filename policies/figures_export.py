"""The figures of support policies as an Excel workbook (core.excel): per policy, per district, and each
policy in each district, with the totals of the whole scope."""

from datetime import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import excel
from policies.selectors import FigureRow

MONEY = "#,##0.00"

FIGURE_COLUMNS = [
    excel.Column("applications", _("申请(件)"), width=10),
    excel.Column("approved", _("批准(件)"), width=10),
    excel.Column("rejected", _("不予支持(件)"), width=12),
    excel.Column("waiting", _("待审核(件)"), width=10),
    excel.Column("amount_approved", _("核定金额(元)"), width=16, number_format=MONEY),
    excel.Column("paid", _("已兑付(件)"), width=10),
    excel.Column("paid_early", _("提前兑付(件)"), width=12),
    excel.Column("amount_paid", _("兑付金额(元)"), width=16, number_format=MONEY),
    excel.Column("median_days", _("申请至兑付天数(中位数)"), width=14, number_format="0.0"),
]


def figure_values(row: FigureRow) -> list:
    return [
        row.applications,
        row.approved,
        row.rejected,
        row.waiting,
        row.amount_approved,
        row.paid,
        row.paid_early,
        row.amount_paid,
        row.median_days,
    ]


def figures_workbook(figures: dict, *, at: datetime) -> bytes:
    subheading = gettext("导出时间: %(now)s") % {"now": at.strftime("%Y-%m-%d %H:%M")}
    total = [gettext("合计"), *figure_values(figures["total"])]
    sheets = [
        excel.Sheet(
            title=gettext("按政策"),
            heading=gettext("惠企政策兑付情况(按政策)"),
            subheading=subheading,
            columns=[excel.Column("policy", gettext("政策"), width=36), *FIGURE_COLUMNS],
            rows=[[policy.title, *figure_values(row)] for policy, row in figures["policies"]],
            totals=total,
        ),
        excel.Sheet(
            title=gettext("按属地"),
            heading=gettext("惠企政策兑付情况(按属地)"),
            subheading=subheading,
            columns=[excel.Column("district", gettext("属地"), width=16), *FIGURE_COLUMNS],
            rows=[[district.name, *figure_values(row)] for district, row in figures["districts"]],
            totals=total,
        ),
        excel.Sheet(
            title=gettext("政策分属地"),
            heading=gettext("惠企政策兑付情况(各政策分属地)"),
            subheading=subheading,
            columns=[
                excel.Column("policy", gettext("政策"), width=36),
                excel.Column("district", gettext("属地"), width=16),
                *FIGURE_COLUMNS,
            ],
            rows=[[policy.title, district.name, *figure_values(row)] for policy, district, row in figures["cells"]],
            totals=[gettext("合计"), "", *figure_values(figures["total"])],
        ),
    ]
    return excel.write_workbook(sheets)
