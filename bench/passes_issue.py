"""python -m bench.passes_issue [--passes 1000] [--rounds 3]

Issue 5's target: issuing 1,000 return passes in one batch takes under 5 s. Each round builds an
enterprise of 张浦镇 with --passes workers living in 开发区 (eligible today: low-risk origin, in
Kunshan, a normal temperature an hour ago), applies for all of them in one batch, then times
`return_pass_issue` of the whole batch by one reviewer of 张浦镇: locking, the clause-7 check per
worker, one ES256 signature per pass, the bulk update, the events and the notice. The target is
judged on the slowest round. Runs in a throwaway database (SQLite by default; DATABASE_URL for
PostgreSQL) and writes bench/results/passes_issue-<UTC time>.json.
"""

import argparse
import json
import logging
import os
import statistics
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

import django

TARGET_S = 5.0


@dataclass
class IssueRound:
    round: int
    passes: int
    apply_seconds: float
    issue_seconds: float
    issued: int
    skipped: int
    queries: int
    events: int
    notifications: int
    sql_first: list[str] = field(default_factory=list)


class _QueryLog:
    """Counts statements without the debug cursor, which would slow what is timed."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def _args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.passes_issue", description=__doc__)
    parser.add_argument("--passes", type=int, default=1000, help="passes in the batch (the target is for 1,000)")
    parser.add_argument("--rounds", type=int, default=3, help="batches issued, each built afresh")
    return parser.parse_args(argv)


def _round(index: int, size: int, *, staff, origin, kfq) -> IssueRound:
    from django.db import connection
    from django.utils import timezone
    from stdnum.cn import ric

    from accounts.models import Notification, Role, User
    from enterprises.models import Enterprise
    from passes.models import PassEvent, ReturnPass, Worker
    from passes.personal_data import id_number_fields
    from passes.services.return_passes import return_pass_apply, return_pass_issue
    from reference.models import Industry

    enterprise = Enterprise.objects.create(
        credit_code=_credit_code(index),
        name=f"昆山基准{index}号精密机械有限公司",
        district=staff.district,
        industry=Industry.objects.get(code="3670"),
        address="昆山市张浦镇测试路1号",
        legal_representative="张三",
        contact_name="李四",
        contact_mobile="13912345678",
        headcount=size,
        status=Enterprise.Status.ACTIVE,
    )
    applicant = User.objects.create_user(
        username=f"bench-enterprise-{index}",
        password=None,
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        full_name="基准企业用户",
    )
    now = timezone.now()
    community = kfq.communities.first()
    workers = []
    for serial in range(size):
        birth = date(1980, 1, 1) + timedelta(days=serial // 900 + index * 10)
        body = f"320583{birth:%Y%m%d}{serial % 900:03d}"
        number = body + ric.calc_check_digit(body)
        workers.append(
            Worker(
                enterprise=enterprise,
                name=f"员工{serial:04d}",
                mobile="13812345678",
                origin=origin,
                arrived_on=timezone.localdate() - timedelta(days=3),
                quarantine_status=Worker.Quarantine.HOME,
                temperature="36.5",
                temperature_taken_at=now - timedelta(hours=1),
                residence_district=kfq,
                residence_community=community,
                residence_address="昆山市前进路100号",
                housing_331_compliant=True,
                **id_number_fields(number),
            )
        )
    Worker.objects.bulk_create(workers, batch_size=1000)
    start = time.perf_counter()
    batch = return_pass_apply(enterprise=enterprise, workers=workers, applied_by=applicant)
    apply_seconds = time.perf_counter() - start
    ids = list(batch.passes.values_list("pk", flat=True))
    _analyze(connection)
    log = _QueryLog()
    notices = Notification.objects.count()
    with connection.execute_wrapper(log):
        start = time.perf_counter()
        result = return_pass_issue(pass_ids=ids, issued_by=staff)
        issue_seconds = time.perf_counter() - start
    events = PassEvent.objects.filter(return_pass__batch=batch, to_status=ReturnPass.Status.VALID).count()
    valid = ReturnPass.objects.filter(batch=batch, status=ReturnPass.Status.VALID).exclude(token="").count()
    if valid != len(result.done):
        raise SystemExit(f"round {index}: {len(result.done)} reported issued but {valid} valid in the database")
    return IssueRound(
        round=index,
        passes=len(ids),
        apply_seconds=round(apply_seconds, 3),
        issue_seconds=round(issue_seconds, 3),
        issued=len(result.done),
        skipped=len(result.skipped),
        queries=len(log.sql),
        events=events,
        notifications=Notification.objects.count() - notices,
        sql_first=[s[:200] for s in log.sql[:8]],
    )


def _credit_code(index: int) -> str:
    from stdnum.cn import uscc

    body = f"91320583P{index:08d}"
    return body + uscc.calc_check_digit(body)


def _analyze(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(argv=None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from accounts.models import Role, User
    from bench.__main__ import throwaway_database
    from bench.report import RESULTS_DIR, machine
    from reference.models import District, Division
    from reference.services import industries_load, reference_load

    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)  # production runs with DEBUG off
    started = datetime.now(UTC)
    rounds: list[IssueRound] = []
    with throwaway_database():
        industries_load()
        reference_load()
        zhangpu, kfq = District.objects.get(code="zhangpu"), District.objects.get(code="kfq")
        staff = User.objects.create_user(
            username="bench-zhangpu-passes",
            password=None,
            role=Role.DISTRICT_STAFF,
            district=zhangpu,
            full_name="张浦镇审核员",
        )
        province = Division.objects.create(code="510000", name="四川省", full_name="四川省", level="province")
        city = Division.objects.create(
            code="511600", name="广安市", full_name="四川省广安市", level="city", parent=province
        )
        origin = Division.objects.create(
            code="511602", name="广安区", full_name="四川省广安市广安区", level="county", parent=city
        )
        for index in range(1, args.rounds + 1):
            rounds.append(_round(index, args.passes, staff=staff, origin=origin, kfq=kfq))
        host = machine()

    slowest = max(r.issue_seconds for r in rounds)
    passed = slowest < TARGET_S and all(r.issued == r.passes and r.events == r.passes for r in rounds)
    print(f"issuing {args.passes:,} return passes in one batch ({host['db_vendor']} {host['db_version']})")
    print(
        f"{'round':>5} {'passes':>6} {'apply s':>8} {'issue s':>8} {'ms/pass':>8} {'issued':>6} {'skipped':>7}"
        f" {'queries':>7} {'events':>6} {'notices':>7}"
    )
    for r in rounds:
        print(
            f"{r.round:>5} {r.passes:>6,} {r.apply_seconds:>8.3f} {r.issue_seconds:>8.3f}"
            f" {1000 * r.issue_seconds / max(1, r.passes):>8.2f} {r.issued:>6,} {r.skipped:>7} {r.queries:>7}"
            f" {r.events:>6,} {r.notifications:>7}"
        )
    median = statistics.median(r.issue_seconds for r in rounds)
    verdict = "PASS" if passed else "FAIL"
    print(
        f"target: issue {args.passes:,} in one batch < {TARGET_S} s (slowest round): {slowest:.3f} s"
        f" (median {median:.3f} s)  {verdict}"
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "bench": "passes_issue",
        "issue": 5,
        "started_at": started.isoformat(),
        "machine": host,
        "settings": {"passes": args.passes, "rounds": args.rounds},
        "rounds": [asdict(r) for r in rounds],
        "target": {
            "what": f"issue {args.passes} passes in one batch (slowest round)",
            "measured": slowest,
            "median": median,
            "limit": TARGET_S,
            "unit": "s",
            "passed": passed,
        },
    }
    path = RESULTS_DIR / f"passes_issue-{connection.vendor}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"results: {path.relative_to(path.parents[2])}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
