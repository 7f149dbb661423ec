"""A table for the terminal and a JSON file per run, so runs on different machines can be compared."""

import dataclasses
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import django
from django.db import connection

from bench.benchmarks import TARGET_PAGES, TARGET_SCALE, BulkApprovalRun, Measurement, Target, target_name
from bench.benchmarks_workforce import BUILD, HAND_SQL, HAND_SQL_REPORTS, Timing
from bench.generate_workforce import DAYS

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_results(name: str, results: dict) -> Path:
    """bench/results/<name>-<UTC time>.json, and a copy as <name>-latest.json; returns the first."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path


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


def _verdict(m: Measurement, targets: list[Target]) -> str:
    for t in targets:
        if t.scale == m.scale and t.what == target_name(m):
            return "PASS" if t.passed else "FAIL"
    return ""


def table(
    measurements: list[Measurement],
    generator: list[dict[str, float]],
    filings_generator: list[dict[str, object]] = (),
    bulk: list[BulkApprovalRun] = (),
    targets: list[Target] = (),
    workforce_generator: list[dict[str, object]] = (),
    timings: list[Timing] = (),
) -> str:
    lines = [
        f"generated {g['scale']:>7,} enterprises in {g['seconds']:6.2f} s ({g['rows_per_s']:,.0f} rows/s)"
        for g in generator
    ]
    for g in filings_generator:
        states = ", ".join(f"{status} {n:,}" for status, n in sorted(g["by_status"].items(), key=lambda i: -i[1]))
        lines += [
            f"generated {g['filings']:>7,} filings     in {g['seconds']:6.2f} s ({g['rows_per_s']:,.0f} filings/s,"
            f" with {g['enterprise_users']:,} enterprise users, {g['events']:,} events, {g['materials']:,} materials)",
            f"          {states}; overdue {g['overdue']:,} of the submitted, {g['zhangpu_submitted']:,} submitted"
            f" in 张浦镇; {g['restricted_drafts']:,} drafts the negative list keeps from submitting",
        ]
    for g in workforce_generator:
        lines += [
            f"generated {g['reports']:>9,} workforce reports + {g['capacity_reports']:,} capacity reports"
            f" ({g['enterprises']:,} enterprises x {g['days']} days, {g['first_day']} … {g['last_day']})"
            f" in {g['seconds']:6.2f} s ({g['rows_per_s']:,.0f} rows/s, {g['method']})",
            f"          {g['missing']:,} enterprise-days not reported ({g['missing_share']:.1%}),"
            f" {g['late']:,} reports late ({g['late_share']:.1%}); on {g['last_day']}: {g['last_day_reported']:,}"
            f" reported, {g['last_day_reported_zero']:,} of them with nobody on duty",
        ]
        if g["days"] < DAYS:
            lines.append(
                f"          NOTE: {g['days']} days, not the full {DAYS}, on {g['vendor']}"
                f" ({g['reports']:,} rows instead of about {g['reports'] * DAYS // g['days']:,}):"
                f" see --workforce-days"
            )
    header = (
        f"{'scale':>7}  {'page':<15} {'viewer':<14} {'case':<10} {'rows':>7} {'median ms':>9} {'p95 ms':>8}"
        f" {'queries':>7} {'target':>6}  request"
    )
    lines += ["", header, "-" * len(header)]
    lines += [
        f"{m.scale:>7,}  {m.page:<15} {m.viewer:<14} {m.case:<10} {m.rows:>7,} {m.median_ms:>9.1f} {m.p95_ms:>8.1f}"
        f" {m.queries:>7} {_verdict(m, targets):>6}  {m.request}"
        for m in measurements
    ]
    if bulk:
        header = (
            f"{'scale':>7}  {'filings':>7} {'approved':>8} {'refused':>7} {'seconds':>8} {'ms/filing':>9}"
            f" {'queries':>7} {'q/filing':>8} {'notices':>7} {'e-mails':>7}"
        )
        lines += [
            "",
            "bulk approve: filing_bulk_approve(500 oldest submitted of 张浦镇) called once",
            header,
            "-" * len(header),
        ]
        lines += [
            f"{b.scale:>7,}  {b.filings:>7,} {b.approved:>8,} {b.refused:>7,} {b.seconds:>8.2f}"
            f" {b.seconds * 1000 / max(1, b.filings):>9.2f} {b.queries:>7,} {b.queries_per_filing:>8.2f}"
            f" {b.notifications:>7,} {b.emails:>7,}"
            for b in bulk
        ]
    if timings:
        header = (
            f"{'scale':>7}  {'case':<24} {'day':<10} {'median s':>9} {'min s':>8} {'max s':>8} {'queries':>7}"
            f"  slowest statement (time of its execute call)"
        )
        lines += [
            "",
            f"daily summary: median of {len(timings[0].samples_s)} timed runs after the warm-up",
            header,
            "-" * len(header),
        ]
        for t in timings:
            slowest = t.statements[0] if t.statements else {"ms": 0, "sql": ""}
            statement = " ".join(slowest["sql"].split())[:60]
            lines.append(
                f"{t.scale:>7,}  {t.case:<24} {t.day:<10} {t.median_s:>9.3f} {min(t.samples_s):>8.3f}"
                f" {max(t.samples_s):>8.3f} {t.queries:>7}  {slowest['ms']:,.1f} ms {statement}"
            )
        for build in (t for t in timings if t.case == BUILD):
            hand = next(t for t in timings if t.case == HAND_SQL and t.scale == build.scale)
            narrow = next(t for t in timings if t.case == HAND_SQL_REPORTS and t.scale == build.scale)

            def agrees(t: Timing) -> str:
                return (
                    "agree"
                    if t.detail["agrees_with_build"]
                    else ("DISAGREE: " + "; ".join(t.detail["disagreements"][:3]))
                )

            lines += [
                f"{build.scale:>7,}  build / hand SQL = {build.detail['ratio_to_hand_sql']:.2f}x"
                f" ({build.detail['reports']:,} reports of the day): the hand query computes every figure of the"
                f" summary ({'the median too' if hand.detail['computes_median'] else 'but the median: no percentile'}"
                f" in {connection.vendor}); its figures {agrees(hand)} with the build's",
                f"{'':>7}  build / hand SQL, reports only = {build.detail['ratio_to_hand_sql_reports_only']:.2f}x"
                f" (informative: the day's reports only, no expected count, no capacity; figures {agrees(narrow)})",
            ]
    for issue, what in ((3, f"pages: {', '.join(TARGET_PAGES)}"), (4, "the daily summary and the reporting status")):
        judged = [t for t in targets if t.issue == issue]
        lines += ["", f"targets (issue {issue}, at {TARGET_SCALE:,} enterprises; {what}):"]
        lines += [
            f"  {'PASS' if t.passed else 'FAIL'}  {t.what} at {t.scale:,}: {_number(t.measured, t.unit)} {t.unit}"
            f" (target {t.comparison} {t.limit:g} {t.unit})"
            for t in judged
        ] or [f"  none judged: no scale of {TARGET_SCALE:,} or more in this run"]
    return "\n".join(lines)


def _number(value: float, unit: str) -> str:
    return f"{value:,.3f}" if unit == "s" else f"{value:,.2f}" if unit == "×" else f"{value:,.1f}"


def results_write(payload: dict[str, object]) -> Path:
    """Write <UTC timestamp>.json and latest.json; returns the timestamped path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=dataclasses.asdict)
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    return path
