from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enterprises.models import Enterprise
from filings.models import Filing, FilingMaterial
from negative_list.models import ResumptionScope
from negative_list.selectors import NegativeListRules, negative_list_rules
from reference.models import District, Industry


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
    return Filing.objects.visible_to(user).filter(status=Filing.Status.SUBMITTED).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(review_deadline__lt=timezone.now()))
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
        qs = qs.filter(Q(enterprise__name__contains=filters.q) | Q(reference=filters.q.upper()))
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


# --- 应复尽复: how many of those that should resume have resumed ------------------------------


def _restricted_industry_codes(enterprises: QuerySet, rules: NegativeListRules) -> set[str]:
    """Industries of these enterprises whose work the negative list restricts, judged in memory."""
    industries = Industry.objects.filter(pk__in=enterprises.values("industry_id"))
    return {industry.code for industry in industries if rules.restriction(industry, ResumptionScope.WORK)}


def resumption_progress(user, on: date) -> dict:
    """Per district: enterprises that should resume (not on the negative list), filed, and resumed.

    "Filed" is a filing in effect (submitted or approved: 备案即复工); "resumed" also has its actual
    work date recorded. The rate is resumed / should resume. A fixed number of queries at any scale.
    """
    enterprises = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    restricted = _restricted_industry_codes(enterprises, negative_list_rules(on=on))
    in_effect = Filing.objects.filter(enterprise=OuterRef("pk"), status__in=[Filing.Status.SUBMITTED,
                                                                             Filing.Status.APPROVED])
    should = ~Q(industry_id__in=restricted)
    counts = {
        row["district"]: row
        for row in enterprises.annotate(
            filed=Exists(in_effect), resumed=Exists(in_effect.filter(resumed_work_on__lte=on))
        ).values("district").annotate(
            total=Count("pk"),
            should=Count("pk", filter=should),
            filed_count=Count("pk", filter=should & Q(filed=True)),
            resumed_count=Count("pk", filter=should & Q(resumed=True)),
        )
    }
    rows = []
    for district in District.objects.filter(pk__in=list(counts)):
        row = counts[district.pk]
        rows.append(_progress_row(district, row["total"], row["should"], row["filed_count"], row["resumed_count"]))
    totals = _progress_row(None, *(sum(r[key] for r in rows) for key in ("total", "should", "filed", "resumed")))
    return {"rows": rows, "totals": totals, "restricted_industries": len(restricted)}


def _progress_row(district, total: int, should: int, filed: int, resumed: int) -> dict:
    return {
        "district": district, "total": total, "should": should, "filed": filed, "resumed": resumed,
        "rate": resumed / should if should else None,
        "rate_percent": round(100 * resumed / should, 1) if should else None,
    }
