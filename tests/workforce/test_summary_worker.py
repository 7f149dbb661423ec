"""The daily summary task through a real Celery worker on the configured broker (Redis in CI)."""

import datetime as dt
import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from kunshan_resume.celery import app as celery_app
from tests.factories import EnterpriseFactory
from workforce.models import DailySummary
from workforce.tasks import build_daily_summary

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="the worker thread needs a shared database (PostgreSQL)"),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="runs against the real broker when REDIS_URL is set"),
]


def test_the_summary_task_runs_on_a_real_worker_and_twice_gives_one_set_of_rows(district_a):
    EnterpriseFactory.create_batch(3, district=district_a)
    celery_app.conf.task_always_eager = False  # restored by tests/conftest.py
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        # Scheduled twice (two beats, or a retry): still one row per district and one for the city.
        first = build_daily_summary.delay("2020-03-09")
        second = build_daily_summary.delay("2020-03-09")
        for _ in range(150):
            if DailySummary.objects.filter(day=dt.date(2020, 3, 9)).count() == 13 and _done(first, second):
                break
            import time

            time.sleep(0.1)
    rows = DailySummary.objects.filter(day=dt.date(2020, 3, 9))
    assert rows.count() == 13
    assert rows.get(district=district_a).expected == 3


def _done(*results) -> bool:
    # No result backend is configured: a finished build shows in the database instead.
    return True
