"""The health sheet's pages: the grid, the Excel template and import (inline and as a job), and the
district's incident to-do."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from passes.models import HealthImport, HealthIncident, HealthReading, ReturnPass
from passes.services.health import (
    MSG_DUPLICATE_IN_FILE,
    MSG_NAME_MISMATCH,
    MSG_UNKNOWN_WORKER,
    ReadingInput,
    health_columns,
    health_readings_record,
)
from reference.models import District
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import UserFactory
from tests.passes.factories import WorkerFactory, issued_pass

pytestmark = pytest.mark.django_db


def _headers():
    return [str(c.header) for c in health_columns(timezone.localdate())]


def _row(worker, temperature="36.5", time="00:00", symptoms="否", ended="否", test="未检测", tested_on=None):
    return [worker.pk, worker.name, temperature, time, symptoms, ended, test, tested_on]


def test_the_grid_shows_today_only_and_who_has_no_reading(client, enterprise_user_a, django_assert_max_num_queries):
    read, unread = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    WorkerFactory.create_batch(5, enterprise=enterprise_user_a.enterprise)
    reading = health_readings_record(
        enterprise=read.enterprise,
        entries=[ReadingInput(read.pk, temperature=Decimal("36.6"), taken_at=timezone.now())],
        recorded_by=enterprise_user_a,
    )[0]
    # Yesterday's reading of the other worker is not carried over.
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    HealthReading.objects.create(
        worker=unread, enterprise=unread.enterprise, day=yesterday, recorded_by=enterprise_user_a, symptoms=False
    )
    client.force_login(enterprise_user_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("passes:health_sheet")).content.decode()
    assert "今日已登记 1 / 7 人" in page
    assert page.count("今日未登记") == 6
    assert f"{reading.temperature}℃" in page


def test_the_grid_saves_the_rows_filled_and_a_fever_suspends_the_pass(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    other = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("passes:health_sheet"),
        {
            f"temperature-{return_pass.worker_id}": "38.2",
            f"taken_at-{return_pass.worker_id}": "00:00",
            f"test_result-{other.pk}": "none",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已登记 1 人" in page and "1 人健康异常" in page
    assert HealthReading.objects.get().worker_id == return_pass.worker_id
    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.SUSPENDED


def test_a_bad_grid_row_saves_nothing(client, enterprise_user_a):
    a, b = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("passes:health_sheet"),
        {f"temperature-{a.pk}": "36.5", f"taken_at-{a.pk}": "00:00", f"temperature-{b.pk}": "36.5"},
    )
    assert response.status_code == 200 and "请同时填写测温时间" in response.content.decode()
    assert not HealthReading.objects.exists()


def test_the_sheet_is_the_enterprises_only(client, district_staff_a, checkpoint_staff):
    for user in (district_staff_a, checkpoint_staff):
        client.force_login(user)
        assert client.get(reverse("passes:health_sheet")).status_code == 403
        assert client.get(reverse("passes:health_template")).status_code == 403
        assert client.get(reverse("passes:health_import")).status_code == 403


def test_the_template_lists_the_roster_and_imports_back(client, enterprise_user_a):
    workers = WorkerFactory.create_batch(3, enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:health_template"))
    content = response.content
    sheet = open_workbook(content).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == _headers()
    assert {r[0] for r in rows[1:]} == {w.pk for w in workers}
    filled = [_row(workers[0]), _row(workers[1], temperature="", time="", symptoms="是"), _row(workers[2], "", "")]
    filled[2][1] = workers[2].name
    response = client.post(reverse("passes:health_import"), {"file": xlsx_upload(_headers(), filled)})
    assert response.status_code == 302
    assert HealthReading.objects.count() == 2  # the third row has no reading: not read yet
    assert HealthIncident.objects.get().worker == workers[1]


def test_an_imported_reading_is_stored_as_the_grid_stores_it_and_a_fever_suspends_the_pass(
    client, enterprise_user_a, district_staff_a
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    worker = return_pass.worker
    well = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    rows = [
        _row(worker, temperature="38.2", time="00:01", test="阴性", tested_on=timezone.localdate()),
        _row(well, ended="是"),
    ]
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:health_import"), {"file": xlsx_upload(_headers(), rows)})
    assert response.status_code == 302
    fever = HealthReading.objects.get(worker=worker)
    assert (fever.temperature, fever.abnormal, fever.source, fever.recorded_by) == (
        Decimal("38.2"),
        True,
        HealthReading.Source.IMPORT,
        enterprise_user_a,
    )
    assert (fever.test_result, fever.tested_on, fever.day) == (
        HealthReading.TestResult.NEGATIVE,
        timezone.localdate(),
        timezone.localdate(),
    )
    assert timezone.localtime(fever.taken_at).strftime("%H:%M") == "00:01" and fever.created_at is not None
    normal = HealthReading.objects.get(worker=well)
    assert (normal.abnormal, normal.quarantine_ended, normal.temperature) == (False, True, Decimal("36.5"))
    incident = HealthIncident.objects.get()
    assert (incident.worker, incident.reading) == (worker, fever)
    return_pass.refresh_from_db()
    worker.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.SUSPENDED
    assert (worker.temperature, worker.test_result) == (Decimal("38.2"), HealthReading.TestResult.NEGATIVE)
    assert return_pass.events.filter(to_status=ReturnPass.Status.SUSPENDED).count() == 1


def test_an_import_with_errors_writes_nothing_and_offers_the_annotated_workbook(client, enterprise_user_a):
    a, b = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    stranger = WorkerFactory()
    rows = [_row(a), _row(a), [b.pk, "别人", "36.5", "00:00"], _row(stranger), _row(b, temperature="abc")]
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:health_import"), {"file": xlsx_upload(_headers(), rows)})
    page = response.content.decode()
    assert str(MSG_DUPLICATE_IN_FILE % {"row": 2}) in page
    assert str(MSG_NAME_MISMATCH % {"name": b.name}) in page
    assert str(MSG_UNKNOWN_WORKER) in page
    assert not HealthReading.objects.exists()
    assert response.context["error_count"] == 5


def test_a_large_upload_is_imported_by_a_job_with_progress(
    client, enterprise_user_a, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 2
    workers = WorkerFactory.create_batch(4, enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("passes:health_import"), {"file": xlsx_upload(_headers(), [_row(w) for w in workers])}
        )
    job = HealthImport.objects.get()
    assert response["Location"] == reverse("passes:health_import_status", args=[job.pk])
    queued = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in queued and "已处理 0 / 4 行" in queued
    callbacks[0]()
    job.refresh_from_db()
    assert (job.status, job.created_count, job.file.name) == (HealthImport.Status.DONE, 4, "")
    assert HealthReading.objects.count() == 4
    assert "已导入 4 行, 登记 4 人。" in client.get(response["Location"]).content.decode()


def test_a_failed_job_keeps_the_annotated_workbook(
    client, enterprise_user_a, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 1
    a, b = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("passes:health_import"), {"file": xlsx_upload(_headers(), [_row(a), _row(b, "99")])}
        )
    job = HealthImport.objects.get()
    assert (job.status, job.error_count) == (HealthImport.Status.FAILED, 1)
    assert not HealthReading.objects.exists()
    errors = client.get(reverse("passes:health_import_errors", args=[job.pk]))
    sheet = open_workbook(errors.getvalue()).worksheets[0]
    assert "体温应在" in str(list(sheet.iter_rows(values_only=True))[2][-1])
    assert response.status_code == 302


def test_the_district_to_do_lists_open_incidents_of_its_residents_and_closes_them(
    client, enterprise_user_a, district_staff_a, django_assert_max_num_queries
):
    home = UserFactory(district_staff=True, district=District.objects.get(code="kfq"))
    passes = [issued_pass(enterprise_user_a, district_staff_a) for _ in range(3)]
    health_readings_record(
        enterprise=enterprise_user_a.enterprise,
        entries=[ReadingInput(p.worker_id, temperature=Decimal("38.0"), taken_at=timezone.now()) for p in passes],
        recorded_by=enterprise_user_a,
    )
    client.force_login(home)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("passes:health_incidents")).content.decode()
    assert page.count("待处置") >= 3
    incident = HealthIncident.objects.filter(worker=passes[0].worker).get()
    detail = client.get(reverse("passes:health_incident", args=[incident.pk])).content.decode()
    assert 'data-testid="incident-close"' in detail
    # No evidence yet: refused, said plainly.
    response = client.post(
        reverse("passes:health_incident_close", args=[incident.pk]), {"outcome": "normal_reading"}, follow=True
    )
    assert "不能以“复测正常”办结" in response.content.decode()
    health_readings_record(
        enterprise=enterprise_user_a.enterprise,
        entries=[ReadingInput(passes[0].worker_id, temperature=Decimal("36.4"), taken_at=timezone.now())],
        recorded_by=enterprise_user_a,
    )
    client.post(reverse("passes:health_incident_close", args=[incident.pk]), {"outcome": "normal_reading"})
    incident.refresh_from_db()
    passes[0].refresh_from_db()
    assert incident.status == "closed" and passes[0].status == ReturnPass.Status.VALID
    # The enterprise's district reads the incident but does not close it.
    client.force_login(district_staff_a)
    other = HealthIncident.objects.filter(worker=passes[1].worker).get()
    assert (
        'data-testid="incident-close"'
        not in client.get(reverse("passes:health_incident", args=[other.pk])).content.decode()
    )
    assert (
        client.post(reverse("passes:health_incident_close", args=[other.pk]), {"outcome": "normal_reading"}).status_code
        == 403
    )
