"""python -m bench [--scales 600,60000] [--repeat 20]"""

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
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        yield
    finally:
        # Drop only what we created: if creation failed early, NAME is still the developer's database.
        if connection.settings_dict["NAME"] != original_name:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    # Imported after setup: these import models.
    from django.db import connection
    from django.test.utils import setup_test_environment

    from accounts.reference import reference_load
    from bench import benchmarks, generate, report
    from enterprises.models import Enterprise
    from negative_list.services import industries_load

    # force_login logs a line per viewer and scale; whitenoise warns that collectstatic has not run.
    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    # Production runs with DEBUG off; the debug query log and template debugging would add their cost.
    setup_test_environment(debug=False)
    started = datetime.now(UTC)
    measurements: list[benchmarks.Measurement] = []
    generator: list[dict[str, float]] = []
    with throwaway_database():
        industries_load()
        reference_load()
        staff, commander = generate.bench_users_create()
        for scale in args.scales:
            # Each scale starts empty, so its rows are the same whichever other scales run.
            Enterprise.objects.all().delete()
            start = time.perf_counter()
            generate.generate_enterprises(scale)
            seconds = time.perf_counter() - start
            generator.append({"scale": scale, "seconds": round(seconds, 3), "rows_per_s": round(scale / seconds)})
            if connection.vendor == "postgresql":
                # Autovacuum would have analysed a live table within a minute of an import like this.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            for user, viewer in zip((staff, commander), VIEWERS, strict=True):
                measurements += benchmarks.list_page_measure(
                    user, viewer=viewer, scale=scale, repeat=args.repeat, warmup=args.warmup
                )
        machine = report.machine()

    print(report.table(measurements, generator))
    path = report.results_write(
        {
            "started_at": started.isoformat(),
            "machine": machine,
            "settings": {"scales": args.scales, "repeat": args.repeat, "warmup": args.warmup},
            "generator": generator,
            "measurements": measurements,
        }
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    benchmarks.query_counts_check(measurements)
    print("query counts: the same at every scale")


if __name__ == "__main__":
    main()
