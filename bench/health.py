"""python -m bench.health [--rows 10000] [--passes 400000] [--repeat 3]

Issue 16's targets, in a throwaway database (bench/__main__.py's throwaway_database):

* the health-sheet import (passes.services.health.health_import) of --rows readings, one per worker of an
  enterprise of that size, 1 % of them fevers (each opens an incident): under 10 s (median of --repeat
  runs), and at most 3x a bare openpyxl read_only iteration of the same file (median of the pairs);
* a risk-list change across --passes issued passes, half of their workers from a Hubei county: a list
  naming Hubei high risk suspends that half (return_passes_follow_risk_list: a reason row, a PassEvent and
  the Redis revocation copy per pass, a notice per enterprise), then a list without Hubei reinstates them.
  Each direction under 60 s on PostgreSQL, and within 3x a hand-written SQL statement set doing the same
  rows (status UPDATE, reason rows, PassEvent rows) in one transaction, rolled back so the service meets
  the same state. The file is the portal's own template (health_template) with the reading cells filled.

Workers and passes are inserted with generate_series (PostgreSQL) or bulk_create; the bench clock is the
real one. Run with DATABASE_URL (PostgreSQL) and, for the revocation copy, REDIS_URL.
"""

import argparse
import io
import os
import random
import statistics
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import django

TARGET_IMPORT_SECONDS = 10.0
TARGET_RATIO = 3.0
TARGET_SWEEP_SECONDS = 60.0
HUBEI_COUNTY, LOW_COUNTY = "420102", "511602"
ENTERPRISES = 100  # the passes' workers are spread over this many enterprises (a notice each)


def _args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.health", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="readings in the imported sheet")
    parser.add_argument("--passes", type=int, default=400_000, help="issued passes the risk list sweeps")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the bare read and of the import")
    return parser.parse_args(argv)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def _enterprise(serial: int):
    from accounts.models import Role, User
    from bench.generate import credit_code
    from enterprises.models import Enterprise
    from reference.models import District, Industry

    enterprise = Enterprise.objects.create(
        credit_code=credit_code(serial),
        name=f"昆山健康基准测试{serial}有限公司",
        district=District.objects.get(code="zhangpu"),
        industry=Industry.objects.get(code="3670"),
        address="昆山市前进路1号",
        legal_representative="张三",
        contact_name="李四",
        contact_mobile="13912345678",
        headcount=10_000,
        status=Enterprise.Status.ACTIVE,
    )
    user = User.objects.create_user(username=f"bench-health-{serial}", role=Role.ENTERPRISE, enterprise=enterprise)
    return enterprise, user


def _insert_workers(enterprise_ids: list[int], per_enterprise: int, hubei_share: float) -> None:
    """Workers who may work (arrived, normal temperature an hour ago), living in 开发区; fake ID columns (the
    sweep never reads them)."""
    from django.db import connection

    from reference.models import District

    kfq = District.objects.get(code="kfq")
    community = kfq.communities.first()
    with connection.cursor() as cursor:
        for enterprise_id in enterprise_ids:
            cursor.execute(
                """
                INSERT INTO passes_worker (name, id_number_encrypted, id_number_digest, id_number_masked, mobile,
                    arrived_on, quarantine_status, temperature, temperature_taken_at, test_result,
                    residence_address, housing_331_compliant, job, created_at, updated_at, enterprise_id,
                    origin_id, residence_community_id, residence_district_id)
                SELECT '工人' || g, 'x', md5(%s || '-' || g), '3205**********001X', '13800000000',
                    CURRENT_DATE - 5, 'ended', 36.5, now() - interval '1 hour', 'none',
                    '昆山市前进路' || g || '号', true, '操作工', now(), now(), %s,
                    CASE WHEN random() < %s THEN %s ELSE %s END, %s, %s
                FROM generate_series(1, %s) AS g
                """,
                [str(enterprise_id), enterprise_id, hubei_share, HUBEI_COUNTY, LOW_COUNTY, community.pk, kfq.pk]
                + [per_enterprise],
            )


def _insert_passes(enterprise_ids: list[int], issuer) -> None:
    from django.db import connection

    from passes.models import PassBatch

    with connection.cursor() as cursor:
        for enterprise_id in enterprise_ids:
            batch = PassBatch.objects.create(enterprise_id=enterprise_id, applied_by=issuer)
            cursor.execute(
                """
                INSERT INTO passes_returnpass (number, status, valid_from, valid_until, token, key_id, issued_at,
                    status_reason, created_at, updated_at, batch_id, enterprise_id, issuing_district_id,
                    residence_community_id, residence_district_id, worker_id, decided_by_id)
                SELECT 'KS' || lpad(w.id::text, 8, '0'), 'valid', CURRENT_DATE, CURRENT_DATE + 13, '', 'k1', now(),
                    '', now(), now(), %s, w.enterprise_id, %s, w.residence_community_id, w.residence_district_id,
                    w.id, %s
                FROM passes_worker w WHERE w.enterprise_id = %s
                """,
                [batch.pk, issuer.district_id, issuer.pk, enterprise_id],
            )
        cursor.execute("ANALYZE passes_worker; ANALYZE passes_returnpass")


# --- the health-sheet import --------------------------------------------------------------------------


def health_file(directory: Path, enterprise, rows: int) -> Path:
    """The portal's own template for the day, each worker's row filled: 1 % fevers, the rest normal."""
    import openpyxl
    from django.utils import timezone

    from passes.services.health import health_template

    today = timezone.localdate()
    workbook = openpyxl.load_workbook(io.BytesIO(health_template(enterprise=enterprise, day=today)))
    sheet = workbook.worksheets[0]
    rng = random.Random(2020)
    for row in sheet.iter_rows(min_row=2, max_row=rows + 1):
        fever = rng.random() < 0.01
        row[2].value = f"{rng.uniform(37.4, 39.0):.1f}" if fever else f"{rng.uniform(36.0, 37.1):.1f}"
        row[3].value = "00:01"
        row[4].value = "否"
        row[5].value = "否"
        row[6].value = "未检测"
    path = directory / f"health-{rows}.xlsx"
    workbook.save(path)
    return path


def bare_read(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def run_import(path: Path, enterprise, user):
    from passes.services.health import health_import

    with path.open("rb") as upload:
        outcome = health_import(enterprise=enterprise, upload=upload, imported_by=user)
    if not outcome.ok:
        raise SystemExit(f"the generated sheet was refused: {outcome.result.errors[:3]}")
    return outcome


def _clear_readings(enterprise) -> None:
    from accounts.models import Notification
    from passes.models import HealthIncident, HealthReading

    HealthIncident.objects.filter(enterprise=enterprise).delete()
    HealthReading.objects.filter(enterprise=enterprise).delete()
    Notification.objects.all().delete()


def bench_import(args, directory: Path) -> dict:
    enterprise, user = _enterprise(1)
    _insert_workers([enterprise.pk], args.rows, hubei_share=0.0)
    path = health_file(directory, enterprise, args.rows)
    bare, imports = [], []
    for _ in range(args.repeat):
        bare.append(_timed(bare_read, path)[0])
        _clear_readings(enterprise)
        seconds, outcome = _timed(run_import, path, enterprise, user)
        assert outcome.recorded == args.rows, outcome
        imports.append(seconds)
    _clear_readings(enterprise)
    return {
        "rows": args.rows,
        "bytes": path.stat().st_size,
        "bare_openpyxl_read_s": [round(v, 3) for v in bare],
        "import_s": [round(v, 3) for v in imports],
        "median_import_s": round(statistics.median(imports), 3),
        "median_bare_s": round(statistics.median(bare), 3),
        "ratio_import_to_bare": round(statistics.median(i / b for i, b in zip(imports, bare, strict=True)), 2),
    }


# --- the risk-list sweep -------------------------------------------------------------------------------

HAND_SUSPEND = """
WITH hit AS (
    UPDATE passes_returnpass p SET status = 'suspended', status_reason = %(reason)s, updated_at = now()
    FROM passes_worker w
    WHERE p.worker_id = w.id AND p.status = 'valid' AND w.origin_id LIKE '42%%'
    RETURNING p.id
), reasons AS (
    INSERT INTO passes_passsuspension (return_pass_id, reason, detail, risk_list_id, started_at)
    SELECT id, 'risk_area', %(reason)s, %(list)s, now() FROM hit
)
INSERT INTO passes_passevent (return_pass_id, from_status, to_status, comment, at)
SELECT id, 'valid', 'suspended', %(reason)s, now() FROM hit
"""

HAND_REINSTATE = """
WITH hit AS (
    UPDATE passes_returnpass p SET status = 'valid', status_reason = '', updated_at = now()
    FROM passes_passsuspension s
    WHERE s.return_pass_id = p.id AND s.reason = 'risk_area' AND s.lifted_at IS NULL AND p.status = 'suspended'
    RETURNING p.id
), lifted AS (
    UPDATE passes_passsuspension s SET lifted_at = now() WHERE s.reason = 'risk_area' AND s.lifted_at IS NULL
)
INSERT INTO passes_passevent (return_pass_id, from_status, to_status, comment, at)
SELECT id, 'suspended', 'valid', %(reason)s, now() FROM hit
"""


def _analyze() -> None:
    """Fresh planner statistics before each direction, for the service and the hand SQL alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE passes_returnpass; ANALYZE passes_passsuspension; ANALYZE passes_passevent")


def _say(text: str) -> None:
    print(text, flush=True)


def _hand_sql(statement: str, risk_list) -> tuple[float, int]:
    """The hand-written statements in a transaction that is rolled back: timed, then undone."""
    from django.db import connection, transaction

    with transaction.atomic():
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, {"reason": "风险地区名单更新", "list": risk_list.pk})
            rows = cursor.rowcount
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds, rows


def published_risk_list(areas: dict[str, str]):
    from django.utils import timezone

    from passes.models import RiskArea, RiskAreaList

    risk_list = RiskAreaList.objects.create(
        title="基准测试风险地区名单",
        source_document="基准测试",
        effective_from=timezone.localdate(),
        status=RiskAreaList.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    RiskArea.objects.bulk_create(RiskArea(risk_list=risk_list, division_id=c, level=lv) for c, lv in areas.items())
    return risk_list


def bench_sweep(args) -> dict:
    from django.db.models import Count

    from accounts.models import Role, User
    from passes.models import PassEvent, ReturnPass, RiskLevel
    from passes.services.suspensions import return_passes_follow_risk_list
    from reference.models import District

    owners = [_enterprise(100 + n) for n in range(ENTERPRISES)]
    ids = [enterprise.pk for enterprise, _user in owners]
    per = max(args.passes // ENTERPRISES, 1)
    issuer = User.objects.create_user(
        username="bench-issuer", role=Role.DISTRICT_STAFF, district=District.objects.get(code="zhangpu")
    )
    start = time.perf_counter()
    _insert_workers(ids, per, hubei_share=0.5)
    _insert_passes(ids, issuer)
    generated = time.perf_counter() - start
    total = ReturnPass.objects.count()
    hubei = ReturnPass.objects.filter(worker__origin_id=HUBEI_COUNTY).count()
    strict = published_risk_list(areas={"420000": RiskLevel.HIGH})
    relaxed = published_risk_list(areas={"330300": RiskLevel.MEDIUM})
    events_before = PassEvent.objects.count()

    _say(f"{total:,} passes ({hubei:,} from Hubei) written in {generated:.1f} s")
    _analyze()
    hand_suspend_s, hand_suspended = _hand_sql(HAND_SUSPEND, strict)
    _say(f"hand SQL suspend: {hand_suspend_s:.2f} s ({hand_suspended:,} rows)")
    suspend_s, suspend = _timed(return_passes_follow_risk_list, risk_list=strict)
    _say(f"service suspend: {suspend_s:.2f} s ({suspend})")
    assert suspend.suspended == hubei == hand_suspended, (suspend, hubei, hand_suspended)
    _analyze()
    hand_reinstate_s, hand_reinstated = _hand_sql(HAND_REINSTATE, relaxed)
    _say(f"hand SQL reinstate: {hand_reinstate_s:.2f} s ({hand_reinstated:,} rows)")
    reinstate_s, reinstate = _timed(return_passes_follow_risk_list, risk_list=relaxed)
    _say(f"service reinstate: {reinstate_s:.2f} s ({reinstate})")
    assert reinstate.reinstated == hubei == hand_reinstated, (reinstate, hubei, hand_reinstated)
    events = PassEvent.objects.filter(pk__gt=0).count() - events_before
    assert events == 2 * hubei, events
    statuses = dict(ReturnPass.objects.values_list("status").annotate(n=Count("pk")))
    return {
        "passes": total,
        "hubei_passes": hubei,
        "generated_s": round(generated, 1),
        "suspend_s": round(suspend_s, 2),
        "hand_sql_suspend_s": round(hand_suspend_s, 2),
        "ratio_suspend": round(suspend_s / hand_suspend_s, 2),
        "reinstate_s": round(reinstate_s, 2),
        "hand_sql_reinstate_s": round(hand_reinstate_s, 2),
        "ratio_reinstate": round(reinstate_s / hand_reinstate_s, 2),
        "events_written": events,
        "statuses_after": statuses,
    }


def main(argv=None) -> None:
    args = _args(argv)
    _setup()
    from django.db import connection

    from bench import report
    from bench.__main__ import throwaway_database
    from bench.benchmarks import Target
    from reference.services import divisions_load, industries_load, reference_load

    results: dict[str, object] = {"started_at": datetime.now(UTC).isoformat(), "settings": vars(args)}
    with tempfile.TemporaryDirectory() as directory, throwaway_database():
        industries_load()
        reference_load()
        divisions_load()
        if connection.vendor != "postgresql":
            # Its targets are set on PostgreSQL, and it inserts its rows with generate_series (as bench.verify).
            print("bench.health needs DATABASE_URL (PostgreSQL): skipped")
            return
        results["import"] = bench_import(args, Path(directory))
        _say(f"import: {results['import']}")
        results["sweep"] = bench_sweep(args)
        results["machine"] = report.machine()
    imp, sweep = results["import"], results["sweep"]
    targets = [
        Target(
            "health-sheet import (median)",
            args.rows,
            imp["median_import_s"],
            TARGET_IMPORT_SECONDS,
            "s",
            imp["median_import_s"] < TARGET_IMPORT_SECONDS,
            issue=16,
        ),
        Target(
            "health-sheet import / bare openpyxl read",
            args.rows,
            imp["ratio_import_to_bare"],
            TARGET_RATIO,
            "×",
            imp["ratio_import_to_bare"] <= TARGET_RATIO,
            comparison="≤",
            issue=16,
        ),
    ]
    for direction in ("suspend", "reinstate"):
        seconds, ratio = sweep[f"{direction}_s"], sweep[f"ratio_{direction}"]
        targets += [
            Target(
                f"risk list {direction}",
                sweep["passes"],
                seconds,
                TARGET_SWEEP_SECONDS,
                "s",
                seconds < TARGET_SWEEP_SECONDS,
                issue=16,
            ),
            Target(
                f"risk list {direction} / hand SQL",
                sweep["passes"],
                ratio,
                TARGET_RATIO,
                "×",
                ratio <= TARGET_RATIO,
                comparison="≤",
                issue=16,
            ),
        ]
    results["targets"] = [asdict(t) for t in targets]
    lines = [
        f"health-sheet import: {imp['rows']:,} rows, import {imp['import_s']} s,"
        f" bare read {imp['bare_openpyxl_read_s']} s",
        f"risk-list sweep over {sweep['passes']:,} passes ({sweep['hubei_passes']:,} from Hubei):"
        f" suspend {sweep['suspend_s']} s (hand SQL {sweep['hand_sql_suspend_s']} s),"
        f" reinstate {sweep['reinstate_s']} s (hand SQL {sweep['hand_sql_reinstate_s']} s)",
        "targets (issue 16):",
    ]
    lines += [
        f"  {'PASS' if t.passed else 'FAIL'}  {t.what} at {t.scale:,}: {t.measured:,.2f} {t.unit}"
        f" (target {t.comparison} {t.limit:g} {t.unit})"
        for t in targets
    ]
    print("\n".join(lines))
    path = report.write_results("health", results)
    print(f"\nresults: {path}")
    if not all(t.passed for t in targets):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
