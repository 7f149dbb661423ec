"""python -m bench [--scales 600,60000] [--repeat 20] [--sql "CREATE INDEX ..."] [--workforce-days 30]

At each scale: the enterprise list (staff of 张浦镇, commander), then one filing per enterprise and
the filing pages (the staff queue, the enterprise's filing page and list) on the bench's clock
(2020-03-10 08:00 in Kunshan), then one bulk approval of 500 submitted filings of 张浦镇. Then 30
days of daily workforce reports (2020-02-09 … 2020-03-09), the reporting-status page of 张浦镇's staff
on that last day's clock (10:00), and the last day's summary: daily_summary_build, one hand-written
query computing the same figures, and the summary workbook.
"""

import argparse
import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import django

VIEWERS = ("district staff", "commander")


def _scales(text: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})


def _positive(text: str) -> int:
    if int(text) < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return int(text)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", type=_scales, default=[600, 60_000], help="city-wide enterprise counts")
    parser.add_argument("--repeat", type=_positive, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=_positive, default=2, help="untimed requests per case")
    parser.add_argument(
        "--workforce-days",
        type=_positive,
        default=None,
        metavar="DAYS",
        help="days of workforce reports up to 2020-03-09 (default: all 30; fewer only to save time, and reported)",
    )
    parser.add_argument(
        "--summary-repeat",
        type=_positive,
        default=5,
        help="timed runs of the summary build, the hand SQL and the workbook (after one warm-up)",
    )
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        metavar="STATEMENT",
        help="run in the bench database once it is migrated, before any data, as a migration would: "
        "e.g. a CREATE INDEX to try before writing its migration (repeatable; recorded in the results)",
    )
    return parser.parse_args(argv)


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh migrated database from Django's test machinery, dropped afterwards, also on error."""
    from django.conf import settings
    from django.db import connection

    original_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, not :memory:, so the numbers include the page reads a deployed database does.
        connection.settings_dict["TEST"]["NAME"] = str(settings.BASE_DIR / "var" / "bench.sqlite3")
    else:
        # Not test_<name>: that is the test suite's, and a bench run beside `make test` would clobber it.
        connection.settings_dict["TEST"]["NAME"] = f"bench_{original_name}"
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        yield
    finally:
        # Drop only what we created: if creation failed early, NAME is still the developer's database.
        if connection.settings_dict["NAME"] != original_name:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def _analyze(connection) -> None:
    if connection.vendor == "postgresql":
        # Autovacuum would have analysed a live table within a minute of an import like this.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    # Imported after setup: these import models.
    import time_machine
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import benchmarks, benchmarks_workforce, generate, generate_filings, generate_workforce, report
    from enterprises.models import Enterprise
    from kunshan_resume.celery import app as celery_app
    from negative_list.services import negative_list_demo_load
    from reference.services import industries_load, reference_load

    # force_login logs a line per viewer and scale; whitenoise warns that collectstatic has not run.
    logging.getLogger("axes").setLevel(logging.WARNING)
    # The eager e-mail task logs a line per approval; kombu warns that the memory broker has no host.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No directory at")
    # Production runs with DEBUG off; the debug query log and template debugging would add their cost.
    setup_test_environment(debug=False)
    # The approvals' e-mail: sent in-process by the Celery task into a list, never to a broker or a server.
    celery_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    measurements: list[benchmarks.Measurement] = []
    generator: list[dict[str, float]] = []
    filings_generator: list[dict[str, object]] = []
    bulk: list[benchmarks.BulkApprovalRun] = []
    workforce_generator: list[dict[str, object]] = []
    timings: list[benchmarks_workforce.Timing] = []
    workforce_days = min(args.workforce_days or generate_workforce.DAYS, generate_workforce.DAYS)
    with throwaway_database():
        with connection.cursor() as cursor:
            for statement in args.sql:
                cursor.execute(statement)
        industries_load()
        reference_load()
        negative_list_demo_load()
        staff, commander = generate.bench_users_create()
        reviewers = generate_filings.bench_reviewers_create(staff)
        authority = generate_filings.bench_authority_create()
        for scale in args.scales:
            # Each scale starts empty, so its rows are the same whichever other scales run.
            generate_workforce.workforce_clear()
            generate_filings.filings_clear()
            Enterprise.objects.all().delete()
            start = time.perf_counter()
            generate.generate_enterprises(scale)
            seconds = time.perf_counter() - start
            generator.append({"scale": scale, "seconds": round(seconds, 3), "rows_per_s": round(scale / seconds)})
            _analyze(connection)
            for user, viewer in zip((staff, commander), VIEWERS, strict=True):
                measurements += benchmarks.list_page_measure(
                    user, viewer=viewer, scale=scale, repeat=args.repeat, warmup=args.warmup
                )
            # After the list, so the list's numbers stay comparable with runs from before the filings.
            start = time.perf_counter()
            filings = generate_filings.generate_filings(
                reviewers=reviewers, authority=authority, district_id=staff.district_id
            )
            filings.seconds = round(time.perf_counter() - start, 3)
            filings_generator.append(
                {
                    "scale": scale,
                    "rows_per_s": round(filings.filings / filings.seconds),
                    **{k: v for k, v in vars(filings).items() if k != "enterprise_user"},
                }
            )
            _analyze(connection)
            with time_machine.travel(generate_filings.AS_OF, tick=True):
                measurements += benchmarks.filing_pages_measure(
                    staff=staff,
                    commander=commander,
                    enterprise_user=filings.enterprise_user,
                    filing_id=filings.featured_filing_id,
                    scale=scale,
                    repeat=args.repeat,
                    warmup=args.warmup,
                )
                # Last: it approves what the queue pages showed.
                bulk.append(benchmarks.bulk_approve_measure(staff, scale=scale))
            start = time.perf_counter()
            workforce = generate_workforce.generate_workforce(
                submitted_by=staff, district_id=staff.district_id, days=workforce_days
            )
            workforce.seconds = round(time.perf_counter() - start, 3)
            rows = workforce.reports + workforce.capacity_reports
            enterprise_days = workforce.reports + workforce.missing
            workforce_generator.append(
                {
                    "scale": scale,
                    "vendor": connection.vendor,
                    "rows_per_s": round(rows / workforce.seconds),
                    "missing_share": round(workforce.missing / max(1, enterprise_days), 4),
                    "late_share": round(workforce.late / max(1, workforce.reports), 4),
                    **vars(workforce),
                }
            )
            _analyze(connection)
            with time_machine.travel(generate_workforce.AS_OF, tick=True):
                measurements.append(
                    benchmarks_workforce.status_page_measure(
                        staff,
                        day=generate_workforce.LAST_DAY,
                        scale=scale,
                        repeat=args.repeat,
                        warmup=args.warmup,
                    )
                )
            timings += benchmarks_workforce.summary_measure(
                day=generate_workforce.LAST_DAY,
                scale=scale,
                repeat=args.summary_repeat,
                warmup=1,
            )
        machine = report.machine()

    targets = benchmarks.targets_check(measurements, bulk)
    targets += benchmarks_workforce.workforce_targets(measurements, timings)
    for statement in args.sql:
        print(f"with: {statement}")
    print(report.table(measurements, generator, filings_generator, bulk, targets, workforce_generator, timings))
    path = report.results_write(
        {
            "started_at": started.isoformat(),
            "machine": machine,
            "settings": {
                "scales": args.scales,
                "repeat": args.repeat,
                "warmup": args.warmup,
                "sql": args.sql,
                "workforce_days": workforce_days,
                "summary_repeat": args.summary_repeat,
                "summary_warmup": 1,
            },
            "generator": generator,
            "filings_generator": filings_generator,
            "bench_clock": generate_filings.AS_OF.isoformat(),
            "measurements": measurements,
            "bulk_approve": bulk,
            "workforce_generator": workforce_generator,
            "workforce_clock": generate_workforce.AS_OF.isoformat(),
            "daily_summary": timings,
            "targets": targets,
        }
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    benchmarks.query_counts_check(measurements)
    print("query counts: the same at every scale")
    failed = [t for t in targets if not t.passed]
    if failed:
        print(f"targets: {len(failed)} of {len(targets)} FAIL (see above)")
    elif targets:
        print(f"targets: all {len(targets)} PASS")


if __name__ == "__main__":
    main()
