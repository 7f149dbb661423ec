"""Reads of supervision, every one through the scoping layer: lists, objects or 404, the training status of an
enterprise's returnees, and the figures by district for the dashboards (a fixed number of queries)."""

from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from enterprises.models import Enterprise
from passes.models import Worker
from reference.models import District
from supervision.models import (
    Checklist,
    ChecklistItem,
    Finding,
    InspectionRound,
    InspectionVisit,
    Notice,
    NoticeSubject,
    TrainingAttendance,
    TrainingSession,
    VisitPhoto,
)

UNTRAINED_SHOWN = 20
# The dashboards' figures are refreshed every minute by a beat task, as the dashboards' own are.
FIGURES_CACHE_SECONDS = 60

# --- training --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFilters:
    kind: str = ""
    held_from: date | None = None
    held_to: date | None = None


def training_list_visible_to(user, filters: TrainingFilters | None = None):
    filters = filters or TrainingFilters()
    sessions = TrainingSession.objects.visible_to(user).select_related("enterprise__district")
    if filters.kind:
        sessions = sessions.filter(kind=filters.kind)
    if filters.held_from:
        sessions = sessions.filter(held_on__gte=filters.held_from)
    if filters.held_to:
        sessions = sessions.filter(held_on__lte=filters.held_to)
    named = TrainingAttendance.objects.filter(session=OuterRef("pk")).values("session").annotate(n=Count("pk"))
    return sessions.annotate(named_count=Coalesce(Subquery(named.values("n")), 0)).order_by("-held_on", "-pk")


def training_get_for_user_or_404(user, pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.visible_to(user).select_related("enterprise__district"), pk=pk)


def _trained_since_arrival():
    """A returnee counts as trained once named at a session held on or after the day they arrived."""
    return Exists(TrainingAttendance.objects.filter(worker=OuterRef("pk"), held_on__gte=OuterRef("arrived_on")))


def training_status(user, enterprise_pk: int) -> dict:
    """Whether an enterprise's returnees (roster workers who arrived) were trained: for the filing page and the
    district's view of the enterprise. 404 for an enterprise outside the user's scope."""
    enterprise = get_object_or_404(Enterprise.objects.visible_to(user), pk=enterprise_pk)
    returnees = Worker.objects.filter(enterprise=enterprise, arrived_on__isnull=False)
    counts = returnees.aggregate(total=Count("pk"), trained=Count("pk", filter=_trained_since_arrival()))
    untrained = (
        returnees.annotate(trained=_trained_since_arrival())
        .filter(trained=False)
        .order_by("arrived_on", "pk")[:UNTRAINED_SHOWN]
    )
    return {
        "enterprise": enterprise,
        "returnees": counts["total"],
        "trained": counts["trained"],
        "share": counts["trained"] / counts["total"] if counts["total"] else None,
        "untrained": list(untrained),
        "untrained_more": max(counts["total"] - counts["trained"] - UNTRAINED_SHOWN, 0),
        "sessions": list(enterprise.training_sessions.order_by("-held_on", "-pk")[:5]),
        "session_count": enterprise.training_sessions.count(),
    }


def roster_for_attendance(enterprise):
    return Worker.objects.filter(enterprise=enterprise).order_by("name", "pk")


# --- checklists (city-wide versioned data; commanders and administrators manage them) -----------------


def checklists_all():
    return Checklist.objects.annotate(item_count=Count("items")).order_by("-effective_from", "-pk")


def checklist_in_force(day: date) -> Checklist | None:
    return Checklist.objects.in_force(day)


def checklist_get_or_404(pk: int) -> Checklist:
    return get_object_or_404(Checklist, pk=pk)


def checklist_items_of(checklist: Checklist) -> list[ChecklistItem]:
    return list(checklist.items.order_by("number"))


def checklist_item_get_or_404(pk: int) -> ChecklistItem:
    return get_object_or_404(ChecklistItem, pk=pk)


# --- rounds and visits -----------------------------------------------------------------------------


def round_list_visible_to(user):
    visits = InspectionVisit.objects.filter(round=OuterRef("pk")).values("round")
    findings = Finding.objects.filter(round=OuterRef("pk")).values("round")
    return (
        InspectionRound.objects.visible_to(user)
        .select_related("district")
        .annotate(
            target_count=Coalesce(Subquery(visits.annotate(n=Count("pk")).values("n")), 0),
            done_count=Coalesce(
                Subquery(visits.filter(status=InspectionVisit.Status.DONE).annotate(n=Count("pk")).values("n")), 0
            ),
            finding_count=Coalesce(Subquery(findings.annotate(n=Count("pk")).values("n")), 0),
        )
        .order_by("-starts_on", "-pk")
    )


def round_get_for_user_or_404(user, pk: int) -> InspectionRound:
    return get_object_or_404(InspectionRound.objects.visible_to(user).select_related("district", "checklist"), pk=pk)


def round_visits(inspection_round: InspectionRound, user):
    return _visits(InspectionVisit.objects.visible_to(user).filter(round=inspection_round)).order_by(
        "status", "district__sort_order", "pk"
    )


@dataclass(frozen=True)
class VisitFilters:
    status: str = ""
    district_id: int | None = None
    mine: bool = False  # planned visits of rounds the user inspects for


def _visits(queryset):
    failed = Finding.objects.filter(visit=OuterRef("pk")).values("visit").annotate(n=Count("pk")).values("n")
    return queryset.select_related(
        "round__district", "enterprise", "community__district", "district", "inspector"
    ).annotate(failed_count=Coalesce(Subquery(failed), 0))


def visit_list_visible_to(user, filters: VisitFilters | None = None):
    filters = filters or VisitFilters()
    visits = InspectionVisit.objects.visible_to(user)
    if filters.status:
        visits = visits.filter(status=filters.status)
    if filters.district_id:
        visits = visits.filter(district_id=filters.district_id)
    if filters.mine:
        visits = visits.filter(
            round__inspectors=user, status=InspectionVisit.Status.PLANNED, round__status=InspectionRound.Status.OPEN
        )
    return _visits(visits).order_by(F("visited_at").desc(nulls_first=True), "-pk")


def visit_get_for_user_or_404(user, pk: int) -> InspectionVisit:
    return get_object_or_404(
        _visits(InspectionVisit.objects.visible_to(user)).select_related("round__checklist"), pk=pk
    )


def visit_results(visit: InspectionVisit) -> list:
    return list(visit.results.select_related("item").order_by("item__number"))


def visit_photo_get_for_user_or_404(user, pk: int) -> VisitPhoto:
    visits = InspectionVisit.objects.visible_to(user)
    return get_object_or_404(VisitPhoto.objects.filter(visit__in=visits), pk=pk)


# --- findings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingFilters:
    status: str = ""
    overdue: bool = False  # open past the deadline (escalated or about to be)
    district_id: int | None = None


def finding_list_visible_to(user, filters: FindingFilters | None = None):
    filters = filters or FindingFilters()
    findings = Finding.objects.visible_to(user).select_related(
        "visit__round", "visit__enterprise", "visit__community__district", "visit__district", "district"
    )
    if filters.status:
        findings = findings.filter(status=filters.status)
    if filters.overdue:
        findings = findings.filter(status=Finding.Status.OPEN, deadline__lt=timezone.now())
    if filters.district_id:
        findings = findings.filter(district_id=filters.district_id)
    return findings.order_by("deadline", "pk")


def finding_get_for_user_or_404(user, pk: int) -> Finding:
    findings = Finding.objects.visible_to(user).select_related(
        "visit__round", "visit__enterprise", "visit__community__district", "visit__district", "district", "item"
    )
    return get_object_or_404(findings, pk=pk)


def findings_citable_by(user, chosen_ids=()):
    """Findings a commander may cite in a notice: those escalated as overdue, and any already chosen."""
    return (
        Finding.objects.visible_to(user)
        .filter(Q(escalated_at__isnull=False) | Q(pk__in=list(chosen_ids)))
        .select_related("visit__enterprise", "visit__community__district", "visit__district", "district")
        .order_by("-escalated_at", "pk")[:200]
    )


# --- notices ---------------------------------------------------------------------------------------


def notice_list_visible_to(user, status: str = ""):
    notices = Notice.objects.visible_to(user).select_related("drafted_by", "approved_by")
    if status:
        notices = notices.filter(status=status)
    return notices.prefetch_related("subjects").order_by(F("published_at").desc(nulls_first=True), "-pk")


def notice_get_for_user_or_404(user, pk: int) -> Notice:
    notices = Notice.objects.visible_to(user).select_related("drafted_by", "approved_by", "withdrawn_by")
    return get_object_or_404(notices, pk=pk)


def notice_detail_relations(notice: Notice) -> dict:
    return {
        "subjects": list(notice.subjects.select_related("district")),
        "cited": list(
            notice.findings.select_related(
                "visit__round", "visit__enterprise", "visit__community__district", "visit__district", "district"
            )
        ),
        "events": list(notice.events.select_related("actor")),
        "read_count": notice.reads.count(),
    }


# --- figures (dashboards) ---------------------------------------------------------------------------


def district_for_figures_or_404(user, pk: int) -> District:
    """The district whose figures a user may see: commanders and administrators any, district staff their own."""
    if user.role in (Role.COMMANDER, Role.ADMIN) or (user.role == Role.DISTRICT_STAFF and user.district_id == pk):
        return get_object_or_404(District, pk=pk)
    raise Http404


FIGURES_CACHE_KEY = "supervision:figures"


def supervision_figures() -> dict:
    """Inspections done, findings, rectified on time, overdue, notices naming each district, and the share of
    returnees trained: one row per district and the city's total, in seven queries whatever the data's size."""
    now = timezone.now()
    done = dict(
        InspectionVisit.objects.filter(status=InspectionVisit.Status.DONE)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    finding_rows = {
        row["district_id"]: row
        for row in Finding.objects.values("district_id").annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(status=Finding.Status.CLOSED, on_time=True)),
            closed=Count("pk", filter=Q(status=Finding.Status.CLOSED)),
            overdue=Count("pk", filter=Q(status=Finding.Status.OPEN, deadline__lt=now)),
        )
    }
    notices = dict(
        NoticeSubject.objects.filter(notice__status=Notice.Status.PUBLISHED)
        .values("district_id")
        .annotate(n=Count("notice", distinct=True))
        .values_list("district_id", "n")
    )
    returnees = dict(
        Worker.objects.filter(arrived_on__isnull=False)
        .values("enterprise__district_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise__district_id", "n")
    )
    # Read from the attendance side: far fewer rows than the roster, each joined to its worker once.
    trained = dict(
        TrainingAttendance.objects.filter(worker__arrived_on__isnull=False, held_on__gte=F("worker__arrived_on"))
        .values("worker__enterprise__district_id")
        .annotate(n=Count("worker_id", distinct=True))
        .values_list("worker__enterprise__district_id", "n")
    )
    rows = []
    for district in District.objects.order_by("sort_order", "code"):
        f = finding_rows.get(district.pk, {})
        rows.append(
            _with_shares(
                {
                    "district": district,
                    "visits": done.get(district.pk, 0),
                    "findings": f.get("total", 0),
                    "closed": f.get("closed", 0),
                    "on_time": f.get("on_time", 0),
                    "overdue": f.get("overdue", 0),
                    "notices": notices.get(district.pk, 0),
                    "returnees": returnees.get(district.pk, 0),
                    "trained": trained.get(district.pk, 0),
                }
            )
        )
    keys = ("visits", "findings", "closed", "on_time", "overdue", "returnees", "trained")
    totals = {key: sum(row[key] for row in rows) for key in keys}
    totals["notices"] = Notice.objects.filter(status=Notice.Status.PUBLISHED).count()
    return {"rows": rows, "totals": _with_shares(totals)}


def _with_shares(row: dict) -> dict:
    row["trained_share"] = row["trained"] / row["returnees"] if row["returnees"] else None
    row["on_time_share"] = row["on_time"] / row["closed"] if row["closed"] else None
    return row


def district_figures(figures: dict, district_id: int) -> dict:
    """One district's share of the city's figures: its row is its total (a notice naming it counts once)."""
    row = next(row for row in figures["rows"] if row["district"].pk == district_id)
    return {"rows": [row], "totals": row}


def supervision_figures_refresh() -> dict:
    """Compute the figures into the cache; the beat task runs it every minute so that no page view has to."""
    figures = supervision_figures()
    cache.set(FIGURES_CACHE_KEY, figures, FIGURES_CACHE_SECONDS * 2)
    return figures


def supervision_figures_cached(*, district_id: int | None = None) -> dict:
    """The figures as the minute refresh left them (computed here when the cache has lost them)."""
    figures = cache.get(FIGURES_CACHE_KEY) or supervision_figures_refresh()
    return district_figures(figures, district_id) if district_id is not None else figures


def supervision_landing_counts(user) -> dict:
    """The supervision line of a landing page: what waits for this user."""
    counts = {}
    if user.role == Role.ENTERPRISE:
        counts["open_findings"] = Finding.objects.visible_to(user).filter(status=Finding.Status.OPEN).count()
        counts["training_sessions"] = TrainingSession.objects.visible_to(user).count()
        return counts
    if user.role == Role.DISTRICT_STAFF:
        counts["my_visits"] = InspectionVisit.objects.filter(
            round__inspectors=user, status=InspectionVisit.Status.PLANNED, round__status=InspectionRound.Status.OPEN
        ).count()
        counts["open_findings"] = Finding.objects.visible_to(user).filter(status=Finding.Status.OPEN).count()
    if user.role == Role.COMMANDER:
        counts["pending_notices"] = Notice.objects.filter(status=Notice.Status.PENDING).exclude(drafted_by=user).count()
        counts["overdue_findings"] = Finding.objects.filter(
            status=Finding.Status.OPEN, escalated_at__isnull=False
        ).count()
    counts["unread_notices"] = (
        (Notice.objects.visible_to(user).filter(status=Notice.Status.PUBLISHED).exclude(reads__user=user).count())
        if user.role != Role.COMMANDER
        else 0
    )
    return counts
