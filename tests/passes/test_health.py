"""The daily health sheet and what follows: readings kept as rows, a fever suspending the pass at once,
the home district closing the incident, and the risk list suspending and reinstating both ways."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from passes import revocations
from passes.models import HealthIncident, HealthReading, PassEvent, PassSuspension, ReturnPass, RiskLevel, Worker
from passes.services import return_passes
from passes.services import suspensions as sus
from passes.services.health import (
    MSG_NO_NEGATIVE_TEST,
    MSG_NO_NORMAL_READING,
    MSG_NOT_HOME_DISTRICT,
    ReadingInput,
    health_incident_close,
    health_readings_record,
)
from reference.models import District
from tests.factories import UserFactory
from tests.passes.factories import HIGH_RISK_ORIGIN, MEDIUM_RISK_ORIGIN, division, issued_pass, published_risk_list

pytestmark = pytest.mark.django_db
S = ReturnPass.Status
R = PassSuspension.Reason


def _read(user, worker, temperature="36.5", **kwargs):
    entry = ReadingInput(
        worker.pk, temperature=Decimal(temperature) if temperature else None, taken_at=timezone.now(), **kwargs
    )
    if temperature is None:
        entry.taken_at = None
    (reading,) = health_readings_record(enterprise=worker.enterprise, entries=[entry], recorded_by=user)
    return reading


@pytest.fixture
def home_staff():
    """Staff of 开发区, where the factories' workers live."""
    return UserFactory(district_staff=True, district=District.objects.get(code="kfq"))


def test_readings_are_rows_and_the_newest_updates_the_worker(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    worker = return_pass.worker
    _read(enterprise_user_a, worker, "36.4")
    _read(enterprise_user_a, worker, "36.7", quarantine_ended=True)
    assert HealthReading.objects.filter(worker=worker).count() == 2
    worker.refresh_from_db()
    assert worker.temperature == Decimal("36.7") and worker.quarantine_status == Worker.Quarantine.ENDED
    # A reading with only a test result leaves the temperature as it was.
    _read(enterprise_user_a, worker, None, test_result="negative", tested_on=timezone.localdate())
    worker.refresh_from_db()
    assert worker.temperature == Decimal("36.7") and worker.test_result == "negative"


def test_a_fever_suspends_the_pass_at_once_and_tells_the_enterprise_and_the_home_district(
    enterprise_user_a, district_staff_a, home_staff, django_capture_on_commit_callbacks
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        reading = _read(enterprise_user_a, return_pass.worker, "37.3")
    return_pass.refresh_from_db()
    assert return_pass.status == S.SUSPENDED
    assert revocations.blocked_status(return_pass.number) == S.SUSPENDED
    event = return_pass.events.last()
    assert (event.from_status, event.to_status, event.actor) == (S.VALID, S.SUSPENDED, None)
    incident = HealthIncident.objects.get(worker=return_pass.worker)
    assert incident.reading == reading and incident.home_district.code == "kfq"
    assert Notification.objects.filter(user=home_staff, title__contains="健康异常").exists()
    assert Notification.objects.filter(user=enterprise_user_a, title__contains="健康异常").exists()
    assert not Notification.objects.filter(user=district_staff_a, title__contains="健康异常").exists()


def test_symptoms_alone_suspend_and_a_second_fever_opens_no_second_incident(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    _read(enterprise_user_a, return_pass.worker, "36.5", symptoms=True)
    _read(enterprise_user_a, return_pass.worker, "38.0")
    return_pass.refresh_from_db()
    assert return_pass.status == S.SUSPENDED
    assert HealthIncident.objects.filter(worker=return_pass.worker).count() == 1
    assert return_pass.events.filter(to_status=S.SUSPENDED).count() == 1


def test_the_home_district_closes_with_a_normal_reading_and_the_pass_comes_back(
    enterprise_user_a, district_staff_a, home_staff
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    _read(enterprise_user_a, return_pass.worker, "38.1")
    incident = HealthIncident.objects.get()
    with pytest.raises(ValidationError) as refused:
        health_incident_close(incident=incident, closed_by=home_staff, outcome="normal_reading")
    assert refused.value.messages == [str(MSG_NO_NORMAL_READING)]
    normal = _read(enterprise_user_a, return_pass.worker, "36.6")
    with pytest.raises(ValidationError) as refused:
        health_incident_close(incident=incident, closed_by=home_staff, outcome="negative_test")
    assert refused.value.messages == [str(MSG_NO_NEGATIVE_TEST)]
    with pytest.raises(PermissionDenied) as denied:
        health_incident_close(incident=incident, closed_by=district_staff_a, outcome="normal_reading")
    assert str(denied.value) == str(MSG_NOT_HOME_DISTRICT)
    closed = health_incident_close(incident=incident, closed_by=home_staff, outcome="normal_reading", note="复测")
    assert (closed.status, closed.evidence) == (HealthIncident.Status.CLOSED, normal)
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID
    assert return_pass.events.last().actor == home_staff


def test_a_pass_suspended_for_health_and_origin_comes_back_only_when_both_are_gone(
    enterprise_user_a, district_staff_a, home_staff
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    worker = return_pass.worker
    _read(enterprise_user_a, worker, "38.5")
    Worker.objects.filter(pk=worker.pk).update(origin=division(HIGH_RISK_ORIGIN, "武汉市江岸区"))
    strict = published_risk_list(effective_from=timezone.localdate(), areas={"420000": RiskLevel.HIGH})
    sweep = sus.return_passes_follow_risk_list(risk_list=strict)
    assert (sweep.suspended, sweep.reasons_added) == (0, 1)
    _read(enterprise_user_a, worker, "36.5")
    health_incident_close(incident=HealthIncident.objects.get(), closed_by=home_staff, outcome="normal_reading")
    return_pass.refresh_from_db()
    assert return_pass.status == S.SUSPENDED  # the origin still stands
    relaxed = published_risk_list(effective_from=timezone.localdate(), areas={"330300": RiskLevel.MEDIUM})
    sweep = sus.return_passes_follow_risk_list(risk_list=relaxed)
    assert (sweep.reinstated, sweep.reasons_lifted) == (1, 1)
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID
    event = return_pass.events.last()
    assert event.to_status == S.VALID and f"第 {relaxed.pk} 版" in event.comment and relaxed.title in event.comment
    assert sus.return_passes_follow_risk_list(risk_list=relaxed).reinstated == 0  # idempotent


def test_a_relaxed_list_does_not_reinstate_a_pass_the_district_suspended_by_hand(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    other = issued_pass(enterprise_user_a, district_staff_a)
    return_passes.return_pass_suspend(return_pass=other, suspended_by=district_staff_a, reason="核查住址")
    Worker.objects.filter(pk__in=[return_pass.worker_id, other.worker_id]).update(
        origin=division(MEDIUM_RISK_ORIGIN, "温州市鹿城区"), test_result="none", tested_on=None
    )
    strict = published_risk_list(effective_from=timezone.localdate())
    sweep = sus.return_passes_follow_risk_list(risk_list=strict)
    assert (sweep.suspended, sweep.reasons_added) == (1, 2)  # the origin joins the district's own reason
    with pytest.raises(ValidationError):  # a suspended pass cannot be suspended again by hand
        return_passes.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="核查")
    relaxed = published_risk_list(effective_from=timezone.localdate(), areas={"420000": RiskLevel.HIGH})
    sweep = sus.return_passes_follow_risk_list(risk_list=relaxed)
    assert (sweep.reinstated, sweep.reasons_lifted) == (1, 2)
    return_pass.refresh_from_db()
    other.refresh_from_db()
    assert return_pass.status == S.VALID and other.status == S.SUSPENDED
    assert other.suspensions.get(lifted_at__isnull=True).reason == R.MANUAL
    # Reinstating by hand lifts every reason.
    return_passes.return_pass_reinstate(return_pass=other, reinstated_by=district_staff_a)
    assert not other.suspensions.filter(lifted_at__isnull=True).exists()


def test_a_bad_reading_writes_nothing(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    good = ReadingInput(return_pass.worker_id, temperature=Decimal("38.0"), taken_at=timezone.now())
    bad = ReadingInput(return_pass.worker_id, temperature=Decimal("36.5"))  # no time
    with pytest.raises(ValidationError):
        health_readings_record(enterprise=return_pass.enterprise, entries=[good, bad], recorded_by=enterprise_user_a)
    yesterday = ReadingInput(
        return_pass.worker_id, temperature=Decimal("36.5"), taken_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        health_readings_record(enterprise=return_pass.enterprise, entries=[yesterday], recorded_by=enterprise_user_a)
    assert not HealthReading.objects.exists() and not HealthIncident.objects.exists()
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID


def test_another_enterprise_cannot_record_for_my_workers(enterprise_user_a, enterprise_user_b, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    entry = ReadingInput(return_pass.worker_id, temperature=Decimal("38.0"), taken_at=timezone.now())
    with pytest.raises(PermissionDenied):
        health_readings_record(enterprise=enterprise_user_b.enterprise, entries=[entry], recorded_by=enterprise_user_b)
    with pytest.raises(PermissionDenied):
        health_readings_record(enterprise=return_pass.enterprise, entries=[entry], recorded_by=enterprise_user_b)


def test_every_status_change_wrote_an_event(enterprise_user_a, district_staff_a, home_staff):
    """The offline revocation list reads its deltas from PassEvent: no status change without one."""
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    _read(enterprise_user_a, return_pass.worker, "38.0")
    _read(enterprise_user_a, return_pass.worker, "36.2")
    health_incident_close(incident=HealthIncident.objects.get(), closed_by=home_staff, outcome="normal_reading")
    statuses = list(PassEvent.objects.filter(return_pass=return_pass).values_list("to_status", flat=True))
    assert statuses == [S.APPLIED, S.VALID, S.SUSPENDED, S.VALID]


def test_a_worker_with_an_open_incident_gets_no_new_pass(enterprise_user_a, district_staff_a, home_staff):
    from tests.passes.factories import WorkerFactory

    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    _read(enterprise_user_a, worker, "36.5", symptoms=True)  # a normal temperature: only the incident stands
    with pytest.raises(ValidationError) as refused:
        return_passes.return_pass_apply(enterprise=worker.enterprise, workers=[worker], applied_by=enterprise_user_a)
    assert refused.value.messages == [str(return_passes.MSG_HEALTH_INCIDENT % {"name": worker.name})]
    _read(enterprise_user_a, worker, "36.4")
    health_incident_close(incident=HealthIncident.objects.get(), closed_by=home_staff, outcome="normal_reading")
    batch = return_passes.return_pass_apply(
        enterprise=worker.enterprise, workers=[worker], applied_by=enterprise_user_a
    )
    assert batch.passes.count() == 1
