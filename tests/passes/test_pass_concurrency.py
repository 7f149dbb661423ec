"""Two reviewers approving the same batch at the same moment: each pass is issued exactly once."""

import threading

import pytest
from django.db import connection

from accounts.models import Notification
from passes.models import PassEvent, ReturnPass
from passes.services import return_passes as services
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.passes.factories import applied_passes

# Real row locks need a real database server and one connection per thread (PostgreSQL in CI).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
]


def test_double_approval_of_the_same_batch_issues_each_pass_once(enterprise_user_a, district_a):
    passes = applied_passes(enterprise_user_a, count=40)
    ids = [p.pk for p in passes]
    reviewers = [UserFactory(district_staff=True, district=district_a) for _ in range(2)]
    start = threading.Barrier(2)
    results: dict[int, services.BatchResult] = {}
    errors: list[BaseException] = []

    def approve(index: int) -> None:
        start.wait()
        try:
            # Reversed order for one of them: the lock order is the service's (by id), not the caller's.
            chosen = ids if index == 0 else list(reversed(ids))
            results[index] = services.return_pass_issue(pass_ids=chosen, issued_by=reviewers[index])
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    done = [len(results[i].done) for i in range(2)]
    skipped = [len(results[i].skipped) for i in range(2)]
    # One reviewer's transaction waits for the other's locks, then finds every pass already issued.
    assert sorted(done) == [0, 40] and sorted(skipped) == [0, 40]
    assert ReturnPass.objects.filter(pk__in=ids, status=ReturnPass.Status.VALID).count() == 40
    issue_events = PassEvent.objects.filter(return_pass_id__in=ids, to_status=ReturnPass.Status.VALID)
    assert issue_events.count() == 40
    assert issue_events.values("return_pass_id").distinct().count() == 40
    winner = reviewers[0] if done[0] else reviewers[1]
    assert set(ReturnPass.objects.filter(pk__in=ids).values_list("decided_by_id", flat=True)) == {winner.pk}
    assert Notification.objects.filter(user=enterprise_user_a).count() == 1  # one "issued" notice, not two
