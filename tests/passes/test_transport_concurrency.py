"""Two people acting on the same trip, or naming the same worker, at the same moment: one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from passes.models import TransportEvent, TransportRequest
from passes.services import transport as services
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.passes.factories import LOW_RISK_ORIGIN, WorkerFactory, division

# Real row locks need a real database server and one connection per thread (PostgreSQL in CI).
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]
S = TransportRequest.Status


def _race(calls: dict) -> dict[str, str]:
    """Run the calls at once; each name maps to "ok" or the messages of the ValidationError it raised."""
    start = threading.Barrier(len(calls))
    results: dict[str, str] = {}

    def run(name, call):
        start.wait()
        try:
            call()
            results[name] = "ok"
        except ValidationError as error:
            results[name] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _request(user, workers=()):
    return services.transport_request_create(
        enterprise=user.enterprise,
        requested_by=user,
        origin=division(LOW_RISK_ORIGIN),
        departure_on=timezone.localdate(),
        headcount=5,
        workers=workers,
        contact_name="王五",
        contact_mobile="13912345678",
    )


def test_a_decline_and_a_withdrawal_at_once_one_wins(enterprise_user_a, district_a):
    """Neither move can follow the other (a declined trip cannot be withdrawn, nor a withdrawn one declined),
    so whichever order the row lock gives them, exactly one succeeds."""
    trip = _request(enterprise_user_a)
    decliner = UserFactory(district_staff=True, district=district_a)
    results = _race(
        {
            "decline": lambda: services.transport_request_decline(
                transport_request=trip, declined_by=decliner, reason="无车"
            ),
            "cancel": lambda: services.transport_request_cancel(transport_request=trip, cancelled_by=enterprise_user_a),
        }
    )
    trip.refresh_from_db()
    winner = "decline" if trip.status == S.DECLINED else "cancel"
    loser = "cancel" if winner == "decline" else "decline"
    assert results[winner] == "ok"
    assert results[loser] == str(
        services.MSG_ILLEGAL % {"status": trip.get_status_display(), "action": services.ACTION_LABELS[loser]}
    )
    assert TransportEvent.objects.filter(transport_request=trip, from_status=S.REQUESTED).count() == 1


def test_two_requests_naming_the_same_worker_at_once_one_is_refused(enterprise_user_a):
    colleague = UserFactory(enterprise_user=True, enterprise=enterprise_user_a.enterprise)
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, arrived_on=None, quarantine_started_on=None)
    results = _race(
        {
            "first": lambda: _request(enterprise_user_a, [worker]),
            "second": lambda: _request(colleague, [worker]),
        }
    )
    assert sorted(results.values()) == [
        "ok",
        str(services.MSG_WORKER_ON_TRIP % {"name": worker.name, "date": timezone.localdate().isoformat()}),
    ]
    assert TransportRequest.objects.filter(workers=worker).count() == 1
