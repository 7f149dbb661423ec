"""Reads of requests: scoped gets, the handler's queue, lists with drill-down filters, the figures
(件件有答复), landing-page counts and the district's linkage view."""

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.pinyin import name_q
from enterprises.models import Enterprise
from reference.models import District, IndustryAuthority
from service_requests.linkage import LinkageResolver
from service_requests.models import (
    Category,
    LinkageTier,
    LookBack,
    Rating,
    ServiceRequest,
    ServiceRequestAttachment,
)

S = ServiceRequest.Status

# --- Getting one ----------------------------------------------------------------------------------


def service_request_get_for_user_or_404(user, pk: int) -> ServiceRequest:
    """Missing and out-of-scope requests look the same: 404."""
    return get_object_or_404(
        ServiceRequest.objects.visible_to(user).select_related(
            "enterprise__district",
            "enterprise__industry",
            "owner_user",
            "owner_authority",
            "raised_by",
            "answered_by",
            "access_complaint__community",
        ),
        pk=pk,
    )


def service_request_detail_relations(request: ServiceRequest) -> dict:
    return {
        "events": list(request.events.select_related("actor", "to_user", "to_authority")),
        "attachments": list(request.attachments.all()),
    }


def attachment_get_for_user_or_404(user, pk: int) -> ServiceRequestAttachment:
    return get_object_or_404(
        ServiceRequestAttachment.objects.filter(request__in=ServiceRequest.objects.visible_to(user)), pk=pk
    )


def capacity_report_for_raise_or_404(user, pk: int):
    """A capacity report the user may turn into a request (its own enterprise's, or one in the staff's scope)."""
    from workforce.models import CapacityReport

    return get_object_or_404(CapacityReport.objects.visible_to(user).select_related("enterprise"), pk=pk)


def enterprise_for_raise(user, *, pk: int | None = None, credit_code: str = "") -> Enterprise | None:
    visible = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    if pk is not None:
        return visible.filter(pk=pk).first()
    if credit_code:
        return visible.filter(credit_code=credit_code.strip().upper()).first()
    return None


# --- Queue and lists ------------------------------------------------------------------------------

QUEUE_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.REOPENED, S.INFO_REQUESTED)


def service_request_queue_for(user) -> QuerySet[ServiceRequest]:
    """What the user holds and must act on: earliest deadline first (asked-for-information ones last)."""
    if user.role == Role.AUTHORITY_STAFF:
        owned = Q(owner_user=user) | Q(owner_authority_id=user.industry_authority_id)
    elif user.role == Role.DISTRICT_STAFF:
        unrouted = Q(owner_user__isnull=True, owner_authority__isnull=True, district_id=user.district_id)
        owned = Q(owner_user=user) | unrouted
    else:
        owned = Q(owner_user=user)
    return (
        ServiceRequest.objects.filter(owned, status__in=QUEUE_STATUSES)
        .select_related("enterprise", "district", "owner_user", "owner_authority")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


@dataclass(frozen=True)
class ListFilters:
    status: str = ""
    category: str = ""
    district: int | None = None
    tier: int | None = None
    department: int | None = None
    figure: str = ""
    q: str = ""


# What each figure counts, as a condition at a moment (the drill-down lists use the moment "now").
def figure_q(figure: str, until: datetime) -> Q:
    closed = Q(closed_at__lt=until)
    return {
        "received": Q(),
        "answered": Q(first_answered_at__lt=until),
        "on_time": Q(first_answered_at__lt=until, answered_on_time=True),
        "escalated": Q(first_escalated_at__lt=until),
        "closed": closed,
        "satisfied": closed & Q(rating=Rating.SATISFIED, deemed_satisfied=False),
        "basic": closed & Q(rating=Rating.BASIC),
        "unsatisfied": closed & Q(rating=Rating.UNSATISFIED),
        "deemed": closed & Q(deemed_satisfied=True),
        "overdue": Q(status__in=ServiceRequest.CLOCK_RUNNING, due_at__lt=until),
    }[figure]


FIGURE_LABELS = {
    "received": _("受理诉求"),
    "answered": _("已答复"),
    "on_time": _("按期答复"),
    "escalated": _("逾期升级"),
    "closed": _("已办结"),
    "satisfied": _("满意"),
    "basic": _("基本满意"),
    "unsatisfied": _("不满意"),
    "deemed": _("视为满意"),
    "overdue": _("逾期未答复"),
}


def service_request_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[ServiceRequest]:
    qs = ServiceRequest.objects.visible_to(user).select_related(
        "enterprise", "district", "owner_user", "owner_authority"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.figure in FIGURE_LABELS:
        qs = qs.filter(figure_q(filters.figure, timezone.now()))
    if filters.q:
        qs = qs.filter(name_q("enterprise__name", filters.q) | Q(title__contains=filters.q))
    return qs.order_by("-created_at", "-pk")


def overreach_requests(user, limit: int = 10) -> list[ServiceRequest]:
    """层层加码: what commanders watch, newest open first."""
    return list(
        ServiceRequest.objects.visible_to(user)
        .filter(category=Category.OVERREACH, status__in=ServiceRequest.OPEN_STATUSES)
        .select_related("enterprise", "district", "owner_user", "owner_authority")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- Figures (件件有答复) -------------------------------------------------------------------------

COUNTED = (
    "received",
    "answered",
    "on_time",
    "escalated",
    "closed",
    "satisfied",
    "basic",
    "unsatisfied",
    "deemed",
    "overdue",
)
DIMENSIONS = {"district": "district_id", "tier": "tier", "category": "category", "department": "department_id"}


class Median(Aggregate):
    """PostgreSQL's median; other databases get it computed from the values (one query either way)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _rates(row: dict) -> dict:
    received, answered, closed = row["received"], row["answered"], row["closed"]
    content = row["satisfied"] + row["basic"] + row["deemed"]
    minutes = row.get("median_minutes")
    return row | {
        "answered_rate": answered / received if received else None,
        "on_time_rate": row["on_time"] / answered if answered else None,
        "closed_rate": closed / received if received else None,
        "satisfaction_rate": content / closed if closed else None,
        "median_hours": round(minutes / 60, 1) if minutes is not None else None,
    }


def service_request_figures(
    user, *, until: datetime | None = None, district_id: int | None = None, dimensions=tuple(DIMENSIONS)
) -> dict:
    """The figures of the requests in the user's scope (see request_figures)."""
    return request_figures(
        ServiceRequest.objects.visible_to(user), until=until, district_id=district_id, dimensions=dimensions
    )


def request_figures(
    requests: QuerySet, *, until: datetime | None = None, district_id: int | None = None, dimensions=tuple(DIMENSIONS)
) -> dict:
    """Per district, tier, category and department, and in total: received, answered, answered on time,
    escalated, closed, the ratings, the median time to the first answer and open past deadline, counting what
    had happened by `until` (now by default). A fixed number of queries at any scale."""
    until = until or timezone.now()
    qs = requests.filter(created_at__lt=until)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    aggregates: dict[str, Aggregate] = {key: Count("pk", filter=figure_q(key, until)) for key in COUNTED}
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        aggregates["median_minutes"] = Median("minutes_to_answer", filter=Q(first_answered_at__lt=until))
    totals = qs.aggregate(**aggregates)
    fields = {name: DIMENSIONS[name] for name in dimensions}
    groups = {
        name: {row[field]: row for row in qs.values(field).annotate(**aggregates).order_by(field)}
        for name, field in fields.items()
    }
    if not on_postgres:
        _medians_in_python(qs.filter(first_answered_at__lt=until), totals, groups)
    labels = _labels(groups)
    result = {"until": until, "totals": {"key": "", "label": "", **_rates(totals)}}
    for name, field in fields.items():
        rows = []
        for key, row in groups[name].items():
            if key is None:
                continue
            data = _rates({k: v for k, v in row.items() if k != field})
            rows.append({"key": key, "label": labels[name].get(key, key), **data})
        result[name] = rows
    return result


def _medians_in_python(answered: QuerySet, totals: dict, groups: dict) -> None:
    values = list(answered.values_list(*(DIMENSIONS[name] for name in groups), "minutes_to_answer"))
    minutes = [row[-1] for row in values if row[-1] is not None]
    totals["median_minutes"] = median(minutes) if minutes else None
    for index, name in enumerate(groups):
        by_key: dict = {}
        for row in values:
            if row[-1] is not None:
                by_key.setdefault(row[index], []).append(row[-1])
        for key, row in groups[name].items():
            row["median_minutes"] = median(by_key[key]) if key in by_key else None


def _labels(groups: dict) -> dict:
    """Names for the keys of the groups asked for, one query per dimension that needs one."""
    loaders = {
        "district": lambda keys: dict(District.objects.filter(pk__in=keys).values_list("pk", "name")),
        "tier": lambda keys: {t.level: f"第{t.level}级 {t.name}" for t in LinkageTier.objects.all()},
        "category": lambda keys: dict(Category.choices),
        "department": lambda keys: dict(IndustryAuthority.objects.filter(pk__in=keys).values_list("pk", "name")),
    }
    return {name: loaders[name]([key for key in keys if key is not None]) for name, keys in groups.items()}


# --- Landing pages --------------------------------------------------------------------------------


def service_request_landing_counts(user) -> dict:
    """Counts for the user's landing page, one query for the requests in scope and one for their own queue."""
    now = timezone.now()
    visible = ServiceRequest.objects.visible_to(user).aggregate(
        open=Count("pk", filter=Q(status__in=ServiceRequest.OPEN_STATUSES)),
        answered=Count("pk", filter=Q(status=S.ANSWERED)),
        info_requested=Count("pk", filter=Q(status=S.INFO_REQUESTED)),
        overdue=Count("pk", filter=figure_q("overdue", now)),
        overreach=Count("pk", filter=Q(category=Category.OVERREACH, status__in=ServiceRequest.OPEN_STATUSES)),
    )
    if user.role in (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER):
        visible |= service_request_queue_for(user).aggregate(
            queue=Count("pk"), queue_overdue=Count("pk", filter=Q(due_at__lt=now))
        )
    return visible


def enterprises_without_tier_one(user) -> QuerySet[Enterprise]:
    """The district's active enterprises with nobody at the first tier (its to-do list)."""
    enterprises = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    first = LinkageTier.objects.order_by("level").first()
    if first is None:
        return enterprises
    own = Q(linked_officials__level=first.level)
    if first.source == LinkageTier.Source.RESPONSIBLE_OFFICIAL:
        return enterprises.exclude(own).filter(
            Q(responsible_official__isnull=True) | Q(responsible_official__is_active=False)
        )
    return enterprises.exclude(own)


def look_backs_pending(user) -> QuerySet[LookBack]:
    return (
        LookBack.objects.visible_to(user)
        .filter(called_at__isnull=True)
        .select_related("request__enterprise", "draw")
        .order_by("draw__week", "pk")
    )


def look_backs_visible_to(user) -> QuerySet[LookBack]:
    return (
        LookBack.objects.visible_to(user)
        .select_related("request__enterprise", "draw", "called_by")
        .order_by("-draw__week", "called_at", "pk")
    )


def look_back_get_for_user_or_404(user, pk: int) -> LookBack:
    return get_object_or_404(LookBack.objects.visible_to(user).select_related("request__enterprise"), pk=pk)


# --- Linkage view ---------------------------------------------------------------------------------


def linkage_enterprises(user, *, missing_only: bool = False) -> QuerySet[Enterprise]:
    enterprises = (
        enterprises_without_tier_one(user)
        if missing_only
        else Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    )
    return enterprises.select_related("district", "industry", "responsible_official").order_by("name", "pk")


def linkage_rows(enterprises) -> list[dict]:
    """Each enterprise of a page with who stands at each tier (a fixed number of queries per page)."""
    enterprises = list(enterprises)
    resolver = LinkageResolver(enterprises)
    return [{"enterprise": e, "chain": resolver.chain(e)} for e in enterprises]


def linkage_enterprise_get_for_user_or_404(user, pk: int) -> Enterprise:
    visible = Enterprise.objects.none() if user.role != Role.DISTRICT_STAFF else Enterprise.objects.visible_to(user)
    return get_object_or_404(visible.select_related("district", "industry", "responsible_official"), pk=pk)
