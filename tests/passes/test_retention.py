"""Personal data leaves on time (core.retention): each kind is deleted or anonymised after its period, in short
batches, and the figures already in the daily summaries stay as they were."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, SmsMessage
from core import retention
from passes.models import IdNumberDisclosure, PassCheck, PassEvent, ReturnPass, Worker
from passes.retention import ANONYMOUS_NAME
from passes.services import roster as roster_services
from passes.services.return_passes import REVOKE_REASON_LEFT
from tests.factories import EnterpriseFactory
from tests.passes.factories import WorkerFactory, applied_passes, issued_pass
from workforce.models import DailySummary, WorkforceReport
from workforce.services import daily_summary_build

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2020, 6, 1, 2, 30, tzinfo=SHANGHAI)  # the nightly run
TODAY = NOW.date()


def _sweep(**kwargs):
    with time_machine.travel(NOW, tick=False):
        return {r.key: r for r in retention.retention_sweep(**kwargs)}


@pytest.fixture
def periods(settings):
    settings.WORKER_LEFT_RETENTION_DAYS = 30
    settings.ID_DISCLOSURE_RETENTION_DAYS = 180
    settings.PASS_CHECK_RETENTION_DAYS = 30
    settings.SMS_RETENTION_DAYS = 90
    settings.ROSTER_UPLOAD_RETENTION_HOURS = 24
    return settings


# --- workers who left ------------------------------------------------------------------------------------


def test_a_worker_who_left_past_the_period_is_anonymised_everywhere(periods, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    worker = return_pass.worker
    roster_services.worker_update(
        worker=worker, data={"job": "焊工"}, id_number=None, updated_by=enterprise_user_a
    )  # a history row with the name in it
    Worker.objects.filter(pk=worker.pk).update(left_on=TODAY - timedelta(days=31))
    kept = WorkerFactory(enterprise=enterprise_user_a.enterprise, left_on=TODAY - timedelta(days=30))
    working = WorkerFactory(enterprise=enterprise_user_a.enterprise)

    results = _sweep()

    assert results["passes.worker_left"].rows == 1
    worker.refresh_from_db()
    assert worker.name == ANONYMOUS_NAME
    assert (worker.id_number_encrypted, worker.id_number_masked, worker.mobile, worker.residence_address) == (
        "",
        "",
        "",
        "",
    )
    assert worker.temperature is None and worker.temperature_taken_at is None and worker.tested_on is None
    assert worker.id_number_digest == f"anonymised-{worker.pk}" and worker.anonymised_at is not None
    assert worker.history.count() >= 2
    assert set(worker.history.values_list("name", "mobile", "residence_address", "id_number_masked")) == {
        (ANONYMOUS_NAME, "", "", "")
    }
    return_pass.refresh_from_db()
    assert return_pass.token == "" and return_pass.number  # the pass stays, without the name it carried
    # Who left less than the period ago, and who still works there, keep everything.
    for other in (kept, working):
        other.refresh_from_db()
        assert other.anonymised_at is None and other.name != ANONYMOUS_NAME and other.id_number_encrypted
    assert _sweep()["passes.worker_left"].rows == 0  # a second run finds nothing


def test_the_sweep_runs_in_batches_of_short_transactions(periods, enterprise_a):
    WorkerFactory.create_batch(5, enterprise=enterprise_a, left_on=TODAY - timedelta(days=60))

    result = _sweep(batch_size=2, only=["passes.worker_left"])["passes.worker_left"]

    assert (result.rows, result.batches) == (5, 3)
    assert len(result.durations) == 3 and result.longest_transaction == max(result.durations)
    assert not Worker.objects.filter(anonymised_at__isnull=True).exists()


def test_an_anonymised_worker_cannot_be_disclosed_edited_or_exported(
    periods, enterprise_user_a, district_staff_a, enterprise_a
):
    worker = WorkerFactory(enterprise=enterprise_a, left_on=TODAY - timedelta(days=60))
    WorkerFactory(enterprise=enterprise_a)
    _sweep()
    worker.refresh_from_db()
    with pytest.raises(ValidationError):
        roster_services.worker_id_number_disclose(worker=worker, user=district_staff_a, reason="核查")
    with pytest.raises(ValidationError):
        roster_services.worker_update(worker=worker, data={"job": "x"}, id_number=None, updated_by=enterprise_user_a)
    _content, count = roster_services.roster_export(
        enterprise=enterprise_a, exported_by=enterprise_user_a, reason="备案"
    )
    assert count == 1


# --- the enterprise marks a worker as left ------------------------------------------------------------


def test_the_enterprise_marks_a_worker_as_left_and_their_passes_close(client, enterprise_user_a, district_staff_a):
    valid = issued_pass(enterprise_user_a, district_staff_a)
    worker = valid.worker
    client.force_login(enterprise_user_a)
    day = timezone.localdate() - timedelta(days=1)

    response = client.post(reverse("passes:roster_leave", args=[worker.pk]), {"left_on": day.isoformat()})

    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.left_on == day
    valid.refresh_from_db()
    assert (valid.status, valid.status_reason) == (ReturnPass.Status.REVOKED, str(REVOKE_REASON_LEFT))
    event = PassEvent.objects.filter(return_pass=valid).latest("at")
    assert (event.to_status, event.actor) == (ReturnPass.Status.REVOKED, enterprise_user_a)
    assert f"{day:%Y-%m-%d} 离职" in client.get(reverse("passes:roster_detail", args=[worker.pk])).content.decode()
    # Not offered for a new pass.
    page = client.get(reverse("passes:apply"))
    assert page.status_code == 200 and worker.name not in page.content.decode()


def test_an_application_pending_for_a_worker_who_left_is_refused(enterprise_user_a):
    (applied,) = applied_passes(enterprise_user_a)
    roster_services.worker_leave(worker=applied.worker, left_on=timezone.localdate(), marked_by=enterprise_user_a)
    applied.refresh_from_db()
    assert applied.status == ReturnPass.Status.REFUSED


def test_a_leaving_day_in_the_future_is_refused_and_nothing_changes(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(reverse("passes:roster_leave", args=[worker.pk]), {"left_on": tomorrow.isoformat()})
    assert response.status_code == 302
    assert Worker.objects.get(pk=worker.pk).left_on is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert str(roster_services.MSG_LEFT_IN_FUTURE) in messages


def test_a_mistaken_leaving_day_can_be_cleared(enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, left_on=timezone.localdate())
    roster_services.worker_leave(worker=worker, left_on=None, marked_by=enterprise_user_a)
    assert Worker.objects.get(pk=worker.pk).left_on is None


def test_only_the_enterprise_marks_its_workers_as_left(district_staff_a, enterprise_user_b, enterprise_a):
    worker = WorkerFactory(enterprise=enterprise_a)
    for user in (district_staff_a, enterprise_user_b):
        with pytest.raises(PermissionDenied):
            roster_services.worker_leave(worker=worker, left_on=timezone.localdate(), marked_by=user)
    assert Worker.objects.get(pk=worker.pk).left_on is None


# --- the logs ------------------------------------------------------------------------------------------


def _aged(model, days: int, field: str, **values):
    row = model.objects.create(**values)
    model.objects.filter(pk=row.pk).update(**{field: NOW - timedelta(days=days)})
    return row


def test_the_id_number_disclosure_log_is_deleted_after_its_period(periods, district_staff_a, enterprise_a):
    values = {"kind": "view", "user": district_staff_a, "enterprise": enterprise_a, "reason": "核查"}
    old = _aged(IdNumberDisclosure, 182, "at", **values)
    recent = _aged(IdNumberDisclosure, 100, "at", **values)
    assert _sweep()["passes.id_number_disclosures"].rows == 1
    assert list(IdNumberDisclosure.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not IdNumberDisclosure.objects.filter(pk=old.pk).exists()


def test_checkpoint_checks_are_deleted_after_their_period(periods):
    old = _aged(PassCheck, 32, "checked_at", checked_at=NOW, result="valid", pass_number="T1")
    recent = _aged(PassCheck, 3, "checked_at", checked_at=NOW, result="valid", pass_number="T2")
    assert _sweep()["passes.pass_checks"].rows == 1
    assert list(PassCheck.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk


def test_text_messages_are_deleted_after_their_period(periods):
    old = _aged(SmsMessage, 91, "created_at", mobile="13912345678", template="t", text="旧")
    recent = _aged(SmsMessage, 10, "created_at", mobile="13912345678", template="t", text="新")
    assert _sweep()["accounts.sms_messages"].rows == 1
    assert list(SmsMessage.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk


def test_every_kind_on_main_is_registered_with_its_setting():
    found = {kind.key: kind.setting for kind in retention.kinds()}
    assert found["passes.worker_left"] == "WORKER_LEFT_RETENTION_DAYS"
    assert found["passes.id_number_disclosures"] == "ID_DISCLOSURE_RETENTION_DAYS"
    assert found["passes.pass_checks"] == "PASS_CHECK_RETENTION_DAYS"
    assert found["passes.roster_uploads"] == "ROSTER_UPLOAD_RETENTION_HOURS"
    assert found["accounts.sms_messages"] == "SMS_RETENTION_DAYS"
    assert found["passes.health_records"] == "HEALTH_RECORD_RETENTION_DAYS"


def test_an_app_registers_a_kind_of_its_own(settings, district_staff_a):
    """How another app (e.g. health readings) joins the sweep: a kind, its setting, its batch step."""
    settings.TEST_NOTICE_RETENTION_DAYS = 7
    kind = retention.RetentionKind(
        key="tests.notifications",
        label="通知",
        setting="TEST_NOTICE_RETENTION_DAYS",
        purge_batch=lambda cutoff, size: retention.delete_batch(
            Notification.objects.filter(created_at__lt=cutoff), size
        ),
    )
    retention.register(kind)
    try:
        old = _aged(Notification, 9, "created_at", user=district_staff_a, title="旧")
        recent = _aged(Notification, 6, "created_at", user=district_staff_a, title="新")
        assert _sweep(only=["tests.notifications"])["tests.notifications"].rows == 1
        assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk
    finally:
        retention._KINDS.pop("tests.notifications")


def test_the_nightly_task_is_on_the_beat_schedule_and_sweeps(periods, enterprise_a):
    from core.tasks import retention_sweep

    WorkerFactory(enterprise=enterprise_a, left_on=TODAY - timedelta(days=60))
    assert periods.CELERY_BEAT_SCHEDULE["core-retention-sweep"]["task"] == retention_sweep.name
    with time_machine.travel(NOW, tick=False):
        counts = retention_sweep.delay().get()
    assert counts["passes.worker_left"] == 1


# --- the figures already made stay as they were ---------------------------------------------------------


def test_the_daily_summaries_do_not_change_when_the_rows_under_them_are_purged(
    periods, enterprise_user_a, district_staff_a
):
    day = TODAY - timedelta(days=60)
    enterprise = enterprise_user_a.enterprise
    workers = WorkerFactory.create_batch(3, enterprise=enterprise, left_on=day + timedelta(days=1))
    WorkforceReport.objects.create(
        enterprise=enterprise,
        day=day,
        total_employees=3,
        returned=3,
        on_duty=2,
        away_high=0,
        away_medium=0,
        away_low=0,
        in_quarantine=1,
        returned_today=1,
        returned_today_high=0,
        returned_today_medium=0,
        submitted_by=enterprise_user_a,
        submitted_at=NOW - timedelta(days=60),
    )
    EnterpriseFactory(district=enterprise.district)
    daily_summary_build(day=day, final=True)
    _aged(PassCheck, 59, "checked_at", checked_at=NOW, result="valid", pass_number="T1")
    _aged(IdNumberDisclosure, 200, "at", kind="view", user=district_staff_a, enterprise=enterprise, reason="核查")
    before = list(DailySummary.objects.filter(day=day).order_by("pk").values())

    results = _sweep()

    assert results["passes.worker_left"].rows == 3
    assert results["passes.pass_checks"].rows == 1 and results["passes.id_number_disclosures"].rows == 1
    assert list(DailySummary.objects.filter(day=day).order_by("pk").values()) == before
    assert {w.name for w in Worker.objects.filter(pk__in=[w.pk for w in workers])} == {ANONYMOUS_NAME}
    # Rebuilding the day after the purge gives the same figures: they rest on the reports, not on the people.
    daily_summary_build(day=day, final=True)
    skip = ("id", "built_at")
    after = [{k: v for k, v in row.items() if k not in skip} for row in DailySummary.objects.filter(day=day).values()]
    assert sorted(after, key=lambda r: r["district_id"] or 0) == sorted(
        ({k: v for k, v in row.items() if k not in skip} for row in before), key=lambda r: r["district_id"] or 0
    )


def test_roster_uploads_are_deleted_by_the_sweep(periods, enterprise_user_a):
    from tests.passes.test_roster_import import sheet_row
    from tests.passes.test_roster_upload_cleanup import _age, _queue, _stored

    old = _queue(enterprise_user_a, [sheet_row(1)])
    _age(old, 25)
    recent = _queue(enterprise_user_a, [sheet_row(2)])

    (result,) = retention.retention_sweep(only=["passes.roster_uploads"])

    assert result.rows == 1
    old.refresh_from_db(), recent.refresh_from_db()
    assert old.file.name == "" and recent.file.name
    assert len(_stored(periods)) == 1


def test_health_records_are_deleted_after_their_period_but_not_under_an_open_incident(
    periods, enterprise_user_a, district_staff_a
):
    from passes.models import HealthIncident, HealthReading
    from passes.services.health import ReadingInput, health_readings_record

    periods.HEALTH_RECORD_RETENTION_DAYS = 28
    enterprise = enterprise_user_a.enterprise
    calm, feverish = WorkerFactory(enterprise=enterprise), WorkerFactory(enterprise=enterprise)
    record = health_readings_record(
        enterprise=enterprise,
        entries=[
            ReadingInput(worker_id=calm.pk, temperature=Decimal("36.5"), taken_at=timezone.now()),
            ReadingInput(worker_id=feverish.pk, temperature=Decimal("38.4"), taken_at=timezone.now()),
        ],
        recorded_by=enterprise_user_a,
    )
    HealthReading.objects.filter(pk__in=[r.pk for r in record]).update(created_at=NOW - timedelta(days=29))
    recent = _aged(HealthReading, 3, "created_at", **_reading_values(record[0]))
    assert HealthIncident.objects.filter(worker=feverish, status=HealthIncident.Status.OPEN).count() == 1

    assert _sweep()["passes.health_records"].rows == 1
    kept = set(HealthReading.objects.values_list("worker_id", "pk"))
    assert kept == {(feverish.pk, record[1].pk), (calm.pk, recent.pk)}  # the open incident's reading stays


def _reading_values(reading):
    return {
        "worker": reading.worker,
        "enterprise": reading.enterprise,
        "day": reading.day,
        "temperature": reading.temperature,
        "taken_at": reading.taken_at,
        "recorded_by": reading.recorded_by,
    }
