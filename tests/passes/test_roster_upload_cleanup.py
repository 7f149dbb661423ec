"""An uploaded roster holds full ID numbers: its job deletes it however the job ends, and a nightly task
deletes whatever is older than the retention (uploads, annotated copies); a background job that fails on
the file says what is wrong with it, never to try again."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from core import excel
from passes import tasks
from passes.models import RosterImport, Worker
from passes.services import roster as services
from tests.passes.test_roster_import import HEADERS, KEYS, roster_upload, sheet_row

pytestmark = pytest.mark.django_db


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _queue(user, rows, headers=HEADERS) -> RosterImport:
    return services.roster_import_queue(
        enterprise=user.enterprise, uploaded_by=user, upload=roster_upload(rows, headers), rows_total=len(rows)
    )


def _run(job) -> RosterImport:
    services.roster_import_run(roster_import_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_upload_is_deleted_when_the_job_imports_it(enterprise_user_a, settings):
    job = _queue(enterprise_user_a, [sheet_row(1), sheet_row(2)])
    assert len(_stored(settings)) == 1

    job = _run(job)

    assert (job.status, Worker.objects.count()) == (RosterImport.Status.DONE, 2)
    assert job.file.name == "" and _stored(settings) == []


def test_the_upload_is_deleted_when_the_file_is_refused(enterprise_user_a, settings):
    headers = [h for h in HEADERS if h != "身份证号"]
    rows = [[v for key, v in zip(KEYS, sheet_row(1), strict=True) if key != "id_number"]]

    job = _run(_queue(enterprise_user_a, rows, headers))

    assert job.status == RosterImport.Status.FAILED
    assert job.file.name == "" and _stored(settings) == []


def test_the_upload_is_deleted_when_the_job_crashes(enterprise_user_a, settings, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    job = _queue(enterprise_user_a, [sheet_row(1)])
    monkeypatch.setattr(services, "_import_all_or_nothing", crash)
    with pytest.raises(RuntimeError):
        services.roster_import_run(roster_import_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == (RosterImport.Status.FAILED, str(services.MSG_IMPORT_CRASHED))
    assert job.file.name == "" and _stored(settings) == []


def test_rows_with_errors_keep_only_the_annotated_copy(enterprise_user_a, settings):
    job = _run(_queue(enterprise_user_a, [sheet_row(1), sheet_row(2, origin="990101")]))

    assert (job.status, job.error_count) == (RosterImport.Status.FAILED, 1)
    assert job.file.name == "" and _stored(settings) == [Path(settings.MEDIA_ROOT) / job.error_file.name]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        # The roster's headers are lazy translations: they reach the message as text, not a crash.
        ([h for h in HEADERS if h != "身份证号"], excel.MSG_MISSING_COLUMNS.format(columns="身份证号")),
        ([*HEADERS, "手机号"], excel.MSG_DUPLICATE_COLUMNS.format(columns="手机号")),
    ],
)
def test_a_job_that_fails_on_the_header_says_what_is_wrong(enterprise_user_a, headers, message):
    rows = [sheet_row(1)[: len(headers)] if len(headers) < len(HEADERS) else [*sheet_row(1), "13800000001"]]

    job = _run(_queue(enterprise_user_a, rows, headers))

    assert (job.status, job.message) == (RosterImport.Status.FAILED, str(message))
    assert job.message != str(services.MSG_IMPORT_CRASHED)


def test_a_job_with_an_absurd_cell_reports_it_on_its_row(enterprise_user_a):
    job = _run(
        _queue(
            enterprise_user_a,
            [sheet_row(1, temperature="1e100", temperature_taken_at="99999999999999999999-1-1 08:00")],
        )
    )

    assert (job.status, job.error_count, job.message) == (RosterImport.Status.FAILED, 2, "")
    assert not Worker.objects.exists()


def _age(job, hours: int) -> None:
    RosterImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_the_nightly_purge_deletes_what_is_older_than_a_day_whatever_its_job_became(enterprise_user_a, settings):
    waiting = _queue(enterprise_user_a, [sheet_row(1)])  # its task never ran (a broker that was down)
    failed = _run(_queue(enterprise_user_a, [sheet_row(2, origin="990101")]))
    recent = _queue(enterprise_user_a, [sheet_row(3)])
    _age(waiting, 25)
    _age(failed, 25)
    _age(recent, 23)

    assert tasks.purge_roster_uploads.delay().get() == 2

    waiting.refresh_from_db()
    failed.refresh_from_db()
    recent.refresh_from_db()
    assert (waiting.file.name, waiting.status, waiting.message) == (
        "",
        RosterImport.Status.FAILED,
        str(services.MSG_UPLOAD_EXPIRED),
    )
    assert (failed.error_file.name, failed.message) == ("", str(services.MSG_ERROR_FILE_EXPIRED))
    assert _stored(settings) == [Path(settings.MEDIA_ROOT) / recent.file.name]
    assert services.roster_uploads_purge() == 0  # a second run finds nothing


def test_the_purge_runs_every_night():
    """Roster uploads are a kind of the nightly retention sweep (core.retention)."""
    from core import retention

    schedule = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "core.tasks.retention_sweep"
    ]
    assert len(schedule) == 1 and schedule[0]["schedule"].hour == {2}
    assert "passes.roster_uploads" in {kind.key for kind in retention.kinds()}
