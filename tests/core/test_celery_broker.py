"""A task goes through the configured broker to a real worker (Redis in CI) and does its work."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from accounts.models import Role
from enterprises import services
from enterprises.models import Enterprise
from kunshan_resume.celery import app as celery_app
from tests.factories import EnterpriseFactory, UserFactory
from tests.markers import postgres_only, wait_until

# The worker runs in another thread with its own database connection: SQLite's in-memory test
# database is private to one connection, so this test needs PostgreSQL (as CI has).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
]


def test_registration_notice_is_sent_by_a_worker_through_the_broker(district_a, settings):
    celery_app.conf.task_always_eager = False  # restored by the autouse fixture in tests/conftest.py
    pending = EnterpriseFactory(district=district_a, status=Enterprise.Status.PENDING)
    UserFactory(role=Role.ENTERPRISE, enterprise=pending, email="boss@example.cn", is_active=False)
    staff = UserFactory(district_staff=True, district=district_a)
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        services.enterprise_confirm(enterprise=pending, confirmed_by=staff)  # queues on commit
        assert wait_until(lambda: bool(mail.outbox))
    assert [m.subject for m in mail.outbox] == [services.MAIL_SUBJECT_CONFIRMED]
    assert mail.outbox[0].to == ["boss@example.cn"]
