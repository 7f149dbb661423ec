"""The workbooks of the worker-return lists: passes, the check log, chartered trips.

Each takes a queryset already scoped by its selector (what the user's list shows, with the list's filters),
streams it in chunks (one query per 2,000 rows, whatever the length) into core.excel's write-only sheet, whose
cells pass the formula-injection guard.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import excel
from passes.models import PassCheck, ReturnPass, TransportRequest
from passes.personal_data import mask_name

CHUNK = 2000
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"

PASS_COLUMNS = [
    excel.Column("number", _("通行证编号"), width=14),
    excel.Column("name", _("员工"), width=10),
    excel.Column("enterprise", _("企业"), width=32),
    excel.Column("issuing_district", _("发证属地"), width=14),
    excel.Column("residence", _("居住地"), width=24),
    excel.Column("status", _("状态"), width=10),
    excel.Column("valid_from", _("有效期自"), width=12, number_format=DATE),
    excel.Column("valid_until", _("有效期至"), width=12, number_format=DATE),
    excel.Column("issued_at", _("核发时间"), width=17, number_format=DATETIME),
    excel.Column("reason", _("原因"), width=30),
]

CHECK_COLUMNS = [
    excel.Column("checked_at", _("核验时间"), width=19, number_format="yyyy-mm-dd hh:mm:ss"),
    excel.Column("result", _("结果"), width=10),
    excel.Column("number", _("通行证编号"), width=14),
    excel.Column("community", _("卡口(社区)"), width=20),
    excel.Column("checked_by", _("核验人"), width=12),
]

TRANSPORT_COLUMNS = [
    excel.Column("created_at", _("申请时间"), width=17, number_format=DATETIME),
    excel.Column("enterprise", _("企业"), width=32),
    excel.Column("origin", _("出发地"), width=28),
    excel.Column("departure_on", _("出发日期"), width=12, number_format=DATE),
    excel.Column("headcount", _("人数"), width=8),
    excel.Column("workers", _("已登记乘车员工"), width=10),
    excel.Column("contact_name", _("联系人"), width=10),
    excel.Column("contact_mobile", _("联系人手机"), width=13),
    excel.Column("status", _("状态"), width=14),
    excel.Column("arrangement", _("车辆安排"), width=30),
    excel.Column("decision_comment", _("属地意见"), width=30),
    excel.Column("arrived_on", _("抵昆日期"), width=12, number_format=DATE),
]


def _exported_at() -> str:
    return str(_("导出时间: %(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")})


def _pass_rows(passes: QuerySet[ReturnPass], *, full_names: bool) -> Iterator[list[Any]]:
    for p in passes.iterator(chunk_size=CHUNK):
        residence = f"{p.residence_district.name} {p.residence_community.name if p.residence_community else ''}"
        yield [
            p.number,
            p.worker.name if full_names else mask_name(p.worker.name),
            p.enterprise.name,
            p.issuing_district.name,
            residence.strip(),
            p.get_status_display(),
            p.valid_from,
            p.valid_until,
            p.issued_at,
            p.status_reason,
        ]


def passes_workbook(passes: QuerySet[ReturnPass], *, full_names: bool) -> bytes:
    """The passes of the list, with their status; names as the list shows them to this user."""
    sheet = excel.Sheet(
        title=str(_("返岗员工通行证")),
        columns=PASS_COLUMNS,
        rows=_pass_rows(passes, full_names=full_names),
        heading=str(_("返岗员工通行证")),
        subheading=_exported_at(),
    )
    return excel.write_workbook([sheet])


def _check_rows(checks: QuerySet[PassCheck]) -> Iterator[list[Any]]:
    for c in checks.iterator(chunk_size=CHUNK):
        yield [
            c.checked_at,
            c.get_result_display(),
            c.pass_number or None,
            c.community.name if c.community else None,
            c.checked_by.display_name if c.checked_by else None,
        ]


def checks_workbook(checks: QuerySet[PassCheck], *, day: date) -> bytes:
    sheet = excel.Sheet(
        title=str(_("核验记录")),
        columns=CHECK_COLUMNS,
        rows=_check_rows(checks),
        heading=str(_("通行证核验记录 %(day)s") % {"day": day.isoformat()}),
        subheading=_exported_at(),
    )
    return excel.write_workbook([sheet])


def _transport_rows(requests: QuerySet[Any]) -> Iterator[list[Any]]:  # annotated with worker_count
    for r in requests.iterator(chunk_size=CHUNK):
        yield [
            r.created_at,
            r.enterprise.name,
            r.origin.full_name,
            r.departure_on,
            r.headcount,
            r.worker_count,
            r.contact_name,
            r.contact_mobile,
            r.get_status_display(),
            r.arrangement,
            r.decision_comment,
            r.arrived_on,
        ]


def transport_workbook(requests: QuerySet[TransportRequest]) -> bytes:
    sheet = excel.Sheet(
        title=str(_("点对点包车")),
        columns=TRANSPORT_COLUMNS,
        rows=_transport_rows(requests),
        heading=str(_("点对点包车申请")),
        subheading=_exported_at(),
    )
    return excel.write_workbook([sheet])
