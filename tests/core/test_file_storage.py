"""Uploaded files live wherever FILE_STORAGE says: the local folder or an S3-compatible object store.

The S3 backend (django-storages) is tested for real against moto's S3-compatible server, started here on a
free port of this machine; the same uploads and downloads then go through the portal's views, and the code
is checked for anything that would reach around the storage API to a path on one node's disk.
"""

import ast
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse

from filings.models import FilingMaterial
from passes.models import RosterImport, Worker
from passes.services import roster as roster_services
from tests.filings.helpers import PDF, complete_draft, pdf_upload
from tests.markers import wait_until
from tests.passes.test_roster_import import roster_upload, sheet_row

ROOT = Path(django_settings.BASE_DIR)
S3_KEYS = {"access_key": "portal-test", "secret_key": "portal-test-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3-compatible server (`moto[server]`, a dev dependency) in its own process on a free port."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: _answers(port), attempts=200), "moto's S3 server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """A fresh private bucket, made the default storage exactly as FILE_STORAGE=s3 makes it."""
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
    )
    client.create_bucket(Bucket=bucket)
    options = _settings_in_subprocess(
        FILE_STORAGE="s3",
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID=S3_KEYS["access_key"],
        S3_SECRET_ACCESS_KEY=S3_KEYS["secret_key"],
        S3_PREFIX="media",
    )
    settings.STORAGES = {**settings.STORAGES, "default": options}
    return client, bucket


def _settings_in_subprocess(**environ) -> dict:
    """STORAGES["default"] as settings.py builds it from these environment variables."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kunshan_resume.settings", "DEBUG": "1", **environ}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def _objects(client, bucket) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- the setting ----------------------------------------------------------------------------


def test_the_local_folder_is_the_default():
    assert _settings_in_subprocess() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_unknown_backend_stops_the_portal_from_starting():
    code = "import django; django.setup()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kunshan_resume.settings", "DEBUG": "1", "FILE_STORAGE": "nfs"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and 'FILE_STORAGE must be "local" or "s3"' in done.stderr


# --- the storage API contract, on both backends ---------------------------------------------


@pytest.fixture(params=["local", "s3"])
def storage_backend(request, settings):
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    return request.param


def test_both_backends_keep_and_give_back_a_file_by_name(storage_backend):
    name = default_storage.save("uploads/2020/03/contract.pdf", ContentFile(PDF))
    assert default_storage.exists(name) and default_storage.size(name) == len(PDF)
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == PDF
    # A second file of the same name never replaces the first.
    other = default_storage.save("uploads/2020/03/contract.pdf", ContentFile(b"%PDF-1.4 other"))
    assert other != name
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == PDF
    default_storage.delete(name)
    default_storage.delete(other)
    assert not default_storage.exists(name) and not default_storage.exists(other)


def test_only_the_local_folder_has_paths(storage_backend):
    """Why nothing may use `.path`: an object store has none, and a node's disk is not the others'."""
    name = default_storage.save("uploads/x.pdf", ContentFile(PDF))
    if storage_backend == "local":
        assert Path(default_storage.path(name)).is_file()
    else:
        with pytest.raises(NotImplementedError):
            default_storage.path(name)
    default_storage.delete(name)


# --- the portal's uploads on the object store -----------------------------------------------


@pytest.mark.django_db
def test_a_filing_material_is_stored_in_the_bucket_and_served_from_it(client, enterprise_user_a, s3_bucket, settings):
    s3, bucket = s3_bucket
    draft = complete_draft(enterprise_user_a)
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("filings:step_materials", args=[draft.pk]),
        {"kind": FilingMaterial.Kind.PREVENTION_PLAN, "file": pdf_upload("防控方案.pdf")},
    )
    assert response.status_code == 302
    material = FilingMaterial.objects.get(filing=draft, kind=FilingMaterial.Kind.PREVENTION_PLAN)
    assert f"media/{material.file.name}" in _objects(s3, bucket)
    assert _media_files(settings) == []  # nothing on this node's disk

    download = client.get(reverse("filings:material", args=[material.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
def test_a_roster_import_job_reads_its_upload_from_the_bucket_and_deletes_it(enterprise_user_a, s3_bucket, settings):
    s3, bucket = s3_bucket
    job = roster_services.roster_import_queue(
        enterprise=enterprise_user_a.enterprise,
        uploaded_by=enterprise_user_a,
        upload=roster_upload([sheet_row(1), sheet_row(2)]),
        rows_total=2,
    )
    assert _objects(s3, bucket) == [f"media/{job.file.name}"]

    roster_services.roster_import_run(roster_import_id=job.pk)

    job.refresh_from_db()
    assert (job.status, Worker.objects.count()) == (RosterImport.Status.DONE, 2)
    assert job.file.name == "" and _objects(s3, bucket) == [] and _media_files(settings) == []


# --- nothing reaches around the storage API -------------------------------------------------

APP_PACKAGES = [
    "accounts",
    "core",
    "dashboard",
    "enterprises",
    "filings",
    "labour",
    "negative_list",
    "passes",
    "policies",
    "portal",
    "reference",
    "service_requests",
    "supervision",
    "workforce",
]


def _app_sources():
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


def _file_field_names() -> set[str]:
    return {
        field.name
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def test_no_code_opens_media_root_or_a_stored_file_by_its_path():
    """Uploads are read, written and deleted through the storage (field.open/save, storage.delete): MEDIA_ROOT,
    `.path` of a file field or `open(...)` on one would work on the local folder and break on the object store."""
    file_fields = _file_field_names()
    assert {"file", "error_file", "material"} <= file_fields
    offences = []
    for path, source in _app_sources():
        if "MEDIA_ROOT" in source:
            offences.append(f"{path.relative_to(ROOT)}: MEDIA_ROOT")
        for node in ast.walk(ast.parse(source)):
            # <anything>.<file field>.path, e.g. material.file.path
            if isinstance(node, ast.Attribute) and node.attr == "path":
                owner = node.value
                if isinstance(owner, ast.Attribute) and owner.attr in file_fields:
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{owner.attr}.path")
            # open(<anything>.<file field>...) with the built-in open
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                for argument in ast.walk(node):
                    if isinstance(argument, ast.Attribute) and argument.attr in file_fields:
                        offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: open() on a stored file")
    assert offences == []
