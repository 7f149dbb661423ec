"""python -m bench.supervision [--scales 0.01,1] [--repeat 20] [--warmup 2]

Issue 15's target for supervision at Kunshan's size: 60,000 enterprises, 50,000 inspection visits (with
their checklist results and about 10,000 findings in every state), 60,000 roster workers with training
sessions, and published notices: every list and every figures block under 150 ms of server time, with the
same number of queries at 1 % and at 100 % of the data.

Each scale starts from an empty throwaway database (bench/__main__.py's throwaway_database: SQLite by
default, DATABASE_URL for PostgreSQL). Enterprises and workers come from the existing generators
(bench/generate.py, bench/generate_passes.py); the supervision rows are written here with bulk_create,
reproducibly from the seed. The clock stands at 10:00 on 2020-03-09 (generate_workforce.AS_OF); visits
fall in the 30 days before it.

Cases, each a GET through the whole middleware stack: the first page of each list as a commander (the city)
and as staff of 张浦镇 (one district's share), the overdue findings commanders watch, and the figures blocks
the dashboards load, both cold (the cache emptied before each request: every figure computed in it) and
cached (as the minute refresh task, supervision.tasks.refresh_figures, leaves them: how pages are served). The
target is judged on every case. Results go to bench/results/supervision-<database>-<UTC time>.json.
"""

import argparse
import json
import logging
import os
import random
import warnings
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import django

from bench.dashboard import Result, Target, _measure, _result, _scales

FULL_ENTERPRISES = 60_000
FULL_VISITS = 50_000
FULL_WORKERS = 60_000
VISITS_PER_ROUND = 100
TARGET_MS = 150.0
TARGET_SCALE = 1.0
SEED = 2020
BATCH = 5000


def _positive(text: str) -> int:
    if int(text) < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return int(text)


def _args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.supervision", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=[0.01, 1.0],
        help="shares of 60,000 enterprises and 50,000 visits (default 0.01,1)",
    )
    parser.add_argument("--repeat", type=_positive, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=_positive, default=2, help="untimed requests per case")
    return parser.parse_args(argv)


@dataclass
class Generated:
    scale: float
    enterprises: int = 0
    workers: int = 0
    rounds: int = 0
    visits: int = 0
    results: int = 0
    findings: int = 0
    overdue: int = 0
    notices: int = 0
    training_sessions: int = 0
    attendance: int = 0


def supervision_clear() -> None:
    from supervision.models import (
        Checklist,
        Finding,
        InspectionRound,
        Notice,
        NoticeNumberCounter,
        TrainingSession,
    )

    Notice.objects.all().delete()
    NoticeNumberCounter.objects.all().delete()
    Finding.objects.all().delete()
    InspectionRound.objects.all().delete()
    Checklist.objects.all().delete()
    TrainingSession.objects.all().delete()


def generate_supervision(scale: float, *, planners: dict, commanders: list, seed: int = SEED) -> Generated:
    """Rounds of each district (a hundred visits each) and of the command, visits mostly recorded, their item
    results, findings in every state, notices naming units, and training sessions naming returnees."""
    from django.db import transaction

    from bench.generate_filings import _timestamps_as_given
    from bench.generate_workforce import AS_OF
    from core.dates import add_working_days
    from enterprises.models import Enterprise
    from passes.models import Worker
    from reference.models import Community, District
    from supervision.models import (
        Checklist,
        ChecklistItem,
        Failing,
        Finding,
        InspectionRound,
        InspectionVisit,
        Notice,
        NoticeSubject,
        TrainingAttendance,
        TrainingSession,
        VisitItemResult,
    )

    rng = random.Random(f"{seed}-supervision")
    out = Generated(scale=scale)
    n_visits = max(VISITS_PER_ROUND, round(FULL_VISITS * scale))
    enterprises: dict[int, list[int]] = {}
    for pk, district_id in Enterprise.objects.order_by("pk").values_list("pk", "district_id"):
        enterprises.setdefault(district_id, []).append(pk)
    communities: dict[int, list[int]] = {}
    for pk, district_id in Community.objects.order_by("pk").values_list("pk", "district_id"):
        communities.setdefault(district_id, []).append(pk)
    districts = [d for d in District.objects.order_by("sort_order", "code") if d.pk in enterprises]
    weights = [len(enterprises[d.pk]) for d in districts]
    first_day = AS_OF.date() - timedelta(days=30)
    with transaction.atomic(), _timestamps_as_given(Finding, Notice, TrainingSession):
        admin = commanders[0]
        checklist = Checklist.objects.create(
            title="督查清单",
            source_document="bench",
            effective_from=first_day,
            status=Checklist.Status.PUBLISHED,
            published_at=AS_OF,
            published_by=admin,
            created_by=admin,
        )
        items = ChecklistItem.objects.bulk_create(
            ChecklistItem(checklist=checklist, number=n, target_kind=kind, text=f"检查项 {n}", rectify_working_days=2)
            for n, kind in enumerate(("", "enterprise", "enterprise", "enterprise", "community"), start=1)
        )
        items_for = {kind: [i for i in items if i.target_kind in ("", kind)] for kind in ("enterprise", "community")}
        for start in range(0, n_visits, VISITS_PER_ROUND):
            district = rng.choices(districts, weights=weights)[0]
            command_round = rng.random() < 0.1
            kind = "community" if rng.random() < 0.1 and communities.get(district.pk) else "enterprise"
            starts_on = first_day + timedelta(days=rng.randrange(28))
            inspector = commanders[rng.randrange(len(commanders))] if command_round else planners[district.pk]
            inspection_round = InspectionRound.objects.create(
                title=f"专项督导 {start // VISITS_PER_ROUND + 1}",
                district=None if command_round else district,
                target_kind=kind,
                checklist=checklist,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=7),
                planned_by=inspector,
            )
            inspection_round.inspectors.add(inspector)
            out.rounds += 1
            pool = enterprises[district.pk] if kind == "enterprise" else communities[district.pk]
            visits = []
            for _ in range(min(VISITS_PER_ROUND, n_visits - start)):
                target = rng.choice(pool)
                done = rng.random() < 0.9
                visited_at = datetime.combine(starts_on, datetime.min.time(), tzinfo=AS_OF.tzinfo) + timedelta(
                    hours=rng.randrange(8, 18) + 24 * rng.randrange(3)
                )
                visits.append(
                    InspectionVisit(
                        round=inspection_round,
                        target_kind=kind,
                        district=district,
                        enterprise_id=target if kind == "enterprise" else None,
                        community_id=target if kind == "community" else None,
                        status="done" if done and visited_at < AS_OF else "planned",
                        visited_at=visited_at if done and visited_at < AS_OF else None,
                        inspector=inspector if done and visited_at < AS_OF else None,
                    )
                )
            visits = InspectionVisit.objects.bulk_create(visits, batch_size=BATCH)
            results, findings = [], []
            for visit in visits:
                if visit.status != "done":
                    continue
                for item in items_for[kind]:
                    passed = rng.random() > 0.06
                    results.append(
                        VisitItemResult(visit=visit, item=item, passed=passed, note="" if passed else "问题")
                    )
                    if not passed:
                        findings.append(_finding(rng, visit, item, add_working_days, AS_OF))
            VisitItemResult.objects.bulk_create(results, batch_size=BATCH)
            Finding.objects.bulk_create(findings, batch_size=BATCH)
            out.visits += len(visits)
            out.results += len(results)
            out.findings += len(findings)
            out.overdue += sum(1 for f in findings if f.status == "open" and f.deadline < AS_OF)
        for n in range(max(1, round(60 * scale))):
            published = AS_OF - timedelta(days=rng.randrange(1, 25))
            notice = Notice.objects.create(
                number=f"昆防指督通〔2020〕{n + 1}号",
                title=f"通报 {n + 1}",
                body="正文",
                status="published",
                drafted_by=commanders[0],
                approved_by=commanders[1],
                published_at=published,
                created_at=published,
                updated_at=published,
            )
            NoticeSubject.objects.bulk_create(
                NoticeSubject(
                    notice=notice,
                    failing=rng.choice(Failing.values),
                    district=rng.choice(districts),
                    unit_name=f"单位 {n}-{k}",
                    facts="事实",
                )
                for k in range(rng.randint(1, 3))
            )
            out.notices += 1
        out.training_sessions, out.attendance = _training(
            rng, Worker, TrainingSession, TrainingAttendance, first_day, AS_OF
        )
    return out


def _finding(rng, visit, item, add_working_days, as_of):
    from supervision.models import Finding

    deadline = add_working_days(visit.visited_at, item.rectify_working_days)
    roll = rng.random()
    finding = Finding(
        visit=visit,
        round_id=visit.round_id,
        item=item,
        description="问题",
        district_id=visit.district_id,
        enterprise_id=visit.enterprise_id,
        deadline=deadline,
        created_at=visit.visited_at,
    )
    if deadline < as_of and roll < 0.7:  # rectified, on time or late, and re-inspected
        finding.rectified_at = deadline - timedelta(hours=rng.randrange(-48, 30))
        finding.rectification = "已整改"
        finding.status, finding.closed_at = "closed", min(as_of, finding.rectified_at + timedelta(hours=20))
        finding.on_time = finding.rectified_at <= deadline
    elif roll < 0.8:
        finding.status, finding.rectified_at, finding.rectification = "reported", visit.visited_at, "已整改"
    elif deadline < as_of:
        finding.escalated_at = deadline + timedelta(hours=1)
    return finding


def _training(rng, Worker, TrainingSession, TrainingAttendance, first_day, as_of):
    """A session at a fifth of the enterprises that have workers, naming most of their returnees."""
    workers: dict[int, list[tuple[int, object]]] = {}
    for pk, enterprise_id, arrived_on in Worker.objects.order_by("pk").values_list("pk", "enterprise_id", "arrived_on"):
        workers.setdefault(enterprise_id, []).append((pk, arrived_on))
    chosen = [e for e in sorted(workers) if rng.random() < 0.2]
    recorder = _recorder()
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                enterprise_id=e,
                kind="pre_job",
                held_on=as_of.date() - timedelta(days=rng.randrange(10)),
                topic="岗前培训",
                trainer="安全员",
                attendee_count=len(workers[e]) + 5,
                recorded_by_id=recorder,
                created_at=as_of,
            )
            for e in chosen
        ],
        batch_size=BATCH,
    )
    attendance = [
        TrainingAttendance(session=s, worker_id=pk, held_on=s.held_on)
        for s in sessions
        for pk, _arrived in workers[s.enterprise_id]
        if rng.random() < 0.8
    ]
    TrainingAttendance.objects.bulk_create(attendance, batch_size=BATCH)
    return len(sessions), len(attendance)


def _recorder() -> int:
    from accounts.models import User

    return User.objects.order_by("pk").values_list("pk", flat=True).first()


def _cases(scale: float, *, commander, staff, repeat: int, warmup: int) -> list[Result]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    results = []
    lists = [
        ("visit list", reverse("supervision:visit_list")),
        ("finding list", reverse("supervision:finding_list")),
        ("overdue findings", reverse("supervision:finding_list") + "?overdue=on"),
        ("round list", reverse("supervision:round_list")),
        ("notice list", reverse("supervision:notice_list")),
        ("training list", reverse("supervision:training_list")),
    ]
    for viewer, user, block in (
        ("commander", commander, ("figures city", reverse("supervision:figures_city"))),
        (
            "district staff",
            staff,
            ("figures district", reverse("supervision:figures_district", args=[staff.district_id])),
        ),
    ):
        client = Client()
        client.force_login(user)
        for page, url in lists:
            samples, sql = _measure(client, url, lambda: None, repeat=repeat, warmup=warmup)
            results.append(_result(scale, page, viewer, "first page", url, samples, sql))
        page, url = block
        samples, sql = _measure(client, url, cache.clear, repeat=repeat, warmup=warmup)
        results.append(_result(scale, page, viewer, "cold", url, samples, sql))
        samples, sql = _measure(client, url, lambda: None, repeat=repeat, warmup=warmup)
        results.append(_result(scale, page, viewer, "cached", url, samples, sql))
    return results


def _targets(results: list[Result]) -> list[Target]:
    return [
        Target(f"{r.page} ({r.case}), {r.viewer} (median)", r.scale, r.median_ms, TARGET_MS, r.median_ms < TARGET_MS)
        for r in results
        if r.scale >= TARGET_SCALE
    ]


def _query_count_problems(results: list[Result]) -> list[str]:
    by_case: dict[tuple, dict] = {}
    for r in results:
        by_case.setdefault((r.page, r.viewer, r.case), {})[r.scale] = r.queries
    return [
        f"{page} / {viewer} / {case}: queries by scale {counts}"
        for (page, viewer, case), counts in by_case.items()
        if len(set(counts.values())) > 1
    ]


def _table(results, generated, targets, vendor) -> str:
    lines = [f"database: {vendor}"]
    for g in generated:
        lines.append(
            f"scale {g.scale:g}: {g.enterprises:,} enterprises, {g.workers:,} workers, {g.rounds:,} rounds, "
            f"{g.visits:,} visits, {g.results:,} item results, {g.findings:,} findings "
            f"({g.overdue:,} overdue), {g.notices:,} notices, {g.training_sessions:,} training sessions "
            f"naming {g.attendance:,} workers"
        )
    lines += [
        "",
        f"{'scale':>6}  {'page':<18} {'viewer':<15} {'case':<10} {'median ms':>9} {'p95 ms':>8} {'queries':>7}",
    ]
    lines += [
        f"{r.scale:>6g}  {r.page:<18} {r.viewer:<15} {r.case:<10} {r.median_ms:>9.1f} {r.p95_ms:>8.1f} {r.queries:>7}"
        for r in results
    ]
    lines += ["", "targets (issue 15, at the full size):"]
    lines += [
        f"  {'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured:,.1f} ms (target < {t.limit:g} ms)" for t in targets
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
    from bench import generate, generate_passes, generate_workforce, report
    from bench.__main__ import throwaway_database
    from bench.dashboard import _vacuum_analyze
    from enterprises.models import Enterprise
    from reference.models import District
    from reference.services import divisions_load, industries_load, reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = datetime.now(UTC)
    results: list[Result] = []
    generated: list[Generated] = []
    with throwaway_database():
        industries_load()
        divisions_load()
        reference_load()
        staff, commander = generate.bench_users_create()
        second = User.objects.create_user(username="bench_commander2", full_name="指挥部二", role=Role.COMMANDER)
        planners = {
            d.pk: staff
            if d.pk == staff.district_id
            else User.objects.create_user(username=f"bench_inspector_{d.code}", role=Role.DISTRICT_STAFF, district=d)
            for d in District.objects.all()
        }
        for scale in args.scales:
            print(f"scale {scale:g}: generating", flush=True)
            supervision_clear()
            generate_passes.passes_clear()
            Enterprise.objects.all().delete()
            enterprises = round(FULL_ENTERPRISES * scale)
            generate.generate_enterprises(enterprises)
            workers = generate_passes.generate_passes(round(FULL_WORKERS * scale), applied_by=staff)
            with time_machine.travel(generate_workforce.AS_OF, tick=False):
                out = generate_supervision(scale, planners=planners, commanders=[commander, second])
            out.enterprises, out.workers = enterprises, workers.passes
            generated.append(out)
            _vacuum_analyze(connection)
            print(f"scale {scale:g}: measuring", flush=True)
            with time_machine.travel(generate_workforce.AS_OF, tick=True):
                results += _cases(scale, commander=commander, staff=staff, repeat=args.repeat, warmup=args.warmup)
        machine = report.machine()
        vendor = connection.vendor

    targets = _targets(results)
    problems = _query_count_problems(results)
    print(_table(results, generated, targets, vendor))
    report.RESULTS_DIR.mkdir(exist_ok=True)
    path = report.RESULTS_DIR / f"supervision-{vendor}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "machine": machine,
                "settings": {"scales": args.scales, "repeat": args.repeat, "warmup": args.warmup},
                "clock": generate_workforce.AS_OF.isoformat(),
                "generated": [asdict(g) for g in generated],
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
