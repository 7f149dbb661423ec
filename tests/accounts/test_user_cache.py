"""The signed-in user comes from the cache, and any change to the user is seen on the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _user_cache_on(settings):
    settings.USER_CACHE_SECONDS = 60


def test_the_second_request_does_not_read_the_user_from_the_database(client, commander):
    client.force_login(commander)
    client.get(reverse("passes:keys"))  # the first request loads and caches the user
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("passes:keys")).status_code == 200
    assert not [q["sql"] for q in queries if "accounts_user" in q["sql"]]


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, commander):
    client.force_login(commander)
    assert client.get(reverse("portal:home")).status_code == 200
    commander.is_active = False
    commander.save()
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_changed_role_takes_effect_on_the_next_request(client, district_staff_a):
    client.force_login(district_staff_a)
    assert client.get(reverse("passes:queue")).status_code == 200
    district_staff_a.role, district_staff_a.district = Role.COMMANDER, None
    district_staff_a.save()
    assert client.get(reverse("passes:queue")).status_code == 403


def test_a_changed_password_signs_out_the_other_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("portal:home")).status_code == 200
    user.set_password("Another-pass-2020")
    user.save()
    assert client.get(reverse("portal:home")).status_code == 302
