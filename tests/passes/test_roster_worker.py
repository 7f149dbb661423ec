"""A large roster import on a real Celery worker: its progress is visible while its rows are not."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.urls import reverse

from kunshan_resume.celery import app as celery_app
from passes.models import RosterImport, Worker
from passes.services import roster as services
from tests.markers import postgres_only, redis_only, wait_until
from tests.passes.factories import LOW_RISK_ORIGIN, division
from tests.passes.test_roster_import import roster_upload, sheet_row

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
    redis_only,
]


def test_a_running_import_shows_its_progress_and_commits_its_rows_at_the_end(
    client, enterprise_user_a, settings, monkeypatch
):
    division(LOW_RISK_ORIGIN, "四川省广安市广安区")
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 10
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 20)
    # The worker pauses after its first batch until the test has looked at the page.
    first_batch_seen = threading.Event()

    class PausingCache:
        """The cache as the service sees it (the cache proxy itself is per thread)."""

        def set(self, key, value, *args, **kwargs):
            cache.set(key, value, *args, **kwargs)
            if value == 20:
                assert first_batch_seen.wait(timeout=30)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(services, "cache", PausingCache())
    celery_app.conf.task_always_eager = False  # restored by tests/conftest.py
    client.force_login(enterprise_user_a)
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        response = client.post(
            reverse("passes:roster_import"), {"file": roster_upload([sheet_row(n) for n in range(1, 51)])}
        )
        job = RosterImport.objects.get()
        assert response["Location"] == reverse("passes:roster_import_status", args=[job.pk])

        def progress():
            return client.get(response["Location"], HTTP_HX_REQUEST="true").context

        assert wait_until(lambda: progress()["rows_done"] == 20)
        page = progress()
        assert page["job"].status == RosterImport.Status.RUNNING and page["percent"] == 40
        assert not Worker.objects.exists()  # written, but inside the import's transaction
        first_batch_seen.set()
        assert wait_until(lambda: progress()["job"].status == RosterImport.Status.DONE)
    assert Worker.objects.count() == 50
    assert progress()["rows_done"] == 50
