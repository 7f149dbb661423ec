"""python -m bench.labour [--scales 0.01,1] [--repeat 20] [--warmup 2]

Issue 15's targets for labour (clauses 8 and 10) at Kunshan's size: 60,000 enterprises with 200,000 open or
closed positions (LabourNeed rows, with their hires), 20,000 labour disputes, and the pairings, agencies,
drives and complaints around them: every labour list and the figures under 150 ms of server time (median),
with the same number of queries at 1 % and at 100 % of the data. The figures pages read a one-minute cache per
scope (as the dashboards do); their "cold" case, every figure computed in the request, is printed for
information and not judged.

Each scale starts from an empty throwaway database (bench/__main__.py's throwaway_database: SQLite by default,
DATABASE_URL for PostgreSQL). Rows are written with bulk_create in batches, statistics refreshed as autovacuum
would, then each page is requested through the whole middleware stack by a commander (the city), staff of
张浦镇 (one district) and the human-resources bureau (every row, as the commander). Results go to
bench/results/labour-<database>-<UTC time>.json.
"""

import argparse
import json
import logging
import os
import random
import time
import warnings
from datetime import UTC, datetime, timedelta

import django

FULL_ENTERPRISES = 60_000
FULL_NEEDS = 200_000
FULL_DISPUTES = 20_000
TARGET_MS = 150.0
TARGET_SCALE = 1.0
BATCH = 5_000
SEED = 15

PAGES = [
    ("needs", "labour:needs"),
    ("needs open", "labour:needs", "?status=open"),
    ("pairings", "labour:pairings"),
    ("drives", "labour:drives"),
    ("disputes", "labour:disputes"),
    ("disputes open", "labour:disputes", "?status=open"),
    ("complaints", "labour:complaints"),
    ("agencies", "labour:agencies"),
    ("figures", "labour:figures"),
    ("dashboard section", "labour:dashboard_section"),
]


# Pages that read the figures through their one-minute cache; "cold" empties the cache before each request.
COMPUTED = ("labour:figures", "labour:dashboard_section")


def _args(argv):
    from bench.dashboard import _positive, _scales

    parser = argparse.ArgumentParser(
        prog="python -m bench.labour", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=[0.01, 1.0],
        help="shares of 60,000 enterprises, 200,000 positions and 20,000 disputes (default 0.01,1)",
    )
    parser.add_argument("--repeat", type=_positive, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=_positive, default=2, help="untimed requests per case")
    return parser.parse_args(argv)


def _bulk(model, rows) -> int:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
    return len(rows)


def _generate(scale: float, *, creator, bureau) -> dict:
    """One scale's labour data on top of its enterprises; the same scale always gives the same rows."""
    from django.utils import timezone

    from bench import generate
    from labour.models import (
        DriveParticipant,
        HRAgency,
        LabourDispute,
        LabourHire,
        LabourNeed,
        MarketComplaint,
        Pairing,
        RecruitmentDrive,
    )
    from reference.models import District, Division

    rng = random.Random(SEED)
    counts = {"scale": scale, "enterprises": round(FULL_ENTERPRISES * scale)}
    generate.generate_enterprises(counts["enterprises"])
    from enterprises.models import Enterprise

    enterprises = list(Enterprise.objects.values_list("pk", "district_id"))
    districts = list(District.objects.values_list("pk", flat=True))
    now, today = timezone.now(), timezone.localdate()
    jobs = ("普工", "装配工", "焊工", "数控车工", "质检员", "叉车工", "仓管员", "电工", "注塑工", "包装工")

    needs = []
    for i in range(round(FULL_NEEDS * scale)):
        enterprise_id = enterprises[i % len(enterprises)][0]
        positions = rng.randint(1, 40)
        hired = rng.randint(0, positions)
        closed = hired == positions or rng.random() < 0.2
        needs.append(
            LabourNeed(
                enterprise_id=enterprise_id,
                job=rng.choice(jobs),
                positions=positions,
                hired=hired,
                wage_min=4000,
                wage_max=4000 + rng.randint(0, 4000),
                start_on=today + timedelta(days=rng.randint(-20, 20)),
                housing_offered=rng.random() < 0.5,
                status="closed" if closed else "open",
                closed_at=now if closed else None,
                created_by=creator,
            )
        )
    counts["needs"] = _bulk(LabourNeed, needs)
    need_rows = list(LabourNeed.objects.values_list("pk", "enterprise_id", "hired"))
    counts["hires"] = _bulk(
        LabourHire,
        [
            LabourHire(
                need_id=pk, count=hired, hired_on=today - timedelta(days=rng.randint(0, 30)), recorded_by=creator
            )
            for pk, _e, hired in need_rows
            if hired
        ],
    )
    agencies = [
        HRAgency(
            name=f"昆山基准人力资源{i}有限公司",
            credit_code=generate.credit_code(900_000 + i),
            licence_number=f"HR{i}",
            contact_name="钱经理",
            contact_mobile="13800001111",
            district_id=None if i % 4 == 0 else rng.choice(districts),
            created_by=bureau,
        )
        for i in range(max(5, round(400 * scale)))
    ]
    counts["agencies"] = _bulk(HRAgency, agencies)
    agency_ids = list(HRAgency.objects.values_list("pk", flat=True))
    pairings, seen = [], set()
    for _pk, enterprise_id, hired in need_rows[::20]:
        agency_id = rng.choice(agency_ids)
        if (agency_id, enterprise_id) in seen:
            continue
        seen.add((agency_id, enterprise_id))
        pairings.append(
            Pairing(
                agency_id=agency_id,
                enterprise_id=enterprise_id,
                positions_covered=hired + 5,
                hires_delivered=hired,
                started_on=today,
                created_by=creator,
            )
        )
    counts["pairings"] = _bulk(Pairing, pairings)
    regions = list(Division.objects.filter(level="county").values_list("code", flat=True)[:300])
    drives = [
        RecruitmentDrive(
            title=f"赴外招聘{i}",
            region_id=rng.choice(regions),
            district_id=rng.choice(districts),
            starts_on=today + timedelta(days=rng.randint(-30, 30)),
            ends_on=today + timedelta(days=31),
            created_by=creator,
        )
        for i in range(max(5, round(2_000 * scale)))
    ]
    counts["drives"] = _bulk(RecruitmentDrive, drives)
    drive_ids = list(RecruitmentDrive.objects.values_list("pk", flat=True))
    counts["participants"] = _bulk(
        DriveParticipant,
        [
            DriveParticipant(
                drive_id=drive_id,
                enterprise_id=enterprises[(n * 7 + k) % len(enterprises)][0],
                positions_offered=20,
                signed=10,
                arrived=5,
            )
            for n, drive_id in enumerate(drive_ids)
            for k in range(5)
        ],
    )
    statuses = ("reported", "negotiating", "mediating", "settled", "settled", "referred")
    disputes = []
    for i in range(round(FULL_DISPUTES * scale)):
        status = rng.choice(statuses)
        closed = status in ("settled", "referred")
        disputes.append(
            LabourDispute(
                enterprise_id=enterprises[(i * 3) % len(enterprises)][0],
                source="district",
                kind="wages",
                workers_involved=rng.randint(1, 30),
                worker_names="张三、李四",
                amount=rng.randint(0, 100_000),
                description="工资纠纷",
                status=status,
                deadline=now + timedelta(days=rng.randint(-10, 10)),
                outcome="协商一致" if closed else "",
                closed_at=now if closed else None,
                raised_by=creator,
            )
        )
    counts["disputes"] = _bulk(LabourDispute, disputes)
    counts["complaints"] = _bulk(
        MarketComplaint,
        [
            MarketComplaint(
                reference=f"RSTS-BENCH-{i:06d}",
                kind="gouging",
                target_name=f"中介{i}",
                description="收费过高",
                complainant_name="赵六",
                complainant_mobile="13912340000",
                deadline=now + timedelta(days=5),
            )
            for i in range(max(5, round(5_000 * scale)))
        ],
    )
    return counts


def _cases(scale: float, viewers: dict, *, repeat: int, warmup: int) -> list:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from bench.dashboard import _measure, _result

    results = []
    for viewer, user in viewers.items():
        client = Client()
        client.force_login(user)
        for page, name, *query in PAGES:
            url = reverse(name) + (query[0] if query else "")
            samples, sql = _measure(client, url, lambda: None, repeat=repeat, warmup=warmup)
            results.append(_result(scale, page, viewer, "page", url, samples, sql))
            if name in COMPUTED:  # for information: the minute's first request computes the figures
                samples, sql = _measure(client, url, cache.clear, repeat=repeat, warmup=warmup)
                results.append(_result(scale, page, viewer, "cold", url, samples, sql))
    return results


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from accounts.models import Role, User
    from bench import generate, report
    from bench.__main__ import throwaway_database
    from bench.dashboard import Target, _query_count_problems, _vacuum_analyze
    from enterprises.models import Enterprise
    from labour.models import HR_BUREAU_CODE
    from reference.models import IndustryAuthority
    from reference.services import divisions_load, industries_load, reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    results, generated = [], []
    with throwaway_database():
        industries_load()
        divisions_load()
        reference_load()
        staff, commander = generate.bench_users_create()
        bureau = User.objects.create_user(
            username="bench_rsj",
            full_name="人社局",
            role=Role.AUTHORITY_STAFF,
            industry_authority=IndustryAuthority.objects.get(code=HR_BUREAU_CODE),
        )
        viewers = {"commander": commander, "district staff": staff, "HR bureau": bureau}
        from labour.models import (
            DriveParticipant,
            HRAgency,
            LabourDispute,
            LabourHire,
            LabourNeed,
            MarketComplaint,
            Pairing,
            RecruitmentDrive,
        )

        for scale in args.scales:
            for model in (
                LabourHire,
                DriveParticipant,
                RecruitmentDrive,
                Pairing,
                MarketComplaint,
                HRAgency,
                LabourDispute,
                LabourNeed,
                Enterprise,
            ):
                model.objects.all().delete()
            print(f"scale {scale:g}: generating", flush=True)
            start = time.perf_counter()
            counts = _generate(scale, creator=staff, bureau=bureau)
            counts["generated_s"] = round(time.perf_counter() - start, 1)
            generated.append(counts)
            print(f"  {counts}", flush=True)
            _vacuum_analyze(connection)
            print(f"scale {scale:g}: measuring", flush=True)
            results += _cases(scale, viewers, repeat=args.repeat, warmup=args.warmup)
        machine = report.machine()
        vendor = connection.vendor

    targets = [
        Target(f"{r.page}, {r.viewer} (median)", r.scale, r.median_ms, TARGET_MS, r.median_ms < TARGET_MS)
        for r in results
        if r.scale >= TARGET_SCALE and r.case == "page"
    ]
    problems = _query_count_problems(results)
    print(f"database: {vendor}")
    print(f"{'scale':>6}  {'page':<20} {'viewer':<16} {'case':<5} {'median ms':>9} {'p95 ms':>8} {'queries':>7}")
    for r in results:
        print(
            f"{r.scale:>6g}  {r.page:<20} {r.viewer:<16} {r.case:<5} {r.median_ms:>9.1f} {r.p95_ms:>8.1f}"
            f" {r.queries:>7}"
        )
    print(f"\ntargets (issue 15, at the full size: every list and the figures under {TARGET_MS:g} ms):")
    print(
        "\n".join(f"  {'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured:,.1f} ms" for t in targets)
        or "  none judged: the run has no scale of 1"
    )
    report.RESULTS_DIR.mkdir(exist_ok=True)
    path = report.RESULTS_DIR / f"labour-{vendor}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    from dataclasses import asdict

    path.write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "machine": machine,
                "settings": {"scales": args.scales, "repeat": args.repeat, "warmup": args.warmup},
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
    print(
        "FAIL: query counts depend on the data size:\n  " + "\n  ".join(problems)
        if problems
        else "query counts: the same at every scale"
    )
    failed = [t for t in targets if not t.passed]
    print(f"targets: {len(failed)} of {len(targets)} FAIL" if failed else f"targets: all {len(targets)} PASS")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
