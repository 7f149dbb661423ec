"""The 30-minute idle timeout, kept without writing the session on every request."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.middleware import SessionIdleRefreshMiddleware
from tests.markers import redis_only

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime(2020, 3, 2, 8, 0))


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings):
    """The clock is moved in these tests, and Redis's clock (the cached copy's expiry) cannot be: read the
    database copy, which records the same expiry."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def _session_writes(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def _expiry(client) -> datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_requests_within_a_minute_do_not_write_the_session(client, district_staff_a):
    with time_machine.travel(START, tick=False):
        client.force_login(district_staff_a)  # signing in stamps the session
        stamped = _expiry(client)
        with CaptureQueriesContext(connection) as first:
            client.get(reverse("portal:home"))
    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        with CaptureQueriesContext(connection) as later:
            client.get(reverse("healthz"))
            client.get(reverse("portal:home"))
        assert _expiry(client) == stamped
    assert not _session_writes(first) and not _session_writes(later)


def test_signing_in_through_the_login_page_stamps_the_session(client, district_staff_a):
    from tests.factories import PASSWORD

    with time_machine.travel(START, tick=False):
        client.post(
            reverse("accounts:login"),
            {"username": district_staff_a.username, "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        assert client.session[SessionIdleRefreshMiddleware.STAMP] == int(START.timestamp())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portal:home")).status_code == 200
    assert not _session_writes(captured)


def test_a_request_after_a_minute_pushes_the_expiry_forward(client, district_staff_a):
    with time_machine.travel(START, tick=False):
        client.force_login(district_staff_a)
        client.get(reverse("portal:home"))
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        client.get(reverse("portal:home"))
        assert _expiry(client) == START + timedelta(minutes=20) + timedelta(seconds=client.session.get_expiry_age())
    with time_machine.travel(START + timedelta(minutes=49), tick=False):
        # 49 minutes after signing in, 29 after the last request: still signed in.
        assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.parametrize("idle_minutes", [30, 31])
def test_the_session_ends_after_thirty_idle_minutes(client, district_staff_a, idle_minutes, settings):
    with time_machine.travel(START, tick=False):
        client.force_login(district_staff_a)
        client.get(reverse("portal:home"))
    # A request 59 s later does not refresh, so the session ends at most 30 minutes after it.
    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        client.get(reverse("portal:home"))
    with time_machine.travel(START + timedelta(seconds=59, minutes=idle_minutes), tick=False):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_an_anonymous_visit_creates_no_session(client):
    client.get(reverse("accounts:login"))
    client.get(reverse("healthz"))
    assert not Session.objects.exists()


def test_a_stale_session_cookie_does_not_create_a_session(client, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    client.get(reverse("healthz"))
    client.get(reverse("accounts:login"))
    assert not Session.objects.exists()


def test_signing_out_still_ends_the_session(client, district_staff_a):
    client.force_login(district_staff_a)
    client.get(reverse("portal:home"))
    client.post(reverse("accounts:logout"))
    assert not Session.objects.exists()
    assert client.get(reverse("portal:home")).status_code == 302


def test_the_refresh_stamp_is_all_it_adds_to_the_session(client, district_staff_a):
    client.force_login(district_staff_a)
    client.get(reverse("portal:home"))
    assert set(client.session.keys()) - {"_auth_user_id", "_auth_user_backend", "_auth_user_hash"} == {
        SessionIdleRefreshMiddleware.STAMP
    }


@redis_only
def test_with_sessions_in_redis_quick_requests_do_not_write_the_session_either(client, district_staff_a, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(district_staff_a)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            assert client.get(reverse("portal:home")).status_code == 200
    assert not _session_writes(captured)
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]  # read from Redis
