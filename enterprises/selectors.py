from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.pinyin import name_q
from enterprises.models import Enterprise
from reference.models import District


@dataclass(frozen=True)
class EnterpriseFilters:
    q: str = ""
    district: int | None = None
    section: str = ""
    status: str = ""
    above_scale: bool = False
    key: bool = False
    chain_leader: bool = False


def enterprise_list_visible_to(user, filters: EnterpriseFilters = EnterpriseFilters()) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.visible_to(user).select_related("district", "industry")
    if filters.q:
        qs = qs.filter(name_q("name", filters.q) | Q(credit_code__startswith=filters.q.upper()))
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.section:
        qs = qs.filter(industry__section=filters.section)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.above_scale:
        qs = qs.filter(is_above_scale=True)
    if filters.key:
        qs = qs.filter(is_key=True)
    if filters.chain_leader:
        qs = qs.filter(is_chain_leader=True)
    return qs.order_by("name", "pk")


def enterprise_flagged_visible_to(user) -> QuerySet[Enterprise]:
    """Key enterprises and chain leaders in the user's scope, for the flags workbook."""
    return (
        Enterprise.objects.visible_to(user)
        .filter(Q(is_key=True) | Q(is_chain_leader=True))
        .only("credit_code", "is_key", "is_chain_leader")
        .order_by("credit_code")
    )


def enterprise_get_for_user_or_404(user, pk: int) -> Enterprise:
    """Missing and out-of-scope enterprises look the same: 404."""
    return get_object_or_404(Enterprise.objects.visible_to(user).select_related("district", "industry"), pk=pk)


def enterprise_pending_visible_to(user) -> QuerySet[Enterprise]:
    return (
        Enterprise.objects.visible_to(user)
        .filter(status=Enterprise.Status.PENDING)
        .select_related("district", "industry")
        .prefetch_related("users")
        .order_by("created_at", "pk")
    )


def enterprise_counts_by_district(user) -> list[dict]:
    """Per district: registered, pending, above-scale and key enterprises within the user's scope."""
    counts = {
        row["district"]: row
        for row in Enterprise.objects.visible_to(user)
        .values("district")
        .annotate(
            total=Count("pk", filter=Q(status=Enterprise.Status.ACTIVE)),
            pending=Count("pk", filter=Q(status=Enterprise.Status.PENDING)),
            above_scale=Count("pk", filter=Q(status=Enterprise.Status.ACTIVE, is_above_scale=True)),
            key=Count("pk", filter=Q(status=Enterprise.Status.ACTIVE, is_key=True)),
        )
    }
    empty = {"total": 0, "pending": 0, "above_scale": 0, "key": 0}
    return [{"district": d, **{k: counts.get(d.pk, empty)[k] for k in empty}} for d in District.objects.all()]
