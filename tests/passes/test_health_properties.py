"""Property: whatever sequence of readings, risk lists and incident closings, a pass stands suspended
exactly when a reason stands, and a reason stands exactly when its cause does (an open health incident;
an origin the list last applied keeps from work)."""

import contextlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passes.models import HealthIncident, PassEvent, PassSuspension, ReturnPass, RiskLevel, Worker
from passes.services import suspensions as sus
from passes.services.health import ReadingInput, health_incident_close, health_readings_record
from reference.models import District
from tests.factories import UserFactory
from tests.passes.factories import HIGH_RISK_ORIGIN, MEDIUM_RISK_ORIGIN, division, issued_pass, published_risk_list

pytestmark = pytest.mark.django_db

PROVINCE, CITY = "420000", "330300"  # listed above the two origins the worker may come from
LEVELS = st.sampled_from([None, RiskLevel.HIGH, RiskLevel.MEDIUM])
reading = st.tuples(st.just("reading"), st.sampled_from(["36.5", "37.2", "37.3", "38.5"]), st.booleans())
risk_list = st.tuples(st.just("list"), LEVELS, LEVELS)
close = st.tuples(st.just("close"), st.sampled_from(list(HealthIncident.Outcome.values)), st.none())
steps = st.lists(st.one_of(reading, risk_list, close), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=st.sampled_from([HIGH_RISK_ORIGIN, MEDIUM_RISK_ORIGIN]), steps=steps)
def test_a_pass_is_suspended_exactly_when_a_reason_stands(enterprise_user_a, district_staff_a, origin, steps):
    with transaction.atomic():
        _run(enterprise_user_a, district_staff_a, origin, steps)
        transaction.set_rollback(True)


def _run(enterprise_user, issuer, origin, steps):
    home = UserFactory(district_staff=True, district=District.objects.get(code="kfq"))
    return_pass = issued_pass(enterprise_user, issuer)
    worker = return_pass.worker
    Worker.objects.filter(pk=worker.pk).update(origin=division(origin), test_result="none", tested_on=None)
    blocked_by_list = False
    for kind, a, b in steps:
        if kind == "reading":
            entry = ReadingInput(worker.pk, temperature=Decimal(a), taken_at=timezone.now(), symptoms=b)
            health_readings_record(enterprise=worker.enterprise, entries=[entry], recorded_by=enterprise_user)
        elif kind == "list":
            areas = {code: level for code, level in ((PROVINCE, a), (CITY, b)) if level is not None}
            if not areas:
                areas = {"110000": RiskLevel.MEDIUM}  # a list that lists neither origin
            listed = published_risk_list(effective_from=timezone.localdate(), areas=areas)
            sus.return_passes_follow_risk_list(risk_list=listed)
            level = areas.get(PROVINCE if origin == HIGH_RISK_ORIGIN else CITY)
            blocked_by_list = level in (RiskLevel.HIGH, RiskLevel.MEDIUM)  # no negative test: medium blocks too
        else:
            incident = HealthIncident.objects.filter(worker=worker, status="open").first()
            if incident is not None:
                with contextlib.suppress(ValidationError):  # no evidence yet: the incident stays open
                    health_incident_close(incident=incident, closed_by=home, outcome=a)
        return_pass.refresh_from_db()
        standing = set(
            PassSuspension.objects.filter(return_pass=return_pass, lifted_at__isnull=True).values_list(
                "reason", flat=True
            )
        )
        incident_open = HealthIncident.objects.filter(worker=worker, status="open").exists()
        expected = {PassSuspension.Reason.HEALTH} if incident_open else set()
        if blocked_by_list:
            expected.add(PassSuspension.Reason.RISK_AREA)
        assert standing == expected, (steps, standing, expected)
        assert (return_pass.status == ReturnPass.Status.SUSPENDED) == bool(standing), (steps, return_pass.status)
        # Each status change wrote an event: the newest event names the status the pass holds.
        assert PassEvent.objects.filter(return_pass=return_pass).last().to_status == return_pass.status
