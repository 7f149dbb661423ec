"""Heavy reads from a streaming replica (core/replica.py).

The router and the pinning are tested everywhere. The tests marked `real_replica` need a real
PostgreSQL standby (DATABASE_REPLICA_URL): CI makes one with pg_basebackup (deploy/replica.sh) and runs
this module against it; they commit on the primary, wait for the standby to replay, and check which
connection each page read.
"""

import os

import environ
import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import replica
from core.replica import REPLICA, ReplicaRouter, reads_from_replica
from enterprises.models import Enterprise
from tests.factories import EnterpriseFactory, UserFactory
from tests.markers import wait_until
from workforce.services import daily_summary_build

REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
real_replica_only = pytest.mark.skipif(not REPLICA_URL, reason="needs a real standby: DATABASE_REPLICA_URL")


# --- the router ---------------------------------------------------------------------------------


def _reading(value: bool):
    return replica._reading_from_replica.set(value)


def test_reads_go_to_the_primary_outside_a_replica_view():
    assert ReplicaRouter().db_for_read(Enterprise) == DEFAULT_DB_ALIAS


def test_reads_in_a_replica_view_go_to_the_replica():
    token = _reading(True)
    try:
        assert ReplicaRouter().db_for_read(Enterprise) == REPLICA
    finally:
        replica._reading_from_replica.reset(token)


@pytest.mark.django_db  # the test runs in a transaction: its own writes are not on the replica yet
def test_reads_inside_a_transaction_stay_on_the_primary():
    token = _reading(True)
    try:
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Enterprise) == DEFAULT_DB_ALIAS
    finally:
        replica._reading_from_replica.reset(token)


def test_writes_and_migrations_always_go_to_the_primary():
    token = _reading(True)
    try:
        router = ReplicaRouter()
        assert router.db_for_write(Enterprise, instance=Enterprise()) == DEFAULT_DB_ALIAS
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "enterprises") is True
        assert router.allow_migrate(REPLICA, "enterprises") is False
    finally:
        replica._reading_from_replica.reset(token)


# --- pinning after a write ------------------------------------------------------------------------


def test_a_successful_write_pins_the_user_to_the_primary(rf, monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    from django.http import HttpResponse

    middleware = replica.PrimaryAfterWriteMiddleware(lambda request: HttpResponse(status=302))
    response = middleware(rf.post("/filings/1/submit/"))
    request = rf.get("/dashboard/city/")
    request.COOKIES[replica.PIN_COOKIE] = response.cookies[replica.PIN_COOKIE].value
    assert replica._pinned(request)
    assert response.cookies[replica.PIN_COOKIE]["httponly"]


def test_reads_and_refused_writes_do_not_pin(rf, monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    from django.http import HttpResponse

    assert replica.PIN_COOKIE not in replica.PrimaryAfterWriteMiddleware(lambda r: HttpResponse())(rf.get("/")).cookies
    refused = replica.PrimaryAfterWriteMiddleware(lambda r: HttpResponse(status=400))(rf.post("/"))
    assert replica.PIN_COOKIE not in refused.cookies


def test_a_forged_or_expired_pin_is_ignored(rf, settings):
    request = rf.get("/")
    request.COOKIES[replica.PIN_COOKIE] = "9999999999:forged"
    assert not replica._pinned(request)
    settings.REPLICA_PIN_SECONDS = -5  # already past when it is written
    from django.http import HttpResponse

    response = HttpResponse()
    replica.pin_to_primary(response)
    request.COOKIES[replica.PIN_COOKIE] = response.cookies[replica.PIN_COOKIE].value
    assert not replica._pinned(request)


def test_without_a_replica_the_marked_views_read_the_primary(rf):
    seen = []

    @reads_from_replica
    def view(request):
        seen.append(replica._reading_from_replica.get())
        from django.http import HttpResponse

        return HttpResponse()

    view(rf.get("/"))
    assert seen == [False]


# --- a real standby -------------------------------------------------------------------------------


@pytest.fixture
def standby(settings):
    """Points the `replica` connection (a mirror of the primary in tests) at the real standby, on the
    test database, which the standby replays like every other database of the cluster."""
    real = environ.Env.db_url_config(REPLICA_URL)
    conn = connections[REPLICA]
    conn.close()
    mirrored = conn.settings_dict
    conn.settings_dict = {
        **mirrored,
        "HOST": real["HOST"],
        "PORT": real["PORT"],
        "USER": real["USER"],
        "PASSWORD": real["PASSWORD"],
        "NAME": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"],
    }
    yield conn
    conn.close()
    conn.settings_dict = mirrored


def _replayed(conn, enterprise: Enterprise) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM enterprises_enterprise WHERE id = %s", [enterprise.pk])
        row = cursor.fetchone()
    return bool(row) and row[0] == enterprise.name


def _replayed_summary(conn, day) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM workforce_dailysummary WHERE day = %s", [day])
        return cursor.fetchone() is not None


def _replica_reads(conn, client, url: str):
    with CaptureQueriesContext(conn) as on_replica:
        response = client.get(url)
    return response, [q["sql"] for q in on_replica.captured_queries]


@pytest.fixture
def committed(district_a, commander):
    cache.clear()  # the figures are computed in the request, not served from an earlier test's cache
    return EnterpriseFactory(district=district_a, name="张浦副本企业"), commander


@pytest.mark.parametrize("view", ["dashboard:city", "dashboard:enterprises", "dashboard:enterprises_export"])
@real_replica_only
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_dashboards_lists_and_exports_read_the_standby(client, standby, committed, view):
    enterprise, commander = committed
    assert wait_until(lambda: _replayed(standby, enterprise)), "the standby did not replay the commit"
    client.force_login(commander)
    response, on_replica = _replica_reads(standby, client, reverse(view))
    assert response.status_code == 200
    # The dashboard counts the enterprises from their standings (workforce.resumption); the lists read the registry.
    table = "workforce_resumptionstanding" if view == "dashboard:city" else "enterprises_enterprise"
    assert any(table in sql for sql in on_replica), on_replica
    if view == "dashboard:enterprises":
        assert enterprise.name in {e.name for e in response.context["page"]}


@real_replica_only
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_daily_workbook_reads_the_standby(client, standby, committed):
    enterprise, commander = committed
    assert wait_until(lambda: _replayed(standby, enterprise))
    day = timezone.localdate()
    daily_summary_build(day=day)
    assert wait_until(lambda: _replayed_summary(standby, day))
    client.force_login(commander)
    response, on_replica = _replica_reads(standby, client, reverse("workforce:workbook", args=[day.isoformat()]))
    assert response.status_code == 200
    assert any("workforce_dailysummary" in sql for sql in on_replica), on_replica


@real_replica_only
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_after_a_write_the_user_reads_the_primary(client, standby, committed, district_a):
    enterprise, _commander = committed
    staff = UserFactory(district_staff=True, district=district_a)
    client.force_login(staff)
    response = client.post(reverse("accounts:logout"))  # any successful write pins; signing out is the simplest
    client.force_login(staff)
    client.cookies[replica.PIN_COOKIE] = response.cookies[replica.PIN_COOKIE].value
    response, on_replica = _replica_reads(standby, client, reverse("dashboard:enterprises"))
    assert response.status_code == 200
    assert on_replica == []


@real_replica_only
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_figures_say_how_old_they_are_and_a_silent_standby_is_skipped(client, standby, committed):
    enterprise, commander = committed
    assert wait_until(lambda: _replayed(standby, enterprise))
    client.force_login(commander)
    assert "数据截至" in client.get(reverse("dashboard:city")).content.decode()
    standby.close()
    standby.settings_dict = {**standby.settings_dict, "PORT": "1"}  # nothing listens there
    response = client.get(reverse("dashboard:enterprises"))
    assert response.status_code == 200
    assert enterprise.name in {e.name for e in response.context["page"]}
