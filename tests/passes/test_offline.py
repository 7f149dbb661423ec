"""Offline checkpoint support (issue 17, item 1): the revocation list and its deltas, the batch upload of
offline checks, who may reach both, the manifest and service worker, and what the token carries."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from passes import signing
from passes.models import CheckTally, PassCheck, PassEvent, RiskLevel
from passes.selectors import revocation_list as revocation_selectors
from passes.selectors.revocation_list import revocation_list
from passes.services import check_upload
from passes.services import return_passes as services
from passes.services.suspensions import return_passes_follow_risk_list
from passes.tallies import pass_tallies_rebuild
from reference.models import Community
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.passes.factories import HIGH_RISK_ORIGIN, applied_passes, division, issued_pass, published_risk_list

pytestmark = pytest.mark.django_db

S = services.S
JSON = {"HTTP_ACCEPT": "application/json"}


def _settled():
    """Now, plus enough that every event written so far is older than the settle window."""
    return time_machine.travel(timezone.now() + revocation_selectors.SETTLE + timedelta(seconds=1), tick=False)


# --- the revocation list: full and deltas ---------------------------------------------------------------------


def test_the_full_list_holds_the_revoked_and_suspended_numbers_only(enterprise_user_a, district_staff_a):
    valid, suspended, revoked = (issued_pass(enterprise_user_a, district_staff_a) for _i in range(3))
    services.return_pass_suspend(return_pass=suspended, suspended_by=district_staff_a, reason="核酸复检")
    services.return_pass_revoke(return_pass=revoked, revoked_by=district_staff_a, reason="员工已离职")
    with _settled():
        full = revocation_list()
    assert full.full and full.revoked == [revoked.number] and full.suspended == [suspended.number]
    assert full.cleared == [] and valid.number not in json.dumps(full.as_json())
    assert full.version == PassEvent.objects.latest("pk").pk


def test_a_delta_brings_a_revoke_then_a_reinstate_and_nothing_else(enterprise_user_a, district_staff_a):
    first, second, untouched = (issued_pass(enterprise_user_a, district_staff_a) for _i in range(3))
    with _settled():
        version = revocation_list().version
    services.return_pass_revoke(return_pass=first, revoked_by=district_staff_a, reason="证件信息有误")
    services.return_pass_suspend(return_pass=second, suspended_by=district_staff_a, reason="核酸复检")
    delta = revocation_list(since=version)
    assert not delta.full and delta.revoked == [first.number] and delta.suspended == [second.number]
    assert untouched.number not in delta.revoked + delta.suspended + delta.cleared
    with _settled():
        version = revocation_list(since=version).version
        services.return_pass_reinstate(return_pass=second, reinstated_by=district_staff_a)
        delta = revocation_list(since=version)
    assert (delta.revoked, delta.suspended, delta.cleared) == ([], [], [second.number])


def test_a_reissue_revokes_the_old_number_and_the_new_one_stays_off_the_list(enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    with _settled():
        version = revocation_list().version
    new = services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    delta = revocation_list(since=version)
    assert delta.revoked == [old.number] and delta.suspended == []
    assert delta.cleared == [new.number]  # valid: a phone that holds nothing for it drops nothing
    # And the new token carries the new field.
    assert signing.verify(new.token)["i4"] == new.worker.id_number_masked[-4:]


def test_recent_events_are_served_again_until_they_settle(enterprise_user_a, district_staff_a):
    """An event id can become visible after a higher one (commit order): the version stops short of the
    last minutes, so a phone asks for them again rather than skipping one."""
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    with _settled():
        version = revocation_list().version
    services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason="证件信息有误")
    delta = revocation_list(since=version)
    assert delta.version == version and delta.revoked == [return_pass.number]
    assert revocation_list(since=delta.version).revoked == [return_pass.number]  # again, harmlessly
    with _settled():
        later = revocation_list(since=delta.version)
    assert later.version > version and revocation_list(since=later.version).revoked == []


def test_a_version_this_server_never_gave_gets_the_full_list(enterprise_user_a, district_staff_a):
    issued_pass(enterprise_user_a, district_staff_a)
    latest = PassEvent.objects.latest("pk").pk
    assert revocation_list(since=latest + 1000).full and revocation_list(since=-3).full
    assert revocation_list(since=None).full and not revocation_list(since=latest).full


def test_a_new_risk_list_suspending_a_thousand_arrives_as_one_delta(enterprise_user_a, district_staff_a):
    wuhan = division(HIGH_RISK_ORIGIN, "武汉市江岸区")
    passes = applied_passes(enterprise_user_a, count=1000, origin=wuhan)
    services.return_pass_issue(pass_ids=[p.pk for p in passes], issued_by=district_staff_a)
    with _settled():
        version = revocation_list().version
    risk_list = published_risk_list(effective_from=timezone.localdate(), areas={"420000": RiskLevel.HIGH})
    assert return_passes_follow_risk_list(risk_list=risk_list).suspended == 1000
    delta = revocation_list(since=version)
    assert sorted(delta.suspended) == sorted(p.number for p in passes) and delta.revoked == []
    # Compact: a number and its quotes each, well under a megabyte for 50,000 (see bench/offline.py).
    assert len(json.dumps(delta.as_json())) < 1000 * 16 + 200


def test_a_settled_delta_is_served_from_the_cache_until_the_next_event(
    client, checkpoint_staff, enterprise_user_a, district_staff_a, django_assert_max_num_queries
):
    """Phones coming online after a list change share one query; a later change is never hidden by it."""
    first, second = (issued_pass(enterprise_user_a, district_staff_a) for _i in range(2))
    with _settled():
        version = revocation_list().version
    services.return_pass_suspend(return_pass=first, suspended_by=district_staff_a, reason="核酸复检")
    client.force_login(checkpoint_staff)
    url = reverse("passes:check_revocations")
    with _settled():
        expected = revocation_list(since=version).as_json()
        answer = client.get(url, {"since": version}, **JSON).json()
        # The session (from the database when there is no Redis), its user and the newest event; not the list.
        with django_assert_max_num_queries(3):
            again = client.get(url, {"since": version}, **JSON).json()
    for body in (answer, again):
        assert {k: v for k, v in body.items() if k != "generated_at"} == {
            k: v for k, v in expected.items() if k != "generated_at"
        }
    assert again["suspended"] == [first.number] and again["version"] == PassEvent.objects.latest("pk").pk
    services.return_pass_revoke(return_pass=second, revoked_by=district_staff_a, reason="员工已离职")
    fresh = client.get(url, {"since": version}, **JSON).json()  # not settled yet: read from the database
    assert (fresh["suspended"], fresh["revoked"]) == ([first.number], [second.number])
    assert fresh["version"] == version
    with _settled():
        settled = client.get(url, {"since": version}, **JSON).json()
    assert (settled["suspended"], settled["revoked"]) == ([first.number], [second.number])


# --- the revocation endpoint: who may read it ---------------------------------------------------------------


def test_checkpoint_and_district_staff_read_the_list(client, checkpoint_staff, district_staff_b):
    for user in (checkpoint_staff, district_staff_b):
        client.force_login(user)
        response = client.get(reverse("passes:check_revocations"), **JSON)
        assert response.status_code == 200 and response.json()["full"] is True
        assert "no-store" in response["Cache-Control"]  # numbers of blocked passes: not for shared caches


def test_a_bad_version_is_answered_with_the_full_list(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    assert client.get(reverse("passes:check_revocations"), {"since": "abc"}).json()["full"] is True


@pytest.mark.parametrize("who", ["enterprise", "commander", "authority"])
def test_other_roles_cannot_read_the_list_or_upload(client, who, enterprise_user_a, commander, authority_staff):
    client.force_login({"enterprise": enterprise_user_a, "commander": commander, "authority": authority_staff}[who])
    assert client.get(reverse("passes:check_revocations")).status_code == 403
    body = json.dumps({"checks": [_check()]})
    assert client.post(reverse("passes:check_upload"), body, content_type="application/json").status_code == 403
    assert not PassCheck.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get(reverse("passes:check_revocations")).status_code == 302
    assert client.post(reverse("passes:check_upload"), "{}", content_type="application/json").status_code == 302


# --- the batch upload -----------------------------------------------------------------------------------------


def _check(community_id=None, **overrides) -> dict:
    check = {
        "check_id": str(uuid.uuid4()),
        "at": int((timezone.now() - timedelta(minutes=30)).timestamp() * 1000),
        "result": "valid",
        "pass_number": "KS12345678",
        "community": community_id,
    }
    check.update(overrides)
    return check


def _upload(client, checks):
    return client.post(reverse("passes:check_upload"), json.dumps({"checks": checks}), content_type="application/json")


def test_a_batch_is_stored_once_however_often_it_is_sent(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    checks = [_check(checkpoint_staff.community_id, pass_number=f"KS{i:08d}") for i in range(5)]
    first = _upload(client, checks).json()
    assert sorted(first["accepted"]) == sorted(c["check_id"] for c in checks) and first["refused"] == []
    again = _upload(client, checks + checks[:2]).json()  # the upload was cut after the server wrote it
    assert sorted(again["accepted"]) == sorted(c["check_id"] for c in checks)
    stored = PassCheck.objects.filter(check_id__in=[c["check_id"] for c in checks])
    assert stored.count() == 5
    # Counted once for the dashboards, as a recount of the log would.
    (cell,) = CheckTally.objects.all()
    assert (cell.day, cell.community_id, cell.checks) == (timezone.localdate(), checkpoint_staff.community_id, 5)
    pass_tallies_rebuild()
    assert CheckTally.objects.get().checks == 5
    row = stored.get(pass_number="KS00000000")
    assert (row.community_id, row.checked_by, row.result) == (checkpoint_staff.community_id, checkpoint_staff, "valid")
    assert row.checked_at == datetime.fromtimestamp(checks[0]["at"] / 1000, tz=UTC)


def test_an_empty_or_null_looking_number_and_an_uppercase_id_are_stored_as_sent(client, checkpoint_staff):
    # The insert sends each column as one array literal: an empty element or the word NULL must stay a string,
    # and an id in another spelling is the same check as its canonical form.
    client.force_login(checkpoint_staff)
    check_id = uuid.uuid4()
    checks = [
        _check(checkpoint_staff.community_id, pass_number="", result="invalid"),
        _check(checkpoint_staff.community_id, pass_number="NULL"),
        _check(checkpoint_staff.community_id, check_id=str(check_id).upper()),
        _check(checkpoint_staff.community_id, check_id=str(check_id)),
    ]
    answer = _upload(client, checks).json()
    assert answer["accepted"] == [c["check_id"] for c in checks[:3]] and answer["refused"] == []
    numbers = PassCheck.objects.filter(checked_by=checkpoint_staff).values_list("pass_number", flat=True)
    assert sorted(numbers) == ["", "KS12345678", "NULL"]
    assert PassCheck.objects.filter(check_id=check_id).count() == 1


def test_a_partial_batch_then_the_rest_stores_every_check_once(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    checks = [_check(checkpoint_staff.community_id) for _i in range(10)]
    _upload(client, checks[:4])
    answer = _upload(client, checks).json()
    assert len(answer["accepted"]) == 10
    assert PassCheck.objects.filter(check_id__in=[c["check_id"] for c in checks]).count() == 10


def test_checks_of_another_community_are_refused_and_the_rest_stored(client, checkpoint_staff):
    other = Community.objects.exclude(pk=checkpoint_staff.community_id).first()
    client.force_login(checkpoint_staff)
    own, foreign = _check(checkpoint_staff.community_id), _check(other.pk)
    answer = _upload(client, [own, foreign]).json()
    assert answer["accepted"] == [own["check_id"]]
    assert answer["refused"] == [{"check_id": foreign["check_id"], "reason": str(check_upload.MSG_OTHER_COMMUNITY)}]
    assert not PassCheck.objects.filter(community=other).exists()


def test_an_offline_check_records_its_entrance_even_one_closed_since(client, checkpoint_staff):
    from passes.models import Entrance

    community = checkpoint_staff.community
    east = Entrance.objects.create(community=community, name="东门")
    west = Entrance.objects.create(community=community, name="西门", is_open=False)  # closed after the check
    elsewhere = Entrance.objects.create(community=Community.objects.exclude(pk=community.pk).first(), name="北门")
    client.force_login(checkpoint_staff)
    at_east, at_west = _check(community.pk, entrance=str(east.pk)), _check(community.pk, entrance=west.pk)
    none, foreign, garbage = (
        _check(community.pk),
        _check(community.pk, entrance=elsewhere.pk),
        _check(community.pk, entrance="东门"),
    )
    answer = _upload(client, [at_east, at_west, none, foreign, garbage]).json()
    assert answer["accepted"] == [at_east["check_id"], at_west["check_id"], none["check_id"]]
    assert answer["refused"] == [
        {"check_id": foreign["check_id"], "reason": str(check_upload.MSG_OTHER_ENTRANCE)},
        {"check_id": garbage["check_id"], "reason": str(check_upload.MSG_MALFORMED)},
    ]
    stored = dict(PassCheck.objects.values_list("check_id", "entrance_id"))
    assert {str(k): v for k, v in stored.items()} == {
        at_east["check_id"]: east.pk,
        at_west["check_id"]: west.pk,
        none["check_id"]: None,
    }


def test_district_staff_upload_their_own_checks_without_a_community(client, district_staff_a, checkpoint_staff):
    client.force_login(district_staff_a)
    mine, claimed = _check(None), _check(checkpoint_staff.community_id)
    answer = _upload(client, [mine, claimed]).json()
    assert answer["accepted"] == [mine["check_id"]] and len(answer["refused"]) == 1
    assert PassCheck.objects.get().checked_by == district_staff_a


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"check_id": "not-a-uuid"}, check_upload.MSG_MALFORMED),
        ({"at": "yesterday"}, check_upload.MSG_MALFORMED),
        ({"at": True}, check_upload.MSG_MALFORMED),
        ({"at": 10**20}, check_upload.MSG_MALFORMED),
        ({"result": "maybe"}, check_upload.MSG_MALFORMED),
        ({"pass_number": "<script>"}, check_upload.MSG_MALFORMED),
        ({"pass_number": "KS" + "1" * 20}, check_upload.MSG_MALFORMED),
        ({"at": int((timezone.now() + timedelta(hours=2)).timestamp() * 1000)}, check_upload.MSG_FUTURE),
        ({"at": int((timezone.now() - timedelta(days=400)).timestamp() * 1000)}, check_upload.MSG_TOO_OLD),
    ],
)
def test_a_malformed_check_is_refused_with_its_reason(client, checkpoint_staff, overrides, message):
    client.force_login(checkpoint_staff)
    good, bad = _check(checkpoint_staff.community_id), _check(checkpoint_staff.community_id, **overrides)
    answer = _upload(client, [good, bad]).json()
    assert answer["accepted"] == [good["check_id"]]
    assert [r["reason"] for r in answer["refused"]] == [str(message)]
    assert PassCheck.objects.count() == 1


def test_checks_of_another_guard_are_refused(client, checkpoint_staff):
    """A shared phone: what one guard checked offline is not logged under the next guard's name."""
    colleague = UserFactory(checkpoint_staff=True)
    client.force_login(checkpoint_staff)
    mine, theirs = (
        _check(checkpoint_staff.community_id, by=checkpoint_staff.pk),
        _check(checkpoint_staff.community_id, by=colleague.pk),
    )
    answer = _upload(client, [mine, theirs]).json()
    assert answer["accepted"] == [mine["check_id"]]
    assert answer["refused"] == [{"check_id": theirs["check_id"], "reason": str(check_upload.MSG_OTHER_USER)}]
    assert list(PassCheck.objects.values_list("checked_by", flat=True)) == [checkpoint_staff.pk]


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"checks": {}}', '{"other": []}', json.dumps({"checks": [{}] * 1001}), "\xff"],
)
def test_a_malformed_request_is_a_400_and_writes_nothing(client, checkpoint_staff, body):
    client.force_login(checkpoint_staff)
    response = client.post(reverse("passes:check_upload"), body, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["error"]
    assert not PassCheck.objects.exists()


@postgres_only  # SQLite's bulk_create (the embedded default's path) splits a batch by its variable limit
def test_an_upload_is_one_insert_whatever_the_batch(client, checkpoint_staff, django_assert_max_num_queries):
    client.force_login(checkpoint_staff)
    checks = [_check(checkpoint_staff.community_id) for _i in range(500)]
    with django_assert_max_num_queries(6):
        assert len(_upload(client, checks).json()["accepted"]) == 500


# --- the installable page ---------------------------------------------------------------------------------


def test_the_page_links_its_manifest_and_offline_settings(client, checkpoint_staff, settings):
    settings.PASS_REVOCATION_STALE_HOURS = 6
    client.force_login(checkpoint_staff)
    html = client.get(reverse("passes:check")).content.decode()
    assert f'<link rel="manifest" href="{reverse("passes:check_manifest")}">' in html
    assert 'id="checkpoint-offline"' in html and '"staleHours": 6' in html
    assert f'"community": {checkpoint_staff.community_id}' in html


def test_the_manifest_and_service_worker_are_served_for_the_checkpoint_scope(client):
    manifest = client.get(reverse("passes:check_manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["start_url"] == data["scope"] == reverse("passes:check") and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    worker = client.get(reverse("passes:check_sw"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == reverse("passes:check")
    text = worker.content.decode()
    assert "jsQR.js" in text and "checkpoint-offline.js" in text and "https://" not in text  # no CDN


# --- what the token carries ---------------------------------------------------------------------------------


def test_a_pass_signed_before_the_change_still_verifies(client, enterprise_user_a, district_staff_a):
    """The old claims: with the employer, without the last four ID characters."""
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    claims = services.pass_claims(return_pass)
    claims.pop("i4")
    claims["e"] = return_pass.enterprise.name
    old_token, _kid = signing.sign(claims)
    checkpoint = UserFactory(checkpoint_staff=True)
    client.force_login(checkpoint)
    data = client.get(reverse("passes:verify", kwargs={"token": old_token}), **JSON).json()
    assert data["status"] == "valid" and data["id_last4"] == "" and "enterprise" not in data
    html = client.get(reverse("passes:verify", kwargs={"token": old_token})).content.decode()
    assert "未载明(旧证)" in html and return_pass.enterprise.name not in html
