"""python -m bench.hostile_upload [--endpoints NAME,...]

Issue 11's cost target: any upload of at most the size limit is processed or refused within 5 s of CPU
and 100 MB of extra memory. Builds the costliest hostile files the limits let through (and the reported
one: 120 KB packed, three million shared strings), posts each to every endpoint that takes a file
(tests/hostile/endpoints.py, the same list the hostile test suite walks) through Django's test client,
one fresh subprocess per post, and measures that request: CPU time (getrusage, user + system) and
extra memory (the kernel's high-water mark VmHWM, reset just before the post, minus the resident set
then). Runs in a throwaway database (bench/__main__.py). Exits 1 when a post misses a target.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import django

TARGET_CPU_S = 5.0
TARGET_EXTRA_MB = 100.0


def _args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.hostile_upload", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", default="", help="comma-separated URL names (default: all)")
    # Internal: the subprocess that posts one file and reports what the request cost.
    parser.add_argument("--child", nargs=4, metavar=("DB_NAME", "ENDPOINT", "FILE", "WORLD"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)


def worst_files(headers: list[str]) -> dict[str, bytes]:
    """The costliest files within the default limits (core.excel.Limits), and the reported one."""
    from django.conf import settings

    from tests.hostile import files

    columns = len(headers)
    rows = min(settings.EXCEL_MAX_ROWS, settings.EXCEL_MAX_CELLS // columns - 1)
    bad_row = "".join(files.text_cell(f"{files.column_letter(c)}{{n}}", "无效") for c in range(1, columns + 1))
    every_cell_wrong = "".join(f'<row r="{n}">{bad_row.replace("{n}", str(n))}</row>' for n in range(2, rows + 2))
    strings, cells = settings.EXCEL_MAX_SHARED_STRINGS, settings.EXCEL_MAX_CELLS
    return {
        "reported: 3 million shared strings": files.huge_shared_strings(),
        f"{strings:,} shared strings (the limit)": files.workbook_bytes(
            files.sheet_xml([files.header_row(headers)]),
            shared_strings=files.shared_strings_xml([f"{n:x}" for n in range(strings)]),
        ),
        f"{rows:,} rows x {columns} cells, every one wrong": files.workbook_bytes(
            files.sheet_xml([files.header_row(headers)]).replace(
                b"</sheetData>", every_cell_wrong.encode() + b"</sheetData>"
            )
        ),
        # Varied, so that the ratio of packed to unpacked size lets them through to the counts.
        f"{cells:,} empty cells in one row": files.workbook_bytes(
            files.sheet_xml(b'<row r="1">' + b"".join(b'<c s="%d"/>' % (n % 997) for n in range(cells)) + b"</row>")
        ),
        f"{settings.EXCEL_MAX_ROWS:,} empty rows": files.empty_rows(settings.EXCEL_MAX_ROWS),
        "styles at the part limit": files.workbook_bytes(
            files.sheet_xml([files.header_row(headers)]), styles=_styles(settings.EXCEL_MAX_PART_BYTES)
        ),
        "zip bomb": files.zip_bomb(),
        "billion laughs": files.billion_laughs(headers),
    }


def _styles(size: int) -> bytes:
    """A stylesheet just under `size` bytes of distinct cell formats, which openpyxl reads whole."""
    from tests.hostile import files

    head, tail = files._STYLES.split('<cellXfs count="2">')
    xfs, length, n = [], len(head) + len(tail) + 40, 0
    while length < size - 64:
        xf = f'<xf numFmtId="{n % 50}" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="{n % 2}"/>'
        xfs.append(xf)
        length += len(xf)
        n += 1
    return (head + f'<cellXfs count="{n}">' + "".join(xfs) + tail).encode()


def _status() -> dict[str, float]:
    with open("/proc/self/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {name: int(value.split()[0]) / 1024 for name, value in fields.items()}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(db_name: str, url_name: str, path: str, world_json: str) -> None:
    """In a fresh process: post one file as the endpoint's user; print the request's cost as JSON."""
    _setup()
    import gc

    from django.apps import apps
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from tests.hostile.endpoints import UPLOAD_ENDPOINTS

    connection.settings_dict["NAME"] = db_name
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="hostile-media-")
    world = {key: apps.get_model(label).objects.get(pk=pk) for key, (label, pk) in json.loads(world_json).items()}
    endpoint = UPLOAD_ENDPOINTS[url_name]
    client = Client()
    client.force_login(world[endpoint.user])
    url = reverse(url_name, kwargs=endpoint.kwargs(world))
    client.get(url)  # templates, translations and the session loaded before the measured request
    upload = SimpleUploadedFile("导入.xlsx", Path(path).read_bytes())
    gc.collect()
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")  # resets VmHWM to the current resident set
    before, cpu = _status()["VmRSS"], _cpu()
    response = client.post(url, {**endpoint.data, endpoint.field_name: upload})
    cpu = _cpu() - cpu
    peak = _status()["VmHWM"]
    context = response.context or {}
    said = [str(m) for messages in (context["form"].errors.values() if context.get("form") else ()) for m in messages]
    said += [str(m) for m in context.get("messages", ())]
    print(
        json.dumps(
            {
                "status": response.status_code,
                "cpu_s": round(cpu, 3),
                "extra_mb": round(peak - before, 1),
                "answer": (said or [f"HTTP {response.status_code}"])[0][:80],
            },
            ensure_ascii=False,
        )
    )


def main(argv=None) -> None:
    args = _args(argv)
    if args.child:
        child(*args.child)
        return
    _setup()
    from django.db import connection

    from bench import report
    from bench.__main__ import throwaway_database
    from reference.services import divisions_load, industries_load, reference_load
    from tests.hostile.endpoints import UPLOAD_ENDPOINTS, build_world

    chosen = [name for name in args.endpoints.split(",") if name] or sorted(UPLOAD_ENDPOINTS)
    results = {
        "started_at": datetime.now(UTC).isoformat(),
        "targets": {"cpu_s": TARGET_CPU_S, "extra_mb": TARGET_EXTRA_MB},
        "posts": [],
    }
    with tempfile.TemporaryDirectory() as directory, throwaway_database():
        industries_load()
        reference_load()
        divisions_load()
        world = build_world()
        world_json = json.dumps({key: [obj._meta.label, obj.pk] for key, obj in world.items()})
        for url_name in chosen:
            generated = time.perf_counter()
            for label, content in worst_files(UPLOAD_ENDPOINTS[url_name].headers()).items():
                path = Path(directory) / "upload.xlsx"
                path.write_bytes(content)
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.hostile_upload",
                        "--child",
                        connection.settings_dict["NAME"],
                        url_name,
                        str(path),
                        world_json,
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=Path(__file__).resolve().parents[1],
                )
                if done.returncode != 0:
                    raise SystemExit(f"posting {label} to {url_name} failed:\n{done.stderr[-3000:]}")
                measured = json.loads(done.stdout.strip().splitlines()[-1])
                measured |= {
                    "endpoint": url_name,
                    "file": label,
                    "packed_kb": round(len(content) / 1024, 1),
                    "passed": measured["cpu_s"] <= TARGET_CPU_S
                    and measured["extra_mb"] <= TARGET_EXTRA_MB
                    and measured["status"] < 500,
                }
                results["posts"].append(measured)
                print(
                    f"{'PASS' if measured['passed'] else 'FAIL'}  {url_name:<32} {label:<42}"
                    f" {measured['packed_kb']:>8,.0f} KB  {measured['cpu_s']:>6.2f} s CPU"
                    f"  {measured['extra_mb']:>6.1f} MB  {measured['status']}  {measured['answer']}",
                    flush=True,
                )
            results.setdefault("generation_s", {})[url_name] = round(time.perf_counter() - generated, 1)
        results["machine"] = report.machine()
    posts = results["posts"]
    worst_cpu = max(posts, key=lambda p: p["cpu_s"])
    worst_memory = max(posts, key=lambda p: p["extra_mb"])
    results["worst"] = {"cpu": worst_cpu, "memory": worst_memory}
    print(
        f"\nworst CPU: {worst_cpu['cpu_s']:.2f} s ({worst_cpu['file']} to {worst_cpu['endpoint']});"
        f" target ≤ {TARGET_CPU_S:g} s"
    )
    print(
        f"worst extra memory: {worst_memory['extra_mb']:.1f} MB ({worst_memory['file']} to"
        f" {worst_memory['endpoint']}); target ≤ {TARGET_EXTRA_MB:g} MB"
    )
    path = report.write_results("hostile-upload", results)
    print(f"results: {path.relative_to(path.parents[2])}")
    if not all(p["passed"] for p in posts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
