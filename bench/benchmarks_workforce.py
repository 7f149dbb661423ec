"""Issue 4: the daily summary build against one hand-written query, its workbook, and the reporting-status page.

The build and the hand query read the same day (generate_workforce.LAST_DAY) of the generated reports;
the hand query is what one would write without the ORM: every enterprise expected to report, left-joined
to its report and its capacity report of the day, grouped by district, in one statement. Its figures are
checked against the rows the build wrote, so the ratio compares two ways of computing the same thing.
"""

import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.benchmarks import TARGET_SCALE, Measurement, Target, measurement, page_measure, target_name
from enterprises.models import Enterprise
from workforce.models import CapacityReport, DailySummary, WorkforceReport
from workforce.selectors import reporting_status
from workforce.services import daily_summary_build
from workforce.workbook import daily_summary_workbook

BUILD_TARGET_S = 5.0
RATIO_TARGET = 2.0  # build / hand SQL, at most
WORKBOOK_TARGET_S = 3.0
STATUS_TARGET_MS = 150.0
STATUS_PAGE = "reporting status"

BUILD = "daily_summary_build"
HAND_SQL = "hand SQL (1 query)"
HAND_SQL_REPORTS = "hand SQL, reports only"  # informative: the build's main query written by hand
WORKBOOK = "daily_summary_workbook"

# The figures the summary sums over the day's reports, as DailySummary field: WorkforceReport column.
_SUMS = {
    "employees": "total_employees",
    "returned": "returned",
    "on_duty": "on_duty",
    "away_high": "away_high",
    "away_medium": "away_medium",
    "away_low": "away_low",
    "in_quarantine": "in_quarantine",
    "returned_today": "returned_today",
}


@dataclass(frozen=True)
class Timing:
    scale: int
    case: str
    day: str
    median_s: float
    samples_s: list[float]
    queries: int
    # One untimed run's statements with their own time (ms), slowest first: where the time goes.
    statements: list[dict[str, object]] = field(default_factory=list)
    detail: dict[str, object] = field(default_factory=dict)


class _TimedLog:
    """Each statement's SQL and time, without the debug cursor."""

    def __init__(self) -> None:
        self.statements: list[dict[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append({"ms": round((time.perf_counter() - start) * 1000, 2), "sql": sql})


def _timed(call, *, repeat: int, warmup: int) -> tuple[list[float], _TimedLog, object]:
    """`warmup` untimed runs, the first logging each statement, then `repeat` timed ones (seconds)."""
    log = _TimedLog()
    with connection.execute_wrapper(log):
        result = call()
    for _ in range(warmup - 1):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples, log, result


def _timing(scale: int, case: str, day: date, samples: list[float], log: _TimedLog, **detail) -> Timing:
    return Timing(
        scale=scale,
        case=case,
        day=day.isoformat(),
        median_s=round(statistics.median(samples), 4),
        samples_s=[round(s, 4) for s in samples],
        queries=len(log.statements),
        statements=sorted(log.statements, key=lambda s: -s["ms"]),
        detail=detail,
    )


def hand_sql() -> tuple[str, bool]:
    """The one statement, and whether it computes the capacity median (PostgreSQL's percentile_cont)."""
    e, r, c = Enterprise._meta.db_table, WorkforceReport._meta.db_table, CapacityReport._meta.db_table
    median = connection.vendor == "postgresql"
    sums = ",\n       ".join(f"SUM(r.{column}) AS {name}" for name, column in _SUMS.items())
    return (
        f"""
SELECT e.district_id,
       COUNT(*) AS expected,
       COUNT(r.id) AS reported,
       COUNT(CASE WHEN r.is_late THEN 1 END) AS late,
       {sums},
       COUNT(c.id) AS above_scale_reporting,
       AVG(c.capacity_percent) AS capacity_mean,
       {"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY c.capacity_percent)" if median else "NULL"} AS capacity_median,
       SUM(c.electricity_kwh) AS electricity_kwh,
       SUM(COALESCE(c.electricity_kwh_last_year, 0)) AS electricity_kwh_last_year
  FROM {e} e
  LEFT JOIN {r} r ON r.enterprise_id = e.id AND r.day = %s
  LEFT JOIN {c} c ON c.enterprise_id = e.id AND c.day = %s AND e.is_above_scale
 WHERE e.status = %s
 GROUP BY e.district_id""",
        median,
    )


def hand_sql_reports_only() -> str:
    """The narrower reading: only the day's reports joined to their enterprises (no expected, no capacity)."""
    e, r = Enterprise._meta.db_table, WorkforceReport._meta.db_table
    sums = ",\n       ".join(f"SUM(r.{column}) AS {name}" for name, column in _SUMS.items())
    return f"""
SELECT e.district_id,
       COUNT(*) AS reported,
       COUNT(CASE WHEN r.is_late THEN 1 END) AS late,
       {sums}
  FROM {r} r
  JOIN {e} e ON e.id = r.enterprise_id
 WHERE r.day = %s AND e.status = %s
 GROUP BY e.district_id"""


def _hand_sql_run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _agreement(rows: list[tuple], columns: list[str], median: bool, day: date) -> list[str]:
    """Where the hand query's figures differ from the rows the build wrote (an empty list: they agree)."""
    built = {s.district_id: s for s in DailySummary.objects.filter(day=day, district__isnull=False)}
    problems = []
    tenth = Decimal("0.1")
    for row in rows:
        got = dict(zip(columns, row, strict=True))
        district = got["district_id"]
        summary = built.get(district)
        if summary is None:
            problems.append(f"district {district}: no summary row")
            continue
        for name in ("expected", "reported", "late", *_SUMS, "above_scale_reporting"):
            if name not in got:
                continue
            if (got[name] or 0) != getattr(summary, name):
                problems.append(f"district {district} {name}: hand {got[name]}, build {getattr(summary, name)}")
        if "electricity_kwh" not in got:
            continue
        for name in ("electricity_kwh", "electricity_kwh_last_year"):
            if abs(Decimal(str(got[name] or 0)) - getattr(summary, name)) > tenth:
                problems.append(f"district {district} {name}: hand {got[name]}, build {getattr(summary, name)}")
        for name in ("capacity_mean", *(("capacity_median",) if median else ())):
            mine, theirs = got[name], getattr(summary, name)
            if (mine is None) != (theirs is None) or (mine is not None and abs(Decimal(str(mine)) - theirs) > tenth):
                problems.append(f"district {district} {name}: hand {mine}, build {theirs}")
    return problems


def summary_measure(*, day: date, scale: int, repeat: int, warmup: int) -> list[Timing]:
    """daily_summary_build, the one hand-written query, then the workbook of the build (city + districts)."""
    reports = WorkforceReport.objects.filter(day=day).count()
    samples, log, rows = _timed(lambda: daily_summary_build(day=day), repeat=repeat, warmup=warmup)
    build = _timing(scale, BUILD, day, samples, log, reports=reports, summary_rows=len(rows))

    sql, median = hand_sql()
    params = [day, day, Enterprise.Status.ACTIVE]
    samples, log, result = _timed(lambda: _hand_sql_run(sql, params), repeat=repeat, warmup=warmup)
    columns = [
        "district_id",
        "expected",
        "reported",
        "late",
        *_SUMS,
        "above_scale_reporting",
        "capacity_mean",
        "capacity_median",
        "electricity_kwh",
        "electricity_kwh_last_year",
    ]
    problems = _agreement(result, columns, median, day)
    hand = _timing(
        scale,
        HAND_SQL,
        day,
        samples,
        log,
        reports=reports,
        groups=len(result),
        sql=sql.strip(),
        computes_median=median,
        agrees_with_build=not problems,
        disagreements=problems[:20],
    )
    build.detail["ratio_to_hand_sql"] = round(build.median_s / hand.median_s, 2)

    narrow = hand_sql_reports_only()
    params = [day, Enterprise.Status.ACTIVE]
    samples, log, result = _timed(lambda: _hand_sql_run(narrow, params), repeat=repeat, warmup=warmup)
    problems = _agreement(result, ["district_id", "reported", "late", *_SUMS], False, day)
    reports_only = _timing(
        scale,
        HAND_SQL_REPORTS,
        day,
        samples,
        log,
        reports=reports,
        groups=len(result),
        sql=narrow.strip(),
        computes_median=False,
        agrees_with_build=not problems,
        disagreements=problems[:20],
    )
    build.detail["ratio_to_hand_sql_reports_only"] = round(build.median_s / reports_only.median_s, 2)

    samples, log, content = _timed(lambda: daily_summary_workbook(day=day), repeat=repeat, warmup=warmup)
    workbook = _timing(
        scale, WORKBOOK, day, samples, log, bytes=len(content), sheets=DailySummary.objects.filter(day=day).count()
    )
    return [build, hand, reports_only, workbook]


def status_page_measure(staff, *, day: date, scale: int, repeat: int, warmup: int) -> Measurement:
    """Who has not reported today, as the district staff sees it: call on the bench's clock (AS_OF).

    The clock says 10:00, but the day's reports are all there, the late ones too: the page reads the
    same rows it would read at the end of the day, its heaviest moment.
    """
    if timezone.localdate() != day:
        raise SystemExit(f"the reporting-status page would show {timezone.localdate()}, not {day}: travel to AS_OF")
    client = Client()
    client.force_login(staff)
    samples, sql = page_measure(client, reverse("workforce:status"), {}, repeat=repeat, warmup=warmup)
    status = reporting_status(staff, day, staff.district_id)
    return measurement(
        page=STATUS_PAGE,
        scale=scale,
        viewer="district staff",
        case="today",
        params={},
        rows=status["not_reported"].count(),
        samples=samples,
        sql=sql,
    )


def workforce_targets(measurements: list[Measurement], timings: list[Timing]) -> list[Target]:
    """Issue 4's targets, judged at TARGET_SCALE and above."""
    found = [
        Target(
            what=target_name(m),
            scale=m.scale,
            measured=m.median_ms,
            limit=STATUS_TARGET_MS,
            unit="ms",
            passed=m.median_ms < STATUS_TARGET_MS,
            issue=4,
        )
        for m in measurements
        if m.page == STATUS_PAGE and m.scale >= TARGET_SCALE
    ]
    for t in timings:
        if t.scale < TARGET_SCALE:
            continue
        if t.case == BUILD:
            found.append(
                Target(
                    what=f"{BUILD}(day={t.day}) (median)",
                    scale=t.scale,
                    measured=t.median_s,
                    limit=BUILD_TARGET_S,
                    unit="s",
                    passed=t.median_s < BUILD_TARGET_S,
                    issue=4,
                )
            )
            ratio = t.detail["ratio_to_hand_sql"]
            found.append(
                Target(
                    what=f"{BUILD} / {HAND_SQL} (medians)",
                    scale=t.scale,
                    measured=ratio,
                    limit=RATIO_TARGET,
                    unit="×",
                    passed=ratio <= RATIO_TARGET,
                    comparison="≤",
                    issue=4,
                )
            )
        elif t.case == WORKBOOK:
            found.append(
                Target(
                    what=f"{WORKBOOK}(day={t.day}) (median)",
                    scale=t.scale,
                    measured=t.median_s,
                    limit=WORKBOOK_TARGET_S,
                    unit="s",
                    passed=t.median_s < WORKBOOK_TARGET_S,
                    issue=4,
                )
            )
    return found
