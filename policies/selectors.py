"""Reads of support policies: the catalogue and eligibility, the review queue, the figures, and the official
policy answers (统一政策解读口径)."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.pinyin import name_q
from enterprises.models import Enterprise
from policies.models import (
    PolicyAnswer,
    PolicyAnswerQuerySet,
    PolicyAnswerVersion,
    PolicyApplication,
    PolicyApplicationMaterial,
    SupportPolicy,
)
from reference.models import District, IndustryAuthority

REASON_INDUSTRY = _("所属行业不在适用范围内")
REASON_DISTRICT = _("所在区镇不在适用范围内")
REASON_ABOVE_SCALE = _("仅限规上企业")
REASON_TOO_FEW = _("职工人数少于 %(n)d 人")
REASON_TOO_MANY = _("职工人数多于 %(n)d 人")


# --- Catalogue and eligibility -------------------------------------------------------------------


def policy_catalogue() -> QuerySet[SupportPolicy]:
    """Every policy with what eligibility and routing read, in three queries whatever the size."""
    return SupportPolicy.objects.prefetch_related("industries", "districts", "reviewing_authorities")


def policy_demo_count() -> int:
    """Demo entries left in the catalogue: a task for the administrator before going live."""
    return SupportPolicy.objects.filter(is_demo=True).count()


def policy_get_or_404(pk: int) -> SupportPolicy:
    return get_object_or_404(policy_catalogue(), pk=pk)


def policy_is_eligible(policy: SupportPolicy, enterprise: Enterprise) -> list[str | Promise]:
    """Why the enterprise may not apply, in plain words; empty when it may (as far as the registry shows)."""
    reasons: list[str | Promise] = []
    industries = {industry.code for industry in policy.industries.all()}
    if industries and not industries.intersection(enterprise.industry.ancestor_codes):
        reasons.append(REASON_INDUSTRY)
    districts = {district.pk for district in policy.districts.all()}
    if districts and enterprise.district_id not in districts:
        reasons.append(REASON_DISTRICT)
    if policy.above_scale_only and not enterprise.is_above_scale:
        reasons.append(REASON_ABOVE_SCALE)
    if policy.min_headcount is not None and enterprise.headcount < policy.min_headcount:
        reasons.append(REASON_TOO_FEW % {"n": policy.min_headcount})
    if policy.max_headcount is not None and enterprise.headcount > policy.max_headcount:
        reasons.append(REASON_TOO_MANY % {"n": policy.max_headcount})
    return reasons


def policies_for_enterprise(enterprise: Enterprise) -> tuple[list[SupportPolicy], list[SupportPolicy]]:
    """The policies open for application that the enterprise may be eligible for, and the rest."""
    eligible: list[SupportPolicy] = []
    other: list[SupportPolicy] = []
    for policy in policy_catalogue().filter(accepts_applications=True):
        (other if policy_is_eligible(policy, enterprise) else eligible).append(policy)
    return eligible, other


def policy_routing(policy: SupportPolicy, enterprise: Enterprise) -> tuple[IndustryAuthority | None, bool]:
    """Where an application goes: the policy's authority that guides the enterprise's industry (else its first
    authority), and whether the enterprise's district reviews too."""
    authorities = sorted(policy.reviewing_authorities.all(), key=lambda a: a.code)
    guiding = (
        IndustryAuthority.objects.filter(
            pk__in=[a.pk for a in authorities], industries__code__in=enterprise.industry.ancestor_codes
        )
        .order_by("code")
        .first()
    )
    return guiding or (authorities[0] if authorities else None), policy.reviewed_by_district


# --- Applications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = PolicyApplication.Status.SUBMITTED
    policy: int | None = None
    district: int | None = None
    q: str = ""
    overdue_before: object = None


# Long texts of a policy that no list shows.
_POLICY_TEXTS = ("policy__summary", "policy__eligibility", "policy__materials_required")


def application_list_visible_to(user) -> QuerySet[PolicyApplication]:
    return (
        PolicyApplication.objects.visible_to(user)
        .select_related("policy", "enterprise", "district", "reviewing_authority")
        .defer(*_POLICY_TEXTS)
    )


def application_queue_visible_to(user, filters: QueueFilters = QueueFilters()) -> QuerySet[PolicyApplication]:
    """The reviewers' queue, oldest submission first, so nothing waits behind newer work."""
    qs = application_list_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.policy:
        qs = qs.filter(policy_id=filters.policy)
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.q:
        qs = qs.filter(name_q("enterprise__name", filters.q))
    if filters.overdue_before:
        qs = qs.filter(status=PolicyApplication.Status.SUBMITTED, review_deadline__lt=filters.overdue_before)
    return qs.order_by("submitted_at", "pk")


def application_get_for_user_or_404(user, pk: int) -> PolicyApplication:
    """Missing and out-of-scope applications look the same: 404."""
    return get_object_or_404(
        PolicyApplication.objects.visible_to(user).select_related(
            "policy", "enterprise__industry", "district", "reviewing_authority", "decided_by", "payout"
        ),
        pk=pk,
    )


def application_detail_relations(application: PolicyApplication) -> dict:
    return {
        "materials": list(application.materials.all()),
        "events": list(application.events.select_related("actor")),
    }


def application_material_get_for_user_or_404(user, pk: int) -> PolicyApplicationMaterial:
    return get_object_or_404(
        PolicyApplicationMaterial.objects.filter(
            application__in=PolicyApplication.objects.visible_to(user)
        ).select_related("application"),
        pk=pk,
    )


def application_open_for(enterprise_id: int, policy_id: int) -> PolicyApplication | None:
    return PolicyApplication.objects.filter(
        enterprise_id=enterprise_id, policy_id=policy_id, status__in=PolicyApplication.OPEN_STATUSES
    ).first()


def policy_landing_counts(user) -> dict:
    """For landing pages: an enterprise's eligible policies and open applications; a reviewer's waiting work."""
    if user.role == Role.ENTERPRISE:
        eligible, _other = policies_for_enterprise(user.enterprise)
        counts = PolicyApplication.objects.visible_to(user).aggregate(
            open=Count("pk", filter=Q(status__in=PolicyApplication.OPEN_STATUSES)),
            returned=Count("pk", filter=Q(status=PolicyApplication.Status.RETURNED)),
        )
        return {"eligible": len(eligible), **counts}
    submitted = Q(status=PolicyApplication.Status.SUBMITTED)
    return PolicyApplication.objects.visible_to(user).aggregate(
        waiting=Count("pk", filter=submitted),
        overdue=Count("pk", filter=submitted & Q(review_deadline__lt=timezone.now())),
        approved_unpaid=Count("pk", filter=Q(status=PolicyApplication.Status.APPROVED, approved_amount__gt=0)),
    )


# --- Figures per policy and district ------------------------------------------------------------


@dataclass
class FigureRow:
    applications: int = 0
    approved: int = 0
    rejected: int = 0
    waiting: int = 0
    amount_approved: Decimal = Decimal(0)
    paid: int = 0
    paid_early: int = 0
    amount_paid: Decimal = Decimal(0)
    median_days: float | None = None

    def add(self, other: "FigureRow") -> None:
        for name in (
            "applications",
            "approved",
            "rejected",
            "waiting",
            "amount_approved",
            "paid",
            "paid_early",
            "amount_paid",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


APPROVED_STATUSES = (PolicyApplication.Status.APPROVED, PolicyApplication.Status.PAID)


FIGURES_VERSION_KEY = "policies:figures:version"
FIGURES_CACHE_SECONDS = 300


def policy_figures_changed() -> None:
    """Every change of an application's status or payout makes the cached figures stale. The services call
    this at once and again when the transaction commits, so figures computed in between are not kept."""
    cache.set(FIGURES_VERSION_KEY, uuid.uuid4().hex, None)


def _figures_scope_key(user) -> str:
    """The scoping rule of PolicyApplicationQuerySet.visible_to, as a cache key: one per role's scope."""
    if user.role == Role.ENTERPRISE:
        return f"enterprise:{user.enterprise_id}"
    if user.role == Role.DISTRICT_STAFF:
        return f"district:{user.district_id}"
    if user.role == Role.AUTHORITY_STAFF:
        return f"authority:{user.industry_authority_id}"
    return "city" if user.role in (Role.COMMANDER, Role.ADMIN) else "none"


def policy_figures(user) -> dict:
    """Applications, approved, amounts approved and paid, early payouts and the median days from application to
    payout, per policy, per district, each policy in each district, and for the whole scope.

    The numbers come from one aggregate (see _figures_compute) and are kept in the cache until an application
    changes; the names are read each time. A fixed number of queries at any size."""
    version = cache.get(FIGURES_VERSION_KEY)
    if version is None:
        policy_figures_changed()
        version = cache.get(FIGURES_VERSION_KEY)
    key = f"policies:figures:{version}:{_figures_scope_key(user)}"
    numbers = cache.get(key)
    if numbers is None:
        numbers = _figures_compute(PolicyApplication.objects.visible_to(user))
        cache.set(key, numbers, FIGURES_CACHE_SECONDS)
    cells, by_policy, by_district, total = numbers
    policies = {p.pk: p for p in SupportPolicy.objects.filter(pk__in=list(by_policy)).only("title", "sort_order")}
    districts = {d.pk: d for d in District.objects.filter(pk__in=list(by_district))}
    return {
        "policies": sorted(
            ((policies[pk], row) for pk, row in by_policy.items()), key=lambda pair: (pair[0].sort_order, pair[0].pk)
        ),
        "districts": sorted(
            ((districts[pk], row) for pk, row in by_district.items()),
            key=lambda pair: (pair[0].sort_order, pair[0].code),
        ),
        "cells": sorted(
            ((policies[p], districts[d], row) for (p, d), row in cells.items()),
            key=lambda t: (t[0].sort_order, t[0].pk, t[1].sort_order, t[1].code),
        ),
        "total": total,
    }


_COUNTS = ("applications", "approved", "rejected", "waiting", "amount_approved", "paid", "paid_early", "amount_paid")


def _figures_compute(applications):
    """Two hash aggregates, on PostgreSQL and SQLite alike: the counts and sums per policy and district (a few
    hundred rows, added up to every level), and the histogram of days to payout per policy and district (whole
    numbers), from which the median of each level is read exactly."""
    counts = (
        applications.values("policy_id", "district_id")
        .annotate(
            applications=Count("pk"),
            approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("pk", filter=Q(status=PolicyApplication.Status.REJECTED)),
            waiting=Count("pk", filter=Q(status=PolicyApplication.Status.SUBMITTED)),
            amount_approved=Sum("approved_amount", filter=Q(status__in=APPROVED_STATUSES), default=Decimal(0)),
            paid=Count("payout"),
            paid_early=Count("payout", filter=Q(payout__is_early=True)),
            amount_paid=Sum("payout__amount", default=Decimal(0)),
        )
        .order_by()
        .values_list("policy_id", "district_id", *_COUNTS)
    )
    days = (
        applications.filter(payout__isnull=False)
        .values("policy_id", "district_id", "payout__days_to_payout")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("policy_id", "district_id", "payout__days_to_payout", "n")
    )
    cells = {(policy_id, district_id): FigureRow(*values) for policy_id, district_id, *values in counts}
    by_policy: dict[int, FigureRow] = defaultdict(FigureRow)
    by_district: dict[int, FigureRow] = defaultdict(FigureRow)
    total = FigureRow()
    for (policy_id, district_id), cell in cells.items():
        for row in (by_policy[policy_id], by_district[district_id], total):
            row.add(cell)
    # Keyed like cells, by_policy and by_district.
    days_cells: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days_policy: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days_district: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days_total: dict[int, int] = defaultdict(int)
    for policy_id, district_id, day, n in days:
        for histogram in (
            days_cells[policy_id, district_id],
            days_policy[policy_id],
            days_district[district_id],
            days_total,
        ):
            histogram[day] += n
    for table, histograms in ((cells, days_cells), (by_policy, days_policy), (by_district, days_district)):
        for key, row in table.items():
            row.median_days = _histogram_median(histograms.get(key))
    total.median_days = _histogram_median(days_total)
    return cells, dict(by_policy), dict(by_district), total


def _histogram_median(histogram: dict[int, int] | None) -> int | float | None:
    """The median of values given as {value: how many}, as statistics.median would give it."""
    if not histogram:
        return None
    count = sum(histogram.values())
    wanted = sorted({(count - 1) // 2, count // 2})
    found, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    return _days(sum(found) / len(found)) if len(found) > 1 else found[0]


def _days(value) -> int | float | None:
    """A median as a whole number of days when it is one, else with its half day."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


# --- Official policy answers ---------------------------------------------------------------------


def _answers() -> PolicyAnswerQuerySet:
    return PolicyAnswer.objects.select_related("current")


def policy_answers_published(q: str = "", topic: str = "") -> QuerySet[PolicyAnswer]:
    """The official answers in force, searched in their current wording (question, answer, source document).

    The stable item others cite (e.g. an answer to a request of category 政策咨询) is the PolicyAnswer; its
    `current` version holds the text in force."""
    answers = _answers().published()
    if topic:
        answers = answers.filter(topic=topic)
    for word in q.split():
        answers = answers.filter(
            Q(current__question__icontains=word)
            | Q(current__body__icontains=word)
            | Q(current__source_document__icontains=word)
        )
    return answers.order_by("topic", "pk")


def policy_answers_all(q: str = "") -> QuerySet[PolicyAnswer]:
    """For the editors: published and withdrawn alike."""
    answers = _answers()
    for word in q.split():
        answers = answers.filter(Q(current__question__icontains=word) | Q(current__body__icontains=word))
    return answers.order_by("status", "topic", "pk")


def policy_answer_get_or_404(pk: int) -> PolicyAnswer:
    """Published and withdrawn answers are public (a withdrawn one says so); the history comes along."""
    versions = Prefetch("versions", queryset=PolicyAnswerVersion.objects.order_by("-number"))
    return get_object_or_404(_answers().prefetch_related(versions), pk=pk)
