"""python -m bench.requests [--scales 0.01,1] [--repeat 20] [--lapsed 0.05]

Issue 14's targets at city scale: 200,000 enterprise requests (all open, their clocks running) over 60,000
enterprises. The handler's queue (a tier-1 official's page) and the district figures (件件有答复, the district
staff's figures page) each under 150 ms with the same number of queries at 1 % and 100 % of the data; the
escalation sweep over the 200,000 open requests, of which a share (--lapsed, 5 %) is past its deadline, under 10 s.

Each scale starts from an empty throwaway database (bench/__main__.py: SQLite by default, DATABASE_URL for
PostgreSQL; the targets are for PostgreSQL). Requests are written with bulk_create, as the services would leave
them after routing. Results go to bench/results/requests-<database>-<UTC time>.json.
"""

import argparse
import json
import os
import random
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import django

FULL_ENTERPRISES = 60_000
FULL_REQUESTS = 200_000
PAGE_TARGET_MS = 150.0
SWEEP_TARGET_S = 10.0
OFFICIALS_PER_DISTRICT = 20
SEED = 14


@dataclass
class Result:
    scale: float
    case: str
    median_ms: float
    queries: int
    target_ms: float
    passed: bool


def _args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.requests")
    parser.add_argument("--scales", default="0.01,1", type=lambda t: [float(s) for s in t.split(",")])
    parser.add_argument("--repeat", default=20, type=int)
    parser.add_argument("--lapsed", default=0.05, type=float)
    return parser.parse_args(argv)


def _generate(scale: float, lapsed: float) -> dict:
    from accounts.models import Role, User
    from bench import generate
    from enterprises.models import Enterprise
    from reference.models import District, IndustryAuthority
    from service_requests.linkage import LinkageResolver
    from service_requests.models import Category, DistrictLinkage, ServiceRequest

    rng = random.Random(SEED)
    enterprises_n = max(int(FULL_ENTERPRISES * scale), 200)
    requests_n = max(int(FULL_REQUESTS * scale), 1000)
    generate.generate_enterprises(enterprises_n)
    officials = {}
    for district in District.objects.all():
        officials[district.pk] = User.objects.bulk_create(
            [
                User(
                    username=f"bench_official_{district.code}_{i}",
                    full_name=f"挂钩干部{i}",
                    role=Role.DISTRICT_STAFF,
                    district=district,
                )
                for i in range(OFFICIALS_PER_DISTRICT)
            ]
        )
        DistrictLinkage.objects.create(
            district=district,
            task_force_head=officials[district.pk][0],
            city_leader=User.objects.create(username=f"bench_leader_{district.code}", role=Role.COMMANDER),
        )
    enterprises = list(Enterprise.objects.select_related("industry").only("pk", "district_id", "industry"))
    for enterprise in enterprises:
        enterprise.responsible_official = rng.choice(officials[enterprise.district_id])
    Enterprise.objects.bulk_update(enterprises, ["responsible_official"], batch_size=5000)
    authorities = {a.pk: a for a in IndustryAuthority.objects.all()}
    resolver = LinkageResolver([])
    now = datetime.now(UTC)
    categories = Category.values
    raiser = User.objects.create(username="bench_raiser", role=Role.COMMANDER)
    rows = []
    for i in range(requests_n):
        enterprise = enterprises[i % len(enterprises)]
        tier3 = rng.random() < 0.1
        owner_authority = None
        if tier3:
            found = resolver.default(enterprise, resolver.tier(3))
            owner_authority = found.authority if found else None
        created = now - timedelta(hours=rng.randint(1, 24 * 20))
        due = (
            now - timedelta(minutes=rng.randint(1, 600))
            if rng.random() < lapsed
            else now + timedelta(hours=rng.randint(1, 72))
        )
        rows.append(
            ServiceRequest(
                enterprise_id=enterprise.pk,
                district_id=enterprise.district_id,
                category=rng.choice(categories),
                title="基准诉求",
                text="基准数据",
                raised_by=raiser,
                status=rng.choice(("submitted", "accepted", "reopened")),
                tier=3 if owner_authority else 1,
                owner_authority=owner_authority,
                owner_user_id=None if owner_authority else enterprise.responsible_official_id,
                department_id=owner_authority.pk if owner_authority else None,
                due_at=due,
            )
        )
        if len(rows) == 5000:
            _write(rows, created)
    _write(rows, now - timedelta(days=3))
    del authorities
    return {
        "scale": scale,
        "enterprises": enterprises_n,
        "requests": requests_n,
        "lapsed": ServiceRequest.objects.filter(due_at__lt=now).count(),
    }


def _write(rows, created) -> None:
    from service_requests.models import ServiceRequest

    ServiceRequest.objects.bulk_create(rows, batch_size=5000)
    ServiceRequest.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=created)
    rows.clear()


def _measure(client, url: str, repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    samples, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
        queries = len(captured.captured_queries)
    return statistics.median(samples), queries


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench import report
    from bench.__main__ import _analyze, throwaway_database
    from reference.models import District
    from reference.services import industries_load, reference_load
    from service_requests.linkage import linkage_tiers_default_load
    from service_requests.models import ServiceRequest
    from service_requests.services import service_requests_escalate_overdue

    setup_test_environment(debug=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    results, generated = [], []
    with throwaway_database():
        industries_load()
        reference_load()
        linkage_tiers_default_load()
        vendor = connection.vendor
        for scale in args.scales:
            ServiceRequest.objects.all().delete()
            print(f"scale {scale:g}: generating", flush=True)
            if scale == args.scales[0]:
                info = _generate(scale, args.lapsed)
            else:
                from accounts.models import User
                from enterprises.models import Enterprise

                Enterprise.objects.all().update(responsible_official=None)
                User.objects.filter(username__startswith="bench_").delete()
                from service_requests.models import DistrictLinkage

                DistrictLinkage.objects.all().delete()
                Enterprise.objects.all().delete()
                info = _generate(scale, args.lapsed)
            generated.append(info)
            _analyze(connection)
            district = District.objects.get(code="zhangpu")
            official = (
                ServiceRequest.objects.filter(district=district, owner_user__isnull=False)
                .values_list("owner_user", flat=True)
                .first()
            )
            client = Client()
            from accounts.models import User

            client.force_login(User.objects.get(pk=official))
            for case, url in (("handler's queue", "/requests/queue/"), ("district figures", "/requests/figures/")):
                median_ms, queries = _measure(client, url, args.repeat)
                results.append(
                    Result(scale, case, round(median_ms, 1), queries, PAGE_TARGET_MS, median_ms <= PAGE_TARGET_MS)
                )
            print(f"scale {scale:g}: sweeping", flush=True)
            began = time.perf_counter()
            moved = service_requests_escalate_overdue()
            seconds = time.perf_counter() - began
            results.append(
                Result(
                    scale,
                    f"escalation sweep ({moved} moved)",
                    round(seconds * 1000, 1),
                    0,
                    SWEEP_TARGET_S * 1000,
                    seconds <= SWEEP_TARGET_S,
                )
            )
        machine = report.machine()

    print(f"\n{'scale':>6}  {'case':<34} {'median ms':>10} {'queries':>8} {'target ms':>10}  result")
    for r in results:
        print(
            f"{r.scale:>6g}  {r.case:<34} {r.median_ms:>10.1f} {r.queries:>8} {r.target_ms:>10.0f}  "
            f"{'PASS' if r.passed else 'FAIL'}"
        )
    counts = {}
    for r in results:
        if r.queries:
            counts.setdefault(r.case, set()).add(r.queries)
    problems = [case for case, seen in counts.items() if len(seen) > 1]
    report.RESULTS_DIR.mkdir(exist_ok=True)
    path = report.RESULTS_DIR / f"requests-{vendor}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "machine": machine,
                "generated": generated,
                "results": [asdict(r) for r in results],
                "query_count_problems": problems,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {path}")
    print(
        "FAIL: query counts depend on the data size: " + ", ".join(problems)
        if problems
        else "query counts: the same at every scale"
    )
    return 1 if problems or not all(r.passed for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
