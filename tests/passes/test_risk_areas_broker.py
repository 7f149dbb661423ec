"""Publishing a risk list queues apply_risk_list through the configured broker (Redis in CI) to a real
worker, which suspends the passes the list makes ineligible."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import Notification
from kunshan_resume.celery import app as celery_app
from passes.models import ReturnPass, RiskLevel
from passes.services import risk_areas as services
from passes.services.return_passes import NOTICE_SUSPENDED
from reference.models import Division
from tests.markers import postgres_only, wait_until
from tests.passes.factories import issued_pass

# The worker runs in another thread with its own database connection: SQLite's in-memory test
# database is private to one connection, so this test needs PostgreSQL (as CI has).
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_a_worker_applies_a_published_list_to_the_passes(admin_user, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)  # the worker comes from 511602 广安区
    draft = services.risk_area_list_draft_create(
        created_by=admin_user, title="新名单", source_document="苏防控〔2020〕12号", effective_from=timezone.localdate()
    )
    services.risk_area_add(
        draft=draft, division=Division.objects.get(code="511600"), level=RiskLevel.HIGH, added_by=admin_user
    )
    celery_app.conf.task_always_eager = False  # restored by the autouse fixture in tests/conftest.py
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        services.risk_area_list_publish(draft=draft, published_by=admin_user)  # queues on commit

        def suspended() -> bool:
            return ReturnPass.objects.get(pk=return_pass.pk).status == ReturnPass.Status.SUSPENDED

        assert wait_until(suspended)
    assert Notification.objects.filter(user=enterprise_user_a, title=str(NOTICE_SUSPENDED) % {"count": 1}).exists()
