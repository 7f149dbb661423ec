"""Two handlers at once, and a duplicated beat: one request is answered once and escalated once per lapse."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from service_requests import services
from service_requests.linkage import linkage_tiers_default_load
from service_requests.models import DistrictLinkage, ServiceRequest, ServiceRequestEvent
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.service_requests.helpers import raised

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


@pytest.fixture(autouse=True)
def tiers(transactional_db):
    linkage_tiers_default_load()


def _race(*calls) -> list[str]:
    start = threading.Barrier(len(calls))
    results = []

    def run(call):
        start.wait()
        try:
            call()
            results.append("ok")
        except ValidationError as error:
            results.append(error.code)
        except PermissionDenied:
            results.append("denied")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


def test_two_staff_of_the_department_cannot_both_answer(enterprise_user_a):
    first, second = UserFactory(authority_staff=True), UserFactory(authority_staff=True)
    request = raised(enterprise_user_a, category="overreach")  # with 工信局: both may handle it
    assert _race(
        lambda: services.service_request_answer(request=request, answered_by=first, answer="甲答复"),
        lambda: services.service_request_answer(request=request, answered_by=second, answer="乙答复"),
    ) == ["handled", "ok"]
    assert ServiceRequestEvent.objects.filter(request=request, action="answer").count() == 1


def test_two_staff_cannot_both_escalate(enterprise_user_a, district_a):
    DistrictLinkage.objects.create(district=district_a, city_leader=UserFactory(role="commander"))
    first, second = UserFactory(authority_staff=True), UserFactory(authority_staff=True)
    request = raised(enterprise_user_a, category="overreach")
    results = _race(
        lambda: services.service_request_escalate(request=request, escalated_by=first),
        lambda: services.service_request_escalate(request=request, escalated_by=second),
    )
    # The loser finds the request with the city leader now: not theirs any more.
    assert results == ["denied", "ok"]
    request.refresh_from_db()
    assert request.tier == 4 and request.escalation_count == 1


def test_a_duplicated_beat_escalates_each_request_once(district_a):
    head = UserFactory(district_staff=True, district=district_a)
    DistrictLinkage.objects.create(district=district_a, task_force_head=head)
    from tests.factories import EnterpriseFactory

    owners = [
        UserFactory(
            enterprise_user=True,
            enterprise=EnterpriseFactory(
                district=district_a, responsible_official=UserFactory(district_staff=True, district=district_a)
            ),
        )
        for _ in range(30)
    ]
    requests = [raised(owner) for owner in owners]
    later = max(r.due_at for r in requests) + dt.timedelta(minutes=1)
    moved = []

    def sweep():
        moved.append(services.service_requests_escalate_overdue(now=later, batch_size=7))

    assert _race(sweep, sweep) == ["ok", "ok"]
    assert sum(moved) == 30
    assert ServiceRequestEvent.objects.filter(action="escalate").count() == 30
    assert set(ServiceRequest.objects.values_list("tier", "escalation_count")) == {(2, 1)}
