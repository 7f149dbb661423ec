"""The daily summary task through a real Celery worker on the configured broker (Redis in CI)."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker

from kunshan_resume.celery import app as celery_app
from tests.factories import EnterpriseFactory
from tests.markers import postgres_only, redis_only, wait_until
from workforce.models import DailySummary
from workforce.tasks import build_daily_summary

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
    redis_only,
]


def test_the_summary_task_runs_on_a_real_worker_and_twice_gives_one_set_of_rows(district_a):
    EnterpriseFactory.create_batch(3, district=district_a)
    day = dt.date(2020, 3, 9)
    rows = DailySummary.objects.filter(day=day)
    celery_app.conf.task_always_eager = False  # restored by tests/conftest.py
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        build_daily_summary.delay(day.isoformat())
        assert wait_until(lambda: rows.count() == 13)
        first_built = rows.get(district__isnull=True).built_at
        # Scheduled again (a second beat, or a retry): the rows are replaced, still one set.
        build_daily_summary.delay(day.isoformat())
        assert wait_until(lambda: rows.get(district__isnull=True).built_at > first_built)
    assert rows.count() == 13
    assert rows.get(district=district_a).expected == 3
