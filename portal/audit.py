"""The audit page's reads (issue 20, item 4): who changed what and when in workers, enterprises, accounts and
filings (django-simple-history), and every disclosure of a full ID number with its reason.

District staff see what concerns their district, commanders and administrators the whole city; one role per line.
Changed values of fields that are personal data are not shown, only that they changed."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.dates import day_start
from enterprises.models import Enterprise
from filings.models import Filing
from passes.models import IdNumberDisclosure, Worker

AUDITOR_ROLES = (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 10_000
CHANGE_TYPES = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
# Shown as "已修改", never with their values.
PERSONAL_FIELDS = {
    "name",
    "full_name",
    "mobile",
    "contact_mobile",
    "contact_name",
    "legal_representative",
    "email",
    "id_number_masked",
    "address",
    "housing_address",
    "residence_address",  # a worker's home address
    "temperature",  # a health reading
}


@dataclass(frozen=True)
class Kind:
    label: str
    model: type
    district_q: str  # the lookup from a history row to its district, for district staff


KINDS = {
    "worker": Kind(_("员工(返岗人员)"), Worker, "enterprise__district_id"),
    "enterprise": Kind(_("企业"), Enterprise, "district_id"),
    "filing": Kind(_("复工备案"), Filing, "enterprise__district_id"),
    "user": Kind(_("账号"), User, ""),
}
DISCLOSURES = "disclosure"


@dataclass(frozen=True)
class AuditFilters:
    kind: str = "worker"
    since: date | None = None
    until: date | None = None
    actor: str = ""  # part of the acting user's username or name


def _district_scope(user, kind: str) -> Q:
    if kind == "user":  # staff of the district, its enterprises' accounts, its checkpoints
        return (
            Q(district_id=user.district_id)
            | Q(enterprise__district_id=user.district_id)
            | Q(community__district_id=user.district_id)
        )
    return Q(**{KINDS[kind].district_q: user.district_id})


def history_visible_to(user, kind: str) -> QuerySet:
    """The change history of one kind of record that the user may audit."""
    rows = KINDS[kind].model.history.select_related("history_user")
    if user.role == Role.DISTRICT_STAFF:
        return rows.filter(_district_scope(user, kind))
    if user.role in (Role.COMMANDER, Role.ADMIN):
        return rows.all()
    return rows.none()


def disclosures_visible_to(user) -> QuerySet:
    rows = IdNumberDisclosure.objects.select_related("user", "enterprise", "worker")
    if user.role == Role.DISTRICT_STAFF:
        return rows.filter(enterprise__district_id=user.district_id)
    if user.role in (Role.COMMANDER, Role.ADMIN):
        return rows.all()
    return rows.none()


def audit_rows(user, filters: AuditFilters) -> QuerySet:
    if filters.kind == DISCLOSURES:
        rows, at, actor = disclosures_visible_to(user), "at", "user"
        order = ("-at", "-pk")
    else:
        rows, at, actor = history_visible_to(user, filters.kind), "history_date", "history_user"
        order = ("-history_date", "-history_id")
    if filters.since:
        rows = rows.filter(**{f"{at}__gte": day_start(filters.since)})
    if filters.until:
        rows = rows.filter(**{f"{at}__lt": day_start(filters.until + timedelta(days=1))})
    if filters.actor:
        rows = rows.filter(
            Q(**{f"{actor}__username__icontains": filters.actor})
            | Q(**{f"{actor}__full_name__icontains": filters.actor})
        )
    return rows.order_by(*order)


def with_changes(kind: str, records: list) -> list[dict]:
    """Each history record of a page with what it changed against the record before it: two queries a page."""
    if kind == DISCLOSURES or not records:
        return [{"record": record} for record in records]
    history = KINDS[kind].model.history
    ids = {record.id for record in records}
    previous: dict[int, list] = {}
    for row in history.filter(id__in=ids, history_id__lt=max(r.history_id for r in records)).order_by("history_id"):
        previous.setdefault(row.id, []).append(row)
    rows = []
    for record in records:
        before = [row for row in previous.get(record.id, []) if row.history_id < record.history_id]
        rows.append({"record": record, "changes": _changes(before[-1], record) if before else []})
    return rows


def _changes(old, new) -> list[dict]:
    changes = []
    for field in new.instance_type._meta.fields:
        if field.attname not in new.__dict__ or field.name in ("history_id", "history_date", "history_user"):
            continue
        before, after = getattr(old, field.attname, None), getattr(new, field.attname, None)
        if before != after:
            personal = field.name in PERSONAL_FIELDS
            labels = dict(field.flatchoices) if field.choices else {}
            changes.append(
                {
                    "field": field.verbose_name,
                    "personal": personal,
                    "before": None if personal else labels.get(before, before),
                    "after": None if personal else labels.get(after, after),
                }
            )
    return changes


def export_rows(user, filters: AuditFilters) -> tuple[list[str], list[list]]:
    """The filtered rows as a table for Excel (at most EXPORT_MAX_ROWS), newest first."""
    records = list(audit_rows(user, filters)[:EXPORT_MAX_ROWS])
    if filters.kind == DISCLOSURES:
        header = ["时间", "操作人", "方式", "企业", "员工", "人数", "事由"]
        return header, [
            [
                r.at,
                r.user.display_name,
                r.get_kind_display(),
                r.enterprise.name,
                str(r.worker) if r.worker else "",
                r.worker_count,
                r.reason,
            ]
            for r in records
        ]
    header = ["时间", "操作人", "类型", "对象", "变更"]
    table = []
    for row in with_changes(filters.kind, records):
        record = row["record"]
        changes = "; ".join(
            f"{c['field']}: 已修改" if c["personal"] else f"{c['field']}: {c['before']} → {c['after']}"
            for c in row["changes"]
        )
        table.append(
            [
                record.history_date,
                record.history_user.display_name if record.history_user else "",
                CHANGE_TYPES[record.history_type],
                str(record),
                changes,
            ]
        )
    return header, table
