"""Daily workforce reports (用工情况日报) and capacity reports for the generated registry.

One WorkforceReport per enterprise per day for DAYS days (2020-02-09 … 2020-03-09), about 3% of the
enterprise-days never reported and about 5% of the reports late, and one CapacityReport per
above-scale enterprise on each day it reported. Each enterprise follows its own return curve: some
of its workers stayed in Kunshan over the holiday, the rest come back day by day towards a share
that depends on where they come from; returnees spend about two weeks under observation before
they go on duty, and a plant runs only a skeleton crew until its resumption day. Every row passes
the model's check constraints:

    on_duty <= returned <= total_employees       away_high + away_medium + away_low = total - returned
    in_quarantine <= returned                    returned_today_high + returned_today_medium <= returned_today
    returned_today <= returned                   0 <= capacity_percent <= 200

Rows are written day by day, each day's in the order they were submitted, as the live table would
have received them (so a day's rows lie together on disk, as they would in production).
PostgreSQL loads them with COPY; other databases with bulk_create in batches. Everything is
reproducible from the seed.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.db import connection, transaction

from bench.generate import SEED
from bench.generate_filings import KUNSHAN, _timestamps_as_given
from enterprises.models import Enterprise
from workforce.models import CapacityReport, DailySummary, WorkforceReport

FIRST_DAY = date(2020, 2, 9)  # the last day of the extended Spring Festival holiday
DAYS = 30  # to 2020-03-09
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
# The bench's "now" for the reporting-status page: the morning of the last generated day.
AS_OF = datetime.combine(LAST_DAY, time(10, 0), tzinfo=KUNSHAN)
BATCH_SIZE = 5000  # bulk_create rows per INSERT
NULL = "\\N"  # in COPY's text format

# An enterprise is reliable or sloppy; the sloppy tenth misses and is late far more often.
SLOPPY_SHARE = 0.1
MISS_CHANCE = (0.01, 0.21)  # (reliable, sloppy): 0.9 * 1% + 0.1 * 21% = 3% of enterprise-days not reported
LATE_CHANCE = (0.03, 0.23)  # 0.9 * 3% + 0.1 * 23% = 5% of the reports late
QUARANTINE_DECAY = 13 / 14  # about 14 days of observation
BLOCKERS = (
    "员工返岗不足, 外地员工尚未返昆。",
    "上游供应商未复工, 原材料短缺。",
    "物流运输受阻, 成品无法发出。",
    "口罩等防疫物资储备不足。",
    "海外订单减少。",
)

_WORKFORCE_COLUMNS = (
    "enterprise_id",
    "day",
    "total_employees",
    "returned",
    "on_duty",
    "away_high",
    "away_medium",
    "away_low",
    "in_quarantine",
    "returned_today",
    "returned_today_high",
    "returned_today_medium",
    "is_late",
    "submitted_by_id",
    "submitted_at",
    "updated_at",
)
_CAPACITY_COLUMNS = (
    "enterprise_id",
    "day",
    "capacity_percent",
    "staff_on_site",
    "electricity_kwh",
    "electricity_kwh_last_year",
    "orders_on_hand",
    "blockers",
    "submitted_by_id",
    "submitted_at",
)


@dataclass
class WorkforceGenerated:
    method: str = ""  # "COPY" or "bulk_create"
    days: int = 0
    first_day: str = ""
    last_day: str = ""
    seconds: float = 0.0
    enterprises: int = 0
    reports: int = 0
    missing: int = 0  # enterprise-days without a report
    late: int = 0
    capacity_reports: int = 0
    last_day_reported: int = 0
    last_day_reported_zero: int = 0  # reported, nobody on duty
    per_day: list[int] = field(default_factory=list)


class _Plant:
    """One enterprise's state as the days go by."""

    __slots__ = (
        "pk",
        "total",
        "returned",
        "target",
        "rate",
        "quarantine",
        "quarantine_share",
        "resume_day",
        "skeleton",
        "share_high",
        "share_medium",
        "miss",
        "late",
        "above_scale",
        "efficiency",
        "kwh",
        "kwh_last_year",
        "orders",
    )

    def __init__(self, rng: random.Random, pk: int, headcount: int, above_scale: bool) -> None:
        self.pk, self.total, self.above_scale = pk, headcount, above_scale
        # Locals and those who stayed over the holiday; the rest return towards `target`.
        self.returned = int(headcount * rng.uniform(0.05, 0.4))
        self.target = max(self.returned, int(headcount * rng.uniform(0.55, 0.99) + 0.5))
        self.rate = rng.uniform(0.04, 0.16)  # share of the outstanding returnees back per day
        self.quarantine = 0.0
        self.quarantine_share = rng.uniform(0.2, 0.7)  # of returnees, from outside Suzhou: observed first
        # Resumption no earlier than 10 February; the small shops often weeks later.
        self.resume_day = rng.choice((1, 1, 2, 3, 5, 8, 8, 10, 15, 22)) if headcount < 240 else rng.choice((1, 1, 2, 3))
        self.skeleton = 0 if rng.random() < 0.6 else max(1, headcount // 30)  # guards, maintenance
        self.share_high = rng.uniform(0.0, 0.08)  # workers from Hubei and other high-risk areas
        self.share_medium = rng.uniform(0.05, 0.35)
        sloppy = rng.random() < SLOPPY_SHARE
        self.miss, self.late = MISS_CHANCE[sloppy], LATE_CHANCE[sloppy]
        self.efficiency = rng.uniform(0.85, 1.2)  # capacity per share of staff on duty
        self.kwh = headcount * rng.uniform(20, 300)  # a normal day's electricity
        self.kwh_last_year = rng.random() >= 0.08  # a few have no comparable figure
        self.orders = headcount * rng.uniform(2, 30)  # 万元


def workforce_clear() -> None:
    """What the workforce generator and the summary builds wrote, so the next scale can delete its enterprises."""
    DailySummary.objects.all().delete()
    CapacityReport.objects.all().delete()
    WorkforceReport.objects.all().delete()


def _day_rows(
    rng: random.Random, plants: list[_Plant], day_index: int, out: WorkforceGenerated, absent: int | None = None
) -> tuple[list[tuple], list[tuple]]:
    """The day's reports as tuples: (pk, figures…, is_late, second of the day) and capacity rows.

    absent: an enterprise that does not report this day, whatever its habits.
    """
    rows, capacity = [], []
    cut = settings.WORKFORCE_REPORT_CUTOFF
    cutoff = cut.hour * 3600 + cut.minute * 60 + cut.second
    late_span, early_span = 86_399 - cutoff - 1, max(0, cutoff - 27_000)
    random_ = rng.random
    for p in plants:
        # The day happens whether or not the enterprise reports it.
        before = p.returned
        gap = p.target - before
        if gap > 0:
            p.returned = before + min(gap, int(gap * p.rate * (0.5 + random_()) + random_()))
        returned = p.returned
        today = returned - before
        p.quarantine = min(returned, p.quarantine * QUARANTINE_DECAY + today * p.quarantine_share)
        quarantine = int(p.quarantine)
        if day_index < p.resume_day:
            on_duty = min(p.skeleton, returned - quarantine)
        else:
            on_duty = int((returned - quarantine) * (0.88 + 0.12 * random_()))
        if random_() < p.miss or p.pk == absent:
            out.missing += 1
            continue
        away = p.total - returned
        away_high = int(away * p.share_high)
        away_medium = int(away * p.share_medium)
        today_high = int(today * p.share_high * 0.3 * random_())
        today_medium = int(today * p.share_medium * random_())
        late = random_() < p.late
        # Late: after the cut-off, before midnight. On time: from 07:30 to the cut-off, mostly in the morning.
        second = cutoff + 1 + int(random_() * late_span) if late else 27_000 + int(random_() ** 2 * early_span)
        rows.append(
            (
                p.pk,
                p.total,
                returned,
                on_duty,
                away_high,
                away_medium,
                away - away_high - away_medium,
                quarantine,
                today,
                today_high,
                today_medium,
                late,
                second,
            )
        )
        if p.above_scale:
            percent = min(200.0, max(0.0, 100 * on_duty / p.total * p.efficiency + rng.uniform(-5, 5)))
            kwh = p.kwh * (0.08 + 0.92 * percent / 100) * rng.uniform(0.9, 1.1)
            last_year = p.kwh * rng.uniform(0.85, 1.05) if p.kwh_last_year else None
            blockers = rng.choice(BLOCKERS) if percent < 60 and random_() < 0.3 else ""
            capacity.append(
                (
                    p.pk,
                    round(percent, 1),
                    on_duty,
                    round(kwh, 1),
                    None if last_year is None else round(last_year, 1),
                    round(p.orders * rng.uniform(0.95, 1.05), 1),
                    blockers,
                    min(86_399, second + 60 + int(random_() * 600)),
                )
            )
    rows.sort(key=itemgetter(-1))
    capacity.sort(key=itemgetter(-1))
    return rows, capacity


def _copy(table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    buffer = io.StringIO("".join(lines))
    with connection.cursor() as cursor:
        # The driver's cursor under Django's wrapper: psycopg2's COPY FROM STDIN.
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _write_copy(day: date, rows: list[tuple], capacity: list[tuple], user_id: int) -> None:
    # COPY's text format: tab-separated, \N for NULL; timestamps carry Kunshan's offset.
    prefix = f"{day.isoformat()} "
    tail = "+08"

    def stamp(second: int) -> str:
        return f"{prefix}{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}{tail}"

    lines = []
    for r in rows:
        at = stamp(r[12])
        lines.append(
            f"{r[0]}\t{day}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t{r[9]}\t{r[10]}"
            f"\t{'t' if r[11] else 'f'}\t{user_id}\t{at}\t{at}\n"
        )
    _copy(WorkforceReport._meta.db_table, _WORKFORCE_COLUMNS, lines)
    lines = [
        f"{c[0]}\t{day}\t{c[1]:.1f}\t{c[2]}\t{c[3]:.1f}\t{NULL if c[4] is None else f'{c[4]:.1f}'}\t{c[5]:.1f}"
        f"\t{c[6]}\t{user_id}\t{stamp(c[7])}\n"
        for c in capacity
    ]
    _copy(CapacityReport._meta.db_table, _CAPACITY_COLUMNS, lines)


def _write_bulk(day: date, rows: list[tuple], capacity: list[tuple], user_id: int) -> None:
    midnight = datetime.combine(day, time(0), tzinfo=KUNSHAN)
    reports = []
    for r in rows:
        at = midnight + timedelta(seconds=r[12])
        reports.append(
            WorkforceReport(
                enterprise_id=r[0],
                day=day,
                total_employees=r[1],
                returned=r[2],
                on_duty=r[3],
                away_high=r[4],
                away_medium=r[5],
                away_low=r[6],
                in_quarantine=r[7],
                returned_today=r[8],
                returned_today_high=r[9],
                returned_today_medium=r[10],
                is_late=r[11],
                submitted_by_id=user_id,
                submitted_at=at,
                updated_at=at,
            )
        )
    WorkforceReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)
    one = Decimal("0.1")
    CapacityReport.objects.bulk_create(
        [
            CapacityReport(
                enterprise_id=c[0],
                day=day,
                capacity_percent=Decimal(c[1]).quantize(one),
                staff_on_site=c[2],
                electricity_kwh=Decimal(c[3]).quantize(one),
                electricity_kwh_last_year=None if c[4] is None else Decimal(c[4]).quantize(one),
                orders_on_hand=Decimal(c[5]).quantize(one),
                blockers=c[6],
                submitted_by_id=user_id,
                submitted_at=midnight + timedelta(seconds=c[7]),
            )
            for c in capacity
        ],
        batch_size=BATCH_SIZE,
    )


def generate_workforce(
    *, submitted_by, district_id: int, days: int = DAYS, seed: int = SEED, method: str | None = None
) -> WorkforceGenerated:
    """The last `days` days up to LAST_DAY for every enterprise; `submitted_by` is recorded on every row.

    district_id: the bench staff's district. One of its enterprises does not report on LAST_DAY even
    when chance has them all report (as it may at a small scale), so the reporting-status page lists
    someone and runs the same queries at every scale.
    method: "copy" (PostgreSQL only) or "bulk_create"; by default COPY on PostgreSQL.
    """
    method = method or ("copy" if connection.vendor == "postgresql" else "bulk_create")
    write = _write_copy if method == "copy" else _write_bulk
    rng = random.Random(f"{seed}-workforce")
    enterprises = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE).order_by("pk")
    plants = [
        _Plant(rng, pk, headcount, above)
        for pk, headcount, above in enterprises.values_list("pk", "headcount", "is_above_scale")
    ]
    in_district = list(enterprises.filter(district_id=district_id).values_list("pk", flat=True))
    absent = rng.choice(in_district) if in_district else None
    first = LAST_DAY - timedelta(days=days - 1)
    out = WorkforceGenerated(
        method="COPY" if method == "copy" else "bulk_create",
        days=days,
        first_day=first.isoformat(),
        last_day=LAST_DAY.isoformat(),
        enterprises=len(plants),
    )
    # The curves start on FIRST_DAY whatever `days` is, so the last day's figures do not depend on it.
    for day_index in range(DAYS - days):
        _day_rows(rng, plants, day_index, WorkforceGenerated())
    with _timestamps_as_given(WorkforceReport):
        for day_index in range(DAYS - days, DAYS):
            day = FIRST_DAY + timedelta(days=day_index)
            rows, capacity = _day_rows(rng, plants, day_index, out, absent if day == LAST_DAY else None)
            with transaction.atomic():
                write(day, rows, capacity, submitted_by.pk)
            out.reports += len(rows)
            out.late += sum(1 for r in rows if r[11])
            out.capacity_reports += len(capacity)
            out.per_day.append(len(rows))
            if day == LAST_DAY:
                out.last_day_reported = len(rows)
                out.last_day_reported_zero = sum(1 for r in rows if r[3] == 0)
    # Written past the services: the dashboards' standings and report tallies are recounted as the night does.
    from workforce.resumption import standings_rebuild

    standings_rebuild()
    return out
