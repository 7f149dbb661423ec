"""The QR link, the checkpoint phone page, typed numbers and the public keys, as each role sees them."""

import base64
import json
import re
from datetime import datetime, time, timedelta

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone

from passes import signing
from passes.models import PassCheck
from passes.services import return_passes as services
from passes.views.checkpoint import LABEL_PUBLIC_INVALID, LABEL_PUBLIC_VALID, MSG_NUMBER_REQUIRED
from reference.models import Community
from tests.passes.factories import issued_pass

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def valid_pass(enterprise_user_a, district_staff_a):
    return issued_pass(enterprise_user_a, district_staff_a, name="张小三")


def _verify_url(token: str) -> str:
    return reverse("passes:verify", kwargs={"token": token})


def _details_absent(html: str, p) -> bool:
    return all(text not in html for text in (p.number, p.worker.id_number_masked[-4:], "张*三", str(p.valid_until)))


# --- the QR link: who learns what -----------------------------------------------------------------


def test_staff_at_a_checkpoint_see_the_details_the_token_carries(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    data = client.get(_verify_url(valid_pass.token), **JSON).json()
    assert data == {
        "status": "valid",
        "number": valid_pass.number,
        "name": "张*三",
        "id_last4": valid_pass.worker.id_number_masked[-4:],
        "community": valid_pass.residence_community.name,
        "valid_until": valid_pass.valid_until.isoformat(),
    }


def test_district_staff_of_any_district_see_the_details(client, valid_pass, district_staff_b):
    client.force_login(district_staff_b)
    assert client.get(_verify_url(valid_pass.token), **JSON).json()["name"] == "张*三"


def test_the_html_result_shows_the_details_large_and_green(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    response = client.get(_verify_url(valid_pass.token), **BROWSER)
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'class="verdict verdict-valid"' in html and 'data-status="valid"' in html
    last4 = valid_pass.worker.id_number_masked[-4:]
    for text in ("有效", "张*三", last4, valid_pass.number, valid_pass.residence_community.name):
        assert text in html
    assert valid_pass.enterprise.name not in html  # the employer no longer travels in the token
    assert valid_pass.worker.name not in html  # only ever the masked name


@pytest.mark.parametrize("who", ["anonymous", "enterprise", "commander", "authority"])
def test_everyone_else_learns_only_valid_or_not(client, valid_pass, who, enterprise_user_b, commander, authority_staff):
    user = {"anonymous": None, "enterprise": enterprise_user_b, "commander": commander, "authority": authority_staff}[
        who
    ]
    if user:
        client.force_login(user)
    assert client.get(_verify_url(valid_pass.token), **JSON).json() == {"status": "valid"}
    html = client.get(_verify_url(valid_pass.token), **BROWSER).content.decode()
    assert str(LABEL_PUBLIC_VALID) in html and _details_absent(html, valid_pass)


def test_a_revoked_pass_is_revoked_at_the_checkpoint_and_simply_invalid_in_public(
    client, valid_pass, district_staff_a, checkpoint_staff
):
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    assert client.get(_verify_url(valid_pass.token), **JSON).json() == {"status": "invalid"}
    html = client.get(_verify_url(valid_pass.token)).content.decode()
    assert str(LABEL_PUBLIC_INVALID) in html and "verdict-refused" in html and _details_absent(html, valid_pass)
    client.force_login(checkpoint_staff)
    assert client.get(_verify_url(valid_pass.token), **JSON).json()["status"] == "revoked"
    assert "已吊销" in client.get(_verify_url(valid_pass.token)).content.decode()


def test_a_suspended_pass_is_suspended_in_orange(client, valid_pass, district_staff_a, checkpoint_staff):
    services.return_pass_suspend(return_pass=valid_pass, suspended_by=district_staff_a, reason="复查")
    client.force_login(checkpoint_staff)
    assert client.get(_verify_url(valid_pass.token), **JSON).json()["status"] == "suspended"
    html = client.get(_verify_url(valid_pass.token)).content.decode()
    assert "verdict-caution" in html and "暂停使用" in html
    services.return_pass_reinstate(return_pass=valid_pass, reinstated_by=district_staff_a)
    assert client.get(_verify_url(valid_pass.token), **JSON).json()["status"] == "valid"


def test_a_pass_past_its_last_day_is_expired_in_orange(client, valid_pass, checkpoint_staff):
    last_day = timezone.make_aware(datetime.combine(valid_pass.valid_until, time.min))
    with time_machine.travel(last_day + timedelta(hours=23), tick=False):
        client.force_login(checkpoint_staff)  # signed in then: the session ends after 30 idle minutes
        assert client.get(_verify_url(valid_pass.token), **JSON).json()["status"] == "valid"
    with time_machine.travel(last_day + timedelta(days=1, hours=8), tick=False):
        client.force_login(checkpoint_staff)
        data = client.get(_verify_url(valid_pass.token), **JSON).json()
        html = client.get(_verify_url(valid_pass.token)).content.decode()
    assert data["status"] == "expired" and data["number"] == valid_pass.number
    assert "verdict-caution" in html and "已过期" in html


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload[:-4]}{'A' if payload[-4] != 'A' else 'B'}{payload[-3:]}.{signature}"


def _unsigned(token: str) -> str:
    header = {"alg": "none", "kid": signing.keyring().signing_kid}
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{encoded}.{token.split('.')[1]}."


def _foreign(token: str) -> str:
    claims = signing.verify(token)
    return jwt.encode(
        claims,
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": signing.keyring().signing_kid},
    )


BAD_TOKENS = {
    "tampered": _tampered,
    "truncated": lambda t: t[:-20],
    "no signature": lambda t: t.rsplit(".", 1)[0],
    "garbage": lambda t: "not-a-token",
    "dots": lambda t: "...",
    "chinese": lambda t: "通行证",
    "oversized": lambda t: t * 40,
    "foreign key": _foreign,
    "alg none": lambda t: _unsigned(t),
}


@pytest.mark.parametrize("how", sorted(BAD_TOKENS))
def test_a_bad_token_is_invalid_with_200_never_an_error_page(client, valid_pass, checkpoint_staff, how):
    token = BAD_TOKENS[how](valid_pass.token)
    url = _verify_url(token)
    assert client.get(url, **JSON).json() == {"status": "invalid"}  # anonymous
    client.force_login(checkpoint_staff)
    response = client.get(url, **JSON)
    assert response.status_code == 200
    assert response.json()["status"] == "invalid" and response.json()["number"] == ""
    html = client.get(url)
    assert html.status_code == 200 and "verdict-refused" in html.content.decode()


def test_a_link_with_a_slash_or_empty_token_is_not_a_pass_page(client):
    assert client.get("/passes/verify/").status_code == 404
    assert client.get("/passes/verify/a/b").status_code == 404


def test_the_qr_link_is_the_first_route_tried():
    """Every scan resolves passes/verify/<token>: passes/ comes before the "" includes (each of which would be
    tried in full first) and the QR link is the first route in it."""
    root = get_resolver("kunshan_resume.urls")
    prefixes = [str(p.pattern) for p in root.url_patterns]
    assert prefixes.index("passes/") < prefixes.index("")
    assert root.url_patterns[prefixes.index("passes/")].url_patterns[0].name == "verify"
    assert resolve("/passes/verify/a.b.c").url_name == "verify"


def test_every_check_is_logged_with_checkpoint_staff_time_and_result(client, valid_pass, checkpoint_staff):
    client.get(_verify_url(valid_pass.token), **JSON)
    client.force_login(checkpoint_staff)
    client.get(_verify_url(valid_pass.token), **JSON)
    client.get(_verify_url("garbage"))
    anonymous, staff, bad = PassCheck.objects.order_by("pk")
    assert (anonymous.result, anonymous.pass_number, anonymous.checked_by, anonymous.community) == (
        "valid",
        valid_pass.number,
        None,
        None,
    )
    assert (staff.result, staff.checked_by, staff.community_id) == (
        "valid",
        checkpoint_staff,
        checkpoint_staff.community_id,
    )
    assert (bad.result, bad.pass_number) == ("invalid", "")
    assert timezone.now() - staff.checked_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/json", "json"),
        ("application/json, text/html;q=0.5", "json"),
        ("text/html, application/json;q=0.5", "html"),
        ("*/*", "html"),
        (None, "html"),
    ],
)
def test_json_only_when_the_client_prefers_it(client, valid_pass, accept, kind):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(_verify_url(valid_pass.token), **headers)
    assert response["Content-Type"].startswith("application/json" if kind == "json" else "text/html")
    assert "Accept" in response["Vary"]


def test_the_answer_is_never_stored_by_a_browser_or_proxy(client, valid_pass):
    response = client.get(_verify_url(valid_pass.token))
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_the_verify_link_answers_get_only(client, valid_pass):
    assert client.post(_verify_url(valid_pass.token)).status_code == 405
    assert not PassCheck.objects.exists()


def test_an_htmx_request_gets_only_the_result_box(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    html = client.get(_verify_url(valid_pass.token), **HTMX).content.decode()
    assert "<html" not in html and 'data-testid="verdict"' in html and "张*三" in html


# --- the checkpoint phone page --------------------------------------------------------------------


def test_the_check_page_is_for_checkpoint_and_district_staff(
    client, checkpoint_staff, district_staff_a, enterprise_user_a, commander
):
    url = reverse("passes:check")
    assert client.get(url).status_code == 302  # to the login page
    for user in (enterprise_user_a, commander):
        client.force_login(user)
        assert client.get(url).status_code == 403
    for user in (checkpoint_staff, district_staff_a):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_the_check_page_loads_its_script_as_a_file_under_a_strict_policy(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    response = client.get(reverse("passes:check"))
    html = response.content.decode()
    assert re.search(r'<script src="[^"]*js/checkpoint\.js"', html)
    assert "<script>" not in html and " style=" not in html and " on" + "click=" not in html
    assert 'data-jsqr-src="' in html and "jsqr-1.4.0/jsQR.js" in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # The page builds verify URLs from this template: the placeholder is what the script replaces.
    assert f'data-verify-url="{_verify_url("TOKEN")}"' in html
    # The camera, for this page only; the policy needs no media-src (the video plays a MediaStream, not a URL).
    assert (
        response["Permissions-Policy"].startswith("camera=(self)") and "microphone=()" in response["Permissions-Policy"]
    )
    assert "Permissions-Policy" not in client.get(reverse("passes:checks"))


def test_the_vendored_decoder_and_its_licence_are_shipped():
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/jsqr-1.4.0/jsQR.js")
    licence = finders.find("vendor/jsqr-1.4.0/LICENSE")
    with open(licence, encoding="utf-8") as fh:
        assert "Apache License" in fh.read()


def test_a_typed_number_is_checked_and_shown_in_the_result_box(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    typed = f" {valid_pass.number[:2].lower()}-{valid_pass.number[2:6]} {valid_pass.number[6:]} "
    response = client.post(reverse("passes:check_number"), {"number": typed}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-status="valid"' in html and "张*三" in html and valid_pass.number in html
    check = PassCheck.objects.get()
    assert (check.result, check.pass_number, check.checked_by) == ("valid", valid_pass.number, checkpoint_staff)


def test_a_typed_number_without_javascript_shows_the_whole_page_with_the_answer(client, valid_pass, district_staff_a):
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:check_number"), {"number": valid_pass.number})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'data-status="valid"' in html
    assert 'name="number"' in html and f'value="{valid_pass.number}"' not in html  # ready for the next one


def test_an_unknown_number_is_invalid_and_logged(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    html = client.post(reverse("passes:check_number"), {"number": "KS00000000"}, **HTMX).content.decode()
    assert 'data-status="invalid"' in html and "无效" in html
    check = PassCheck.objects.get()
    assert (check.result, check.pass_number, check.community_id) == (
        "invalid",
        "KS00000000",
        checkpoint_staff.community_id,
    )


def test_a_revoked_number_is_revoked(client, valid_pass, district_staff_a, checkpoint_staff):
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    client.force_login(checkpoint_staff)
    html = client.post(reverse("passes:check_number"), {"number": valid_pass.number}, **HTMX).content.decode()
    assert 'data-status="revoked"' in html and "已吊销" in html


@pytest.mark.parametrize("number", ["", "   "])
def test_an_empty_number_is_asked_for_again_and_nothing_is_logged(client, checkpoint_staff, number):
    client.force_login(checkpoint_staff)
    html = client.post(reverse("passes:check_number"), {"number": number}, **HTMX).content.decode()
    assert str(MSG_NUMBER_REQUIRED) in html
    page = client.post(reverse("passes:check_number"), {"number": number}).content.decode()
    assert str(MSG_NUMBER_REQUIRED) in page and 'data-testid="verdict"' not in page
    assert not PassCheck.objects.exists()


def test_a_too_long_number_is_refused_by_the_form(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    response = client.post(reverse("passes:check_number"), {"number": "K" * 200}, **HTMX)
    assert response.status_code == 200 and 'data-testid="check-error"' in response.content.decode()
    assert not PassCheck.objects.exists()


def test_typed_numbers_are_for_checkpoint_and_district_staff_only(client, valid_pass, enterprise_user_a):
    url = reverse("passes:check_number")
    assert client.post(url, {"number": valid_pass.number}).status_code == 302
    client.force_login(enterprise_user_a)
    assert client.post(url, {"number": valid_pass.number}).status_code == 403
    assert client.get(url).status_code == 405
    assert not PassCheck.objects.exists()


def test_checkpoint_navigation_shows_verification_and_the_log(client, checkpoint_staff, enterprise_user_a):
    client.force_login(checkpoint_staff)
    html = client.get(reverse("passes:check")).content.decode()
    assert "通行证核验" in html and reverse("passes:checks") in html
    client.force_login(enterprise_user_a)
    assert reverse("passes:check") not in client.get(reverse("portal:home")).content.decode()


# --- public keys -----------------------------------------------------------------------------------


def test_the_public_keys_are_published_without_login_and_cacheable_for_an_hour(client, checkpoint_staff):
    response = client.get(reverse("passes:keys"))
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kid"] == signing.keyring().signing_kid and set(key) == {"kty", "crv", "alg", "use", "kid", "x", "y"}
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=3600"} <= cache
    # Signed-in pages are never stored; the public keys hold nothing personal and stay cacheable.
    client.force_login(checkpoint_staff)
    cache = {part.strip() for part in client.get(reverse("passes:keys"))["Cache-Control"].split(",")}
    assert {"public", "max-age=3600"} <= cache and "no-store" not in cache


def test_signed_in_pages_other_than_the_keys_are_still_never_stored(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    assert "no-store" in client.get(reverse("passes:check"))["Cache-Control"]


# --- the holder's community against the checkpoint's (issue 12, item 6) ----------------------------


def _pass_living_at_the_checkpoint(enterprise_user_b, district_staff_b, district_a):
    community = Community.objects.get(code="zhangpu-demo-1")
    return issued_pass(
        enterprise_user_b, district_staff_b, residence_district=district_a, residence_community=community
    )


def test_a_pass_of_another_community_is_valid_and_the_guard_is_told(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    assert valid_pass.residence_community != checkpoint_staff.community
    for response in (
        client.get(_verify_url(valid_pass.token), **BROWSER),
        client.post(reverse("passes:check_number"), {"number": valid_pass.number}, **HTMX),
    ):
        html = response.content.decode()
        assert 'class="verdict verdict-valid"' in html and valid_pass.residence_community.name in html
        assert 'data-testid="other-community"' in html
        assert "不是本卡口所在社区。通行证有效, 不得因此拒绝通行。" in html
    assert PassCheck.objects.filter(result=PassCheck.Result.VALID).count() == 2


def test_a_pass_of_the_checkpoint_community_says_nothing_more(
    client, enterprise_user_b, district_staff_b, district_a, checkpoint_staff, district_staff_a
):
    own = _pass_living_at_the_checkpoint(enterprise_user_b, district_staff_b, district_a)
    for user in (checkpoint_staff, district_staff_a):  # district staff stand at no one community
        client.force_login(user)
        html = client.get(_verify_url(own.token), **BROWSER).content.decode()
        assert 'data-status="valid"' in html and 'data-testid="other-community"' not in html


def test_a_token_signed_without_the_community_id_is_compared_by_name(valid_pass, checkpoint_staff):
    claims = signing.verify(valid_pass.token)
    del claims["ci"]
    for community, elsewhere in ((checkpoint_staff.community.name, False), ("别的社区", True)):
        token, _kid = signing.sign({**claims, "c": community})
        verification = services.return_pass_verify(token=token, checked_by=checkpoint_staff)
        assert verification.status == PassCheck.Result.VALID
        assert verification.lives_elsewhere(checkpoint_staff) is elsewhere


# --- what the phone's htmx requests cost ------------------------------------------------------------


def _notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "accounts_notification" in q["sql"]]


def test_the_phone_result_box_skips_the_menu_and_the_unread_count(
    client, valid_pass, checkpoint_staff, django_assert_max_num_queries
):
    """The scan answer is a fragment: the session (a query without Redis) and the guard, the pass's stored state
    and the check (to the queue, or without it the row and its day's count), nothing for a menu the fragment does not
    show."""
    client.force_login(checkpoint_staff)
    with django_assert_max_num_queries(5) as queries:
        response = client.get(_verify_url(valid_pass.token), **HTMX)
    assert response.status_code == 200 and 'data-testid="verdict"' in response.content.decode()
    assert _notification_queries(queries) == []


def test_a_typed_number_through_htmx_skips_the_menu_and_the_unread_count(
    client, valid_pass, checkpoint_staff, django_assert_max_num_queries
):
    client.force_login(checkpoint_staff)
    with django_assert_max_num_queries(6) as queries:  # as above, and the typed number's lookup
        response = client.post(reverse("passes:check_number"), {"number": valid_pass.number}, **HTMX)
    assert 'data-testid="verdict"' in response.content.decode()
    assert _notification_queries(queries) == []


def test_the_whole_page_still_shows_the_menu_and_the_unread_count(client, valid_pass, checkpoint_staff):
    client.force_login(checkpoint_staff)
    checkpoint_staff.notifications.create(title="测试通知")
    html = client.get(reverse("passes:check")).content.decode()
    assert reverse("passes:checks") in html and 'rounded-pill text-bg-warning">1<' in html


def test_an_htmx_history_restore_gets_the_whole_page_with_the_menu(client, checkpoint_staff):
    """After a pushed URL, the back button may ask htmx to fetch the whole page again: it shows the menu."""
    client.force_login(checkpoint_staff)
    html = client.get(
        reverse("passes:check"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()
    assert reverse("passes:checks") in html
