"""python -m bench.offline [--passes 50000] [--batches 300] [--batch-size 500] [--clients 4] [--repeat 10]

Issue 17's targets for offline checkpoints, on PostgreSQL, through gunicorn (the project's gunicorn.conf.py):

- the batch upload of offline checks (/passes/check/upload/) ingests at least 20,000 checks a second, in
  batches of 500 sent by a few phones at once, every check stored exactly once;
- the revocation list delta for a phone one hour behind, after a list change that suspended 50,000 passes,
  is served in under 200 ms (median of --repeat requests, as the phone sees it) and weighs under 1 MB. The
  first request reads the database; the phones after it that hold the same version get the cached answer
  (passes.selectors.revocation_list): the first one's time is printed too.

It also prints the QR link of one pass before and after issue 17 (the employer dropped, the last four ID
characters added): its length and the QR version segno needs for it (information, not a target).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kunshan_offline .venv/bin/python -m bench.offline

In a throwaway database (bench_<name>, dropped afterwards): the passes are written with bulk_create (issued an
hour and a half ago, with their events), a phone's version is taken, then 50,000 of them are suspended as
`return_passes_follow_risk_list` does (status, reason and one PassEvent each). Gunicorn runs with DEBUG off
on a free local port; the clients are threads of this process sending prepared bodies over keep-alive
connections with a signed-in guard's session. Results go to bench/results/offline-<UTC time>.json.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import string
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

TARGET_CHECKS_PER_S = 20_000.0
TARGET_DELTA_MS = 200.0
TARGET_DELTA_BYTES = 1_000_000
QR_HOST = "https://fugong.kunshan.gov.cn"  # a production-like origin for the QR link's length


@dataclass
class Target:
    what: str
    measured: float
    target: str
    passed: bool


def _args(argv):
    from bench.verify import GUNICORN_CONF

    parser = argparse.ArgumentParser(
        prog="python -m bench.offline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=50_000, help="passes suspended by the list change")
    parser.add_argument("--batches", type=int, default=300, help="upload batches sent in the measured run")
    parser.add_argument("--batch-size", type=int, default=500, help="checks per batch, as the phone sends")
    parser.add_argument("--clients", type=int, default=4, help="phones uploading at once")
    parser.add_argument("--repeat", type=int, default=10, help="delta requests timed")
    parser.add_argument("--workers", type=int, default=GUNICORN_CONF["workers"], help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=GUNICORN_CONF["worker_class"], choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread only)")
    return parser.parse_args(argv)


def _environment() -> None:
    """DEBUG off, throwaway keys, plain HTTP on 127.0.0.1: set before Django reads its settings, for gunicorn too."""
    from cryptography.fernet import Fernet

    from passes.signing import new_private_key_text

    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kunshan_resume.settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ID_NUMBER_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("ID_NUMBER_HMAC_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("PASS_SIGNING_KEY", new_private_key_text())
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


# --- data ------------------------------------------------------------------------------------------


def _generate(passes: int):
    """`passes` valid passes issued 90 minutes ago, with their events; returns the guard and the enterprise."""
    from django.utils import timezone

    from accounts.models import Role, User
    from bench.generate import credit_code
    from enterprises.models import Enterprise
    from passes.models import PassBatch, PassEvent, ReturnPass, Worker
    from passes.personal_data import id_number_fields
    from reference.models import Community, District, Division, Industry

    zhangpu, kfq = District.objects.get(code="zhangpu"), District.objects.get(code="kfq")
    enterprise = Enterprise.objects.create(
        credit_code=credit_code(6_000_000),
        name="昆山市张浦镇精密模具制造有限公司",
        district=zhangpu,
        industry=Industry.objects.filter(level=Industry.Level.CLASS).order_by("code").first(),
        address="江苏省昆山市张浦镇前进路1号",
        legal_representative="王伟",
        contact_name="李娜",
        contact_mobile="13800000000",
        headcount=passes,
        status=Enterprise.Status.ACTIVE,
    )
    owner = User.objects.create_user(username="bench_offline_owner", role=Role.ENTERPRISE, enterprise=enterprise)
    guard = User.objects.create_user(
        username="bench_offline_guard",
        role=Role.CHECKPOINT_STAFF,
        community=Community.objects.get(code="zhangpu-demo-1"),
    )
    province, _created = Division.objects.get_or_create(
        code="510000", defaults={"name": "四川省", "full_name": "四川省", "level": "province"}
    )
    origin, _created = Division.objects.get_or_create(
        code="511602", defaults={"name": "广安区", "full_name": "四川省广安区", "level": "county", "parent": province}
    )
    communities = list(kfq.communities.order_by("code"))
    now, today = timezone.now(), timezone.localdate()
    issued_at = now - timedelta(minutes=90)
    Worker.objects.bulk_create(
        [
            Worker(
                enterprise=enterprise,
                name=f"基准员工{i:05d}",
                **id_number_fields(_id_number(i)),
                mobile="13812345678",
                origin=origin,
                arrived_on=today - timedelta(days=3),
                residence_district=kfq,
                residence_community=communities[i % len(communities)],
                residence_address="昆山市前进路100号",
            )
            for i in range(passes)
        ],
        batch_size=5000,
    )
    batch = PassBatch.objects.create(enterprise=enterprise, applied_by=owner)
    workers = list(Worker.objects.filter(enterprise=enterprise).values_list("pk", "residence_community_id"))
    ReturnPass.objects.bulk_create(
        [
            ReturnPass(
                number=f"KS{i:08d}",
                batch=batch,
                worker_id=worker_id,
                enterprise=enterprise,
                issuing_district=zhangpu,
                residence_district=kfq,
                residence_community_id=community_id,
                status=ReturnPass.Status.VALID,
                valid_from=today,
                valid_until=today + timedelta(days=13),
                issued_at=issued_at,
            )
            for i, (worker_id, community_id) in enumerate(workers)
        ],
        batch_size=5000,
    )
    ids = list(ReturnPass.objects.filter(batch=batch).values_list("pk", flat=True))
    PassEvent.objects.bulk_create(
        [PassEvent(return_pass_id=pk, from_status="applied", to_status="valid") for pk in ids], batch_size=5000
    )
    PassEvent.objects.filter(return_pass__batch=batch).update(at=issued_at)
    return guard, batch, ids


def _id_number(i: int) -> str:
    from stdnum.cn import ric

    body = f"320583{19700101 + (i // 1000) * 100:08d}{i % 1000:03d}"  # born 1970-01-01, -02-01, ...
    return body + ric.calc_check_digit(body)


def _suspend_all(batch, ids: list[int], at) -> None:
    """What a risk list coming into force writes for each pass it suspends (services._suspend_for_risk_list)."""
    from passes.models import PassEvent, ReturnPass

    reason = "风险地区名单更新(苏防控〔2020〕9号): 来自高风险地区"
    ReturnPass.objects.filter(batch=batch).update(
        status=ReturnPass.Status.SUSPENDED, status_reason=reason, updated_at=at
    )
    PassEvent.objects.bulk_create(
        [PassEvent(return_pass_id=pk, from_status="valid", to_status="suspended", comment=reason) for pk in ids],
        batch_size=5000,
    )
    PassEvent.objects.filter(to_status="suspended").update(at=at)


def _qr_sizes() -> dict:
    """The QR link of one pass with the claims before issue 17 (employer) and after (last four ID characters)."""
    import segno

    from passes import signing

    common = {
        "n": "KS7K3M9Q2X",
        "nm": "张*三",
        "c": "张浦镇振苏社区",
        "ci": 1234,
        "vf": "2020-02-20",
        "vu": "2020-03-04",
        "iat": 1582156800,
    }
    before, _kid = signing.sign(common | {"e": "昆山市张浦镇精密模具制造有限公司"})
    after, _kid = signing.sign(common | {"i4": "123X"})
    sizes = {}
    for name, token in (("before", before), ("after", after)):
        url = f"{QR_HOST}/passes/verify/{token}"
        sizes[name] = {
            "token_chars": len(token),
            "url_chars": len(url),
            "qr_version": segno.make(url, error="l").version,
        }
    return sizes


# --- clients ---------------------------------------------------------------------------------------


def _request(connection: http.client.HTTPConnection, method: str, path: str, headers: dict, body: bytes | None = None):
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _upload_run(port: int, headers: dict, bodies: list[bytes], clients: int) -> tuple[float, list[str]]:
    """Send every body once, `clients` connections at a time; returns the seconds taken and any failures."""
    queue = list(reversed(bodies))
    lock = threading.Lock()
    failures: list[str] = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            status, answer = _request(connection, "POST", "/passes/check/upload/", headers, body)
            if status != 200 or json.loads(answer)["refused"]:
                failures.append(f"{status} {answer[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client) for _i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, failures


def _bodies(count: int, size: int, community_id: int, at_ms: int) -> list[bytes]:
    results = ("valid",) * 8 + ("expired", "invalid")
    return [
        json.dumps(
            {
                "checks": [
                    {
                        "check_id": str(uuid.uuid4()),
                        "at": at_ms + i,
                        "result": results[i % len(results)],
                        "pass_number": f"KS{(b * size + i) % 99_999_999:08d}",
                        "community": community_id,
                    }
                    for i in range(size)
                ]
            }
        ).encode()
        for b in range(count)
    ]


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # As `make bench` treats bench.verify: the targets are PostgreSQL's, so without it there is nothing to judge.
        print(
            "bench.offline (upload and revocation list through gunicorn) needs DATABASE_URL (PostgreSQL): skipped, e.g."
            "\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kunshan_offline .venv/bin/python -m bench.offline"
        )
        return 0
    _environment()
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.__main__ import throwaway_database
    from bench.report import machine
    from bench.verify import _free_port, _gunicorn, _session_cookie, _wait_until_up
    from passes.models import PassCheck, PassEvent
    from reference.services import industries_load, reference_load

    started = datetime.now(UTC)
    with throwaway_database():
        industries_load()
        reference_load()
        t0 = time.perf_counter()
        guard, batch, ids = _generate(args.passes)
        # The phone synced an hour ago: it holds the version of that moment.
        phone_version = PassEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        _suspend_all(batch, ids, timezone.now() - timedelta(minutes=30))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        generated_s = time.perf_counter() - t0
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _i in range(32))  # a CSRF secret
        headers = {
            "Cookie": f"{_session_cookie(guard)}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Host": "127.0.0.1",
        }
        port = _free_port()
        server = _gunicorn(args, port, connection.settings_dict["NAME"])
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", server)
            phone = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            delta_path = f"/passes/check/revocations.json?since={phone_version}"
            _request(phone, "GET", "/passes/check/revocations.json", headers)  # the worker's first request
            # The first phone's request reads the database; the others holding the same version share its
            # answer (cached while no event follows): both are reported, the target is the phones' median.
            t = time.perf_counter()
            status, body = _request(phone, "GET", delta_path, headers)
            first_ms = (time.perf_counter() - t) * 1000
            delta = json.loads(body)
            if status != 200 or delta["full"] or len(delta["suspended"]) != args.passes:
                raise SystemExit(f"the delta answered {status}: {body[:300]!r}")
            times = []
            for _i in range(args.repeat):
                t = time.perf_counter()
                status, body = _request(phone, "GET", delta_path, headers)
                times.append((time.perf_counter() - t) * 1000)
            delta_bytes = len(body)
            full_bytes = len(_request(phone, "GET", "/passes/check/revocations.json", headers)[1])
            phone.close()

            now_ms = int(timezone.now().timestamp() * 1000) - 60_000
            warmup = _bodies(args.clients * 4, args.batch_size, guard.community_id, now_ms)
            _seconds, failures = _upload_run(port, headers, warmup, args.clients)
            if failures:
                raise SystemExit(f"upload failed in the warm-up: {failures[:3]}")
            bodies = _bodies(args.batches, args.batch_size, guard.community_id, now_ms)
            before = PassCheck.objects.count()
            seconds, failures = _upload_run(port, headers, bodies, args.clients)
            stored = PassCheck.objects.count() - before
            # The same batches again (phones whose answers were lost): nothing more is stored.
            _seconds, failures_again = _upload_run(port, headers, bodies[: args.clients * 4], args.clients)
            failures += failures_again
            stored_again = PassCheck.objects.count() - before
            # Every check sent is in the log, each once (the count alone could hide a loss and a double).
            sent_ids = [check["check_id"] for body in bodies for check in json.loads(body)["checks"]]
            stored_sent = PassCheck.objects.filter(check_id__in=sent_ids).values("check_id").distinct().count()
        finally:
            server.terminate()
            server.wait(timeout=30)
        info = machine()
    sent = args.batches * args.batch_size
    rate = stored / seconds
    median_ms = statistics.median(times)
    qr = _qr_sizes()
    targets = [
        Target("upload checks/s", round(rate), f">= {TARGET_CHECKS_PER_S:,.0f}", rate >= TARGET_CHECKS_PER_S),
        Target(
            "upload: stored once",
            stored_again,
            f"== {sent:,} sent",
            stored == stored_again == stored_sent == sent and not failures,
        ),
        Target("delta median ms", round(median_ms, 1), f"< {TARGET_DELTA_MS:.0f}", median_ms < TARGET_DELTA_MS),
        Target("delta bytes", delta_bytes, f"< {TARGET_DELTA_BYTES:,}", delta_bytes < TARGET_DELTA_BYTES),
    ]
    print(f"\ndata: {args.passes:,} passes suspended by one list change ({generated_s:.1f} s to build)")
    print(
        f"gunicorn: {args.workers} × {args.worker_class}; {args.clients} uploading clients; cpu count {os.cpu_count()}"
    )
    print(
        f"upload: {sent:,} checks in {args.batches} batches of {args.batch_size} in {seconds:.2f} s = {rate:,.0f}/s; "
        f"failures {len(failures)}; stored {stored:,}, after {args.clients * 4} batches sent again "
        f"{stored_again:,}, sent ids found {stored_sent:,}"
    )
    print(
        f"delta (phone one hour behind): {len(delta['suspended']):,} numbers, {delta_bytes:,} bytes; "
        f"ms first (database) {first_ms:.1f}, then min {min(times):.1f} median {median_ms:.1f} max {max(times):.1f}; "
        f"full list {full_bytes:,} bytes"
    )
    for name, size in qr.items():
        chars = f"token {size['token_chars']} chars, URL {size['url_chars']} chars"
        print(f"QR link {name}: {chars}, QR version {size['qr_version']}")
    for t in targets:
        print(f"{'PASS' if t.passed else 'FAIL'}  {t.what}: {t.measured} (target {t.target})")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"offline-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "machine": info,
                "settings": dict(vars(args)),
                "upload": {
                    "checks": sent,
                    "stored": stored,
                    "stored_after_resend": stored_again,
                    "sent_ids_stored": stored_sent,
                    "seconds": seconds,
                    "per_second": rate,
                    "failures": failures[:10],
                },
                "delta": {
                    "first_ms": first_ms,
                    "ms": times,
                    "bytes": delta_bytes,
                    "numbers": len(delta["suspended"]),
                    "full_bytes": full_bytes,
                },
                "qr": qr,
                "targets": [asdict(t) for t in targets],
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {path.relative_to(BENCH_DIR.parent)}")
    failed = [t for t in targets if not t.passed]
    print(f"targets: {len(failed)} of {len(targets)} FAIL" if failed else f"targets: all {len(targets)} PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
