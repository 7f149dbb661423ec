"""Reads of the labour app. Every list and object comes through the models' `visible_to(user)`; missing and
out-of-scope objects are alike 404. Lists have a fixed number of queries, whatever their length."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.pinyin import name_q
from enterprises.models import Enterprise
from labour.models import (
    DriveParticipant,
    HRAgency,
    LabourDispute,
    LabourNeed,
    MarketComplaint,
    Pairing,
    PartnerRegion,
    RecruitmentDrive,
)

OPEN = "open"
ALL = "all"


@dataclass(frozen=True)
class ListFilters:
    status: str = ALL
    district_id: int | None = None
    q: str = ""


def _filtered(qs: QuerySet, filters: ListFilters, *, open_statuses, district_field: str, name_fields: tuple):
    if filters.status == OPEN:
        qs = qs.filter(status__in=open_statuses)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.district_id:
        qs = qs.filter(**{district_field: filters.district_id})
    q = filters.q.strip()
    if q:
        condition = Q()
        for name in name_fields:
            # Enterprise names are found by pinyin too (core.pinyin); the other fields by their text.
            pinyin = name == "enterprise__name"
            condition |= name_q(name, q, lookup="icontains") if pinyin else Q(**{f"{name}__icontains": q})
        qs = qs.filter(condition)
    return qs


# --- Shortages ----------------------------------------------------------------------------------------


def labour_need_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[LabourNeed]:
    qs = LabourNeed.objects.visible_to(user).select_related("enterprise__district")
    return _filtered(
        qs,
        filters,
        open_statuses=(LabourNeed.Status.OPEN,),
        district_field="enterprise__district_id",
        name_fields=("job", "enterprise__name"),
    ).order_by("-created_at", "-id")


def labour_need_get_for_user_or_404(user, pk: int) -> LabourNeed:
    return get_object_or_404(
        LabourNeed.objects.visible_to(user).select_related("enterprise__district", "created_by"), pk=pk
    )


def labour_need_detail_relations(need: LabourNeed) -> dict:
    return {
        "hires": list(
            need.hires.select_related("pairing__agency", "drive", "recorded_by").order_by("-hired_on", "-id")
        ),
        "pairings": list(need.pairings.select_related("agency").order_by("-created_at")),
        "events": list(need.events.select_related("actor")),
    }


def open_needs_of(enterprise) -> QuerySet[LabourNeed]:
    return LabourNeed.objects.filter(enterprise=enterprise, status=LabourNeed.Status.OPEN).order_by("job", "id")


def shortage_of(enterprise_id: int) -> dict:
    """What the enterprise still lacks: open positions over its open needs (the daily report shows this)."""
    row = LabourNeed.objects.filter(enterprise_id=enterprise_id, status=LabourNeed.Status.OPEN).aggregate(
        needs=Count("id"), positions=Sum("positions"), hired=Sum("hired")
    )
    return {"needs": row["needs"], "open": (row["positions"] or 0) - (row["hired"] or 0)}


# --- Agencies and pairings -------------------------------------------------------------------------------


def hr_agency_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[HRAgency]:
    qs = (
        HRAgency.objects.visible_to(user)
        .select_related("district")
        .annotate(active_pairings=Count("pairings", filter=Q(pairings__status=Pairing.Status.ACTIVE)))
    )
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(licence_number__icontains=q))
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    return qs.order_by("name", "id")


def hr_agency_get_for_user_or_404(user, pk: int) -> HRAgency:
    return get_object_or_404(HRAgency.objects.visible_to(user).select_related("district", "created_by"), pk=pk)


def hr_agency_detail_relations(user, agency: HRAgency) -> dict:
    return {
        "regions": list(agency.regions.order_by("code")),
        "pairings": list(
            Pairing.objects.visible_to(user)
            .filter(agency=agency)
            .select_related("enterprise__district")
            .order_by("-created_at")
        ),
    }


def hr_agencies_for_pairing(user) -> QuerySet[HRAgency]:
    return HRAgency.objects.visible_to(user).filter(is_active=True).order_by("name", "id")


def hr_agencies_active() -> QuerySet[HRAgency]:
    """Every active agency by name: anyone may name one in a complaint (the registry of licensed agencies)."""
    return HRAgency.objects.filter(is_active=True).order_by("name", "id")


def pairing_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[Pairing]:
    qs = Pairing.objects.visible_to(user).select_related("agency", "enterprise__district")
    return _filtered(
        qs,
        filters,
        open_statuses=(Pairing.Status.ACTIVE,),
        district_field="enterprise__district_id",
        name_fields=("agency__name", "enterprise__name"),
    ).order_by("-created_at", "-id")


def pairing_get_for_user_or_404(user, pk: int) -> Pairing:
    return get_object_or_404(
        Pairing.objects.visible_to(user).select_related("agency", "enterprise__district", "created_by"), pk=pk
    )


def pairing_detail_relations(pairing: Pairing) -> dict:
    return {
        "needs": list(pairing.needs.order_by("job", "id")),
        "hires": list(pairing.hires.select_related("need", "recorded_by").order_by("-hired_on", "-id")),
    }


def pairings_for_need(need: LabourNeed) -> QuerySet[Pairing]:
    return need.pairings.filter(status=Pairing.Status.ACTIVE).select_related("agency")


def pairing_start_for(user, *, need: str, enterprise: str) -> tuple[Enterprise | None, LabourNeed | None]:
    """The enterprise a pairing is for, from one of its open needs or from its id, within the user's scope."""
    if need.isdigit():
        found = (
            LabourNeed.objects.visible_to(user)
            .filter(pk=int(need), status=LabourNeed.Status.OPEN)
            .select_related("enterprise")
            .first()
        )
        return (found.enterprise, found) if found else (None, None)
    if enterprise.isdigit():
        return Enterprise.objects.visible_to(user).filter(pk=int(enterprise)).first(), None
    return None, None


# --- Drives and partner regions ---------------------------------------------------------------------------


def partner_regions() -> QuerySet[PartnerRegion]:
    return PartnerRegion.objects.filter(is_active=True).select_related("division").order_by("division_id")


def partner_region_demo_count() -> int:
    return PartnerRegion.objects.filter(is_active=True, is_demo=True).count()


def drive_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[RecruitmentDrive]:
    qs = (
        RecruitmentDrive.objects.visible_to(user)
        .select_related("region", "district")
        .annotate(
            enterprise_count=Count("participants", distinct=True),
            offered=Sum("participants__positions_offered"),
            signed=Sum("participants__signed"),
            arrived=Sum("participants__arrived"),
        )
    )
    return _filtered(
        qs,
        filters,
        open_statuses=(RecruitmentDrive.Status.SCHEDULED,),
        district_field="district_id",
        name_fields=("title", "region__full_name"),
    ).order_by("-starts_on", "-id")


def drive_get_for_user_or_404(user, pk: int) -> RecruitmentDrive:
    # An enterprise may see a drive through its participation: distinct, since the join could repeat it.
    qs = RecruitmentDrive.objects.visible_to(user).distinct()
    return get_object_or_404(qs.select_related("region", "district", "scheduled_under", "created_by"), pk=pk)


def drive_detail_relations(user, drive: RecruitmentDrive) -> dict:
    participants = drive.participants.select_related("enterprise__district").prefetch_related(
        Prefetch("arrived_workers", to_attr="linked_workers")
    )
    if user.role == "enterprise":
        participants = participants.filter(enterprise_id=user.enterprise_id)
    return {
        "participants": list(participants),
        "agencies": list(drive.agencies.order_by("name")),
        "events": list(drive.events.select_related("actor")),
        "is_partner_region": PartnerRegion.objects.filter(division_id=drive.region_id, is_active=True).exists(),
    }


def drive_participant_get_or_404(drive: RecruitmentDrive, pk: int) -> DriveParticipant:
    return get_object_or_404(drive.participants.select_related("drive", "enterprise"), pk=pk)


def drives_for_enterprise(enterprise_id: int) -> QuerySet[RecruitmentDrive]:
    return (
        RecruitmentDrive.objects.filter(participants__enterprise_id=enterprise_id)
        .exclude(status=RecruitmentDrive.Status.CANCELLED)
        .order_by("-starts_on")
    )


# --- Complaints ----------------------------------------------------------------------------------------


def complaint_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[MarketComplaint]:
    qs = MarketComplaint.objects.visible_to(user).select_related("agency", "enterprise")
    return _filtered(
        qs,
        filters,
        open_statuses=(MarketComplaint.Status.RECEIVED, MarketComplaint.Status.HANDLING),
        district_field="enterprise__district_id",
        name_fields=("reference", "target_name"),
    ).order_by("-created_at", "-id")


def complaint_get_for_user_or_404(user, pk: int) -> MarketComplaint:
    return get_object_or_404(
        MarketComplaint.objects.visible_to(user).select_related("agency", "enterprise", "reported_by", "handled_by"),
        pk=pk,
    )


# --- Disputes -----------------------------------------------------------------------------------------


def dispute_list_visible_to(user, filters: ListFilters = ListFilters()) -> QuerySet[LabourDispute]:
    qs = LabourDispute.objects.visible_to(user).select_related("enterprise__district")
    return _filtered(
        qs,
        filters,
        open_statuses=LabourDispute.OPEN_STATUSES,
        district_field="enterprise__district_id",
        name_fields=("enterprise__name",),
    ).order_by("-created_at", "-id")


def dispute_get_for_user_or_404(user, pk: int) -> LabourDispute:
    return get_object_or_404(
        LabourDispute.objects.visible_to(user).select_related("enterprise__district", "raised_by"), pk=pk
    )


def is_overdue(obj, now=None) -> bool:
    return obj.closed_at is None and obj.deadline < (now or timezone.now())


def labour_landing(user) -> dict:
    """The few labour figures a landing page shows, within the user's scope: open positions, open and
    escalated disputes, and (for those who see complaints) the complaints still open."""
    needs = (
        LabourNeed.objects.visible_to(user)
        .filter(status=LabourNeed.Status.OPEN)
        .aggregate(positions=Sum("positions"), hired=Sum("hired"))
    )
    disputes = (
        LabourDispute.objects.visible_to(user)
        .filter(status__in=LabourDispute.OPEN_STATUSES)
        .aggregate(open=Count("id"), escalated=Count("id", filter=Q(escalated_at__isnull=False)))
    )
    complaints = MarketComplaint.objects.visible_to(user).exclude(status=MarketComplaint.Status.CLOSED).count()
    return {
        "open_positions": (needs["positions"] or 0) - (needs["hired"] or 0),
        **disputes,
        "complaints_open": complaints,
    }
