"""The pages anyone may use without signing in are rate limited per client address (core.ratelimit):
the QR link a passer-by opens (GET /passes/verify/<token>) and self-registration (POST /enterprises/register/).
Staff scanning at a checkpoint are never limited."""

import secrets

import pytest
from django.urls import reverse

from core.ratelimit import MSG_TOO_MANY_REQUESTS
from enterprises.models import Enterprise
from passes.models import PassCheck
from tests.enterprises.test_registry import _registration

pytestmark = pytest.mark.django_db

LIMIT = 3
VERIFY = reverse("passes:verify", kwargs={"token": "not-a-pass"})
REGISTER = reverse("enterprises:register")


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.RATELIMIT_ENABLE = True
    settings.PUBLIC_RATE_LIMIT = f"{LIMIT}/m"


def an_address() -> str:
    """An address no other test (nor an earlier run, within the minute the counts live) has used."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert str(MSG_TOO_MANY_REQUESTS) in response.content.decode()
    assert int(response["Retry-After"]) >= 1


def test_a_passer_by_verifying_too_often_gets_the_chinese_429_page_and_no_more_check_records(client):
    address = an_address()
    for _ in range(LIMIT):
        assert client.get(VERIFY, REMOTE_ADDR=address).status_code == 200
    assert_refused(client.get(VERIFY, REMOTE_ADDR=address))
    assert PassCheck.objects.count() == LIMIT  # the refused request logged nothing
    assert client.get(VERIFY, REMOTE_ADDR=an_address()).status_code == 200  # another address is not held up


def test_the_limit_counts_the_client_behind_the_trusted_proxy_as_the_lockout_does(client, settings):
    """Behind one proxy every request comes from the proxy's address; the client's is the last one in
    X-Forwarded-For (what the proxy appended), however the client filled the header itself."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    proxy, first, second = an_address(), an_address(), an_address()
    for forged in range(LIMIT):
        response = client.get(VERIFY, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{forged}, {first}")
        assert response.status_code == 200
    assert_refused(client.get(VERIFY, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {first}"))
    assert client.get(VERIFY, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=second).status_code == 200


def test_checkpoint_staff_are_not_limited(client, checkpoint_staff, district_staff_a):
    address = an_address()
    for user in (checkpoint_staff, district_staff_a):
        client.force_login(user)
        for _ in range(LIMIT + 2):
            assert client.get(VERIFY, REMOTE_ADDR=address).status_code == 200
    assert PassCheck.objects.filter(checked_by__isnull=False).count() == 2 * (LIMIT + 2)


def test_self_registration_is_limited_per_address(client, district_a):
    address = an_address()
    for serial in range(LIMIT):
        data = _registration(district=district_a.pk, username=f"reg{serial}", credit_code="bad")
        assert client.post(REGISTER, data, REMOTE_ADDR=address).status_code == 200
    assert client.get(REGISTER, REMOTE_ADDR=address).status_code == 200  # reading the form is not counted
    assert_refused(client.post(REGISTER, _registration(district=district_a.pk), REMOTE_ADDR=address))
    assert not Enterprise.objects.exists()
