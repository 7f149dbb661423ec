"""python -m bench.verify [--passes 2000] [--revoked 200] [--duration 30] [--connections 16] ...

Checkpoint verification at peak load, as issue 5 asks: through gunicorn on this machine, at least
1,000 checks a second sustained for 30 s, p99 under 50 ms, every check logged, and at least half the
rate of a no-op view served by the same server in the same run.

It needs PostgreSQL and Redis, as production runs:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kunshan_verify REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python -m bench.verify

In a throwaway database (bench_<name>, dropped afterwards) it issues N passes through the services, revokes
some, signs in a checkpoint guard, and starts gunicorn (DEBUG off, the portal's settings with the bench's
URLconf, which adds the no-op view) on a free local port. Debian's wrk then presents the passes in turn
with the guard's session cookie (bench/verify.lua), first to the no-op view, then to /passes/verify/<token>
twice: as JSON (Accept: application/json, a verifier app) and as the phone page asks (htmx's headers,
HX-Request, answered with the result box and nothing of the menu). Both are reported, and each must meet the
targets. While wrk runs, the check queue is flushed every 5 s as the Celery beat job does; at the end every
request wrk completed must be a PassCheck row. Results go to bench/results/.

Gunicorn runs as production does, with the project's gunicorn.conf.py (sync workers, two per core):
wrk keeps its connections alive and a sync worker closes each after its answer, as the reverse proxy's
connections to gunicorn are. `--worker-class gthread` (with `--threads`) is there to compare: its workers
keep their connections, and wrk's 16 land unevenly on them (14 of 16 on one of three workers was seen).
"""

import argparse
import contextlib
import json
import os
import random
import re
import resource
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "verify.lua"
GUNICORN_CONF_PATH = BENCH_DIR.parent / "gunicorn.conf.py"
GUNICORN_CONF = runpy.run_path(str(GUNICORN_CONF_PATH))
WRK = "/usr/bin/wrk"

# Issue 5's targets.
TARGET_RPS = 1000.0
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.5
FLUSH_EVERY_S = 5.0  # as the beat schedule does (CELERY_BEAT_SCHEDULE["passes-flush-checks"])


@dataclass
class WrkRun:
    name: str
    path_prefix: str
    mode: str = "json"  # the headers wrk sends: "json" (Accept: application/json) or "htmx" (the phone page's)
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu_ms_per_request: float = 0.0  # gunicorn's processes only, whatever else runs on the machine
    wrk_cpu_ms_per_request: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    output: str = ""


@dataclass
class Target:
    what: str
    measured: float
    target: str
    passed: bool


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.verify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=2000, help="passes issued, whose tokens wrk rotates through")
    parser.add_argument("--revoked", type=int, default=200, help="how many of them are revoked")
    parser.add_argument("--duration", type=int, default=30, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of untimed load before measuring")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (phones asking at once)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=GUNICORN_CONF["workers"], help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=GUNICORN_CONF["worker_class"], choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread only)")
    return parser.parse_args(argv)


def _production_environment() -> None:
    """Production runs with DEBUG off and its own keys; the bench makes throwaway ones when none are set.
    Set before Django reads its settings, so this process and gunicorn share them."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        raise SystemExit(
            "bench.verify needs PostgreSQL and Redis, e.g.\n  DATABASE_URL=postgres://postgres@127.0.0.1"
            ":5432/kunshan_verify REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.verify"
        )
    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} not found: apt-get install wrk")
    from cryptography.fernet import Fernet

    from passes.signing import new_private_key_text  # reads settings only when called

    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.verify_settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ID_NUMBER_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("ID_NUMBER_HMAC_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("PASS_SIGNING_KEY", new_private_key_text())
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # plain HTTP on 127.0.0.1; TLS ends at the reverse proxy
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


# --- data ------------------------------------------------------------------------------------------


def _generate(*, passes: int, revoked: int, seed: int = 2020) -> tuple[list[str], object, dict[str, int]]:
    """N passes issued through the services (applied by the enterprise, issued by its district), some
    revoked; returns the tokens in a shuffled order, the checkpoint guard, and the count per status."""
    from django.db.models import Count
    from django.utils import timezone
    from stdnum.cn import ric

    from accounts.models import Role, User
    from bench.generate import credit_code
    from enterprises.models import Enterprise
    from passes.models import ReturnPass, Worker
    from passes.personal_data import id_number_fields
    from passes.services.return_passes import return_pass_apply, return_pass_issue, return_pass_revoke
    from reference.models import Community, District, Division, Industry

    zhangpu, kfq = District.objects.get(code="zhangpu"), District.objects.get(code="kfq")
    enterprise = Enterprise.objects.create(
        credit_code=credit_code(5_000_000),
        name="昆山核验基准电子有限公司",
        district=zhangpu,
        industry=Industry.objects.filter(level=Industry.Level.CLASS).order_by("code").first(),
        address="江苏省昆山市张浦镇前进路1号",
        legal_representative="王伟",
        contact_name="李娜",
        contact_mobile="13800000000",
        headcount=passes,
        status=Enterprise.Status.ACTIVE,
    )
    owner = User.objects.create_user(
        username="bench_verify_owner", full_name="企业经办", role=Role.ENTERPRISE, enterprise=enterprise
    )
    issuer = User.objects.create_user(
        username="bench_verify_issuer", full_name="张浦属地", role=Role.DISTRICT_STAFF, district=zhangpu
    )
    guard = User.objects.create_user(
        username="bench_verify_guard",
        full_name="卡口核验",
        role=Role.CHECKPOINT_STAFF,
        community=Community.objects.get(code="zhangpu-demo-1"),
    )
    province, _created = Division.objects.get_or_create(
        code="510000", defaults={"name": "四川省", "full_name": "四川省", "level": "province"}
    )
    city, _created = Division.objects.get_or_create(
        code="511600", defaults={"name": "广安市", "full_name": "四川省广安市", "level": "city", "parent": province}
    )
    origin, _created = Division.objects.get_or_create(
        code="511602", defaults={"name": "广安区", "full_name": "四川省广安市广安区", "level": "county", "parent": city}
    )
    communities = list(kfq.communities.order_by("code"))
    now, today = timezone.now(), timezone.localdate()
    workers = []
    for i in range(passes):
        body = f"320583{19700101 + (i // 1000) * 100:08d}{i % 1000:03d}"  # born 1970-01-01, -02-01, ...
        workers.append(
            Worker(
                enterprise=enterprise,
                name=f"基准员工{i:05d}",
                **id_number_fields(body + ric.calc_check_digit(body)),
                mobile="13812345678",
                origin=origin,
                arrived_on=today - timedelta(days=3),
                quarantine_status=Worker.Quarantine.HOME,
                quarantine_started_on=today - timedelta(days=3),
                temperature="36.5",
                temperature_taken_at=now - timedelta(hours=1),
                residence_district=kfq,
                residence_community=communities[i % len(communities)],
                residence_address="昆山市前进路100号",
                housing_331_compliant=True,
                job="操作工",
            )
        )
    Worker.objects.bulk_create(workers, batch_size=1000)
    batch = return_pass_apply(
        enterprise=enterprise, workers=list(Worker.objects.filter(enterprise=enterprise)), applied_by=owner
    )
    result = return_pass_issue(pass_ids=list(batch.passes.values_list("pk", flat=True)), issued_by=issuer)
    if result.skipped:
        raise SystemExit(f"{len(result.skipped)} passes not issued: {result.skipped[0][1]}")
    for return_pass in batch.passes.order_by("pk")[:revoked]:
        return_pass_revoke(return_pass=return_pass, revoked_by=issuer, reason="基准测试: 吊销")
    tokens = list(ReturnPass.objects.filter(batch=batch).values_list("token", flat=True))
    random.Random(seed).shuffle(tokens)
    counts = dict(ReturnPass.objects.filter(batch=batch).values_list("status").annotate(n=Count("pk")))
    return tokens, guard, counts


def _session_cookie(user) -> str:
    """The guard signed in, as the login page would leave them: the session in the configured store."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- the server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(args: argparse.Namespace, port: int, database_name: str) -> subprocess.Popen:
    env = dict(os.environ)
    url = os.environ["DATABASE_URL"]
    env["DATABASE_URL"] = url[: url.rfind("/") + 1] + database_name
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--config",
        str(GUNICORN_CONF_PATH),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--log-level",
        "warning",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    return subprocess.Popen(command, env=env, cwd=BENCH_DIR.parent)


HTMX_HEADERS = {"Accept": "*/*", "HX-Request": "true", "HX-Target": "check-result"}


def _get(url: str, cookie: str = "", accept: str = "application/json", **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept, "Cookie": cookie, **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own local server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if _get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def _sanity_check(base: str, cookie: str, valid_token: str, revoked_token: str) -> None:
    """Before timing anything: the server answers the guard with details, and a revoked pass is REVOKED."""
    for token, expected in ((valid_token, "valid"), (revoked_token, "revoked"), ("garbage", "invalid")):
        status, body = _get(f"{base}/passes/verify/{token}", cookie)
        data = json.loads(body)
        if status != 200 or data.get("status") != expected or "number" not in data:
            raise SystemExit(f"verify answered {status} {data!r}, expected {expected} with the guard's details")
        status, body = _get(f"{base}/passes/verify/{token}", cookie, **HTMX_HEADERS)
        html = body.decode()
        if status != 200 or f'data-status="{expected}"' not in html or "<html" in html or "nav-main" in html:
            raise SystemExit(f"verify through htmx answered {status} {html[:300]!r}, expected the {expected} box only")
    if _get(f"{base}/bench/noop/x", cookie)[0] != 200:
        raise SystemExit("the no-op view did not answer 200")


# --- load ------------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers), from /proc."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    ticks = 0
    for p in pids:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _wrk(
    args: argparse.Namespace, base: str, tokens_file: str, cookie: str, run: WrkRun, seconds: int, server_pid: int
) -> WrkRun:
    command = [
        WRK,
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(LUA_SCRIPT),
        base,
        "--",
        tokens_file,
        cookie,
        run.path_prefix,
        run.mode,
    ]
    run.load_before = os.getloadavg()
    server_before, children_before = _cpu_seconds(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    server_after, children_after = _cpu_seconds(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    run.load_after = os.getloadavg()
    run.output = completed.stdout
    match = re.search(r"^WRK_JSON (\{.*\})$", completed.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    summary = json.loads(match.group(1))
    run.requests = summary["requests"]
    run.seconds = summary["duration_us"] / 1e6
    run.rps = run.requests / run.seconds
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    run.server_cpu_ms_per_request = (server_after - server_before) * 1000 / max(1, run.requests)
    run.wrk_cpu_ms_per_request = wrk_cpu * 1000 / max(1, run.requests)
    run.p50_ms, run.p90_ms = summary["p50_us"] / 1000, summary["p90_us"] / 1000
    run.p99_ms, run.max_ms = summary["p99_us"] / 1000, summary["max_us"] / 1000
    run.errors = {
        key: summary[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", completed.stdout)
    run.errors["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return run


class _Flusher(threading.Thread):
    """Moves the check queue into PassCheck every few seconds while wrk runs, as the beat job would."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.moved = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        from passes import checklog

        try:
            while not self.stopping.wait(FLUSH_EVERY_S):
                self.moved += checklog.flush()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc
        finally:
            connection.close()


def _targets(verifies: list[WrkRun], noop: WrkRun, logged: int, duration: int, connections: int) -> list[Target]:
    targets = []
    for verify in verifies:
        ratio = verify.rps / noop.rps if noop.rps else 0.0
        errors = sum(verify.errors.values())
        targets += [
            Target(
                f"{verify.name} requests/s",
                round(verify.rps, 1),
                f">= {TARGET_RPS:.0f} for {duration} s",
                verify.rps >= TARGET_RPS and duration >= 30,
            ),
            Target(
                f"{verify.name} p99 ms",
                round(verify.p99_ms, 2),
                f"< {TARGET_P99_MS:.0f}",
                verify.p99_ms < TARGET_P99_MS,
            ),
            Target(f"{verify.name} / no-op rate", round(ratio, 3), f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
            Target(f"{verify.name} errors and non-2xx", errors, "0", errors == 0),
        ]
    # Requests in flight when wrk stopped were answered and logged, but not counted by wrk (once per run).
    completed = sum(v.requests for v in verifies)
    in_flight = connections * len(verifies)
    targets.append(
        Target(
            "checks logged - requests completed",
            logged - completed,
            f"0 .. {in_flight} (in flight when wrk stopped)",
            0 <= logged - completed <= in_flight,
        )
    )
    return targets


def _print(runs: list[WrkRun], targets: list[Target], extra: dict) -> None:
    print(
        f"\n{'run':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'server CPU ms/req':>18} {'wrk CPU ms/req':>15}  load 1 min before/after"
    )
    for run in runs:
        print(
            f"{run.name:<8} {run.requests:>9,} {run.rps:>8,.0f} {run.p50_ms:>7.2f} {run.p90_ms:>7.2f} "
            f"{run.p99_ms:>7.2f} {run.max_ms:>7.1f} {run.server_cpu_ms_per_request:>18.3f} "
            f"{run.wrk_cpu_ms_per_request:>15.3f}  {run.load_before[0]:.2f} / {run.load_after[0]:.2f}"
        )
    for key, value in extra.items():
        print(f"{key}: {value}")
    print()
    for t in targets:
        print(f"{'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured} (target {t.target})")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    _production_environment()
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from bench.__main__ import throwaway_database
    from bench.report import machine
    from passes import checklog, revocations
    from passes.models import PassCheck
    from reference.services import industries_load, reference_load

    started = datetime.now(UTC)
    runs: list[WrkRun] = []
    with throwaway_database(), tempfile.TemporaryDirectory() as tmp:
        industries_load()
        reference_load()
        t0 = time.perf_counter()
        tokens, guard, statuses = _generate(passes=args.passes, revoked=args.revoked)
        generated_s = time.perf_counter() - t0
        cookie = _session_cookie(guard)
        redis = revocations.client()
        for key in redis.scan_iter("passes:*"):  # a previous run's queue would belong to a dropped database
            redis.delete(key)
        revocations.rebuild()
        tokens_file = Path(tmp) / "tokens.txt"
        tokens_file.write_text("\n".join(tokens) + "\n", encoding="ascii")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _gunicorn(args, port, connection.settings_dict["NAME"])
        try:
            _wait_until_up(base, server)
            valid_token = next(t for t in tokens if revocations.blocked_status(_number(t)) is None)
            revoked_token = next(t for t in tokens if revocations.blocked_status(_number(t)) == "revoked")
            _sanity_check(base, cookie, valid_token, revoked_token)
            # Warm-up: every worker's imports, templates, connections and code paths, then an empty queue.
            for prefix, mode in (("/bench/noop/", "json"), ("/passes/verify/", "json"), ("/passes/verify/", "htmx")):
                _wrk(args, base, str(tokens_file), cookie, WrkRun("warmup", prefix, mode), args.warmup, server.pid)
            time.sleep(1)  # the warm-up's last answers, logged before the count starts
            checklog.flush()
            runs.append(
                _wrk(args, base, str(tokens_file), cookie, WrkRun("no-op", "/bench/noop/"), args.duration, server.pid)
            )
            before = PassCheck.objects.count()
            flusher = _Flusher()
            flusher.start()
            for name, mode in (("json", "json"), ("htmx", "htmx")):
                run = WrkRun(name, "/passes/verify/", mode)
                runs.append(_wrk(args, base, str(tokens_file), cookie, run, args.duration, server.pid))
            flusher.stopping.set()
            flusher.join()
            if flusher.error:
                raise flusher.error
            time.sleep(0.5)  # the last in-flight answers
            checklog.flush()
            logged = PassCheck.objects.count() - before
            by_result = dict(PassCheck.objects.values_list("result").annotate(n=Count("pk")))
            by_guard = PassCheck.objects.filter(checked_by=guard, community=guard.community).count()
        finally:
            server.terminate()
            server.wait(timeout=30)
        info = machine()
    noop, verifies = runs[0], runs[1:]
    targets = _targets(verifies, noop, logged, args.duration, args.connections)
    extra = {
        "passes": f"{args.passes:,} issued in the setup ({generated_s:.1f} s), statuses {statuses}",
        "gunicorn": f"{args.workers} × {args.worker_class}"
        + (f", {args.threads} threads" if args.worker_class == "gthread" else ""),
        "wrk": f"{args.wrk_threads} thread(s), {args.connections} connections, {args.duration} s, keep-alive",
        "verify / no-op": ", ".join(f"{v.name} {v.rps / noop.rps:.3f}" for v in verifies) if noop.rps else "-",
        "checks logged": f"{logged:,} for {sum(v.requests for v in verifies):,} completed requests "
        f"(json and htmx; flushed during the runs: "
        f"{flusher.moved:,}); by result over the whole run incl. warm-up {by_result}; "
        f"by the guard at their checkpoint: {by_guard:,}",
        "session engine": settings.SESSION_ENGINE,
        "cpu count": os.cpu_count(),
    }
    _print(runs, targets, extra)
    path = _write(
        {
            "started_at": started.isoformat(),
            "machine": info,
            "settings": dict(vars(args)),
            "session_engine": settings.SESSION_ENGINE,
            "runs": [{k: v for k, v in asdict(r).items() if k != "output"} for r in runs],
            "wrk_output": {r.name: r.output for r in runs},
            "checks_logged": logged,
            "checks_by_result": by_result,
            "passes_by_status": statuses,
            "targets": [asdict(t) for t in targets],
        }
    )
    print(f"\nresults: {path.relative_to(BENCH_DIR.parent)}")
    failed = [t for t in targets if not t.passed]
    print(f"targets: {len(failed)} of {len(targets)} FAIL" if failed else f"targets: all {len(targets)} PASS")
    return 1 if failed else 0


def _number(token: str) -> str:
    from passes import signing

    return signing.verify(token)["n"]


def _write(payload: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    path = RESULTS_DIR / f"verify-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(text, encoding="utf-8")
    shutil.copyfile(path, RESULTS_DIR / "verify-latest.json")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
