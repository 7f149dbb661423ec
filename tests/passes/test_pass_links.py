"""The worker's own pass link: texted when a pass is issued or reissued, opened without an account, retired when
the pass is revoked or reissued or the link is resent; rate limited and logged as personal-data access."""

import hashlib
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import SmsMessage
from accounts.sms import SECRET_SHOWN_AS
from passes.models import PassLink, ReturnPass
from passes.services import pass_links
from passes.services import return_passes as services
from passes.views.pass_links import MSG_LINK_SENT
from tests.passes.factories import applied_passes

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://portal\.test(/passes/mine/[A-Za-z0-9_-]{40,})")


@pytest.fixture(autouse=True)
def _texts_to_a_file(settings, tmp_path):
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.PORTAL_URL = "http://portal.test"
    from accounts import sms

    sms.backend.cache_clear()
    yield
    sms.backend.cache_clear()


def _texts(settings) -> list[dict]:
    path = settings.SMS_FILE_PATH
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _last_link(settings) -> str:
    """The path of the link in the last text sent (as the worker's phone received it)."""
    return LINK.search(_texts(settings)[-1]["text"]).group(1)


def _issue(enterprise_user, district_staff, capture, **worker) -> ReturnPass:
    (return_pass,) = applied_passes(enterprise_user, **worker)
    with capture(execute=True):
        result = services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff)
    return result.done[0]


@pytest.fixture
def issued(enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks):
    return _issue(enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks, name="张小三")


def test_issuing_texts_the_worker_a_link_that_opens_the_card_and_qr(client, settings, issued):
    (text,) = _texts(settings)
    assert text["mobile"] == issued.worker.mobile and text["template"] == "pass_link"
    path = _last_link(settings)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert issued.number in html and "张*三" in html and 'data-testid="pass-qr"' in html
    assert 'data-testid="pass-band-status"' in html and "有效" in html
    # The worker has no portal account: no way back into the portal's pages from here.
    assert reverse("passes:detail", args=[issued.pk]) not in html
    assert response["Cache-Control"].startswith("max-age=0") and response["Referrer-Policy"] == "no-referrer"


def test_only_a_digest_of_the_token_is_stored_and_the_text_row_hides_the_link(settings, issued):
    token = _last_link(settings).rsplit("/", 1)[1]
    link = PassLink.objects.get(return_pass=issued)
    assert link.token_digest == hashlib.sha256(token.encode()).hexdigest()
    message = SmsMessage.objects.get(pk=link.sms_id)
    assert message.status == SmsMessage.Status.SENT
    assert token not in message.text and token not in json.dumps(message.params)
    assert message.params["url"] == SECRET_SHOWN_AS and "张*三" in message.text


def test_a_suspended_pass_shows_its_status_without_a_qr(client, settings, issued, district_staff_a):
    services.return_pass_suspend(return_pass=issued, suspended_by=district_staff_a, reason="核酸检测待复核")
    html = client.get(_last_link(settings)).content.decode()
    assert "暂停使用" in html and 'data-testid="pass-qr"' not in html and 'data-testid="pass-void"' in html


def test_a_revoked_pass_refuses_the_link_with_a_page_not_an_error(client, settings, issued, district_staff_a):
    path = _last_link(settings)
    services.return_pass_revoke(return_pass=issued, revoked_by=district_staff_a, reason="信息有误")
    response = client.get(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert 'data-testid="pass-link-refused"' in html and issued.number not in html and "张*三" not in html
    assert PassLink.objects.get(return_pass=issued).retired_at is not None


def test_a_reissued_pass_retires_the_old_link_and_texts_a_new_one(
    client, settings, issued, district_staff_a, django_capture_on_commit_callbacks
):
    old_path = _last_link(settings)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.return_pass_reissue(return_pass=issued, reissued_by=district_staff_a)
    new_path = _last_link(settings)
    assert new_path != old_path and len(_texts(settings)) == 2
    assert client.get(old_path).status_code == 410
    response = client.get(new_path)
    assert response.status_code == 200 and new.number in response.content.decode()


def test_an_unknown_token_is_a_plain_not_found_page(client):
    response = client.get(reverse("passes:own", args=["x" * 43]))
    assert response.status_code == 404 and 'data-testid="pass-link-refused"' in response.content.decode()


def test_a_redelivered_job_sends_no_second_link(settings, issued):
    assert pass_links.pass_links_send_issued(pass_ids=[issued.pk]) == 0
    assert len(_texts(settings)) == 1 and PassLink.objects.count() == 1


# --- the enterprise resends -------------------------------------------------------------------------


def test_the_enterprise_resends_the_link_and_the_old_one_stops_working(
    client, settings, issued, enterprise_user_a, django_capture_on_commit_callbacks
):
    old_path = _last_link(settings)
    client.force_login(enterprise_user_a)
    detail = client.get(reverse("passes:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="send-link-form"' in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("passes:send_link", args=[issued.pk]), follow=True)
    masked = f"{issued.worker.mobile[:3]}****{issued.worker.mobile[-4:]}"
    assert str(MSG_LINK_SENT % {"mobile": masked}) in response.content.decode()
    new_path = _last_link(settings)
    assert new_path != old_path
    client.logout()
    assert client.get(old_path).status_code == 410
    assert client.get(new_path).status_code == 200
    assert PassLink.objects.filter(return_pass=issued, retired_at__isnull=True).get().sent_by == enterprise_user_a


def test_resending_is_limited_per_pass_and_day(client, settings, issued, enterprise_user_a):
    settings.PASS_LINK_RESENDS_PER_DAY = 2
    client.force_login(enterprise_user_a)
    url = reverse("passes:send_link", args=[issued.pk])
    client.post(url)
    client.post(url)
    response = client.post(url, follow=True)
    expected = pass_links.MSG_RESEND_LIMIT % {"number": issued.number, "count": 2}
    assert str(expected) in response.content.decode()
    assert PassLink.objects.filter(return_pass=issued).count() == 3  # the issue's link and two resends


def test_only_the_enterprise_resends_and_only_a_pass_in_use(
    client, issued, district_staff_a, enterprise_user_a, enterprise_user_b
):
    url = reverse("passes:send_link", args=[issued.pk])
    client.force_login(district_staff_a)
    assert client.post(url).status_code == 403
    client.force_login(enterprise_user_b)
    assert client.post(url).status_code == 404
    services.return_pass_revoke(return_pass=issued, revoked_by=district_staff_a, reason="信息有误")
    client.force_login(enterprise_user_a)
    detail = client.get(reverse("passes:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="send-link-form"' not in detail
    response = client.post(url, follow=True)
    refused = pass_links.MSG_NOT_LINKABLE % {"number": issued.number, "status": ReturnPass.Status.REVOKED.label}
    assert str(refused) in response.content.decode()
    assert PassLink.objects.filter(return_pass=issued, retired_at__isnull=True).count() == 0


# --- limits and the trail ------------------------------------------------------------------------------


def test_opening_links_is_rate_limited_per_address(client, settings, issued):
    settings.RATELIMIT_ENABLE = True  # off for every other test (tests/conftest.py)
    settings.PASS_LINK_RATE_LIMIT = "2/m"
    cache.clear()
    try:
        path = _last_link(settings)
        assert client.get(path, REMOTE_ADDR="203.0.113.40").status_code == 200
        assert client.get(path, REMOTE_ADDR="203.0.113.40").status_code == 200
        assert client.get(path, REMOTE_ADDR="203.0.113.40").status_code == 429
        assert client.get(path, REMOTE_ADDR="203.0.113.41").status_code == 200
    finally:
        cache.clear()
    assert PassLink.objects.get(return_pass=issued).opened_count == 3


def test_each_opening_is_in_the_personal_data_trail_without_the_token(client, settings, issued, log_records):
    path = _last_link(settings)
    client.get(path)
    (record,) = log_records.personal_data
    message = record.getMessage()
    assert "pass link opened" in message and f"pass={issued.pk}" in message and f"worker={issued.worker_id}" in message
    assert path.rsplit("/", 1)[1] not in message
    assert not [r for r in log_records.general if "pass link" in r.getMessage()]


def test_the_console_backend_logs_the_text_with_the_link_hidden(
    settings, enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks, log_records
):
    from accounts import sms

    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"
    sms.backend.cache_clear()
    issued = _issue(enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks)
    logged = [r.getMessage() for r in log_records.general if r.name == "accounts.sms"]
    assert len(logged) == 1 and SECRET_SHOWN_AS in logged[0] and "/passes/mine/" not in logged[0]
    assert PassLink.objects.get(return_pass=issued).sms.status == SmsMessage.Status.SENT


def test_a_refused_link_is_logged_by_django_without_its_token(client, settings, issued, district_staff_a, log_records):
    path = _last_link(settings)
    services.return_pass_revoke(return_pass=issued, revoked_by=district_staff_a, reason="信息有误")
    assert client.get(path).status_code == 410
    lines = [r.getMessage() for r in log_records.general if r.name == "django.request"]
    assert lines and all(path.rsplit("/", 1)[1] not in line for line in lines)
    assert "/passes/mine/***" in lines[0]


def test_the_link_state_shows_to_the_employer_and_the_issuer_only(client, issued, district_staff_a, commander):
    detail = reverse("passes:detail", args=[issued.pk])
    client.force_login(district_staff_a)
    html = client.get(detail).content.decode()
    assert 'data-testid="pass-link"' in html and 'data-testid="send-link-form"' not in html
    client.force_login(commander)
    assert 'data-testid="pass-link"' not in client.get(detail).content.decode()
