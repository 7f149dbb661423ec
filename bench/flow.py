"""python -m bench.flow [--scales 0.1,1] [--repeat 10] [--warmup 1]

Issue 17's peak-hour flow (passes.selectors.flow) at Kunshan's size: 2,000 checkpoint entrances and a week of the
check log of 400,000 passes each checked about twice a day (5.6 million PassCheck rows at full size), most at the
morning and evening peaks. The flow is cached for a minute per scope, as the dashboard figures are; these cases
measure what the minute's first request (or the minute refresh task, for the city) pays to compute it:

  city flow      entrance_flow() for the whole city (the city dashboard's table; refreshed by the minute task)
  district chart the district dashboard's flow chart endpoint, cache emptied before each request (GET through the
                 whole middleware stack, as district staff of 张浦镇)

Targets at full size: the district chart under 300 ms and the city flow under 1,000 ms (median), with the same
number of queries at every scale. The rollup (passes.flow_rollup) is run first as the beat jobs run it, and its
nightly (whole week) and five-minute (recent hours) runs are timed once for information. Each scale starts from an
empty throwaway database (bench/__main__.py's throwaway_database; PostgreSQL with DATABASE_URL, where rows are
loaded with COPY). Results go to bench/results/flow-<database>-<UTC time>.json.
"""

import argparse
import csv
import io
import logging
import os
import random
import statistics
import time
import uuid
import warnings
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import django

FULL_ENTRANCES = 2_000
FULL_PASSES = 400_000
CHECKS_PER_PASS_PER_DAY = 2
DAYS = 7
CITY_TARGET_MS = 1_000.0
CHART_TARGET_MS = 300.0
TARGET_SCALE = 1.0
CHUNK = 200_000
SEED = 17
# Hours of the day a check falls in, weighted: the morning and evening peaks (clause 9's 早晚高峰).
HOURS = [6] * 4 + [7] * 14 + [8] * 10 + list(range(9, 17)) * 2 + [17] * 12 + [18] * 10 + list(range(19, 23))


def _args(argv):
    from bench.dashboard import _positive, _scales

    parser = argparse.ArgumentParser(
        prog="python -m bench.flow", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=_scales, default=[0.1, 1.0], help="shares of the full size (default 0.1,1)")
    parser.add_argument("--repeat", type=_positive, default=10, help="timed runs per case")
    parser.add_argument("--warmup", type=_positive, default=1, help="untimed runs per case")
    return parser.parse_args(argv)


def _entrances(scale: float) -> list:
    """Entrances spread over every community, each with a weight (a few gates take most people)."""
    from passes.models import Entrance
    from reference.models import Community

    communities = list(Community.objects.order_by("pk"))
    count = max(len(communities), round(FULL_ENTRANCES * scale))
    rows = [
        Entrance(community=communities[i % len(communities)], name=f"{i // len(communities) + 1}号门")
        for i in range(count)
    ]
    return Entrance.objects.bulk_create(rows, batch_size=5_000)


def _checks(scale: float, entrances: list, today) -> int:
    """A week of checks at the entrances, loaded with COPY (PostgreSQL) or bulk_create (SQLite)."""
    from django.db import connection
    from django.utils import timezone

    from core.dates import day_start
    from passes.models import PassCheck

    rng = random.Random(SEED)
    per_day = round(FULL_PASSES * scale) * CHECKS_PER_PASS_PER_DAY
    weights = [rng.choice((1, 1, 1, 2, 3, 8)) for _ in entrances]
    picks = [(e.pk, e.community_id) for e in entrances]
    now = timezone.now()
    total = 0

    def rows():
        for back in range(DAYS):
            start = day_start(today - timedelta(days=back))
            chosen = rng.choices(picks, weights=weights, k=per_day)
            for entrance_id, community_id in chosen:
                at = start + timedelta(hours=rng.choice(HOURS), seconds=rng.randrange(3600))
                if at < now:
                    yield entrance_id, community_id, at

    table = PassCheck._meta.db_table
    columns = "check_id, checked_at, pass_number, result, community_id, entrance_id"
    batch = []
    for entrance_id, community_id, at in rows():
        batch.append(
            (uuid.uuid4().hex, at.isoformat(), f"KS{rng.randrange(10**8):08d}", "valid", community_id, entrance_id)
        )
        if len(batch) == CHUNK:
            total += _load(connection, table, columns, batch)
            batch = []
    if batch:
        total += _load(connection, table, columns, batch)
    return total


def _load(connection, table: str, columns: str, batch: list) -> int:
    from passes.models import PassCheck

    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(batch)
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    else:
        PassCheck.objects.bulk_create(
            [
                PassCheck(
                    check_id=uuid.UUID(c),
                    checked_at=datetime.fromisoformat(at),
                    pass_number=n,
                    result=r,
                    community_id=cid,
                    entrance_id=eid,
                )
                for c, at, n, r, cid, eid in batch
            ],
            batch_size=5_000,
        )
    return len(batch)


def _time(run, *, repeat: int, warmup: int) -> tuple[list[float], int]:
    """Timed samples (ms) of `run`, and the statements one run sends (counted by an execute wrapper: a request
    empties Django's query log when it starts)."""
    from django.db import connection

    for _ in range(warmup):
        run()
    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, len(statements)


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    import time_machine
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from bench import generate, report
    from bench.__main__ import throwaway_database
    from bench.dashboard import Target, _p95, _vacuum_analyze
    from passes.flow_rollup import flow_rollup
    from passes.models import Entrance, EntranceQuarter, PassCheck
    from passes.selectors.flow import entrance_flow
    from reference.services import reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)
    started = datetime.now(UTC)
    results, generated = [], []
    # 19:30 in Kunshan (11:30 UTC) on the last day: both of the day's peaks are in the log.
    as_of = datetime(2020, 3, 9, 11, 30, tzinfo=UTC)
    with throwaway_database(), time_machine.travel(as_of, tick=False):
        reference_load()
        staff, _commander = generate.bench_users_create()
        district_url = reverse("dashboard:district_data", kwargs={"pk": staff.district_id, "chart": "flow"})
        client = Client()
        client.force_login(staff)
        for scale in args.scales:
            EntranceQuarter.objects.all().delete()
            PassCheck.objects.all().delete()
            Entrance.objects.all().delete()
            print(f"scale {scale:g}: generating", flush=True)
            start = time.perf_counter()
            entrances = _entrances(scale)
            checks = _checks(scale, entrances, timezone.localdate())
            counts = {"scale": scale, "entrances": len(entrances), "checks": checks}
            counts["generated_s"] = round(time.perf_counter() - start, 1)
            _vacuum_analyze(connection)
            # What the beat jobs do: the nightly re-count of the week, then the five-minute one of the recent hours.
            start = time.perf_counter()
            counts["rollup_rows"] = flow_rollup(full=True)
            counts["rollup_full_s"] = round(time.perf_counter() - start, 2)
            start = time.perf_counter()
            flow_rollup()
            counts["rollup_recent_s"] = round(time.perf_counter() - start, 2)
            _vacuum_analyze(connection)
            generated.append(counts)
            print(f"  {counts}", flush=True)

            def chart():
                cache.clear()
                response = client.get(district_url)
                if response.status_code != 200:
                    raise SystemExit(f"GET {district_url} answered {response.status_code}")

            for case, run in (("city flow", lambda: entrance_flow()), ("district chart", chart)):
                samples, queries = _time(run, repeat=args.repeat, warmup=args.warmup)
                results.append(
                    {
                        "scale": scale,
                        "case": case,
                        "median_ms": round(statistics.median(samples), 1),
                        "p95_ms": round(_p95(samples), 1),
                        "queries": queries,
                        "samples_ms": [round(s, 1) for s in samples],
                    }
                )
                print(f"  {case:<15} median {results[-1]['median_ms']:>8.1f} ms  queries {queries}", flush=True)
        machine = report.machine()
        vendor = connection.vendor

    limits = {"city flow": CITY_TARGET_MS, "district chart": CHART_TARGET_MS}
    targets = [
        Target(
            f"{r['case']} (median)", r["scale"], r["median_ms"], limits[r["case"]], r["median_ms"] < limits[r["case"]]
        )
        for r in results
        if r["scale"] >= TARGET_SCALE
    ]
    by_case: dict[str, set[int]] = {}
    for r in results:
        by_case.setdefault(r["case"], set()).add(r["queries"])
    problems = [f"{case}: queries by scale {sorted(q)}" for case, q in by_case.items() if len(q) > 1]
    path = report.write_results(
        f"flow-{vendor}",
        {
            "started_at": started.isoformat(),
            "machine": machine,
            "settings": {"scales": args.scales, "repeat": args.repeat, "warmup": args.warmup},
            "generated": generated,
            "results": results,
            "targets": [asdict(t) for t in targets],
            "query_count_problems": problems,
        },
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    for t in targets:
        print(
            f"  {'PASS' if t.passed else 'FAIL'}  {t.what} at scale {t.scale:g}: {t.measured:,.1f} ms (< {t.limit:g})"
        )
    if not targets:
        print("  none judged: the run has no scale of 1")
    print("FAIL: " + "; ".join(problems) if problems else "query counts: the same at every scale")
    failed = [t for t in targets if not t.passed]
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
