"""Liveness and readiness (issue 20, item 1): only the database is fatal; Redis and beat trouble is "degraded"."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from core.health import beat_heartbeat_stamp
from workforce.services import daily_summary_build

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def with_beat(settings):
    """As in production: tasks go to a broker and beat schedules them (the broker itself is not needed here)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz_live"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_ok_with_the_database_and_says_what_it_checked(client):
    for url in (reverse("healthz_ready"), "/healthz"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["broker"] in ("ok", "eager") and body["cache"] in ("ok", "local")


@pytest.mark.django_db
def test_readiness_is_down_without_the_database(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr("core.health._database", unreachable)
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["database"] == "error: OperationalError"


@pytest.mark.django_db
def test_readiness_is_degraded_not_down_when_redis_is_unreachable(client, settings):
    from kunshan_resume.celery import app

    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": UNREACHABLE_REDIS}}
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, UNREACHABLE_REDIS
    try:
        response = client.get(reverse("healthz_ready"))
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
    assert response.status_code == 200  # a load balancer keeps the node: pages and checks fall back
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cache"].startswith("error") and body["broker"].startswith("error")


@pytest.mark.django_db
def test_readiness_reports_the_age_of_beats_heartbeat(client, settings, with_beat):
    now = timezone.now()
    beat_heartbeat_stamp(now - dt.timedelta(seconds=30))
    beat = client.get(reverse("healthz_ready")).json()["beat"]
    assert beat["status"] == "ok" and 30 <= beat["age_seconds"] < 60

    beat_heartbeat_stamp(now - dt.timedelta(seconds=settings.BEAT_HEARTBEAT_MAX_AGE + 60))
    body = client.get(reverse("healthz_ready")).json()
    assert body["beat"]["status"] == "stale" and body["status"] == "degraded"


@pytest.mark.django_db
def test_the_heartbeat_task_is_scheduled_and_stamps(settings, with_beat, client):
    from core.tasks import beat_heartbeat

    assert any(entry["task"] == "core.tasks.beat_heartbeat" for entry in settings.CELERY_BEAT_SCHEDULE.values())
    beat_heartbeat()
    assert client.get(reverse("healthz_ready")).json()["beat"]["age_seconds"] < 5


@pytest.mark.django_db
def test_readiness_reports_the_age_of_the_last_daily_summary(client):
    assert client.get(reverse("healthz_ready")).json()["daily_summary"]["status"] == "none"
    daily_summary_build(day=timezone.localdate())
    summary = client.get(reverse("healthz_ready")).json()["daily_summary"]
    assert summary["status"] == "ok" and summary["age_seconds"] < 60


@pytest.mark.django_db
def test_the_health_command_prints_the_same_and_exits_by_status(settings, with_beat):
    out = io.StringIO()
    beat_heartbeat_stamp()
    call_command("health", stdout=out)
    assert json.loads(out.getvalue())["status"] == "ok"

    beat_heartbeat_stamp(timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(SystemExit) as exit_:
        call_command("health", stdout=io.StringIO())
    assert exit_.value.code == 1
