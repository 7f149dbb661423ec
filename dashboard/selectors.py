"""Reads for the dashboards: who may open which dashboard, and the figures each one shows.

Today's figures are computed live in a fixed number of queries whatever the size of the data, from summary tables
the services keep as the events happen (each enterprise's ResumptionStanding, the ReportTally of the daily reports,
PassTally and CheckTally; README, "Dashboards"), never by scanning the raw tables, and cached for CACHE_SECONDS per
scope and day; the city's (which the district dashboards read too) are recomputed every minute by a Celery beat
task, so that a request seldom has to compute them at all. History comes
from the daily summaries (DailySummary) and, for the resumption rate, from the resumption dates the
enterprises recorded on their filings. The workforce figures are computed as the daily summary
computes them (workforce.services.daily_summary_build), so the dashboard and the summary workbook
show the same numbers for the same day (tests/dashboard/test_workbook_agreement.py).
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Sum, Value
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core import replica
from core.dates import day_bounds
from dashboard import figures as F
from enterprises.models import Enterprise
from filings.models import Filing
from negative_list.models import ResumptionScope
from negative_list.selectors import NegativeListRules, negative_list_rules
from passes.models import CheckTally, PassTally, ReturnPass
from reference.models import Community, District, Industry, IndustryAuthority
from reference.selectors import IndustryNode, industry_nodes
from workforce.models import CapacityReport, DailySummary, ReportTally, ResumptionStanding, WorkforceReport
from workforce.resumption import filings_in_effect

CACHE_SECONDS = 60
REFRESH_SECONDS = 60  # how often Celery beat recomputes the city's figures (settings.CELERY_BEAT_SCHEDULE)
CACHE_PREFIX = "dashboard:1"
HISTORY_DAYS = 30
LOW_CAPACITY_PERCENT = Decimal(50)
BLOCKING_LIMIT = 10  # enterprises named on the district dashboard per blocking reason; the list has them all
# Capacity utilisation in 10-point buckets: 0–10 … 90–100, then 100 and above.
CAPACITY_BUCKETS = 11

CITY, DISTRICT, INDUSTRY = "city", "district", "industry"
CITY_ROLES = (Role.COMMANDER, Role.ADMIN)
PASS = ReturnPass.Status
ISSUED = (PASS.VALID, PASS.SUSPENDED, PASS.REVOKED, PASS.EXPIRED)

MSG_CITY = _("全市")

_SUMS = {
    "employees": "total_employees",
    "returned": "returned",
    "on_duty": "on_duty",
    "in_quarantine": "in_quarantine",
    "returned_today": "returned_today",
}
# Clause 6: the key enterprises' own sums, from the same query (as workforce.services.KEY_SUMS).
_KEY_SUMS = {
    "key_employees": "total_employees",
    "key_returned": "returned",
    "key_on_duty": "on_duty",
}


# --- Scopes: who may open which dashboard ---------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    kind: str
    district: District | None = None
    authority: IndustryAuthority | None = None

    @property
    def own_district(self) -> District:
        """A district scope's district: every district scope names one."""
        if self.district is None:
            raise ValueError(f"a {self.kind} scope has no district")
        return self.district

    @property
    def own_authority(self) -> IndustryAuthority:
        """An industry scope's authority: every industry scope names one."""
        if self.authority is None:
            raise ValueError(f"a {self.kind} scope has no industry authority")
        return self.authority

    @property
    def key(self) -> str:
        if self.kind == DISTRICT:
            return f"district-{self.own_district.pk}"
        if self.kind == INDUSTRY:
            return f"industry-{self.own_authority.pk}"
        return CITY

    @property
    def name(self) -> str:
        if self.kind == DISTRICT:
            return self.own_district.name
        if self.kind == INDUSTRY:
            return self.own_authority.name
        return str(MSG_CITY)

    @property
    def area_key(self) -> int | None:
        """The area of the figures that is this scope's own: the district's, else the total."""
        return self.own_district.pk if self.kind == DISTRICT else None

    def url(self, name: str, **kwargs) -> str:
        if self.kind == CITY:
            return reverse(f"dashboard:city{name}", kwargs=kwargs)
        pk = self.own_district.pk if self.kind == DISTRICT else self.own_authority.pk
        return reverse(f"dashboard:{self.kind}{name}", kwargs={"pk": pk, **kwargs})


def city_scope_for(user) -> Scope:
    """The city dashboard: commanders and administrators (403 for every other role)."""
    if user.role not in CITY_ROLES:
        raise PermissionDenied
    return Scope(CITY)


def districts_visible_to(user):
    if not (user.is_authenticated and user.is_active):
        return District.objects.none()
    if user.role == Role.DISTRICT_STAFF:
        return District.objects.filter(pk=user.district_id)
    if user.role in CITY_ROLES:
        return District.objects.all()
    return District.objects.none()


def authorities_visible_to(user):
    if not (user.is_authenticated and user.is_active):
        return IndustryAuthority.objects.none()
    if user.role == Role.AUTHORITY_STAFF:
        return IndustryAuthority.objects.filter(pk=user.industry_authority_id)
    if user.role in CITY_ROLES:
        return IndustryAuthority.objects.all()
    return IndustryAuthority.objects.none()


def district_scope_get_or_404(user, pk: int) -> Scope:
    """A district's dashboard: its own staff, commanders and administrators; anyone else 404."""
    return Scope(DISTRICT, district=get_object_or_404(districts_visible_to(user), pk=pk))


def industry_scope_get_or_404(user, pk: int) -> Scope:
    """An industry authority's view: its own staff, commanders and administrators; anyone else 404."""
    return Scope(INDUSTRY, authority=get_object_or_404(authorities_visible_to(user), pk=pk))


def dashboard_url_for(user) -> str:
    """Where "the dashboard" is for this user; 403 for the roles that have none."""
    if user.role in CITY_ROLES:
        return reverse("dashboard:city")
    if user.role == Role.DISTRICT_STAFF:
        return reverse("dashboard:district", kwargs={"pk": user.district_id})
    if user.role == Role.AUTHORITY_STAFF:
        return reverse("dashboard:industry", kwargs={"pk": user.industry_authority_id})
    raise PermissionDenied


# --- Shared pieces ---------------------------------------------------------------------------------


def cached(key: str, compute):
    """The value under `key` for CACHE_SECONDS, computed on a miss."""
    full_key = f"{CACHE_PREFIX}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, CACHE_SECONDS)
    return value


def request_figures_cached(district_id: int | None, *, refresh: bool = False) -> dict:
    """企业诉求 (件件有答复) for the city (per district) or a district (per tier), cached like the other figures and
    refreshed with the city's by the minute task."""
    from service_requests.models import ServiceRequest
    from service_requests.selectors import request_figures

    dimensions = ("district",) if district_id is None else ("tier",)
    key = f"{CACHE_PREFIX}:requests-{district_id or 'city'}"
    value = None if refresh else cache.get(key)
    if value is None:
        value = request_figures(ServiceRequest.objects.all(), district_id=district_id, dimensions=dimensions)
        cache.set(key, value, CACHE_SECONDS)
    return value


def flow_cached(district_id: int | None, day: date, *, refresh: bool = False):
    """Peak-hour flow at the entrances (passes.selectors.flow) for the city or a district, cached like the figures;
    the city's refreshed with them by the minute task."""
    from passes.selectors.flow import entrance_flow

    key = f"{CACHE_PREFIX}:flow-{district_id or 'city'}:{day.isoformat()}"
    value = None if refresh else cache.get(key)
    if value is None:
        value = entrance_flow(district_id=district_id, today=day)
        cache.set(key, value, CACHE_SECONDS)
    return value


def restricted_classes(rules: NegativeListRules, classes: Iterable[IndustryNode]) -> frozenset[str]:
    """Industry classes whose work the rules restrict: their enterprises should not resume yet.

    The same judgement as rules.restriction(industry, WORK), without building a Restriction per class.
    """
    found = set()
    for industry in classes:
        entry = rules.covering_entry(industry)
        if entry is not None and entry.restricts(ResumptionScope.WORK):
            found.add(industry.code)
    return frozenset(found)


def authority_classes(authority_id: int, industries: dict[str, IndustryNode]) -> frozenset[str]:
    """The classes under any node (section … class) the authority guides: its share of the registry."""
    guided = set(Industry.objects.filter(authorities=authority_id).values_list("code", flat=True))
    return frozenset(
        code
        for code, i in industries.items()
        if i.level == Industry.Level.CLASS and guided.intersection(i.ancestor_codes)
    )


def _one_decimal(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"))


# --- Today's figures: one computation per scope and day, cached ------------------------------------


def city_figures(day: date) -> dict:
    """Every district's figures and the city's (key None); the district dashboards read theirs from here."""
    return cached(f"{CITY}:{day.isoformat()}", lambda: _figures_compute(day))


def city_figures_refresh(day: date) -> dict:
    """Compute the city's figures now and keep them until the next refresh is due and a minute more.

    Run every REFRESH_SECONDS by Celery beat (dashboard.tasks.refresh_city_figures), so that the city
    and district dashboards read figures at most a minute old without computing them in a request.
    """
    data = _figures_compute(day)
    cache.set(f"{CACHE_PREFIX}:{CITY}:{day.isoformat()}", data, REFRESH_SECONDS + CACHE_SECONDS)
    request_figures_cached(None, refresh=True)
    flow_cached(None, day, refresh=True)
    return data


def industry_figures(authority: IndustryAuthority, day: date) -> dict:
    """The authority's industries: per district (their enterprises there) and in total (key None)."""
    return cached(f"{INDUSTRY}-{authority.pk}:{day.isoformat()}", lambda: _figures_compute(day, authority.pk))


def figures_for(scope: Scope, day: date) -> dict:
    if scope.kind == INDUSTRY:
        return industry_figures(scope.own_authority, day)
    data = city_figures(day)
    if scope.area_key not in data["areas"]:
        # A district added within the cache's minute: compute again rather than show it nothing.
        data = _figures_compute(day)
        cache.set(f"{CACHE_PREFIX}:{CITY}:{day.isoformat()}", data, CACHE_SECONDS)
    return data


def _figures_compute(day: date, authority_id: int | None = None) -> dict:
    yesterday = day - timedelta(days=1)
    industries = industry_nodes()
    classes = [i for i in industries.values() if i.level == Industry.Level.CLASS]
    restricted = restricted_classes(negative_list_rules(on=day), classes)
    restricted_before = restricted_classes(negative_list_rules(on=yesterday), classes)
    scoped = authority_classes(authority_id, industries) if authority_id else None
    districts = list(District.objects.all())

    groups = _by_district(_resumption_groups(day, scoped, restricted, restricted_before), lambda g: g["district_id"])
    reports = _report_groups(day, scoped)
    percents: dict[date, dict[int | None, list]] = {day: {}, yesterday: {}}
    capacity = _capacity_rows(day, scoped)
    key_percents: dict[date, dict[int | None, list]] = {day: {}, yesterday: {}}
    for row_day, district_id, _industry, percent, is_key in capacity:
        percents[row_day].setdefault(district_id, []).append(percent)
        if is_key:
            key_percents[row_day].setdefault(district_id, []).append(percent)
    if scoped is None:
        # The workbook's "change on the day" compares with yesterday's summary row: so does the dashboard.
        before_rows = {row.district_id: row for row in DailySummary.objects.filter(day=yesterday)}
        passes = _passes_by_district(day)
        checks = _checks_by_district(day)
    else:
        before_rows, passes, checks = {}, None, None

    def pick(by_district: dict, district_id: int | None) -> list:
        """The district's items, or everyone's for the city."""
        if district_id is not None:
            return by_district.get(district_id, [])
        return [item for items in by_district.values() for item in items]

    def area(district_id: int | None, name: str) -> dict:
        now, before = _resumption_figures(pick(groups, district_id))
        expected = now["total"]  # every active enterprise reports daily
        today_percents = pick(percents[day], district_id)
        yesterday_percents = pick(percents[yesterday], district_id)
        now |= _report_figures(pick(reports.get(day, {}), district_id), expected)
        now |= _capacity_figures(today_percents)
        now["key_capacity_mean"] = _mean(pick(key_percents[day], district_id))
        before["low_capacity"] = _capacity_figures(yesterday_percents)["low_capacity"]
        if scoped is None:
            before |= _summary_figures(before_rows.get(district_id))
        else:
            before |= _report_figures(pick(reports.get(yesterday, {}), district_id), expected)
            before |= _capacity_figures(yesterday_percents)
            before["key_capacity_mean"] = _mean(pick(key_percents[yesterday], district_id))
        if passes is not None and checks is not None:  # both or neither
            now |= _pass_figures(pick(passes, district_id))
            before["passes_issued"] = now["passes_issued"] - now["passes_issued_today"]
            counts = pick(checks, district_id)
            now["checks_today"] = sum(today for today, _earlier in counts)
            before["checks_today"] = sum(earlier for _today, earlier in counts)
        return {"pk": district_id, "name": name, "now": now, "before": before, "buckets": _buckets(today_percents)}

    areas: dict[int | None, dict] = {d.pk: area(d.pk, d.name) for d in districts}
    areas[None] = area(None, str(MSG_CITY))
    return {
        "day": day,
        "computed_at": replica.data_as_of(),
        "districts": [(d.pk, d.name) for d in districts],
        "areas": areas,
        "divisions": _division_rows(groups, capacity, day, industries),
        "restricted": restricted,
        "scoped_classes": scoped,
    }


def _by_district(items, district_of) -> dict[int | None, list]:
    found: dict[int | None, list] = {}
    for item in items:
        found.setdefault(district_of(item), []).append(item)
    return found


def _standings(scoped: frozenset[str] | None):
    """The standings of the active enterprises (of the scope's industries)."""
    standings = ResumptionStanding.objects.filter(is_active=True)
    return standings if scoped is None else standings.filter(industry_id__in=scoped)


def _resumption_groups(
    day: date, scoped: frozenset[str] | None, restricted: frozenset[str], restricted_before: frozenset[str]
) -> list[dict]:
    """Per (district, industry division, restricted today, restricted yesterday): the active enterprises, above-scale
    ones, those filed (and filed before today) and resumed (by today, by yesterday).

    One grouped query over the enterprises' standings (workforce.models.ResumptionStanding) whatever the size; each
    row says whether its enterprises should resume (not restricted) today and yesterday.
    """
    start, _end = day_bounds(day)
    yesterday = day - timedelta(days=1)
    above = Q(is_above_scale=True)
    resumed = Q(resumed_on__lte=day)
    resumed_before = Q(resumed_on__lte=yesterday)
    return list(
        _standings(scoped)
        .annotate(restricted=_listed(restricted), restricted_before=_listed(restricted_before))
        .values("district_id", "division", "restricted", "restricted_before")
        .annotate(
            total=Count("pk"),
            above=Count("pk", filter=above),
            filed=Count("filed_at"),
            filed_before=Count("pk", filter=Q(filed_at__lt=start)),
            resumed=Count("pk", filter=resumed),
            resumed_before=Count("pk", filter=resumed_before),
            above_resumed=Count("pk", filter=above & resumed),
            above_resumed_before=Count("pk", filter=above & resumed_before),
        )
        .order_by()
    )


def _listed(classes: frozenset[str]):
    """True for a standing whose industry class is among `classes`."""
    if not classes:
        return Value(False)
    return ExpressionWrapper(Q(industry_id__in=classes), output_field=BooleanField())


def window(day: date) -> list[date]:
    """The days the history charts show, the last being `day`."""
    return [day - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]


def resumed_history(scope: Scope, day: date) -> dict[int | None, list[int]]:
    """Per district (and the total, key None): enterprises that should resume (today's list) and had resumed by
    each day of the window. For the history chart alone, so that the page does not wait for it."""
    data = figures_for(scope, day)
    return _resumed_history(day, data["scoped_classes"], data["restricted"])


def _resumed_history(
    day: date, scoped: frozenset[str] | None, restricted: frozenset[str]
) -> dict[int | None, list[int]]:
    days = window(day)
    per_day: dict[int | None, list[int]] = {}
    for row in (
        _standings(scoped)
        .filter(resumed_on__lte=day)
        .exclude(industry_id__in=restricted)
        .values("district_id", "resumed_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        index = max(0, (row["resumed_on"] - days[0]).days)  # 0: by the window's first day
        for area in (row["district_id"], None):
            per_day.setdefault(area, [0] * len(days))[index] += row["n"]
    return {area: list(accumulate(counts)) for area, counts in per_day.items()}


def _resumption_figures(rows: list[dict]) -> tuple[dict, dict]:
    """Should resume (not restricted), filed, resumed: filed and resumed only among those that should.

    Yesterday's figures judge the list in force yesterday, filings in effect sent before today, and
    resumption dates up to yesterday.
    """
    now: dict[str, Any] = dict.fromkeys(
        ("total", "should", "filed", "resumed", "above_scale_should", "above_scale_resumed"), 0
    )
    before: dict[str, Any] = dict.fromkeys(("should", "filed", "resumed", "above_scale_resumed"), 0)
    for row in rows:
        now["total"] += row["total"]
        if not row["restricted"]:
            now["should"] += row["total"]
            now["filed"] += row["filed"]
            now["resumed"] += row["resumed"]
            now["above_scale_should"] += row["above"]
            now["above_scale_resumed"] += row["above_resumed"]
        if not row["restricted_before"]:
            before["should"] += row["total"]
            before["filed"] += row["filed_before"]
            before["resumed"] += row["resumed_before"]
            before["above_scale_resumed"] += row["above_resumed_before"]
    for figures in (now, before):
        figures["not_filed"] = figures["should"] - figures["filed"]
        figures["resumption_rate"] = F.rate(figures["resumed"], figures["should"])
    return now, before


def _report_groups(day: date, scoped: frozenset[str] | None) -> dict[date, dict[int, list[dict]]]:
    """The day's reports of active enterprises summed per district, as the daily summary sums them, from the cells
    the reports are tallied in as they are saved (workforce.tallies).

    The industry view also needs yesterday's (it has no summary row to compare with).
    """
    days = [day] if scoped is None else [day, day - timedelta(days=1)]
    cells = ReportTally.objects.filter(day__in=days)
    if scoped is not None:
        cells = cells.filter(industry_id__in=scoped)
    watched = Q(is_watched=True)
    rows = (
        cells.values("day", "district_id")
        .annotate(
            # Aliases other than the cells' own column names, which Django would not let an annotation take.
            n_reported=Sum("reported"),
            n_late=Sum("late"),
            key_reported=Sum("reported", filter=watched),
            **{name: Sum(column, filter=watched) for name, column in _KEY_SUMS.items()},
            **{f"n_{name}": Sum(column) for name, column in _SUMS.items()},
        )
        .order_by()
    )
    found: dict[date, dict[int, list[dict]]] = {}
    for row in rows:
        figures = {name: row[f"n_{name}"] for name in ("reported", "late", *_SUMS)}
        figures |= {name: row[name] for name in ("key_reported", *_KEY_SUMS)}
        found.setdefault(row["day"], {})[row["district_id"]] = [figures]
    return found


def _report_figures(rows: list[dict], expected: int) -> dict:
    figures = {
        name: sum(row[name] or 0 for row in rows) for name in ("reported", "late", "key_reported", *_SUMS, *_KEY_SUMS)
    }
    return _with_report_rates(figures | {"expected": expected})


def _with_report_rates(figures: dict) -> dict:
    return figures | {
        "not_reported": figures["expected"] - figures["reported"],
        "report_rate": F.rate(figures["reported"], figures["expected"]),
        "return_rate": F.rate(figures["returned"], figures["employees"]),
        "on_duty_rate": F.rate(figures["on_duty"], figures["employees"]),
        "key_on_duty_rate": F.rate(figures["key_on_duty"], figures["key_employees"]),
    }


def _summary_figures(row: DailySummary | None) -> dict:
    """Yesterday's summary row as figures (nothing when the summary was not built)."""
    if row is None:
        return {}
    figures = {
        name: getattr(row, name)
        for name in (
            "expected",
            "reported",
            "late",
            "above_scale_reporting",
            "capacity_mean",
            "capacity_median",
            "key_reported",
            "key_capacity_mean",
            *_SUMS,
            *_KEY_SUMS,
        )
    }
    return _with_report_rates(figures)


def _capacity_rows(day: date, scoped: frozenset[str] | None) -> list[tuple]:
    """(day, district, industry, percent, key) of the capacity reports of today and yesterday, above-scale only."""
    rows = CapacityReport.objects.filter(
        day__in=[day, day - timedelta(days=1)], standing__is_above_scale=True, standing__is_active=True
    )
    if scoped is not None:
        rows = rows.filter(standing__industry_id__in=scoped)
    return list(
        rows.values_list(
            "day", "standing__district_id", "standing__industry_id", "capacity_percent", "standing__is_watched"
        )
    )


def _capacity_figures(percents: list[Decimal]) -> dict:
    """As the summary: the mean and median to one decimal, over the above-scale enterprises that reported."""
    return {
        "above_scale_reporting": len(percents),
        "capacity_mean": _one_decimal(sum(percents) / len(percents)) if percents else None,
        "capacity_median": _one_decimal(statistics.median(percents)) if percents else None,
        "low_capacity": sum(1 for p in percents if p < LOW_CAPACITY_PERCENT),
    }


def _mean(percents: list[Decimal]) -> Decimal | None:
    return _one_decimal(sum(percents) / len(percents)) if percents else None


def _buckets(percents: list[Decimal]) -> list[int]:
    counts = [0] * CAPACITY_BUCKETS
    for percent in percents:
        counts[min(int(percent // 10), CAPACITY_BUCKETS - 1)] += 1
    return counts


def _passes_by_district(day: date) -> dict[int, list[dict]]:
    """Issued and valid passes per issuing district, from the counts kept per status (passes.tallies), and those
    issued today, from the index on the issue time.

    "Valid" leaves out passes past their last day that the nightly expiry has not reached yet.
    """
    start, end = day_bounds(day)
    found: dict[int, dict] = {}

    def row(pk):
        return found.setdefault(pk, {"issued": 0, "valid": 0, "issued_today": 0})

    for district_id, status, count in PassTally.objects.values_list("district_id", "status", "passes"):
        if status in ISSUED:
            row(district_id)["issued"] += count
        if status == PASS.VALID:
            row(district_id)["valid"] += count
    # Few rows, found through (status, valid_until).
    for district_id in (
        ReturnPass.objects.filter(status=PASS.VALID, valid_until__lt=day)
        .values_list("issuing_district_id", flat=True)
        .order_by()
    ):
        row(district_id)["valid"] -= 1
    for item in (
        ReturnPass.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .values("issuing_district_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        row(item["issuing_district_id"])["issued_today"] += item["n"]
    return {pk: [figures] for pk, figures in found.items()}


def _pass_figures(rows: list[dict]) -> dict:
    return {
        "passes_issued": sum(r["issued"] for r in rows),
        "passes_valid": sum(r["valid"] for r in rows),
        "passes_issued_today": sum(r["issued_today"] for r in rows),
    }


def _checks_by_district(day: date) -> dict[int | None, list[tuple[int, int]]]:
    """Checkpoint checks of today and of yesterday, by the district of the checkpoint's community, from the counts
    kept per day and community as the checks are stored (passes.tallies). A scan without a checkpoint (the QR
    link opened by anyone) counts nowhere."""
    yesterday = day - timedelta(days=1)
    counts: dict[int, list[int]] = {}
    for check_day, community_id, checks in CheckTally.objects.filter(day__in=[day, yesterday]).values_list(
        "day", "community_id", "checks"
    ):
        counts.setdefault(community_id, [0, 0])[0 if check_day == day else 1] += checks
    district_of = dict(Community.objects.values_list("pk", "district_id"))
    found: dict[int | None, list[tuple[int, int]]] = {}
    for community_id, (today, earlier) in counts.items():
        found.setdefault(district_of.get(community_id), []).append((today, earlier))
    return found


def _division_rows(
    groups: dict[int | None, list[dict]],
    capacity: list[tuple],
    day: date,
    industries: dict[str, IndustryNode],
) -> dict[int | None, list[dict]]:
    """Per district (and in total, key None): each industry division's resumption and capacity."""
    counts: dict[tuple, list] = {}  # (area, division) -> [total, should, filed, resumed, percents]

    def entry(area, division):
        found = counts.get((area, division))
        if found is None:
            found = counts[area, division] = [0, 0, 0, 0, []]
        return found

    for district_id, rows in groups.items():
        for group in rows:
            should = not group["restricted"]
            for area in (district_id, None):
                found = entry(area, group["division"])
                found[0] += group["total"]
                if should:
                    found[1] += group["total"]
                    found[2] += group["filed"]
                    found[3] += group["resumed"]
    for row_day, district_id, industry, percent, _key in capacity:
        if row_day == day:
            for area in (district_id, None):
                entry(area, industries[industry].division)[4].append(percent)
    result: dict[int | None, list[dict]] = {}
    for (area, code), (total, should, filed, resumed, percents) in counts.items():
        industry = industries.get(code)
        result.setdefault(area, []).append(
            {
                "code": code,
                "name": industry.name if industry else code,
                "total": total,
                "should": should,
                "filed": filed,
                "resumed": resumed,
                "resumption_rate": F.rate(resumed, should),
                "above_scale_reporting": len(percents),
                "capacity_mean": _one_decimal(sum(percents) / len(percents)) if percents else None,
            }
        )
    for rows in result.values():
        rows.sort(key=lambda r: (-r["total"], r["code"]))
    return result


# --- What a dashboard page shows -------------------------------------------------------------------


def drill_url(scope: Scope, drill: str, **extra) -> str:
    """The enterprise list behind a figure, narrowed to the scope."""
    params: dict[str, Any] = {"figure": drill}
    if scope.kind == DISTRICT:
        params["district"] = scope.own_district.pk
    elif scope.kind == INDUSTRY:
        params["authority"] = scope.own_authority.pk
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return f"{reverse('dashboard:enterprises')}?{urlencode(params)}"


def headlines(scope: Scope, data: dict) -> list[dict]:
    area = data["areas"][scope.area_key]
    groups = F.INDUSTRY_GROUPS if scope.kind == INDUSTRY else F.GROUPS
    return [
        {
            "key": group.key,
            "title": str(group.title),
            "figures": [
                F.headline(key, area["now"], area["before"], lambda drill: drill_url(scope, drill))
                for key in group.figures
            ],
        }
        for group in groups
    ]


def ranking_rows(scope: Scope, data: dict) -> list[dict]:
    """Each district's rates with its rank on each; the last place on each rate is marked."""
    rows = [data["areas"][pk] for pk, _name in data["districts"] if data["areas"][pk]["now"]["total"]]
    ranks = {key: F.ranks(((row["pk"], row["now"][key]) for row in rows), key) for key in F.RANKED}
    lasts = {key: max(found.values(), default=None) for key, found in ranks.items()}
    result = []
    for row in rows:
        cells = []
        for key in F.RANKED:
            value = row["now"][key]
            rank = ranks[key].get(row["pk"])
            cells.append(
                {
                    "key": key,
                    "label": str(F.FIGURES[key].label),
                    "value": F.plain(value),
                    "shown": F.shown(key, value),
                    "rank": rank,
                    "tied": F.is_tied(ranks[key], rank),
                    "last": rank is not None and rank == lasts[key] and rank > 1,
                }
            )
        result.append({"pk": row["pk"], "name": row["name"], "cells": cells, "url": _ranking_link(scope, row["pk"])})
    return result


def _ranking_link(scope: Scope, district_id: int) -> str:
    if scope.kind == CITY:
        return reverse("dashboard:district", kwargs={"pk": district_id})
    return drill_url(scope, "should", district=district_id)


def district_ranks(district_id: int, data: dict) -> list[dict]:
    """The district's place among the districts on each rate (only its own values are shown).

    Out of the same number on every rate: the districts of the ranking table (those with enterprises);
    a district without a value on a rate is unranked on it. A place shared with others reads 并列.
    """
    rows = [data["areas"][pk] for pk, _name in data["districts"] if data["areas"][pk]["now"]["total"]]
    found = []
    for key in F.RANKED:
        ranks = F.ranks(((row["pk"], row["now"][key]) for row in rows), key)
        rank = ranks.get(district_id)
        found.append(
            {
                "key": key,
                "label": str(F.FIGURES[key].label),
                "rank": rank,
                "tied": F.is_tied(ranks, rank),
                "of": len(rows),
                "shown": F.shown(key, data["areas"][district_id]["now"][key]),
            }
        )
    return found


def division_rows(scope: Scope, data: dict) -> list[dict]:
    rows = data["divisions"].get(scope.area_key, [])
    return [
        {
            **row,
            "shown_rate": F.shown("resumption_rate", row["resumption_rate"]),
            "shown_capacity": F.shown("capacity_mean", row["capacity_mean"]),
            "url": drill_url(scope, "should", industry=row["code"]),
            "not_filed_url": drill_url(scope, "not_filed", industry=row["code"]),
        }
        for row in rows
    ]


def district_extras(district: District, day: date, restricted: frozenset[str]) -> dict:
    """What blocks the district's rates, and its work queues, cached like the figures."""
    return cached(
        f"{DISTRICT}-{district.pk}:{day.isoformat()}:extras",
        lambda: _district_extras_compute(district, day, restricted),
    )


def _district_extras_compute(district: District, day: date, restricted: frozenset[str]) -> dict:
    active = Enterprise.objects.filter(district=district, status=Enterprise.Status.ACTIVE)
    in_effect = filings_in_effect().filter(enterprise=OuterRef("pk"))
    reported = WorkforceReport.objects.filter(enterprise=OuterRef("pk"), day=day)
    biggest = ("-headcount", "name", "pk")
    fields = ("pk", "name", "headcount")
    low = (
        CapacityReport.objects.filter(
            day=day,
            enterprise__district=district,
            enterprise__is_above_scale=True,
            enterprise__status=Enterprise.Status.ACTIVE,
            capacity_percent__lt=LOW_CAPACITY_PERCENT,
        )
        .order_by("capacity_percent", "enterprise__name")
        .values_list("enterprise_id", "enterprise__name", "capacity_percent")[:BLOCKING_LIMIT]
    )
    queue = Filing.objects.filter(enterprise__district=district, status=Filing.Status.SUBMITTED).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(review_deadline__lt=timezone.now()))
    )
    return {
        "not_filed": list(
            active.exclude(industry_id__in=restricted)
            .filter(~Exists(in_effect))
            .order_by(*biggest)
            .values(*fields)[:BLOCKING_LIMIT]
        ),
        "not_reported": list(active.filter(~Exists(reported)).order_by(*biggest).values(*fields)[:BLOCKING_LIMIT]),
        "low_capacity": [{"pk": pk, "name": name, "percent": percent} for pk, name, percent in low],
        "queue": {
            **queue,
            "pending": Enterprise.objects.filter(district=district, status=Enterprise.Status.PENDING).count(),
            "passes_applied": PassTally.objects.filter(district=district, status=PASS.APPLIED)
            .values_list("passes", flat=True)
            .first()
            or 0,
        },
    }


def countdown(day: date) -> dict:
    target = settings.RESUMPTION_TARGET_DATE
    return {"target_date": target, "days_to_target": (target - day).days}


def dashboard_context(scope: Scope, day: date) -> dict:
    """Everything a dashboard page renders; the charts come from their JSON endpoints."""
    from dashboard.charts import CHART_NOTES, charts_for

    data = figures_for(scope, day)
    context = {
        "scope": scope,
        "day": day,
        "computed_at": data["computed_at"],
        "groups": headlines(scope, data),
        "now": data["areas"][scope.area_key]["now"],
        "divisions": division_rows(scope, data),
        "charts": [
            {
                "slug": slug,
                "title": str(title),
                "url": scope.url("_data", chart=slug),
                "note": CHART_NOTES.get(slug, ""),
            }
            for slug, title in charts_for(scope)
        ],
        "figures_url": scope.url("_data", chart="figures"),
        "page_url": scope.url(""),
        "screen_url": scope.url("_screen"),
        **countdown(day),
    }
    if scope.kind == DISTRICT:
        context["ranks"] = district_ranks(scope.own_district.pk, data)
        context["extras"] = district_extras(scope.own_district, day, data["restricted"])
        context["blocking_urls"] = {
            drill: drill_url(scope, drill) for drill in ("not_filed", "not_reported", "low_capacity")
        }
    else:
        context["ranking"] = ranking_rows(scope, data)
    return context


def figures_json(scope: Scope, day: date) -> dict:
    """The headline figures for the big screen's refresh."""
    data = figures_for(scope, day)
    return {
        "day": day.isoformat(),
        "computed_at": timezone.localtime(data["computed_at"]).strftime("%H:%M:%S"),
        "figures": {f["key"]: f for group in headlines(scope, data) for f in group["figures"]},
        **{k: v.isoformat() if isinstance(v, date) else v for k, v in countdown(day).items()},
    }
