"""Entrances (出入口): district staff add and close them; a guard picks one per shift; every check records it."""

import json
import os
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from passes import checklog, revocations
from passes.models import Entrance, PassCheck
from passes.services import entrances as services
from passes.services import return_passes
from passes.views.checkpoint import ENTRANCE_COOKIE
from reference.models import Community
from tests.factories import UserFactory
from tests.markers import redis_only
from tests.passes.factories import issued_pass
from tests.passes.test_verify_checklog import _clear_passes_keys

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def redis_store(settings, _without_redis):
    """The real Redis named by REDIS_URL, emptied of the passes keys (as in test_verify_checklog)."""
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    revocations.client.cache_clear()
    r = revocations.client()
    _clear_passes_keys(r)
    yield r
    _clear_passes_keys(r)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home():
    """The checkpoint_staff fixture's community (张浦)."""
    return Community.objects.get(code="zhangpu-demo-1")


@pytest.fixture
def east(home, district_staff_a):
    return services.entrance_add(community=home, name="东门", added_by=district_staff_a)[0]


@pytest.fixture
def valid_pass(enterprise_user_a, district_staff_a):
    return issued_pass(enterprise_user_a, district_staff_a, name="张小三")


def _other_community(home):
    return Community.objects.exclude(district_id=home.district_id).first()


def _verify(client, token, **extra):
    return client.get(reverse("passes:verify", kwargs={"token": token}), **extra)


# --- district staff manage their communities' entrances --------------------------------------------


def test_district_staff_add_an_entrance_to_a_community_of_their_district(client, district_staff_a, home):
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:entrances"), {"community": home.pk, "name": "  南门 临时卡口 "})
    assert response.status_code == 302
    entrance = Entrance.objects.get(community=home)
    assert (entrance.name, entrance.is_open, entrance.created_by) == ("南门 临时卡口", True, district_staff_a)
    page = client.get(reverse("passes:entrances")).content.decode()
    assert "南门 临时卡口" in page


def test_the_same_name_twice_is_told_not_stored_twice(client, district_staff_a, home, east):
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:entrances"), {"community": home.pk, "name": "东门"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_EXISTS % {"name": "东门"})]
    assert Entrance.objects.filter(community=home).count() == 1


def test_a_blank_name_is_refused_with_nothing_stored(client, district_staff_a, home):
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:entrances"), {"community": home.pk, "name": "   "})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not Entrance.objects.exists()


def test_a_community_of_another_district_cannot_be_chosen(client, district_staff_b, home):
    client.force_login(district_staff_b)
    response = client.post(reverse("passes:entrances"), {"community": home.pk, "name": "东门"})
    assert response.status_code == 200 and "community" in response.context["form"].errors
    assert not Entrance.objects.exists()


@pytest.mark.parametrize("role", ["checkpoint", "enterprise", "commander"])
def test_only_district_staff_manage_entrances(client, role, checkpoint_staff, enterprise_user_a, commander):
    client.force_login({"checkpoint": checkpoint_staff, "enterprise": enterprise_user_a, "commander": commander}[role])
    assert client.get(reverse("passes:entrances")).status_code == 403


def test_closing_and_reopening_an_entrance(client, district_staff_a, east):
    client.force_login(district_staff_a)
    client.post(reverse("passes:entrance_close", args=[east.pk]))
    east.refresh_from_db()
    assert not east.is_open and east.closed_at is not None
    client.post(reverse("passes:entrance_reopen", args=[east.pk]))
    east.refresh_from_db()
    assert east.is_open and east.closed_at is None


def test_another_districts_entrance_is_404(client, district_staff_b, east):
    client.force_login(district_staff_b)
    assert client.post(reverse("passes:entrance_close", args=[east.pk])).status_code == 404
    east.refresh_from_db()
    assert east.is_open


def test_the_list_reads_a_fixed_number_of_queries(client, district_staff_a, home, django_assert_max_num_queries):
    for n in range(12):
        services.entrance_add(community=home, name=f"门{n}", added_by=district_staff_a)
    client.force_login(district_staff_a)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("passes:entrances")).status_code == 200


# --- a guard picks the entrance; every check records it ---------------------------------------------


def test_the_check_page_offers_the_open_entrances_of_the_guards_community(
    client, checkpoint_staff, east, home, district_staff_a
):
    closed = services.entrance_add(community=home, name="西门", added_by=district_staff_a)[0]
    services.entrance_set_open(entrance=closed, is_open=False, changed_by=district_staff_a)
    client.force_login(checkpoint_staff)
    html = client.get(reverse("passes:check")).content.decode()
    assert 'data-testid="entrance-choice"' in html and "东门" in html and "西门" not in html


def test_choosing_an_entrance_keeps_it_on_the_phone(client, checkpoint_staff, east):
    client.force_login(checkpoint_staff)
    response = client.post(reverse("passes:entrance_choose"), {"entrance": east.pk})
    assert response.status_code == 302 and response.cookies[ENTRANCE_COOKIE].value == str(east.pk)


def test_choosing_another_communitys_entrance_is_refused(client, checkpoint_staff, district_staff_b, home):
    other = _other_community(home)
    theirs = services.entrance_add(
        community=other, name="北门", added_by=UserFactory(district_staff=True, district=other.district)
    )[0]
    client.force_login(checkpoint_staff)
    response = client.post(reverse("passes:entrance_choose"), {"entrance": theirs.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_ENTRANCE_REFUSED)]
    assert not response.client.cookies.get(ENTRANCE_COOKIE) or not response.client.cookies[ENTRANCE_COOKIE].value


def test_a_scan_records_the_entrance_of_the_shift(client, checkpoint_staff, east, valid_pass):
    client.force_login(checkpoint_staff)
    client.cookies[ENTRANCE_COOKIE] = str(east.pk)
    assert _verify(client, valid_pass.token, **JSON).json()["status"] == "valid"
    check = PassCheck.objects.get()
    assert (check.entrance_id, check.community_id, check.result) == (east.pk, east.community_id, "valid")


def test_the_check_log_shows_the_entrance(client, checkpoint_staff, east, valid_pass):
    client.force_login(checkpoint_staff)
    client.cookies[ENTRANCE_COOKIE] = str(east.pk)
    _verify(client, valid_pass.token, **JSON)
    assert f"{east.community.name} · 东门" in client.get(reverse("passes:checks")).content.decode()


def test_a_typed_number_records_the_entrance_sent_with_it(client, checkpoint_staff, east, valid_pass):
    client.force_login(checkpoint_staff)
    client.post(reverse("passes:check_number"), {"number": valid_pass.number, "entrance": east.pk}, **HTMX)
    assert PassCheck.objects.get().entrance_id == east.pk


def test_without_an_entrance_the_guard_is_asked_to_choose_and_nothing_is_logged(
    client, checkpoint_staff, east, valid_pass
):
    client.force_login(checkpoint_staff)
    response = _verify(client, valid_pass.token, **HTMX)
    assert "data-entrance-refused" in response.content.decode()
    assert str(services.MSG_CHOOSE_ENTRANCE) in response.content.decode()
    assert _verify(client, valid_pass.token, **JSON).status_code == 409
    assert not PassCheck.objects.exists()


def test_a_closed_entrance_is_refused(client, checkpoint_staff, east, valid_pass, district_staff_a):
    client.force_login(checkpoint_staff)
    client.cookies[ENTRANCE_COOKIE] = str(east.pk)
    services.entrance_set_open(entrance=east, is_open=False, changed_by=district_staff_a)
    response = _verify(client, valid_pass.token, **JSON)
    assert response.status_code == 409 and response.json()["message"] == str(services.MSG_ENTRANCE_REFUSED)
    assert not PassCheck.objects.exists()


@pytest.mark.parametrize("sent", ["abc", "999999999", "-1"])
def test_a_forged_entrance_is_refused(client, checkpoint_staff, east, valid_pass, sent):
    client.force_login(checkpoint_staff)
    response = client.get(reverse("passes:verify", kwargs={"token": valid_pass.token}), {"entrance": sent}, **JSON)
    assert response.status_code == 409
    assert not PassCheck.objects.exists()


def test_another_communitys_entrance_is_refused_at_the_scan(client, checkpoint_staff, east, valid_pass, home):
    other = _other_community(home)
    theirs = services.entrance_add(
        community=other, name="北门", added_by=UserFactory(district_staff=True, district=other.district)
    )[0]
    client.force_login(checkpoint_staff)
    client.cookies[ENTRANCE_COOKIE] = str(theirs.pk)
    assert _verify(client, valid_pass.token, **JSON).status_code == 409
    assert not PassCheck.objects.exists()


def test_a_community_without_entrances_checks_as_before(client, checkpoint_staff, valid_pass):
    client.force_login(checkpoint_staff)
    assert _verify(client, valid_pass.token, **JSON).json()["status"] == "valid"
    assert PassCheck.objects.get().entrance_id is None


def test_a_passer_by_with_an_entrance_cookie_is_logged_without_it(client, east, valid_pass):
    client.cookies[ENTRANCE_COOKIE] = str(east.pk)
    assert _verify(client, valid_pass.token, **JSON).json() == {"status": "valid"}
    assert PassCheck.objects.get().entrance_id is None


# --- through the Redis queue --------------------------------------------------------------------------


@redis_only
@pytest.mark.parametrize("ready", [True, False], ids=["revocation set ready", "set not ready"])
def test_queued_checks_keep_their_entrance(redis_store, valid_pass, checkpoint_staff, east, ready):
    """Both queue paths: the one-round-trip script (set ready) and the plain RPUSH (the database answered)."""
    if ready:
        revocations.rebuild()
    return_passes.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff, entrance_id=east.pk)
    assert checklog.flush() == 1
    assert PassCheck.objects.get().entrance_id == east.pk


@redis_only
def test_a_record_queued_before_entrances_existed_is_still_stored(redis_store, checkpoint_staff):
    old = json.dumps(
        [uuid.uuid4().hex, 1.7e9, "valid", "KS00000001", checkpoint_staff.community_id, checkpoint_staff.pk]
    )
    redis_store.rpush(checklog.QUEUE_KEY, old)
    assert checklog.flush() == 1
    assert PassCheck.objects.get().entrance_id is None
