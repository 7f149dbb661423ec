"""python -m bench.dashboard [--scales 0.01,1] [--repeat 20] [--warmup 2] [--workforce-days 30]

Targets at Kunshan's size (60,000 enterprises, one filing each, 30 days of daily workforce reports, 400,000
return passes): issue 19's, the city, district and industry dashboards under 150 ms of server time when every
figure is computed in the request (cache empty); issue 6's, the city dashboard as served under 300 ms, each
chart endpoint under 100 ms; and the same number of queries at 1 % and at 100 % of the data.

Each scale (a share of the full size) starts from an empty throwaway database (bench/__main__.py's
throwaway_database: SQLite by default, DATABASE_URL for PostgreSQL) and is filled by the existing
generators (enterprises, filings, workforce reports), the daily summaries of the 29 days before the
last one, then passes and a week of checkpoint checks (bench/generate_passes.py). The clock stands at
10:00 on the last day (generate_workforce.AS_OF).

Cases, each GET through the whole middleware stack as the viewer sees it:
  page cold    the cache empty before every request: every figure computed in the request
  page cached  the figures in the cache, as the minute refresh task (or the minute's first request) left them
  refresh      the minute task itself, computing the city's figures (dashboard.tasks.refresh_city_figures)
  chart        a chart endpoint right after its page loaded: the figures cached, the chart's own data not
  chart cold   the cache empty: the chart computes the figures too (for information)
The 150 ms target is judged on "page cold" for the three pages, the 300 ms on the city's "page cached", the chart
target on "chart".
Results go to bench/results/dashboard-<database>-<UTC time>.json.
"""

import argparse
import json
import logging
import math
import os
import statistics
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import django

FULL_ENTERPRISES = 60_000
FULL_PASSES = 400_000
PAGE_TARGET_MS = 300.0
COLD_TARGET_MS = 150.0  # issue 19: computed in the request, from the summary tables kept as events happen
CHART_TARGET_MS = 100.0
TARGET_SCALE = 1.0


@dataclass
class Result:
    scale: float
    page: str
    viewer: str
    case: str
    url: str
    median_ms: float
    p95_ms: float
    queries: int
    samples_ms: list[float]
    sql: list[str] = field(default_factory=list)


@dataclass
class Target:
    what: str
    scale: float
    measured: float
    limit: float
    passed: bool
    unit: str = "ms"


def _scales(text: str) -> list[float]:
    values = sorted({float(part) for part in text.split(",") if part.strip()})
    if not values or values[0] <= 0 or values[-1] > 1:
        raise argparse.ArgumentTypeError("shares of the full size, each in (0, 1]: e.g. 0.01,1")
    return values


def _positive(text: str) -> int:
    if int(text) < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return int(text)


def _args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=[0.01, 1.0],
        help="shares of 60,000 enterprises and 400,000 passes (default 0.01,1)",
    )
    parser.add_argument("--repeat", type=_positive, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=_positive, default=2, help="untimed requests per case")
    parser.add_argument(
        "--workforce-days",
        type=_positive,
        default=None,
        metavar="DAYS",
        help="days of workforce reports up to 2020-03-09 (default all 30; fewer only to save time)",
    )
    return parser.parse_args(argv)


def _p95(samples: list[float]) -> float:
    return sorted(samples)[math.ceil(0.95 * len(samples)) - 1]


def _measure(client, url: str, prepare, *, repeat: int, warmup: int) -> tuple[list[float], list[str]]:
    """Timed samples (ms) of GET url, each after `prepare()` (untimed), and the SQL of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}, not 200")

    for _ in range(warmup):
        prepare()
        get()
    prepare()
    with CaptureQueriesContext(connection) as captured:
        get()
    sql = [q["sql"] for q in captured.captured_queries]
    samples = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        get()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, sql


def _result(scale, page, viewer, case, url, samples, sql) -> Result:
    return Result(
        scale=scale,
        page=page,
        viewer=viewer,
        case=case,
        url=url,
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(_p95(samples), 2),
        queries=len(sql),
        samples_ms=[round(s, 2) for s in samples],
        sql=sql,
    )


def _generate(scale: float, *, staff, reviewers, authority, workforce_days: int) -> dict:
    """One scale's data in an empty database; returns what was written and how long it took."""
    from bench import generate, generate_filings, generate_passes, generate_workforce
    from enterprises.models import Enterprise
    from workforce.services import daily_summary_build

    generate_passes.passes_clear()
    generate_workforce.workforce_clear()
    generate_filings.filings_clear()
    Enterprise.objects.all().delete()
    enterprises = round(FULL_ENTERPRISES * scale)
    timings: dict[str, object] = {"scale": scale, "enterprises": enterprises}

    def timed(name, call):
        start = time.perf_counter()
        result = call()
        timings[f"{name}_s"] = round(time.perf_counter() - start, 2)
        print(f"  {name}: {timings[f'{name}_s']} s", flush=True)
        return result

    timed("enterprises", lambda: generate.generate_enterprises(enterprises))
    filings = timed(
        "filings",
        lambda: generate_filings.generate_filings(
            reviewers=reviewers, authority=authority, district_id=staff.district_id
        ),
    )
    workforce = timed(
        "workforce",
        lambda: generate_workforce.generate_workforce(
            submitted_by=staff, district_id=staff.district_id, days=workforce_days
        ),
    )
    history = [generate_workforce.LAST_DAY - timedelta(days=n) for n in range(workforce_days - 1, 0, -1)]
    timed("summaries", lambda: [daily_summary_build(day=day, final=True) for day in history])
    passes = timed("passes", lambda: generate_passes.generate_passes(round(FULL_PASSES * scale), applied_by=staff))
    checks = timed(
        "checks", lambda: generate_passes.generate_checks(max(1, round(generate_passes.CHECKS_PER_DAY * scale)))
    )
    timings.update(
        filings=filings.filings,
        reports=workforce.reports,
        capacity_reports=workforce.capacity_reports,
        summary_days=len(history),
        passes=passes.passes,
        passes_by_status=passes.by_status,
        passes_issued_today=passes.issued_today,
        passes_stale_valid=passes.stale_valid,
        checks=checks.checks,
        checks_today=checks.checks_today,
    )
    return timings


def _cases(scale: float, *, commander, staff, authority, repeat: int, warmup: int) -> list[Result]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dashboard import selectors
    from dashboard.charts import SCOPE_CHARTS

    results = []
    pages = [
        ("city", "commander", commander, selectors.Scope(selectors.CITY)),
        ("district", "district staff", staff, selectors.Scope(selectors.DISTRICT, district=staff.district)),
        (
            "industry",
            "authority staff",
            authority,
            selectors.Scope(selectors.INDUSTRY, authority=authority.industry_authority),
        ),
    ]
    for page, viewer, user, scope in pages:
        client = Client()
        client.force_login(user)
        url = scope.url("")
        samples, sql = _measure(client, url, cache.clear, repeat=repeat, warmup=warmup)
        results.append(_result(scale, page, viewer, "page cold", url, samples, sql))
        samples, sql = _measure(client, url, lambda: None, repeat=repeat, warmup=warmup)
        results.append(_result(scale, page, viewer, "page cached", url, samples, sql))
        if page == "city":
            results.append(_refresh_measure(scale, repeat=repeat))
        for chart in SCOPE_CHARTS[scope.kind]:
            chart_url = scope.url("_data", chart=chart)
            key = f"{selectors.CACHE_PREFIX}:{scope.key}:{timezone.localdate().isoformat()}:{chart}"

            def after_page(key=key, scope=scope):
                cache.delete(key)
                selectors.figures_for(scope, timezone.localdate())  # as the page left them

            samples, sql = _measure(client, chart_url, after_page, repeat=repeat, warmup=warmup)
            results.append(_result(scale, f"chart {chart}", viewer, "chart", chart_url, samples, sql))
            if page == "city":
                samples, sql = _measure(client, chart_url, cache.clear, repeat=repeat, warmup=warmup)
                results.append(_result(scale, f"chart {chart}", viewer, "chart cold", chart_url, samples, sql))
    client = Client()
    client.force_login(commander)
    url = f"{reverse('dashboard:enterprises')}?figure=not_reported"
    samples, sql = _measure(client, url, lambda: None, repeat=repeat, warmup=warmup)
    results.append(_result(scale, "drill-down list", "commander", "not reported", url, samples, sql))
    return results


def _refresh_measure(scale: float, *, repeat: int) -> Result:
    """The minute task that keeps the city's figures in the cache (dashboard.tasks.refresh_city_figures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dashboard.selectors import city_figures_refresh

    day = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        city_figures_refresh(day)
    samples = []
    for _ in range(max(3, repeat // 4)):
        start = time.perf_counter()
        city_figures_refresh(day)
        samples.append((time.perf_counter() - start) * 1000)
    return _result(
        scale,
        "city figures",
        "refresh task",
        "computed",
        "dashboard.tasks.refresh_city_figures",
        samples,
        [q["sql"] for q in captured.captured_queries],
    )


def _vacuum_analyze(connection) -> None:
    """PostgreSQL: what autovacuum does to freshly loaded tables within a minute or two (since PostgreSQL 13
    inserts trigger it too): statistics, and the visibility map that lets the pass and check counts read
    their indexes alone. SQLite: the statistics."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _targets(results: list[Result]) -> list[Target]:
    found = []
    for r in results:
        if r.scale < TARGET_SCALE:
            continue
        if r.page in ("city", "district", "industry") and r.case == "page cold":
            found.append(
                Target(
                    f"{r.page} dashboard, every figure computed in the request (median)",
                    r.scale,
                    r.median_ms,
                    COLD_TARGET_MS,
                    r.median_ms < COLD_TARGET_MS,
                )
            )
        if r.page == "city" and r.case == "page cached":
            found.append(
                Target(
                    "city dashboard as served, figures refreshed each minute (median)",
                    r.scale,
                    r.median_ms,
                    PAGE_TARGET_MS,
                    r.median_ms < PAGE_TARGET_MS,
                )
            )
        if r.page.startswith("chart") and r.case == "chart":
            found.append(
                Target(
                    f"{r.page} endpoint, {r.viewer} (median)",
                    r.scale,
                    r.median_ms,
                    CHART_TARGET_MS,
                    r.median_ms < CHART_TARGET_MS,
                )
            )
    return found


def _query_count_problems(results: list[Result]) -> list[str]:
    """The point of a fixed query count: the same statements at every scale."""
    by_case: dict[tuple, list[Result]] = {}
    for r in results:
        by_case.setdefault((r.page, r.viewer, r.case), []).append(r)
    problems = []
    for (page, viewer, case), runs in by_case.items():
        counts = {r.scale: r.queries for r in runs}
        if len(set(counts.values())) > 1:
            problems.append(f"{page} / {viewer} / {case}: queries by scale {counts}")
    return problems


def _table(results: list[Result], generated: list[dict], targets: list[Target], vendor: str) -> str:
    lines = [f"database: {vendor}"]
    for g in generated:
        lines.append(
            f"scale {g['scale']:g}: {g['enterprises']:,} enterprises, {g['filings']:,} filings, "
            f"{g['reports']:,} daily reports, {g['passes']:,} passes, {g['checks']:,} checks "
            f"(generated in {sum(v for k, v in g.items() if k.endswith('_s')):.0f} s)"
        )
    header = f"{'scale':>6}  {'page':<22} {'viewer':<16} {'case':<12} {'median ms':>9} {'p95 ms':>8} {'queries':>7}"
    lines += ["", header]
    for r in results:
        lines.append(
            f"{r.scale:>6g}  {r.page:<22} {r.viewer:<16} {r.case:<12} {r.median_ms:>9.1f} {r.p95_ms:>8.1f}"
            f" {r.queries:>7}"
        )
    lines += ["", "targets (issues 6 and 19, at the full size):"]
    lines += [
        f"  {'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured:,.1f} {t.unit} (target < {t.limit:g} {t.unit})"
        for t in targets
    ] or ["  none judged: the run has no scale of 1"]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    import time_machine
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from accounts.models import Role, User
    from bench import generate, generate_filings, generate_workforce, report
    from bench.__main__ import throwaway_database
    from negative_list.services import negative_list_demo_load
    from reference.models import IndustryAuthority
    from reference.services import industries_load, reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    workforce_days = min(args.workforce_days or generate_workforce.DAYS, generate_workforce.DAYS)
    results: list[Result] = []
    generated: list[dict] = []
    with throwaway_database():
        industries_load()
        reference_load()
        negative_list_demo_load()
        staff, commander = generate.bench_users_create()
        reviewers = generate_filings.bench_reviewers_create(staff)
        reviewer_authority = generate_filings.bench_authority_create()
        authority = User.objects.create_user(
            username="bench_gxj_dashboard",
            full_name="工信局看板",
            role=Role.AUTHORITY_STAFF,
            industry_authority=IndustryAuthority.objects.get(code="gxj"),
        )
        for scale in args.scales:
            print(f"scale {scale:g}: generating", flush=True)
            generated.append(
                _generate(
                    scale, staff=staff, reviewers=reviewers, authority=reviewer_authority, workforce_days=workforce_days
                )
            )
            _vacuum_analyze(connection)
            print(f"scale {scale:g}: measuring", flush=True)
            with time_machine.travel(generate_workforce.AS_OF, tick=True):
                results += _cases(
                    scale, commander=commander, staff=staff, authority=authority, repeat=args.repeat, warmup=args.warmup
                )
        machine = report.machine()
        vendor = connection.vendor

    targets = _targets(results)
    problems = _query_count_problems(results)
    print(_table(results, generated, targets, vendor))
    report.RESULTS_DIR.mkdir(exist_ok=True)
    path = report.RESULTS_DIR / f"dashboard-{vendor}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "machine": machine,
                "settings": {
                    "scales": args.scales,
                    "repeat": args.repeat,
                    "warmup": args.warmup,
                    "workforce_days": workforce_days,
                },
                "clock": generate_workforce.AS_OF.isoformat(),
                "generated": generated,
                "results": [asdict(r) for r in results],
                "targets": [asdict(t) for t in targets],
                "query_count_problems": problems,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    if problems:
        print("FAIL: query counts depend on the data size:\n  " + "\n  ".join(problems))
    else:
        print("query counts: the same at every scale")
    failed = [t for t in targets if not t.passed]
    print(f"targets: {len(failed)} of {len(targets)} FAIL" if failed else f"targets: all {len(targets)} PASS")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
