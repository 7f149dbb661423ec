"""Two commanders approving the same notice at the same moment: exactly one publication, one number."""

import pytest

from reference.models import District
from supervision import services
from supervision.models import Notice, NoticeEvent
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.passes.test_transport_concurrency import _race
from tests.supervision.helpers import pending_notice

# Real row locks need a real database server and one connection per thread (PostgreSQL in CI).
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_two_commanders_publishing_at_once_publish_once():
    district = District.objects.get(code="zhangpu")
    drafter, first, second = (UserFactory(role="commander") for _ in range(3))
    notice = pending_notice(drafter, district)
    results = _race(
        {
            "first": lambda: services.notice_publish(notice=notice, approved_by=first),
            "second": lambda: services.notice_publish(notice=notice, approved_by=second),
        }
    )
    refused = str(services.MSG_NOTICE_ILLEGAL % {"status": Notice.Status.PUBLISHED.label})
    assert sorted(results.values()) == sorted([refused, "ok"])
    notice.refresh_from_db()
    winner = first if results["first"] == "ok" else second
    assert notice.status == Notice.Status.PUBLISHED and notice.approved_by == winner
    assert NoticeEvent.objects.filter(notice=notice, to_status=Notice.Status.PUBLISHED).count() == 1


def test_notices_published_at_once_get_distinct_numbers():
    district = District.objects.get(code="zhangpu")
    drafter = UserFactory(role="commander")
    approvers = [UserFactory(role="commander") for _ in range(3)]
    notices = [pending_notice(drafter, district) for _ in approvers]
    results = _race(
        {
            str(i): (lambda n=n, a=a: services.notice_publish(notice=n, approved_by=a))
            for i, (n, a) in enumerate(zip(notices, approvers, strict=True))
        }
    )
    assert set(results.values()) == {"ok"}
    numbers = list(Notice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 3 and all(numbers)
