"""A table for the terminal and a JSON file per run, so runs on different machines can be compared."""

import dataclasses
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import django
from django.db import connection

from bench.benchmarks import Measurement

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, object]:
    """Call while the benchmark database is still open: it asks the server for its version."""
    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "db_vendor": connection.vendor,
        "db_version": ".".join(str(part) for part in connection.get_database_version()),
    }


def table(measurements: list[Measurement], generator: list[dict[str, float]]) -> str:
    lines = [f"generated {g['scale']:>7,} enterprises in {g['seconds']:6.2f} s ({g['rows_per_s']:,.0f} rows/s)"
             for g in generator]
    header = f"{'scale':>7}  {'viewer':<18} {'case':<10} {'rows':>7} {'median ms':>9} {'p95 ms':>8} {'queries':>7}"
    lines += ["", header, "-" * len(header)]
    lines += [
        f"{m.scale:>7,}  {m.viewer:<18} {m.case:<10} {m.rows:>7,} {m.median_ms:>9.1f} {m.p95_ms:>8.1f}"
        f" {m.queries:>7}  {m.request}"
        for m in measurements
    ]
    return "\n".join(lines)


def results_write(payload: dict[str, object]) -> Path:
    """Write <UTC timestamp>.json and latest.json; returns the timestamped path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=dataclasses.asdict)
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    return path
