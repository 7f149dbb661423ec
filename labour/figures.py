"""Labour figures for the dashboards, the figures page and the daily workbook: open positions and hires by
district and industry, pairings and what they delivered, drives by region, disputes and complaints.

Each figure is one grouped query through the scoping layer, so a page costs the same number of queries at any
size; pages read them through a one-minute cache per scope, like the dashboards' figures. `labour_day_rows`
gives a day's figures as they stood at the end of that day (the daily workbook)."""

from datetime import date
from functools import lru_cache

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import Role
from core.dates import day_bounds
from labour.models import (
    LabourDispute,
    LabourHire,
    LabourNeed,
    MarketComplaint,
    Pairing,
    RecruitmentDrive,
    is_hr_bureau,
)
from reference.models import District, Industry

DRIVE_REGIONS_SHOWN = 20
FIGURES_CACHE_SECONDS = 60


def _int(value) -> int:
    return int(value or 0)


NEED_FIGURES = ("open_needs", "open_positions", "hired")


def _need_rows(qs) -> tuple[dict, dict]:
    """One grouped read of the needs by (district, industry class), summed up by district and by section."""
    rows = qs.values("enterprise__district_id", "enterprise__industry_id").annotate(
        open_needs=Count("id", filter=Q(status=LabourNeed.Status.OPEN)),
        open_positions=Sum(F("positions") - F("hired"), filter=Q(status=LabourNeed.Status.OPEN)),
        hired=Sum("hired"),
    )
    sections = _section_of_class()
    by_district: dict = {}
    by_section: dict = {}
    for row in rows:
        for table, key in (
            (by_district, row["enterprise__district_id"]),
            (by_section, sections.get(row["enterprise__industry_id"], "")),
        ):
            sums = table.setdefault(key, dict.fromkeys(NEED_FIGURES, 0))
            for name in NEED_FIGURES:
                sums[name] += _int(row[name])
    return by_district, by_section


@lru_cache(maxsize=1)
def _section_of_class() -> dict[str, str]:
    """GB/T 4754 is fixed reference data: each class's section, read once per process."""
    return dict(Industry.objects.filter(level=Industry.Level.CLASS).values_list("code", "section"))


def _scope_key(user) -> str:
    """Users who see the same rows share the cached figures: the whole city, a district, an authority's."""
    if user.role in (Role.COMMANDER, Role.ADMIN) or is_hr_bureau(user):
        return "city"
    if user.role == Role.DISTRICT_STAFF:
        return f"district:{user.district_id}"
    return f"authority:{user.industry_authority_id}"


def _cache_key(scope: str, district_id: int | None) -> str:
    return f"labour-figures:{scope}:{district_id or 'all'}"


def labour_figures_cached(user, district_id: int | None = None) -> dict:
    """The figures as pages show them: computed at most once a minute per scope (as the dashboards' are)."""
    return cache.get_or_set(
        _cache_key(_scope_key(user), district_id), lambda: labour_figures(user, district_id), FIGURES_CACHE_SECONDS
    )


def labour_figures_refresh() -> dict:
    """The city's figures computed into the cache (the minute beat task), so that no request has to."""
    from accounts.models import User

    figures = labour_figures(User(role=Role.COMMANDER, is_active=True))
    cache.set(_cache_key("city", None), figures, FIGURES_CACHE_SECONDS)
    return figures


def labour_figures(user, district_id: int | None = None) -> dict:
    """Everything the labour section of a dashboard shows, within the user's scope (and one district's)."""

    def scoped(model, field="enterprise__district_id"):
        qs = model.objects.visible_to(user)
        return qs.filter(**{field: district_id}) if district_id else qs

    needs = scoped(LabourNeed)
    districts = list(District.objects.order_by("sort_order", "code"))
    by_district, by_section = _need_rows(needs)
    pairings = {
        row["enterprise__district_id"]: row
        for row in scoped(Pairing)
        .values("enterprise__district_id")
        .annotate(
            active=Count("id", filter=Q(status=Pairing.Status.ACTIVE)),
            covered=Sum("positions_covered"),
            delivered=Sum("hires_delivered"),
        )
    }
    disputes = {
        row["enterprise__district_id"]: row
        for row in scoped(LabourDispute)
        .values("enterprise__district_id")
        .annotate(
            open=Count("id", filter=Q(status__in=LabourDispute.OPEN_STATUSES)),
            settled=Count("id", filter=Q(status=LabourDispute.Status.SETTLED)),
            referred=Count("id", filter=Q(status=LabourDispute.Status.REFERRED)),
            escalated=Count("id", filter=Q(status__in=LabourDispute.OPEN_STATUSES, escalated_at__isnull=False)),
            workers=Sum("workers_involved"),
            open_workers=Sum("workers_involved", filter=Q(status__in=LabourDispute.OPEN_STATUSES)),
        )
    }
    district_rows = []
    for district in districts:
        need, pair, dispute = by_district.get(district.pk), pairings.get(district.pk), disputes.get(district.pk)
        if not (need or pair or dispute):
            continue
        need = need or {"open_needs": 0, "open_positions": 0, "hired": 0}
        district_rows.append(
            {
                "district": district,
                **need,
                "pairings": _int(pair and pair["active"]),
                "covered": _int(pair and pair["covered"]),
                "delivered": _int(pair and pair["delivered"]),
                **{
                    f"disputes_{k}": _int(dispute and dispute[k])
                    for k in ("open", "settled", "referred", "escalated", "workers", "open_workers")
                },
            }
        )
    sections = {i.code: i.name for i in Industry.objects.filter(level=Industry.Level.SECTION)}
    industry_rows = [
        {"section": code, "name": sections.get(code, code), **row} for code, row in sorted(by_section.items())
    ]
    regions = list(
        scoped(RecruitmentDrive, "district_id")
        .exclude(status=RecruitmentDrive.Status.CANCELLED)
        .values("region_id", "region__full_name")
        .annotate(
            drives=Count("id", distinct=True),
            offered=Sum("participants__positions_offered"),
            signed=Sum("participants__signed"),
            arrived=Sum("participants__arrived"),
            flagged=Count(
                "id", distinct=True, filter=Q(risk_flagged_at__isnull=False, status=RecruitmentDrive.Status.SCHEDULED)
            ),
        )
        .order_by("-drives", "region_id")[:DRIVE_REGIONS_SHOWN]
    )
    totals = {
        key: sum(row[key] for row in district_rows)
        for key in (
            "open_needs",
            "open_positions",
            "hired",
            "pairings",
            "covered",
            "delivered",
            "disputes_open",
            "disputes_settled",
            "disputes_referred",
            "disputes_escalated",
            "disputes_workers",
            "disputes_open_workers",
        )
    }
    return {
        "districts": district_rows,
        "industries": industry_rows,
        "regions": [{**row, **{k: _int(row[k]) for k in ("offered", "signed", "arrived")}} for row in regions],
        "totals": totals,
        "complaints": _complaint_figures(user),
    }


def _complaint_figures(user) -> dict:
    row = MarketComplaint.objects.visible_to(user).aggregate(
        total=Count("id"),
        open=Count("id", filter=~Q(status=MarketComplaint.Status.CLOSED)),
        overdue=Count("id", filter=~Q(status=MarketComplaint.Status.CLOSED) & Q(deadline__lt=timezone.now())),
    )
    return {key: _int(value) for key, value in row.items()}


def _open_at(end, prefix: str = "", opened: str = "created_at", closed: str = "closed_at") -> Q:
    return Q(**{f"{prefix}{opened}__lt": end}) & (
        Q(**{f"{prefix}{closed}__isnull": True}) | Q(**{f"{prefix}{closed}__gte": end})
    )


def labour_day_rows(day: date) -> dict[int | None, dict]:
    """Each district's figures as they stood at the end of a local day, and the city's (key None):
    open positions, hires that day and so far, active pairings, open disputes and their workers."""
    _start, end = day_bounds(day)
    keys = ("open_positions", "hired_today", "hired_total", "pairings", "disputes_open", "disputes_workers")
    rows: dict[int | None, dict] = {}

    def add(district_id, name, value):
        for key in (district_id, None):
            rows.setdefault(key, dict.fromkeys(keys, 0))[name] += _int(value)

    open_needs = _open_at(end)
    for row in (
        LabourNeed.objects.filter(open_needs).values("enterprise__district_id").annotate(positions=Sum("positions"))
    ):
        add(row["enterprise__district_id"], "open_positions", row["positions"])
    for row in (
        LabourHire.objects.filter(hired_on__lte=day)
        .values("need__enterprise__district_id")
        .annotate(
            today=Sum("count", filter=Q(hired_on=day)),
            total=Sum("count"),
            on_open=Sum("count", filter=_open_at(end, "need__")),
        )
    ):
        district_id = row["need__enterprise__district_id"]
        add(district_id, "hired_today", row["today"])
        add(district_id, "hired_total", row["total"])
        add(district_id, "open_positions", -_int(row["on_open"]))
    for row in (
        Pairing.objects.filter(_open_at(end, closed="ended_at"))
        .values("enterprise__district_id")
        .annotate(n=Count("id"))
    ):
        add(row["enterprise__district_id"], "pairings", row["n"])
    for row in (
        LabourDispute.objects.filter(open_needs)
        .values("enterprise__district_id")
        .annotate(n=Count("id"), workers=Sum("workers_involved"))
    ):
        add(row["enterprise__district_id"], "disputes_open", row["n"])
        add(row["enterprise__district_id"], "disputes_workers", row["workers"])
    rows.setdefault(None, dict.fromkeys(keys, 0))
    return rows
