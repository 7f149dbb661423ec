"""Two commanders approving the same notice at the same moment: exactly one publication, one number."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from reference.models import District
from supervision import services
from supervision.models import Notice, NoticeEvent
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.supervision.helpers import pending_notice

# Real row locks need a real database server and one connection per thread (PostgreSQL in CI).
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def _at_once(calls: dict) -> dict:
    start = threading.Barrier(len(calls))
    results: dict[str, str] = {}

    def run(name, call):
        start.wait()
        try:
            call()
            results[name] = "ok"
        except ValidationError as error:
            results[name] = error.code
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_commanders_publishing_at_once_publish_once():
    district = District.objects.get(code="zhangpu")
    drafter, first, second = (UserFactory(role="commander") for _ in range(3))
    notice = pending_notice(drafter, district)
    results = _at_once({
        "first": lambda: services.notice_publish(notice=notice, approved_by=first),
        "second": lambda: services.notice_publish(notice=notice, approved_by=second),
    })
    assert sorted(results.values()) == ["decided", "ok"]
    notice.refresh_from_db()
    winner = first if results["first"] == "ok" else second
    assert notice.status == Notice.Status.PUBLISHED and notice.approved_by == winner
    assert NoticeEvent.objects.filter(notice=notice, to_status=Notice.Status.PUBLISHED).count() == 1


def test_notices_published_at_once_get_distinct_numbers():
    district = District.objects.get(code="zhangpu")
    drafter = UserFactory(role="commander")
    approvers = [UserFactory(role="commander") for _ in range(3)]
    notices = [pending_notice(drafter, district) for _ in approvers]
    results = _at_once({
        str(i): (lambda n=n, a=a: services.notice_publish(notice=n, approved_by=a))
        for i, (n, a) in enumerate(zip(notices, approvers, strict=True))
    })
    assert set(results.values()) == {"ok"}
    numbers = list(Notice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 3 and all(numbers)
