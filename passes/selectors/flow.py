"""Peak-hour flow at the entrances (clause 9: add gates at the peaks, verify faster), from the check log.

Checks per entrance per 15 minutes over the last 7 local days, the busiest entrances with their busiest
quarter-hour, the busiest hours of the day, and the median interval between consecutive checks at an entrance
in its busiest quarter-hour (a proxy for the queue: a guard who checks every 4 seconds has people waiting).
Every figure is a count of PassCheck rows (checks made at a checkpoint, with an entrance) and agrees with the log
exactly: the quarter-hours the rollup holds (passes.flow_rollup) are read from it, the later ones from the log. The
queries are a fixed handful, whatever the volume: grouped counts from each source and, for the median, only the
timestamps of the busiest quarter-hours.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.dates import day_start
from passes.flow_rollup import QuarterHour, counted_checks, quarter_of, quarter_start, rolled_until
from passes.models import Entrance, EntranceQuarter

QUARTER = timedelta(minutes=15)
SLOTS_PER_DAY = 96
DAYS = 7
TOP_ENTRANCES = 10


def slot_of_day(moment: datetime) -> int:
    local = timezone.localtime(moment)
    return local.hour * 4 + local.minute // 15


def slot_label(slot: int) -> str:
    return f"{slot // 4:02d}:{slot % 4 * 15:02d}"


@dataclass(frozen=True)
class EntrancePeak:
    entrance_id: int
    name: str
    community: str
    district: str
    is_open: bool
    total: int  # checks in the window
    peak_start: datetime | None  # local start of its busiest quarter-hour (the earliest of equals)
    peak_count: int
    median_interval: float | None  # seconds between consecutive checks in that quarter-hour; None below 2 checks
    by_slot: list[int] = field(default_factory=list)  # checks per quarter-hour of the day (96), summed over the days

    @property
    def label(self) -> str:
        return f"{self.community} · {self.name}"

    @property
    def peak_end(self) -> datetime | None:
        return self.peak_start + QUARTER if self.peak_start else None


@dataclass(frozen=True)
class Flow:
    first_day: date
    last_day: date
    total: int  # checks at an entrance in the window
    entrances: list[EntrancePeak]  # the busiest, most checks first
    by_hour: list[int]  # checks per local hour of the day (24), summed over the days
    by_slot: list[int]  # checks per quarter-hour of the day (96), all entrances

    @property
    def busiest_hours(self) -> list[tuple[int, int]]:
        """(hour, checks) of the three busiest hours with any check, busiest first (earlier first among equals)."""
        ranked = sorted(((n, -h) for h, n in enumerate(self.by_hour) if n), reverse=True)[:3]
        return [(-h, n) for n, h in ranked]


class _Sources:
    """The window split at the rollup's mark: counts before it from EntranceQuarter, after it from the log."""

    def __init__(self, district_id: int | None, start: datetime, end: datetime):
        first, last = quarter_of(start), quarter_of(end)
        mark = min(max(rolled_until(), first), last)
        self.rolled = EntranceQuarter.objects.filter(quarter__gte=first, quarter__lt=mark).order_by()
        self.live = counted_checks().filter(checked_at__gte=quarter_start(mark), checked_at__lt=end)
        if district_id is not None:
            # By the district's entrance ids, so that both sources read their (entrance, time) indexes for those
            # entrances instead of joining every row of the city's week to its community.
            ids = Entrance.objects.filter(community__district_id=district_id).values("pk")
            self.rolled = self.rolled.filter(entrance_id__in=ids)
            self.live = self.live.filter(entrance_id__in=ids)

    def per_quarter(self, ids: list[int] | None = None):
        """(entrance or None, quarter, checks) rows of both sources."""
        rolled, live = self.rolled, self.live.annotate(q=QuarterHour("checked_at"))
        if ids is None:
            yield from ((None, q, n) for q, n in rolled.values_list("quarter").annotate(n=Sum("checks")))
            yield from ((None, q, n) for q, n in live.values_list("q").annotate(n=Count("pk")))
            return
        yield from rolled.filter(entrance_id__in=ids).values_list("entrance_id", "quarter", "checks")
        yield from live.filter(entrance_id__in=ids).values_list("entrance_id", "q").annotate(n=Count("pk"))

    def per_entrance(self) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for entrance_id, n in self.rolled.values_list("entrance_id").annotate(n=Sum("checks")):
            totals[entrance_id] += n
        for entrance_id, n in self.live.values_list("entrance_id").annotate(n=Count("pk")):
            totals[entrance_id] += n
        return totals


def entrance_flow(*, district_id: int | None = None, today: date | None = None, top: int = TOP_ENTRANCES) -> Flow:
    """The flow of the last DAYS local days (today included) for a district, or the city (None). At most nine
    queries: the rollup's mark, two per grouping (rollup and log), the peaks' checks, the names."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=DAYS - 1)
    sources = _Sources(district_id, day_start(first_day), day_start(today + timedelta(days=1)))

    # 1. Every quarter-hour of the window, all entrances together: the hours and the day's profile.
    by_hour, by_slot, total = [0] * 24, [0] * SLOTS_PER_DAY, 0
    for _entrance, index, n in sources.per_quarter():
        slot = slot_of_day(quarter_start(index))
        by_slot[slot] += n
        by_hour[slot // 4] += n
        total += n

    # 2. The busiest entrances (the earlier-added first among equals).
    ranked = sorted(sources.per_entrance().items(), key=lambda item: (-item[1], item[0]))[:top]
    ids = [entrance_id for entrance_id, _n in ranked]
    if not ids:
        return Flow(first_day, today, total, [], by_hour, by_slot)

    # 3. Their quarter-hours: the peak of each (the earliest among equals) and its profile over the day.
    per_quarter: dict[int, dict[int, int]] = {entrance_id: defaultdict(int) for entrance_id in ids}
    for entrance_id, index, n in sources.per_quarter(ids):
        per_quarter[entrance_id][index] += n
    peaks = {
        entrance_id: min(quarters.items(), key=lambda item: (-item[1], item[0]))
        for entrance_id, quarters in per_quarter.items()
    }

    # 4. The checks of each peak quarter-hour, from the log, for the median interval.
    at_peak = Q()
    for entrance_id, (index, _n) in peaks.items():
        peak = quarter_start(index)
        at_peak |= Q(entrance_id=entrance_id, checked_at__gte=peak, checked_at__lt=peak + QUARTER)
    moments: dict[int, list[datetime]] = {entrance_id: [] for entrance_id in ids}
    for entrance_id, checked_at in (
        counted_checks().filter(at_peak).order_by("entrance_id", "checked_at").values_list("entrance_id", "checked_at")
    ):
        moments[entrance_id].append(checked_at)

    # 5. Their names.
    entrances = Entrance.objects.filter(pk__in=ids).select_related("community__district").in_bulk()
    rows = []
    for entrance_id, n in ranked:
        entrance = entrances[entrance_id]
        index, peak_count = peaks[entrance_id]
        profile = [0] * SLOTS_PER_DAY
        for quarter, count in per_quarter[entrance_id].items():
            profile[slot_of_day(quarter_start(quarter))] += count
        rows.append(
            EntrancePeak(
                entrance_id=entrance_id,
                name=entrance.name,
                community=entrance.community.name,
                district=entrance.community.district.name,
                is_open=entrance.is_open,
                total=n,
                peak_start=quarter_start(index),
                peak_count=peak_count,
                median_interval=median_interval(moments[entrance_id]),
                by_slot=profile,
            )
        )
    return Flow(first_day, today, total, rows, by_hour, by_slot)


def median_interval(moments: list[datetime]) -> float | None:
    """The median of the seconds between consecutive checks, or None with fewer than two checks."""
    if len(moments) < 2:
        return None
    ordered = sorted(moments)
    return round(statistics.median((b - a).total_seconds() for a, b in zip(ordered, ordered[1:], strict=False)), 1)
