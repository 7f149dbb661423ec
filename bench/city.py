"""python -m bench.city [--scale 1.0] [--repeat 3] [--queue 5000] [--duration 20] ...

Issue 19's whole city in one run: the mission's design targets (60,000 enterprises, 1,000,000 workers on
the rosters, 400,000 passes, a week of checkpoint checks at 60,000 a day) in one throwaway database, and at
that size the three jobs that touch every pass or every check, each timed against a hand-written equivalent
doing the same work (the house convention: within 3x of it):

- the nightly pass expiry (passes.tasks.expire_return_passes -> return_passes_expire) on the night after the
  bench's last day, against one SQL statement (CTEs) that expires the same passes, writes their events,
  lifts their suspensions and tells their enterprises. Both run in a transaction that is rolled back, so
  each finds the same passes due; they alternate, and the median is compared;
- the revocation rebuild (passes.revocations.rebuild, the blocked passes into Redis) against one SELECT and
  one pipelined HSET + RENAME, checked to leave the same hash;
- the check-log flush (passes.checklog.flush, the Redis queue into PassCheck rows) of a queue as long as a
  flush finds at peak (1,000 checks a second, bench.verify's target, times the beat's 5 s), against LRANGE,
  one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING per batch and LTRIM.

Then gunicorn (the project's gunicorn.conf.py, DEBUG off, bench.verify's machinery) serves the city's
database, wrk presents 2,000 of its issued passes to /passes/verify/ (JSON, then as the phone page asks)
with a guard's session while the queue is flushed every 5 s, and the resident memory (VmRSS, and the peak
VmHWM) of each gunicorn worker is read from /proc after the load. The passes were signed for March 2020,
so the checks answer "expired": the same work as a valid pass (signature, revocation set, log).

The enterprises and the passes come from bench.generate and bench.generate_passes (one worker each); the
rest of the million workers from bench.retention's INSERT … SELECT over generate_series. Needs PostgreSQL
(DATABASE_URL), Redis (REDIS_URL) and wrk. Results go to bench/results/city-<UTC time>.json.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import django

TARGET_RATIO = 3.0  # the house convention: within 3x of a hand-written statement doing the same work
ENTERPRISES, WORKERS, PASSES, CHECKS_PER_DAY = 60_000, 1_000_000, 400_000, 60_000
PEAK_CHECKS_PER_S, FLUSH_EVERY_S = 1000, 5
HAND_BLOCKED_KEY = "bench:city:blocked"


@dataclass
class Comparison:
    job: str
    rows: int
    service_s: list[float] = field(default_factory=list)
    hand_s: list[float] = field(default_factory=list)
    ratio: float = 0.0
    passed: bool = False
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    note: str = ""

    def judge(self) -> "Comparison":
        service, hand = statistics.median(self.service_s), statistics.median(self.hand_s)
        self.ratio = service / hand if hand else float("inf")
        self.passed = self.ratio <= TARGET_RATIO
        self.load = os.getloadavg()
        return self


def _args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.city", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="share of the city built (1.0: the whole city)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each job and of its hand-written twin")
    parser.add_argument("--queue", type=int, default=PEAK_CHECKS_PER_S * FLUSH_EVERY_S, help="checks queued per flush")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run before memory is read")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    return parser.parse_args(argv)


# --- the city --------------------------------------------------------------------------------------


def _build(args) -> dict:
    from django.db import connection

    from bench import generate, generate_passes
    from bench.retention import workers_insert
    from enterprises.models import Enterprise
    from reference.models import District

    sizes = {
        "enterprises": round(ENTERPRISES * args.scale),
        "workers": round(WORKERS * args.scale),
        "passes": round(PASSES * args.scale),
        "checks_per_day": round(CHECKS_PER_DAY * args.scale),
    }
    seconds = {}
    staff, _commander = generate.bench_users_create()
    t = time.perf_counter()
    generate.generate_enterprises(sizes["enterprises"])
    seconds["enterprises"] = time.perf_counter() - t
    print(f"  {sizes['enterprises']:,} enterprises in {seconds['enterprises']:.1f} s", flush=True)
    t = time.perf_counter()
    generated = generate_passes.generate_passes(sizes["passes"], applied_by=staff)
    seconds["passes"] = time.perf_counter() - t
    print(f"  {generated.passes:,} passes (one worker each) in {seconds['passes']:.1f} s", flush=True)
    t = time.perf_counter()
    with connection.cursor() as cursor:
        workers_insert(
            cursor,
            sizes["workers"] - generated.workers,
            enterprise_ids=sorted(Enterprise.objects.values_list("pk", flat=True)),
            district_id=District.objects.get(code="zhangpu").pk,
            origin=generate_passes._origin().pk,
            leavers=False,
        )
    seconds["workers"] = time.perf_counter() - t
    print(f"  {sizes['workers'] - generated.workers:,} more workers in {seconds['workers']:.1f} s", flush=True)
    t = time.perf_counter()
    checks = generate_passes.generate_checks(sizes["checks_per_day"])
    seconds["checks"] = time.perf_counter() - t
    print(f"  {checks.checks:,} checks in {seconds['checks']:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have after an import like this
    counts = {}
    with connection.cursor() as cursor:
        for table in ("enterprises_enterprise", "passes_worker", "passes_returnpass", "passes_passcheck"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (the constant names above)
            counts[table] = cursor.fetchone()[0]
    return {"sizes": sizes, "build_seconds": seconds, "rows": counts, "passes_by_status": generated.by_status}


# --- (a) the nightly expiry ------------------------------------------------------------------------

EXPIRE_BY_HAND = """
WITH due AS (
    SELECT p.id, p.status, p.enterprise_id, p.number, w.name
    FROM passes_returnpass p JOIN passes_worker w ON w.id = p.worker_id
    WHERE p.status IN ('valid', 'suspended') AND p.valid_until < %(today)s
    ORDER BY p.id FOR UPDATE OF p
), expired AS (
    UPDATE passes_returnpass p SET status = 'expired', updated_at = now() FROM due WHERE p.id = due.id
), events AS (
    INSERT INTO passes_passevent (return_pass_id, actor_id, from_status, to_status, comment, at)
    SELECT id, NULL, status, 'expired', '', now() FROM due
), lifted AS (
    UPDATE passes_passsuspension s SET lifted_at = now()
    FROM due WHERE s.return_pass_id = due.id AND s.lifted_at IS NULL
), notices AS (
    INSERT INTO accounts_notification (user_id, title, body, url, created_at, read_at)
    SELECT u.id, count(*) || ' 张返岗员工通行证已过期',
        array_to_string((array_agg(due.number || ' ' || due.name ORDER BY due.id))[1:20], '、')
            || CASE WHEN count(*) > 20 THEN '…' ELSE '' END,
        %(url)s, now(), NULL
    FROM due JOIN accounts_user u ON u.enterprise_id = due.enterprise_id AND u.role = %(role)s AND u.is_active
    GROUP BY u.id
)
SELECT count(*) FROM due
"""


def _rolled_back(work) -> tuple[float, int]:
    """Time `work` in a transaction, then roll it back (and drop its on-commit hooks): the next run finds
    the same rows due."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        rows = work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, rows


def _expiry(args, night) -> Comparison:
    from django.db import connection
    from django.urls import reverse

    from accounts.models import Role
    from passes.services.return_passes import return_passes_expire

    today = night.date()

    def by_hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute(EXPIRE_BY_HAND, {"today": today, "url": reverse("passes:list"), "role": Role.ENTERPRISE})
            return cursor.fetchone()[0]

    out = Comparison("nightly pass expiry", 0, note=f"passes due on {today} (valid or suspended, last day before)")
    for _ in range(args.repeat):
        seconds, rows = _rolled_back(lambda: return_passes_expire(today=today))
        out.service_s.append(seconds)
        hand_seconds, hand_rows = _rolled_back(by_hand)
        out.hand_s.append(hand_seconds)
        if rows != hand_rows:
            raise SystemExit(f"the expiry changed {rows} passes, the hand-written statement {hand_rows}")
        out.rows = rows
    return out.judge()


# --- (b) the revocation rebuild --------------------------------------------------------------------


def _rebuild(args, night) -> Comparison:
    from django.db import connection

    from passes import revocations
    from passes.models import ReturnPass

    r = revocations.client()
    cutoff = night.date() - timedelta(days=1)

    def by_hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT number, status FROM passes_returnpass WHERE status = ANY(%s) AND valid_until >= %s",
                [list(ReturnPass.BLOCKED_STATUSES), cutoff],
            )
            mapping = dict(cursor.fetchall())
        pipe = r.pipeline()
        pipe.delete(HAND_BLOCKED_KEY + ":staging")
        if mapping:
            pipe.hset(HAND_BLOCKED_KEY + ":staging", mapping=mapping)
            pipe.rename(HAND_BLOCKED_KEY + ":staging", HAND_BLOCKED_KEY)
        pipe.execute()
        return len(mapping)

    out = Comparison("revocation rebuild", 0, note=f"blocked passes with a last day from {cutoff}, into Redis")
    for _ in range(args.repeat):
        started = time.perf_counter()
        rows = revocations.rebuild()
        out.service_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand_rows = by_hand()
        out.hand_s.append(time.perf_counter() - started)
        if rows is None or rows != hand_rows or r.hgetall(revocations.BLOCKED_KEY) != r.hgetall(HAND_BLOCKED_KEY):
            raise SystemExit(f"the rebuild copied {rows} passes, the hand-written one {hand_rows}, or other ones")
        out.rows = rows
    r.delete(HAND_BLOCKED_KEY)
    return out.judge()


# --- (c) the check-log flush -----------------------------------------------------------------------

FLUSH_BY_HAND = """
INSERT INTO passes_passcheck (check_id, checked_at, result, pass_number, community_id, checked_by_id, entrance_id)
SELECT c, to_timestamp(t), r, n, cm, cb, e
FROM unnest(%s::uuid[], %s::float8[], %s::text[], %s::text[], %s::int[], %s::int[], %s::int[])
    AS u(c, t, r, n, cm, cb, e)
ON CONFLICT DO NOTHING
"""


def _queue_fill(r, n: int, numbers: list[str], communities: list[int], guard_id: int) -> None:
    """n checks queued as checklog.record_unless_blocked queues them (untimed)."""
    from passes.checklog import QUEUE_KEY

    now = time.time()
    pipe = r.pipeline(transaction=False)
    for start in range(0, n, 1000):
        pipe.rpush(
            QUEUE_KEY,
            *(
                json.dumps(
                    [
                        uuid.uuid4().hex,
                        now - i / 1000,
                        "valid",
                        numbers[i % len(numbers)],
                        communities[i % len(communities)],
                        guard_id,
                        None,
                    ]
                )
                for i in range(start, min(n, start + 1000))
            ),
        )
    pipe.execute()


def _flush_by_hand(r, batch_size: int = 5000) -> int:
    from django.db import connection

    from passes.checklog import QUEUE_KEY

    moved = 0
    while raw := r.lrange(QUEUE_KEY, 0, batch_size - 1):
        columns = list(zip(*(json.loads(item) for item in raw), strict=True))
        with connection.cursor() as cursor:
            cursor.execute(FLUSH_BY_HAND, [list(column) for column in columns])
        r.ltrim(QUEUE_KEY, len(raw), -1)
        moved += len(raw)
        if len(raw) < batch_size:
            break
    return moved


def _flush(args, guard) -> Comparison:
    from passes import checklog, revocations
    from passes.models import PassCheck, ReturnPass
    from reference.models import Community

    r = revocations.client()
    numbers = list(ReturnPass.objects.exclude(token="").values_list("number", flat=True)[:5000])
    communities = list(Community.objects.values_list("pk", flat=True))
    out = Comparison("check-log flush", args.queue, note=f"{args.queue:,} queued checks into PassCheck")
    for _ in range(args.repeat):
        for timings, flush in ((out.service_s, checklog.flush), (out.hand_s, lambda: _flush_by_hand(r))):
            before = PassCheck.objects.count()
            _queue_fill(r, args.queue, numbers, communities, guard.pk)
            started = time.perf_counter()
            moved = flush()
            timings.append(time.perf_counter() - started)
            if moved != args.queue or PassCheck.objects.count() - before != args.queue or checklog.pending():
                raise SystemExit(f"a flush moved {moved} of {args.queue} queued checks")
    return out.judge()


# --- (d) gunicorn's memory after the load ----------------------------------------------------------


def _memory_of(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) // 1024  # kB -> MiB
    return fields


def _workers_memory(master: int) -> dict[int, dict[str, int]]:
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return {pid: _memory_of(pid) for pid in sorted(children)}


def _load_and_memory(args, guard) -> dict:
    from django.db import connection

    from bench import verify
    from passes.models import ReturnPass

    ns = argparse.Namespace(
        workers=args.workers or verify.GUNICORN_CONF["workers"],
        worker_class=verify.GUNICORN_CONF["worker_class"],
        threads=2,
        connections=args.connections,
        wrk_threads=args.wrk_threads,
    )
    tokens = list(ReturnPass.objects.exclude(token="").order_by("?").values_list("token", flat=True)[:2000])
    cookie = verify._session_cookie(guard)
    port = verify._free_port()
    base = f"http://127.0.0.1:{port}"
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        tokens_file = Path(tmp) / "tokens.txt"
        tokens_file.write_text("\n".join(tokens) + "\n", encoding="ascii")
        server = verify._gunicorn(ns, port, connection.settings_dict["NAME"])
        try:
            verify._wait_until_up(base, server)
            before = _workers_memory(server.pid)
            flusher = verify._Flusher()
            flusher.start()
            try:
                for name, mode in (("json", "json"), ("htmx", "htmx")):
                    run = verify.WrkRun(name, "/passes/verify/", mode)
                    runs.append(verify._wrk(ns, base, str(tokens_file), cookie, run, args.duration, server.pid))
            finally:
                flusher.stopping.set()
                flusher.join()
            if flusher.error:
                raise flusher.error
            after = _workers_memory(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "gunicorn": f"{ns.workers} x {ns.worker_class}",
        "runs": [{k: v for k, v in asdict(run).items() if k != "output"} for run in runs],
        "rss_mib_before": {str(pid): m.get("VmRSS") for pid, m in before.items()},
        "rss_mib_after": {str(pid): m.get("VmRSS") for pid, m in after.items()},
        "peak_rss_mib_after": {str(pid): m.get("VmHWM") for pid, m in after.items()},
    }


# --- the run ---------------------------------------------------------------------------------------


def _print(built: dict, comparisons: list[Comparison], memory: dict) -> None:
    print(f"\nthe city: {built['rows']}")
    print(f"\n{'job':<22} {'rows':>8} {'service s':>10} {'by hand s':>10} {'ratio':>7}  target   load 1 min")
    for c in comparisons:
        print(
            f"{c.job:<22} {c.rows:>8,} {statistics.median(c.service_s):>10.3f} {statistics.median(c.hand_s):>10.3f}"
            f" {c.ratio:>6.2f}x  <= {TARGET_RATIO:.0f}x {'PASS' if c.passed else 'FAIL'}  {c.load[0]:.2f}"
        )
    print(f"\ngunicorn ({memory['gunicorn']}) under wrk:")
    for run in memory["runs"]:
        print(f"  {run['name']:<5} {run['requests']:>8,} requests  {run['rps']:>7,.0f}/s  p99 {run['p99_ms']:.1f} ms")
    print("  worker  RSS before  RSS after  peak RSS (MiB)")
    for pid, rss in memory["rss_mib_after"].items():
        print(
            f"  {pid:>6}  {memory['rss_mib_before'].get(pid, '-')!s:>10}  {rss!s:>9}"
            f"  {memory['peak_rss_mib_after'][pid]!s:>8}"
        )


def main(argv=None) -> int:
    args = _args(argv)
    from bench import verify

    verify._production_environment()  # PostgreSQL, Redis, wrk; DEBUG off; keys shared with gunicorn
    django.setup()
    import time_machine

    from accounts.models import Role, User
    from bench.__main__ import throwaway_database
    from bench.generate_filings import KUNSHAN
    from bench.generate_workforce import LAST_DAY
    from bench.report import machine
    from passes import revocations
    from reference.models import Community
    from reference.services import industries_load, reference_load

    started = datetime.now(UTC)
    # The night after the bench's last day, when the beat runs the expiry.
    night = datetime.combine(LAST_DAY + timedelta(days=1), clock(0, 30), tzinfo=KUNSHAN)
    with throwaway_database():
        r = revocations.client()
        for key in r.scan_iter("passes:*"):  # a previous run's copy and queue belong to a dropped database
            r.delete(key)
        industries_load()
        reference_load()
        print(f"building the city at scale {args.scale} …", flush=True)
        built = _build(args)
        guard = User.objects.create_user(
            username="bench_city_guard",
            full_name="卡口核验",
            role=Role.CHECKPOINT_STAFF,
            community=Community.objects.order_by("code").first(),
        )
        with time_machine.travel(night, tick=True):
            comparisons = [_expiry(args, night), _rebuild(args, night)]
        comparisons.append(_flush(args, guard))
        print("load test and gunicorn's memory …", flush=True)
        memory = _load_and_memory(args, guard)
        info = machine()
    _print(built, comparisons, memory)
    results_dir = Path(__file__).resolve().parent / "results"
    results_dir.mkdir(exist_ok=True)
    path = results_dir / f"city-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "machine": info,
                "settings": vars(args),
                **built,
                "target_ratio": TARGET_RATIO,
                "jobs": [asdict(c) for c in comparisons],
                "gunicorn_memory": memory,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )
    print(f"\nresults: {path.relative_to(path.parents[2])}")
    failed = [c.job for c in comparisons if not c.passed]
    print(f"targets missed: {', '.join(failed)}" if failed else f"targets: all {len(comparisons)} PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
