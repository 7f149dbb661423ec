"""python -m bench.roster [--rows 10000] [--memory-rows 100000] [--repeat 3]

Issue 5's roster-import targets, in a throwaway database (bench/__main__.py's throwaway_database):

* the import service (passes.services.roster.roster_import) on a 10,000-row roster into an empty
  roster: under 10 s (median of --repeat runs), and at most 3x a bare openpyxl read_only iteration of
  the same file measured in this run (the median over the runs of import / the bare read just before it);
* the same service on a 100,000-row roster: peak memory under 400 MB, measured as the peak resident
  set size of a fresh subprocess that does nothing but that import: VmHWM from /proc/self/status,
  the kernel's own high-water mark. getrusage's ru_maxrss is printed beside it but not judged: Linux
  carries the parent's peak into a child across fork and exec. It counts the whole process (Python,
  Django, openpyxl), not just what the import allocates.

Also reported, to show where the time goes: the cells parsed without the database (core.excel.iter_rows
with the roster's parsers), re-importing the same file (every worker found, nothing changed), and the
cost of the personal-data steps on 100,000 ID numbers (check digit, Fernet encryption, keyed digest).
The rosters are written by the portal's own export path (core.excel.write_workbook with the roster's
columns), so they are what an enterprise re-imports. Run with DATABASE_URL set for PostgreSQL.
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import django

TARGET_SECONDS = 10.0
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 400.0
SEED = 2020
# Regions of birth that python-stdnum knows (昆山, 广安区, 卧龙区, 太和县, 西乡县).
ID_REGIONS = ("320583", "511602", "411303", "341222", "610724")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.roster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the timed roster")
    parser.add_argument("--memory-rows", type=int, default=100_000, help="rows of the roster whose memory is measured")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the bare read and of the import")
    # Internal: the subprocess that imports the large roster and reports its own peak memory.
    parser.add_argument(
        "--child", nargs=4, metavar=("DB_NAME", "FILE", "ENTERPRISE_ID", "USER_ID"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.test.utils import setup_test_environment

    # Production runs with DEBUG off: no query log growing with every batch.
    setup_test_environment(debug=False)


# --- the rosters -----------------------------------------------------------------------------------


def _id_number(serial: int) -> str:
    from stdnum.cn import ric

    region = ID_REGIONS[serial % len(ID_REGIONS)]
    birth = date(1962, 1, 1) + timedelta(days=(serial * 37) % 13_000)  # 37 and 13,000 are coprime
    body = f"{region}{birth:%Y%m%d}{serial // 13_000 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18 characters


def roster_rows(n: int, *, seed: int = SEED):
    """n roster rows in the import's column order, shaped like a factory's returnees."""
    from bench.generate import ROADS, SURNAMES, _mobile, _person
    from passes.models import Worker
    from reference.models import Community, Division

    rng = random.Random(seed)
    origins = list(Division.objects.filter(level=Division.Level.COUNTY).values_list("code", "full_name"))
    communities = [(c.district.name, c.name) for c in Community.objects.select_related("district")]
    quarantine = {
        Worker.Quarantine.HOME: 5,
        Worker.Quarantine.CENTRAL: 1,
        Worker.Quarantine.ENDED: 3,
        Worker.Quarantine.NONE: 3,
    }
    labels = dict(Worker.Quarantine.choices)
    jobs = ("操作工", "技术员", "质检员", "仓管员", "班组长", "设备维修", "")
    for serial in range(n):
        origin, origin_name = rng.choice(origins)
        district, community = rng.choice(communities)
        arrived = date(2020, 2, 1) + timedelta(days=rng.randrange(35)) if rng.random() < 0.9 else None
        status = rng.choices(list(quarantine), weights=list(quarantine.values()))[0] if arrived else "none"
        measured = arrived is not None and rng.random() < 0.85
        tested = arrived is not None and rng.random() < 0.3
        yield [
            _person(rng) if rng.random() < 0.97 else rng.choice(SURNAMES) + "某",
            _id_number(serial),
            _mobile(rng),
            origin,
            origin_name,
            arrived,
            labels[status],
            arrived if status in ("home", "central") else None,
            Decimal(f"{rng.uniform(35.8, 37.6):.1f}") if measured else None,
            datetime(2020, 3, 8, rng.randrange(7, 19), rng.randrange(60)) if measured else None,  # noqa: DTZ001 - Excel
            "阴性" if tested else "未检测",
            arrived + timedelta(days=1) if tested else None,
            district,
            community if rng.random() < 0.8 else None,
            f"昆山市{rng.choice(ROADS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋"
            f"{rng.randrange(1, 6)}0{rng.randrange(1, 4)}室",
            "是" if rng.random() < 0.7 else "否",
            rng.choice(jobs) or None,
        ]


def roster_file(directory: Path, n: int) -> Path:
    from core import excel
    from passes.services.roster import ROSTER_SHEET_TITLE, roster_columns

    path = directory / f"roster-{n}.xlsx"
    path.write_bytes(excel.write_workbook([excel.Sheet(ROSTER_SHEET_TITLE, roster_columns(), roster_rows(n))]))
    return path


def _owner():
    from accounts.models import Role, User
    from bench.generate import credit_code
    from enterprises.models import Enterprise
    from reference.models import District, Industry

    enterprise = Enterprise.objects.create(
        credit_code=credit_code(1),
        name="昆山花名册基准测试有限公司",
        district=District.objects.get(code="zhangpu"),
        industry=Industry.objects.get(code="3670"),
        address="昆山市前进路1号",
        legal_representative="张三",
        contact_name="李四",
        contact_mobile="13912345678",
        headcount=100_000,
        status=Enterprise.Status.ACTIVE,
    )
    user = User.objects.create_user(username="bench-roster", role=Role.ENTERPRISE, enterprise=enterprise)
    return enterprise, user


# --- measurements ------------------------------------------------------------------------------------


def bare_read(path: Path) -> int:
    """The baseline: openpyxl read_only, every row's values, nothing done with them."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def parse_only(path: Path) -> int:
    """core.excel.iter_rows with the roster's cell parsers: what the import does before the database."""
    from core import excel
    from passes.services.roster import roster_columns, roster_file_limits

    result = excel.ImportResult()
    with path.open("rb") as upload:
        rows = sum(
            1 for _row in excel.iter_rows(upload, roster_columns(), result, max_rows=10**6, **roster_file_limits())
        )
    if not result.ok:
        raise SystemExit(f"the generated roster has errors: {result.errors[:3]}")
    return rows


def run_import(path: Path, enterprise, user):
    from passes.services.roster import roster_import

    with path.open("rb") as upload:
        outcome = roster_import(enterprise=enterprise, upload=upload, imported_by=user)
    if not outcome.ok:
        raise SystemExit(f"the generated roster was refused: {outcome.result.errors[:3]}")
    return outcome


def _timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def _clear(enterprise) -> None:
    from django.db import connection

    from passes.models import Worker

    Worker.objects.filter(enterprise=enterprise).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE passes_worker")


def personal_data_costs(n: int) -> dict[str, float]:
    from passes.personal_data import encrypt_id_number, id_number_digest, id_number_fields, normalize_id_number

    numbers = [_id_number(serial) for serial in range(n)]
    costs = {}
    for name, step in (
        ("normalize_id_number (GB 11643 check)", normalize_id_number),
        ("encrypt_id_number (Fernet)", encrypt_id_number),
        ("id_number_digest (HMAC-SHA256)", id_number_digest),
        ("id_number_fields (encrypt + digest + mask)", id_number_fields),
    ):
        start = time.perf_counter()
        for number in numbers:
            step(number)
        costs[name] = round(time.perf_counter() - start, 3)
    return costs


def memory_child(db_name: str, path: str, enterprise_id: str, user_id: str) -> None:
    """In a fresh process: import the large roster and print what it took, as JSON on the last line."""
    _setup()
    from django.db import connection

    connection.settings_dict["NAME"] = db_name
    from accounts.models import User
    from enterprises.models import Enterprise

    enterprise, user = Enterprise.objects.get(pk=enterprise_id), User.objects.get(pk=user_id)
    before = _memory_status()
    seconds, outcome = _timed(run_import, Path(path), enterprise, user)
    after = _memory_status()
    print(
        json.dumps(
            {
                "rows": outcome.rows,
                "created": outcome.created,
                "seconds": round(seconds, 3),
                "peak_rss_mb": after["VmHWM"],
                "rss_before_import_mb": before["VmRSS"],
                "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def _memory_status() -> dict[str, float]:
    """The process's resident set now (VmRSS) and at its peak (VmHWM), in MB, from Linux's /proc.

    Not ru_maxrss: Linux carries the parent's peak into a child across fork and exec, so a small
    child of a large parent reports the parent's size."""
    with open("/proc/self/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {name: round(int(value.split()[0]) / 1024, 1) for name, value in fields.items()}


def _memory_run(path: Path, enterprise, user) -> dict:
    from django.db import connection

    command = [
        sys.executable,
        "-m",
        "bench.roster",
        "--child",
        str(connection.settings_dict["NAME"]),
        str(path),
        str(enterprise.pk),
        str(user.pk),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise SystemExit(f"the memory run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    if args.child:
        memory_child(*args.child)
        return
    _setup()
    from django.db import connection

    from bench import report
    from bench.__main__ import throwaway_database
    from bench.benchmarks import Target
    from reference.services import divisions_load, industries_load, reference_load

    started = datetime.now(UTC)
    results: dict[str, object] = {"started_at": started.isoformat(), "settings": vars(args)}
    with tempfile.TemporaryDirectory() as directory, throwaway_database():
        industries_load()
        reference_load()
        divisions_load()
        enterprise, user = _owner()
        start = time.perf_counter()
        small, large = roster_file(Path(directory), args.rows), roster_file(Path(directory), args.memory_rows)
        results["files"] = {
            "generated_s": round(time.perf_counter() - start, 3),
            "rows": {"timed": args.rows, "memory": args.memory_rows},
            "bytes": {"timed": small.stat().st_size, "memory": large.stat().st_size},
        }

        bare, imports, reimports, parses = [], [], [], []
        for _ in range(args.repeat):
            # Alternated, so that a slower moment of a shared machine weighs on both sides alike.
            bare.append(_timed(bare_read, small)[0])
            parses.append(_timed(parse_only, small)[0])
            _clear(enterprise)
            seconds, outcome = _timed(run_import, small, enterprise, user)
            imports.append(seconds)
            assert outcome.created == args.rows, outcome
            seconds, outcome = _timed(run_import, small, enterprise, user)
            reimports.append(seconds)
            assert outcome.unchanged == args.rows, outcome
        _clear(enterprise)
        median = {
            name: statistics.median(values)
            for name, values in (("bare", bare), ("import", imports), ("reimport", reimports), ("parse", parses))
        }
        results["timed"] = {
            "bare_openpyxl_read_s": [round(v, 3) for v in bare],
            "parse_only_s": [round(v, 3) for v in parses],
            "import_s": [round(v, 3) for v in imports],
            "reimport_unchanged_s": [round(v, 3) for v in reimports],
            "medians_s": {k: round(v, 3) for k, v in median.items()},
            # Each import against the bare read taken just before it: a machine shared with other work
            # slows both of a pair alike, so the pairs' median is steadier than a ratio of medians.
            "ratio_import_to_bare": round(statistics.median(i / b for i, b in zip(imports, bare, strict=True)), 2),
            "ratio_of_medians": round(median["import"] / median["bare"], 2),
            "ratio_of_minimums": round(min(imports) / min(bare), 2),
        }
        results["personal_data_100k_s"] = personal_data_costs(100_000)
        results["memory"] = _memory_run(large, enterprise, user)
        results["machine"] = report.machine()

    ratio = results["timed"]["ratio_import_to_bare"]
    memory = results["memory"]
    targets = [
        Target(
            what="roster import (median)",
            scale=args.rows,
            measured=round(median["import"], 3),
            limit=TARGET_SECONDS,
            unit="s",
            passed=median["import"] < TARGET_SECONDS,
            issue=5,
        ),
        Target(
            what="roster import / bare openpyxl read (median of pairs)",
            scale=args.rows,
            measured=ratio,
            limit=TARGET_RATIO,
            unit="×",
            passed=ratio <= TARGET_RATIO,
            comparison="≤",
            issue=5,
        ),
        Target(
            what="roster import peak RSS (subprocess)",
            scale=args.memory_rows,
            measured=memory["peak_rss_mb"],
            limit=TARGET_PEAK_MB,
            unit="MB",
            passed=memory["peak_rss_mb"] < TARGET_PEAK_MB,
            issue=5,
        ),
    ]
    results["targets"] = [asdict(t) for t in targets]
    print(_table(results, targets, connection.vendor))
    path = _write(results)
    print(f"\nresults: {path.relative_to(path.parents[2])}")


def _table(results: dict, targets, vendor: str) -> str:
    timed, memory, files = results["timed"], results["memory"], results["files"]
    rows = files["rows"]["timed"]
    lines = [
        f"roster import on {vendor}: {rows:,} rows ({files['bytes']['timed'] / 2**20:.1f} MB xlsx),"
        f" {files['rows']['memory']:,} rows ({files['bytes']['memory'] / 2**20:.1f} MB xlsx),"
        f" written in {files['generated_s']:.1f} s",
        "",
        f"{'case':<46} {'median s':>9} {'rows/s':>9}  runs",
    ]
    cases = (
        ("bare openpyxl read_only iteration", "bare", "bare_openpyxl_read_s"),
        ("parse only (iter_rows + roster parsers)", "parse", "parse_only_s"),
        ("roster_import into an empty roster", "import", "import_s"),
        ("roster_import again (all found, unchanged)", "reimport", "reimport_unchanged_s"),
    )
    for label, key, runs in cases:
        median = timed["medians_s"][key]
        lines.append(f"{label:<46} {median:>9.3f} {rows / median:>9,.0f}  {', '.join(map(str, timed[runs]))}")
    lines += [
        f"ratio import / bare read: {timed['ratio_import_to_bare']:.2f}x (median of the {len(timed['import_s'])}"
        f" pairs; ratio of medians {timed['ratio_of_medians']:.2f}x, of minimums {timed['ratio_of_minimums']:.2f}x)",
        "",
        f"{files['rows']['memory']:,}-row import in a subprocess: {memory['seconds']:.1f} s,"
        f" peak RSS {memory['peak_rss_mb']:.0f} MB (VmHWM; {memory['rss_before_import_mb']:.0f} MB"
        f" before the import, with Python, Django and the app loaded; ru_maxrss says {memory['ru_maxrss_mb']:.0f} MB,"
        f" the bench process's own size carried across fork and exec)",
        "",
        "personal data on 100,000 ID numbers (s): "
        + "; ".join(f"{name} {seconds:.2f}" for name, seconds in results["personal_data_100k_s"].items()),
        "",
        "targets (issue 5):",
    ]
    lines += [
        f"  {'PASS' if t.passed else 'FAIL'}  {t.what} at {t.scale:,} rows: {t.measured:,.2f} {t.unit}"
        f" (target {t.comparison} {t.limit:g} {t.unit})"
        for t in targets
    ]
    return "\n".join(lines)


def _write(results: dict) -> Path:
    from bench.report import write_results

    return write_results("roster", results)


if __name__ == "__main__":
    main()
