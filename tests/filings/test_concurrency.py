"""Two reviewers deciding the same filing at the same moment: exactly one decision lands."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from filings import services
from filings.models import Filing, FilingEvent
from tests.factories import UserFactory
from tests.filings.helpers import submitted
from tests.markers import postgres_only

# Real row locks need a real database server and one connection per thread (PostgreSQL in CI).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
]


def test_two_staff_deciding_at_once_one_wins_and_one_is_told(enterprise_user_a, district_a):
    filing = submitted(enterprise_user_a)
    approver = UserFactory(district_staff=True, district=district_a)
    rejecter = UserFactory(district_staff=True, district=district_a)
    start = threading.Barrier(2)
    results: dict[str, str] = {}

    def decide(name, call):
        start.wait()
        try:
            call()
            results[name] = "ok"
        except ValidationError as error:
            results[name] = error.code
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(
            target=decide, args=("approve", lambda: services.filing_approve(filing=filing, approved_by=approver))
        ),
        threading.Thread(
            target=decide,
            args=("reject", lambda: services.filing_reject(filing=filing, rejected_by=rejecter, reason="同时处理")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == ["decided", "ok"]
    filing.refresh_from_db()
    winner = "approve" if results["approve"] == "ok" else "reject"
    assert filing.status == {"approve": Filing.Status.APPROVED, "reject": Filing.Status.REJECTED}[winner]
    decisions = FilingEvent.objects.filter(filing=filing, from_status=Filing.Status.SUBMITTED)
    assert decisions.count() == 1


def test_concurrent_submissions_get_distinct_references(district_a):
    from tests.factories import EnterpriseFactory
    from tests.filings.helpers import complete_draft

    owners = [UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a)) for _ in range(4)]
    drafts = [complete_draft(owner) for owner in owners]
    start = threading.Barrier(len(drafts))
    errors = []

    def submit(draft, owner):
        start.wait()
        try:
            services.filing_submit(filing=draft, submitted_by=owner)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(drafts, owners, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    references = list(Filing.objects.values_list("reference", flat=True))
    assert len(set(references)) == 4 and all(references)
