"""python -m bench.policies [--scales 0.01,1] [--repeat 20] [--warmup 2]

Issue 14's target for support policies at Kunshan's size: 100,000 policy applications from 60,000
enterprises against the demo catalogue (35 policies), in every state (half of them paid, a fifth waiting),
with a payout record for each paid one. The reviewers' queue (工信局 staff, 张浦镇 staff, a commander)
and the figures page (a commander, 张浦镇 staff) each under 150 ms of server time at the full size as
served, with the same number of queries at 1 % and at 100 %. The figures page keeps its numbers in the
cache until an application changes; its "cold" case (recomputed on every request, as right after a
decision) is measured and printed too, for information.

Each scale starts from an empty throwaway database (bench/__main__.py's throwaway_database: SQLite by
default, DATABASE_URL for PostgreSQL). Applications and payouts are written with bulk_create; their
timeline events are left out, since neither page reads them. Results go to
bench/results/policies-<database>-<UTC time>.json.
"""

import argparse
import json
import logging
import os
import random
import time
import warnings
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal

import django

FULL_ENTERPRISES = 60_000
FULL_APPLICATIONS = 100_000
TARGET_MS = 150.0
TARGET_SCALE = 1.0
SEED = 2020
BATCH = 5000
FIRST_DAY = date(2020, 2, 20)
# Share of applications by status: a fifth waiting, half paid.
STATUS_WEIGHTS = {"submitted": 20, "returned": 5, "rejected": 10, "approved": 15, "paid": 50}


def _scales(text: str) -> list[float]:
    values = sorted({float(part) for part in text.split(",") if part.strip()})
    if not values or values[0] <= 0 or values[-1] > 1:
        raise argparse.ArgumentTypeError("shares of the full size, each in (0, 1]: e.g. 0.01,1")
    return values


def _args(argv):
    from bench.dashboard import _positive

    parser = argparse.ArgumentParser(
        prog="python -m bench.policies", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=[0.01, 1.0],
        help="shares of 60,000 enterprises and 100,000 applications (default 0.01,1)",
    )
    parser.add_argument("--repeat", type=_positive, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=_positive, default=2, help="untimed requests per case")
    return parser.parse_args(argv)


def _routing() -> dict[int, tuple[list, bool]]:
    """Per policy: its reviewing authorities (code order) with the industry codes each guides, and whether the
    district reviews; the application goes to the one guiding the enterprise's industry, else the first."""
    from policies.models import SupportPolicy

    routing = {}
    for policy in SupportPolicy.objects.prefetch_related("reviewing_authorities__industries"):
        authorities = [
            (a.pk, {i.code for i in a.industries.all()})
            for a in sorted(policy.reviewing_authorities.all(), key=lambda a: a.code)
        ]
        routing[policy.pk] = (authorities, policy.reviewed_by_district)
    return routing


def generate_applications(n: int, *, applicant, reviewer, seed: int = SEED) -> dict:
    """n applications on distinct (enterprise, policy) pairs, and the payouts of the paid ones."""
    from django.utils import timezone

    from enterprises.models import Enterprise
    from policies.models import Payout, PolicyApplication, SupportPolicy

    rng = random.Random(seed)
    enterprises = list(
        Enterprise.objects.order_by("pk").values_list(
            "pk", "district_id", "industry__section", "industry__division", "industry__group", "industry_id"
        )
    )
    policies = {p.pk: p for p in SupportPolicy.objects.all()}
    policy_ids = sorted(policies)
    routing = _routing()
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    pairs = rng.sample(range(len(enterprises) * len(policy_ids)), n)
    tz = timezone.get_current_timezone()
    by_status = dict.fromkeys(statuses, 0)
    written = payouts = 0
    for start in range(0, n, BATCH):
        batch, paid = [], []
        for pair in pairs[start : start + BATCH]:
            pk, district_id, *codes = enterprises[pair // len(policy_ids)]
            policy = policies[policy_ids[pair % len(policy_ids)]]
            authorities, to_district = routing[policy.pk]
            guiding = next((a for a, guided in authorities if guided.intersection(codes)), None)
            status = rng.choices(statuses, weights=weights)[0]
            by_status[status] += 1
            day = FIRST_DAY + timedelta(days=rng.randrange(40))
            submitted_at = datetime.combine(day, dt_time(8 + rng.randrange(10), rng.randrange(60)), tzinfo=tz)
            amount = Decimal(rng.randrange(1, 200)) * 1000 if policy.pays_money else Decimal(0)
            decided = status != "submitted"
            application = PolicyApplication(
                policy=policy,
                enterprise_id=pk,
                district_id=district_id,
                status=status,
                reviewing_authority_id=guiding or (authorities[0][0] if authorities else None),
                routed_to_district=to_district,
                contact_name="联系人",
                contact_mobile="13900000000",
                bank_name="银行",
                account_name="企业",
                account_number=f"62166101{pair:011d}",
                requested_amount=amount or None,
                submitted_at=submitted_at,
                review_deadline=submitted_at + timedelta(days=7),
                decided_at=submitted_at + timedelta(days=rng.randrange(1, 10)) if decided else None,
                decided_by=reviewer if decided else None,
                approved_amount=amount if status in ("approved", "paid") else None,
                submitted_by=applicant,
            )
            batch.append(application)
            if status == "paid":
                paid.append(application)
        PolicyApplication.objects.bulk_create(batch, batch_size=BATCH)
        rows = []
        for application in paid:
            paid_on = application.decided_at.date() + timedelta(days=rng.randrange(0, 60))
            scheduled = application.policy.scheduled_payout_on
            rows.append(
                Payout(
                    application=application,
                    paid_on=paid_on,
                    amount=application.approved_amount or Decimal(1),
                    voucher_number=f"V{application.pk}",
                    scheduled_on=scheduled,
                    is_early=scheduled is not None and paid_on < scheduled,
                    days_to_payout=(paid_on - application.submitted_at.date()).days,
                    recorded_by=reviewer,
                )
            )
        Payout.objects.bulk_create(rows, batch_size=BATCH)
        written += len(batch)
        payouts += len(rows)
    return {"applications": written, "payouts": payouts, "by_status": by_status}


def _clear() -> None:
    from enterprises.models import Enterprise
    from policies.models import Payout, PolicyApplication

    Payout.objects.all().delete()
    PolicyApplication.objects.all().delete()
    Enterprise.objects.all().delete()


def _cases(scale: float, viewers: dict, *, repeat: int, warmup: int) -> list:
    """The queue as served; the figures as served (the numbers cached until an application changes) and cold
    (the cache made stale before every request, as right after a decision)."""
    from django.test import Client
    from django.urls import reverse

    from bench.dashboard import _measure, _result
    from policies.selectors import policy_figures_changed

    results = []
    for page, url_name, viewer, case, prepare in (
        ("queue", "policies:queue", "authority staff", "served", lambda: None),
        ("queue", "policies:queue", "district staff", "served", lambda: None),
        ("queue", "policies:queue", "commander", "served", lambda: None),
        ("figures", "policies:figures", "commander", "served", lambda: None),
        ("figures", "policies:figures", "commander", "cold", policy_figures_changed),
        ("figures", "policies:figures", "district staff", "served", lambda: None),
        ("figures", "policies:figures", "district staff", "cold", policy_figures_changed),
    ):
        client = Client()
        client.force_login(viewers[viewer])
        url = reverse(url_name)
        samples, sql = _measure(client, url, prepare, repeat=repeat, warmup=warmup)
        results.append(_result(scale, page, viewer, case, url, samples, sql))
    return results


def _targets(results) -> list:
    from bench.dashboard import Target

    return [
        Target(f"{r.page}, {r.viewer}, {r.case} (median)", r.scale, r.median_ms, TARGET_MS, r.median_ms < TARGET_MS)
        for r in results
        if r.scale >= TARGET_SCALE and r.case == "served"
    ]


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
    from bench.dashboard import _query_count_problems, _vacuum_analyze
    from policies.services import policy_catalogue_demo_load
    from reference.models import District, IndustryAuthority
    from reference.services import industries_load, reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    results, generated = [], []
    with throwaway_database():
        industries_load()
        reference_load()
        policy_catalogue_demo_load()
        gxj = IndustryAuthority.objects.get(code="gxj")
        viewers = {
            "authority staff": User.objects.create_user(
                username="bench_gxj", full_name="工信局审核", role=Role.AUTHORITY_STAFF, industry_authority=gxj
            ),
            "district staff": User.objects.create_user(
                username="bench_zhangpu",
                full_name="张浦属地",
                role=Role.DISTRICT_STAFF,
                district=District.objects.get(code="zhangpu"),
            ),
            "commander": User.objects.create_user(username="bench_commander", full_name="指挥部", role=Role.COMMANDER),
        }
        applicant = User.objects.create_user(username="bench_applicant", role=Role.COMMANDER)
        for scale in args.scales:
            print(f"scale {scale:g}: generating", flush=True)
            _clear()
            start = time.perf_counter()
            generate.generate_enterprises(round(FULL_ENTERPRISES * scale))
            written = generate_applications(
                round(FULL_APPLICATIONS * scale), applicant=applicant, reviewer=viewers["authority staff"]
            )
            generated.append(
                {
                    "scale": scale,
                    "enterprises": round(FULL_ENTERPRISES * scale),
                    **written,
                    "seconds": round(time.perf_counter() - start, 1),
                }
            )
            print(
                f"  {written['applications']:,} applications, {written['payouts']:,} payouts "
                f"in {generated[-1]['seconds']} s",
                flush=True,
            )
            _vacuum_analyze(connection)
            print(f"scale {scale:g}: measuring", flush=True)
            results += _cases(scale, viewers, repeat=args.repeat, warmup=args.warmup)
        machine = report.machine()
        vendor = connection.vendor

    targets = _targets(results)
    problems = _query_count_problems(results)
    print(f"database: {vendor}")
    print(f"{'scale':>6}  {'page':<8} {'viewer':<16} {'case':<7} {'median ms':>9} {'p95 ms':>8} {'queries':>7}")
    for r in results:
        print(
            f"{r.scale:>6g}  {r.page:<8} {r.viewer:<16} {r.case:<7} {r.median_ms:>9.1f} {r.p95_ms:>8.1f} {r.queries:>7}"
        )
    print("\ntargets (issue 14, at the full size, as served; the cold figures are for information):")
    for t in targets:
        print(f"  {'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured:,.1f} ms (target < {t.limit:g} ms)")
    if not targets:
        print("  none judged: the run has no scale of 1")
    report.RESULTS_DIR.mkdir(exist_ok=True)
    path = report.RESULTS_DIR / f"policies-{vendor}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
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
    if problems:
        print("FAIL: query counts depend on the data size:\n  " + "\n  ".join(problems))
    else:
        print("query counts: the same at every scale")
    failed = [t for t in targets if not t.passed]
    print(f"targets: {len(failed)} of {len(targets)} FAIL" if failed else f"targets: all {len(targets)} PASS")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
