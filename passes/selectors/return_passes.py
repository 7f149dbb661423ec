"""Reads for the return-pass pages: every query starts from a `visible_to` scope, so an object out of
the user's scope is missing (404), and every list costs the same number of queries at any length."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from core.pinyin import name_q
from passes.eligibility import Eligibility, RiskAreaRules, risk_area_rules, work_eligibility
from passes.models import PassBatch, PassEvent, PassLink, ReturnPass, TransportRequest, Worker
from passes.personal_data import mask_name
from passes.services.return_passes import departed_message, departed_workers, normalize_pass_number

S = ReturnPass.Status


@dataclass(frozen=True)
class PassFilters:
    status: str = ""
    q: str = ""  # a pass number or (part of) a worker's name
    batch: int | None = None


def shows_full_names(user) -> bool:
    """Who reads workers' names unmasked in lists: their employer and district staff (issuing or home).
    Checkpoints and headquarters see the masked form, as on the pass card."""
    return user.role in (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.ADMIN)


def may_open_card(user, return_pass: ReturnPass) -> bool:
    """The card and the phone page carry the QR code: only the employer and the issuing district."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == return_pass.enterprise_id
    if user.role == Role.DISTRICT_STAFF:
        return user.district_id == return_pass.issuing_district_id
    return False


def may_open_batch(user, return_pass: ReturnPass) -> bool:
    """The application page is the enterprise's and its district's; the worker's home district and
    community follow the pass only."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == return_pass.enterprise_id
    if user.role == Role.DISTRICT_STAFF:
        return user.district_id == return_pass.enterprise.district_id
    return user.role in (Role.COMMANDER, Role.ADMIN)


def is_issuer(user, return_pass: ReturnPass) -> bool:
    return user.role == Role.DISTRICT_STAFF and user.district_id == return_pass.issuing_district_id


def pass_list_visible_to(user, filters: PassFilters = PassFilters()) -> QuerySet[ReturnPass]:
    qs = ReturnPass.objects.visible_to(user).select_related(
        "worker", "enterprise", "issuing_district", "residence_district", "residence_community"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.batch:
        qs = qs.filter(batch_id=filters.batch)
    if filters.q:
        text = filters.q.strip()
        by_number = Q(number=normalize_pass_number(text))
        # Who sees names masked cannot search by the full name either (it would confirm who holds a pass).
        qs = qs.filter(by_number | name_q("worker__name", text) if shows_full_names(user) else by_number)
    return qs.order_by("-created_at", "-pk")


def passes_printable_by(user, filters: PassFilters = PassFilters(), *, ids: list[int] | None = None):
    """The passes of the list whose card this user may print (see may_open_card) and a checkpoint would accept
    (valid, not past their last day), in the list's order."""
    qs = pass_list_visible_to(user, filters).filter(status=S.VALID, valid_until__gte=timezone.localdate())
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if user.role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=user.enterprise_id)
    if user.role == Role.DISTRICT_STAFF:
        return qs.filter(issuing_district_id=user.district_id)
    return qs.none()


def pass_get_for_user_or_404(user, pk: int) -> ReturnPass:
    """Missing and out-of-scope passes look the same: 404."""
    return get_object_or_404(
        ReturnPass.objects.visible_to(user).select_related(
            "worker__origin",
            "enterprise",
            "issuing_district",
            "residence_district",
            "residence_community",
            "decided_by",
            "batch",
            "reissue_of",
        ),
        pk=pk,
    )


def pass_detail_relations(return_pass: ReturnPass) -> dict:
    """The timeline, the pass that replaced this one if it was re-issued, and the worker's latest link."""
    events = list(PassEvent.objects.filter(return_pass=return_pass).select_related("actor"))
    for event in events:
        event.from_label = S(event.from_status).label if event.from_status else ""
        event.to_label = S(event.to_status).label
    return {
        "events": events,
        "reissued_as": ReturnPass.objects.filter(reissue_of=return_pass).only("pk", "number").first(),
        "link": PassLink.objects.filter(return_pass=return_pass).select_related("sms").first(),
    }


def batch_list_visible_to(user) -> QuerySet[PassBatch]:
    """Applications with how many of their passes are in each state."""
    counts = {status: Count("passes", filter=Q(passes__status=status)) for status in S.values}
    return (
        PassBatch.objects.visible_to(user)
        .select_related("enterprise", "applied_by")
        .annotate(total=Count("passes"), **{f"n_{status}": count for status, count in counts.items()})
        .order_by("-created_at", "-pk")
    )


def batch_get_for_user_or_404(user, pk: int) -> PassBatch:
    return get_object_or_404(
        PassBatch.objects.visible_to(user).select_related("enterprise__district", "applied_by"), pk=pk
    )


def batch_queue_for_district(user) -> QuerySet[PassBatch]:
    """The issuing district's work queue: batches with passes still to decide, oldest first, each with
    how many of its passes wait."""
    return (
        PassBatch.objects.filter(passes__issuing_district_id=user.district_id, passes__status=S.APPLIED)
        .select_related("enterprise", "applied_by")
        .annotate(applied=Count("passes"))
        .order_by("created_at", "pk")
    )


def batch_passes(user, batch: PassBatch) -> list[ReturnPass]:
    return list(
        ReturnPass.objects.visible_to(user)
        .filter(batch=batch)
        .select_related("worker", "residence_district", "residence_community", "decided_by")
        .order_by("pk")
    )


def eligibility_today(workers: list[Worker], on: date, rules: RiskAreaRules | None = None) -> dict[int, Eligibility]:
    """Each worker's decision on a day, judged in memory against one risk list."""
    rules = rules or risk_area_rules(on)
    return {worker.pk: work_eligibility(worker, on=on, rules=rules) for worker in workers}


def applicable_workers(enterprise, on: date) -> tuple[list[Worker], list[tuple[Worker, str]]]:
    """The enterprise's workers it may apply for today: living in another district than the
    enterprise's, with no pass in play, not revoked as 员工已离职, and eligible to work (clause 7). Also those
    living elsewhere without a pass who are left out (departed, or may not work today), each with the reason."""
    open_pass = ReturnPass.objects.filter(worker=OuterRef("pk"), status__in=ReturnPass.OPEN_STATUSES)
    candidates = list(
        Worker.objects.filter(enterprise=enterprise, left_on__isnull=True)  # who left is not applied for
        .exclude(residence_district_id=enterprise.district_id)
        .annotate(has_open_pass=Exists(open_pass))
        .filter(has_open_pass=False)
        .select_related("residence_district", "residence_community")
        .order_by("name", "pk")
    )
    departed = departed_workers(candidates)
    left_out = [
        (worker, departed_message(departed[worker.pk], enterprise)) for worker in candidates if worker.pk in departed
    ]
    candidates = [worker for worker in candidates if worker.pk not in departed]
    decisions = eligibility_today(candidates, on)
    eligible = [worker for worker in candidates if decisions[worker.pk].eligible]
    left_out += [(worker, decisions[worker.pk].reason) for worker in candidates if not decisions[worker.pk].eligible]
    return eligible, left_out


def display_name(user, worker: Worker) -> str:
    return worker.name if shows_full_names(user) else mask_name(worker.name)


def pass_landing_counts(user) -> dict:
    """Passes in the user's scope waiting for the issuing district, and valid ones; trips to arrange; for an
    enterprise, its roster's size."""
    counts = ReturnPass.objects.visible_to(user).aggregate(
        applied=Count(
            "pk",
            filter=Q(status=S.APPLIED, issuing_district_id=user.district_id)
            if user.role == Role.DISTRICT_STAFF
            else Q(status=S.APPLIED),
        ),
        valid=Count("pk", filter=Q(status=S.VALID)),
    )
    counts["trips"] = (
        TransportRequest.objects.visible_to(user)
        .filter(status__in=(TransportRequest.Status.REQUESTED, TransportRequest.Status.CONFIRMED))
        .count()
    )
    if user.role == Role.ENTERPRISE:
        counts["workers"] = Worker.objects.visible_to(user).count()
    return counts
