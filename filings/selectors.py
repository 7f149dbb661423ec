from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.pinyin import name_q
from filings.models import Filing, FilingMaterial


@dataclass(frozen=True)
class QueueFilters:
    status: str = Filing.Status.SUBMITTED
    district: int | None = None
    section: str = ""
    q: str = ""
    above_scale: bool = False
    key: bool = False
    overdue_before: datetime | None = None  # only submitted filings whose review deadline is earlier


def filing_latest_visible_to(user) -> Filing | None:
    """The enterprise's most recent filing, for its landing page."""
    return Filing.objects.visible_to(user).order_by("-created_at", "-pk").first()


def filing_queue_counts(user) -> dict:
    """Submitted filings in the user's scope waiting for review, and how many of them are past their deadline."""
    return (
        Filing.objects.visible_to(user)
        .filter(status=Filing.Status.SUBMITTED)
        .aggregate(waiting=Count("pk"), overdue=Count("pk", filter=Q(review_deadline__lt=timezone.now())))
    )


def filing_get_for_user_or_404(user, pk: int) -> Filing:
    """Missing and out-of-scope filings look the same: 404."""
    return get_object_or_404(
        Filing.objects.visible_to(user).select_related(
            "enterprise__district", "enterprise__industry", "decided_by", "submitted_under", "decided_under"
        ),
        pk=pk,
    )


def filing_detail_relations(filing: Filing) -> dict:
    return {
        "materials": list(filing.materials.all()),
        "events": list(filing.events.select_related("actor")),
    }


def filing_list_for_enterprise(user) -> QuerySet[Filing]:
    return Filing.objects.visible_to(user).order_by("-created_at", "-pk")


def filing_queue_visible_to(user, filters: QueueFilters = QueueFilters()) -> QuerySet[Filing]:
    """The staff work queue: oldest submission first, so nothing waits behind newer work."""
    qs = Filing.objects.visible_to(user).select_related("enterprise__district", "enterprise__industry")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.district:
        qs = qs.filter(enterprise__district_id=filters.district)
    if filters.section:
        qs = qs.filter(enterprise__industry__section=filters.section)
    if filters.q:
        qs = qs.filter(name_q("enterprise__name", filters.q) | Q(reference=filters.q.upper()))
    if filters.above_scale:
        qs = qs.filter(enterprise__is_above_scale=True)
    if filters.key:
        qs = qs.filter(enterprise__is_key=True)
    if filters.overdue_before:
        qs = qs.filter(status=Filing.Status.SUBMITTED, review_deadline__lt=filters.overdue_before)
    return qs.order_by("submitted_at", "pk")


def material_get_for_user_or_404(user, pk: int) -> FilingMaterial:
    return get_object_or_404(
        FilingMaterial.objects.filter(filing__in=Filing.objects.visible_to(user)).select_related("filing"), pk=pk
    )
