"""python -m bench.retention [--workers 1000000] [--batch 1000]

Issue 16's measure for personal data that leaves on time: the nightly retention sweep (core.retention) over a
roster of 1,000,000 workers finishes in under 5 minutes without a long lock, measured as the longest single
transaction the sweep holds (each batch is one transaction; the roster, the checkpoints and the SMS sender keep
writing between them).

The data is built in PostgreSQL with INSERT … SELECT over generate_series (a million rows in seconds, not the
ORM's minutes), in a throwaway database (bench/__main__.py's throwaway_database; PostgreSQL only, from
DATABASE_URL). Of the workers, 10 % left long ago (to anonymise, each with a change-history row and a pass whose
token goes), 5 % left within the period (kept), the rest still work; beside them, checkpoint checks, ID-number
disclosures and text messages, half of each past its period. Results go to bench/results/retention-<UTC time>.json.
"""

import argparse
import json
import os
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

TARGET_TOTAL_S = 300.0
TARGET_LONGEST_TX_S = 1.0  # a batch holds its row locks this long at most
ENTERPRISES = 2_000


def _args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.retention", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1_000_000, help="workers on the roster (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=1000, help="rows per batch (one transaction)")
    return parser.parse_args(argv)


def workers_insert(
    cursor, workers: int, *, enterprise_ids: list[int], district_id: int, origin: str, leavers: bool = True
) -> None:
    """`workers` roster rows spread over the enterprises (whose ids must be consecutive), in one INSERT … SELECT.
    With `leavers`, 10 % left long ago and 5 % within the period; without, every one still works."""
    first, last = enterprise_ids[0], enterprise_ids[-1]
    span = last - first + 1
    if span != len(enterprise_ids):
        raise ValueError("workers_insert spreads the workers over consecutive enterprise ids")
    cursor.execute(
        """
        INSERT INTO passes_worker (enterprise_id, name, name_pinyin, id_number_encrypted, id_number_digest,
            id_number_masked, mobile, origin_id, arrived_on, quarantine_status, quarantine_started_on, temperature,
            temperature_taken_at,
            test_result, tested_on, residence_district_id, residence_community_id, residence_address,
            housing_331_compliant, job, left_on, anonymised_at, created_at, updated_at)
        SELECT %(first)s + g %% %(span)s, '工人' || g, 'gongren' || g || ' gr' || g, 'gAAAAA' || md5(g::text),
            md5(g::text) || md5(g::text),
            '320583********' || lpad((g %% 10000)::text, 4, '0'), '138' || lpad(g::text, 8, '0'), %(origin)s,
            current_date - 20, 'home', current_date - 20, 36.5, now() - interval '1 hour', 'negative',
            current_date - 10, %(district)s, NULL, '昆山市前进路' || g || '号', true, '操作工',
            CASE WHEN NOT %(leavers)s THEN NULL
                 WHEN g %% 20 IN (0, 1) THEN current_date - 90
                 WHEN g %% 20 = 2 THEN current_date - 5 END,
            NULL, now() - interval '100 days', now()
        FROM generate_series(1, %(n)s) AS g
        """,
        {"first": first, "span": span, "origin": origin, "district": district_id, "n": workers, "leavers": leavers},
    )


def _build(cursor, workers: int, *, enterprise_ids: list[int], district_id: int, user_id: int, origin: str) -> dict:
    """The roster and the logs, in SQL. Returns the row counts."""
    first = enterprise_ids[0]
    workers_insert(cursor, workers, enterprise_ids=enterprise_ids, district_id=district_id, origin=origin)
    cursor.execute(
        """
        INSERT INTO passes_historicalworker (id, name, id_number_masked, mobile, arrived_on, quarantine_status,
            quarantine_started_on, temperature, temperature_taken_at, test_result, tested_on, residence_address,
            housing_331_compliant, job, left_on, anonymised_at, created_at, enterprise_id, origin_id,
            residence_district_id, residence_community_id, history_date, history_change_reason, history_type,
            history_user_id)
        SELECT id, name, id_number_masked, mobile, arrived_on, quarantine_status, quarantine_started_on, temperature,
            temperature_taken_at, test_result, tested_on, residence_address, housing_331_compliant, job, left_on,
            anonymised_at, created_at, enterprise_id, origin_id, residence_district_id, residence_community_id,
            created_at, NULL, '+', %(user)s
        FROM passes_worker
        """,
        {"user": user_id},
    )
    cursor.execute(
        "INSERT INTO passes_passbatch (enterprise_id, applied_by_id, note, created_at) VALUES (%s, %s, '', now())"
        " RETURNING id",
        [first, user_id],
    )
    batch_id = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO passes_returnpass (number, batch_id, worker_id, enterprise_id, issuing_district_id,
            residence_district_id, status, valid_from, valid_until, token, key_id, status_reason, issued_at,
            created_at, updated_at)
        SELECT 'B' || lpad(id::text, 10, '0'), %(batch)s, id, enterprise_id, %(district)s, %(district)s, 'expired',
            current_date - 100, current_date - 86, 'eyJ' || md5(id::text), 'k1', '', now() - interval '100 days',
            now(), now()
        FROM passes_worker WHERE left_on IS NOT NULL
        """,
        {"batch": batch_id, "district": district_id},
    )
    logs = max(workers // 2, 1)
    cursor.execute(
        """
        INSERT INTO passes_passcheck (check_id, checked_at, pass_number, result, community_id, checked_by_id)
        SELECT md5('c' || g)::uuid, now() - (g %% 60) * interval '1 day', 'T' || g, 'valid', NULL, NULL
        FROM generate_series(1, %(n)s) AS g
        """,
        {"n": logs},
    )
    cursor.execute(
        """
        INSERT INTO passes_idnumberdisclosure (kind, user_id, enterprise_id, worker_id, worker_count, reason, at)
        SELECT 'view', %(user)s, %(first)s, NULL, 1, '核查', now() - (g %% 730) * interval '1 day'
        FROM generate_series(1, %(n)s) AS g
        """,
        {"user": user_id, "first": first, "n": logs // 5},
    )
    cursor.execute(
        """
        INSERT INTO accounts_smsmessage (mobile, template, params, text, user_id, status, attempts, error, gateway_id,
            created_at, sent_at)
        SELECT '139' || lpad(g::text, 8, '0'), 'filing_decision', '{}', '您的复工备案已通过', NULL, 'sent', 1, '', '',
            now() - (g %% 180) * interval '1 day', NULL
        FROM generate_series(1, %(n)s) AS g
        """,
        {"n": logs // 5},
    )
    cursor.execute("ANALYZE")
    counts = {}
    for table in (
        "passes_worker",
        "passes_historicalworker",
        "passes_returnpass",
        "passes_passcheck",
        "passes_idnumberdisclosure",
        "accounts_smsmessage",
    ):
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (table names are the constants above)
        counts[table] = cursor.fetchone()[0]
    return counts


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    from bench.__main__ import throwaway_database
    from core import retention
    from reference.services import divisions_load, industries_load, reference_load

    if connection.vendor != "postgresql":
        print("bench.retention builds its data with PostgreSQL's generate_series: set DATABASE_URL to PostgreSQL.")
        return 2
    settings.WORKER_LEFT_RETENTION_DAYS = 30
    settings.PASS_CHECK_RETENTION_DAYS = 30
    settings.ID_DISCLOSURE_RETENTION_DAYS = 365
    settings.SMS_RETENTION_DAYS = 90
    started = datetime.now(UTC)
    with throwaway_database():
        industries_load()
        divisions_load()
        reference_load()
        from accounts.models import Role, User
        from enterprises.models import Enterprise
        from passes.models import Worker
        from reference.models import District, Division, Industry

        district = District.objects.get(code="zhangpu")
        industry = Industry.objects.get(code="3670")
        user = User.objects.create_user(username="bench_retention", role=Role.DISTRICT_STAFF, district=district)
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    credit_code=f"BENCH{n:013d}",
                    name=f"昆山基准{n}号有限公司",
                    district=district,
                    industry=industry,
                    address="昆山市",
                    legal_representative="张三",
                    contact_name="李四",
                    contact_mobile="13912345678",
                    headcount=500,
                    status=Enterprise.Status.ACTIVE,
                )
                for n in range(ENTERPRISES)
            ],
            batch_size=1000,
        )
        origin = Division.objects.filter(level=Division.Level.COUNTY).values_list("code", flat=True).first()
        print(f"building {args.workers:,} workers and their logs …", flush=True)
        built = time.perf_counter()
        with connection.cursor() as cursor:
            counts = _build(
                cursor,
                args.workers,
                enterprise_ids=sorted(e.pk for e in enterprises),
                district_id=district.pk,
                user_id=user.pk,
                origin=origin,
            )
        build_s = time.perf_counter() - built
        print(f"built in {build_s:.1f} s: {counts}", flush=True)

        swept = time.perf_counter()
        results = retention.retention_sweep(batch_size=args.batch)
        total_s = time.perf_counter() - swept
        from django.utils import timezone

        due = timezone.localdate() - timedelta(days=settings.WORKER_LEFT_RETENTION_DAYS)
        missed = Worker.objects.filter(anonymised_at__isnull=True, left_on__lt=due).count()
        pending = Worker.objects.filter(anonymised_at__isnull=True, left_on__isnull=False).count()

    longest = max((r.longest_transaction for r in results), default=0.0)
    print(f"\nretention sweep over {args.workers:,} workers, batches of up to {args.batch} (a kind may cap its own):")
    for r in results:
        mean = sum(r.durations) / len(r.durations) if r.durations else 0.0
        print(
            f"  {r.key:32s} {r.rows:>9,} rows  {r.batches:>5} batches"
            f"  longest tx {r.longest_transaction * 1000:7.1f} ms  mean {mean * 1000:6.1f} ms"
        )
    ok_total, ok_tx = total_s < TARGET_TOTAL_S and missed == 0, longest < TARGET_LONGEST_TX_S
    print(f"  total {total_s:.1f} s (target < {TARGET_TOTAL_S:.0f} s): {'OK' if ok_total else 'MISSED'}")
    print(
        f"  longest transaction {longest * 1000:.1f} ms (target < {TARGET_LONGEST_TX_S * 1000:.0f} ms): "
        f"{'OK' if ok_tx else 'MISSED'}"
    )
    print(f"  workers who left within the period, kept: {pending:,}; past it and missed: {missed:,}")
    results_dir = Path(__file__).resolve().parent / "results"
    results_dir.mkdir(exist_ok=True)
    path = results_dir / f"retention-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "workers": args.workers,
                "batch": args.batch,
                "rows": counts,
                "build_seconds": build_s,
                "sweep_seconds": total_s,
                "longest_transaction_seconds": longest,
                "targets": {"sweep_seconds": TARGET_TOTAL_S, "longest_transaction_seconds": TARGET_LONGEST_TX_S},
                "kinds": [{k: v for k, v in asdict(r).items() if k != "durations"} for r in results],
                "kept_within_period": pending,
                "missed": missed,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    return 0 if ok_total and ok_tx else 1


if __name__ == "__main__":
    raise SystemExit(main())
