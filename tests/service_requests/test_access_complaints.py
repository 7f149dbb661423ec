"""A pass holder turned away at a community reports it from the pass's public page (clause 9), without an account;
it becomes a request with the district of that community, with a deadline, in the closed loop of requests."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from core.dates import add_working_days
from core.validators import MSG_MOBILE_INVALID
from passes.services import return_passes as pass_services
from reference.models import Community
from service_requests import access, services
from service_requests.models import AccessComplaint, Category, Channel, ServiceRequest
from tests.passes.factories import issued_pass

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.40"


@pytest.fixture
def valid_pass(enterprise_user_a, district_staff_a):
    """A pass of 张浦镇's enterprise_a; its holder is turned away in 开发区."""
    return issued_pass(enterprise_user_a, district_staff_a, name="张小三")


@pytest.fixture
def kfq_community():
    return Community.objects.get(code="kfq-demo-1")


def _url(token: str) -> str:
    return reverse("service_requests:access_complaint", kwargs={"token": token})


def _data(community, **extra) -> dict:
    return {
        "community": community.pk,
        "entrance": "东门",
        "refused_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "text": "出示有效通行证, 门岗仍不让进小区。",
        "mobile": "13912345678",
        **extra,
    }


def _post(client, token, data, address=ADDRESS):
    return client.post(_url(token), data, REMOTE_ADDR=address)


# --- the path from the pass's public page -------------------------------------------------------------


def test_the_public_page_of_a_valid_pass_links_to_the_form(client, valid_pass):
    html = client.get(reverse("passes:verify", kwargs={"token": valid_pass.token})).content.decode()
    assert 'data-testid="complaint-link"' in html and _url(valid_pass.token) in html


def test_an_invalid_pass_page_has_no_link(client, valid_pass, district_staff_a):
    pass_services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    html = client.get(reverse("passes:verify", kwargs={"token": valid_pass.token})).content.decode()
    assert 'data-testid="complaint-link"' not in html


def test_the_form_opens_without_an_account(client, valid_pass):
    response = client.get(_url(valid_pass.token))
    assert response.status_code == 200 and 'data-testid="access-form"' in response.content.decode()


# --- it lands with the community's district, with a deadline ----------------------------------------------


def test_a_report_becomes_an_urgent_request_with_the_communitys_district(
    client, valid_pass, kfq_community, district_staff_b, district_staff_a
):
    response = _post(client, valid_pass.token, _data(kfq_community))
    assert response.status_code == 200 and 'data-testid="access-done"' in response.content.decode()
    item = ServiceRequest.objects.get()
    assert (item.category, item.channel, item.urgency, item.raised_by) == (
        Category.ACCESS,
        Channel.PASS_HOLDER,
        "urgent",
        None,
    )
    assert item.enterprise == valid_pass.enterprise and item.district == kfq_community.district
    assert item.reference in response.content.decode()
    # The deadline in working days (通行/租房受限, urgent: settings.SERVICE_REQUEST_WORKING_DAYS), on the calendar.
    assert abs(item.due_at - add_working_days(item.created_at, 1)) < timedelta(seconds=5)
    report = AccessComplaint.objects.get(request=item)
    assert (report.pass_number, report.community, report.entrance, report.mobile) == (
        valid_pass.number,
        kfq_community,
        "东门",
        "13912345678",
    )
    # 开发区's staff are told; 张浦镇's (the enterprise's district) are not the handlers.
    assert Notification.objects.filter(user=district_staff_b).exists()
    assert services.may_handle(district_staff_b, item) and not services.may_handle(district_staff_a, item)


def test_the_district_records_what_it_did_and_the_loop_closes(client, valid_pass, kfq_community, district_staff_b):
    _post(client, valid_pass.token, _data(kfq_community))
    item = ServiceRequest.objects.get()
    client.force_login(district_staff_b)
    page = client.get(reverse("service_requests:detail", args=[item.pk])).content.decode()
    assert 'data-testid="access-complaint"' in page and "13912345678" in page and valid_pass.number in page
    client.post(reverse("service_requests:act", args=[item.pk, "accept"]))
    client.post(reverse("service_requests:act", args=[item.pk, "answer"]), {"answer": "已约谈门岗, 持证人已可通行。"})
    item.refresh_from_db()
    assert item.status == ServiceRequest.Status.ANSWERED and item.answered_by == district_staff_b
    assert item.answered_on_time and "已约谈门岗" in item.answer
    assert [e.action for e in item.events.all()] == ["raise", "accept", "answer"]


def test_other_districts_staff_get_404_on_the_request(client, valid_pass, kfq_community, district_staff_b):
    from tests.factories import UserFactory

    _post(client, valid_pass.token, _data(kfq_community))
    item = ServiceRequest.objects.get()
    outsider = UserFactory(district_staff=True, district=Community.objects.get(code="gxq-demo-1").district)
    client.force_login(outsider)
    assert client.get(reverse("service_requests:detail", args=[item.pk])).status_code == 404
    client.force_login(district_staff_b)
    assert client.get(reverse("service_requests:detail", args=[item.pk])).status_code == 200


# --- hostile and bad input: nothing written ---------------------------------------------------------------


@pytest.mark.parametrize("token", ["made-up", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA", "x" * 3000])
def test_a_bad_pass_is_refused(client, token, kfq_community):
    assert client.get(_url(token)).status_code == 404
    response = _post(client, token, _data(kfq_community))
    assert response.status_code == 404 and str(access.MSG_PASS_INVALID) in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_tampered_pass_is_refused(client, valid_pass, kfq_community):
    head, payload, signature = valid_pass.token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert _post(client, forged, _data(kfq_community)).status_code == 404
    assert not ServiceRequest.objects.exists()


def test_a_revoked_pass_is_refused(client, valid_pass, kfq_community, district_staff_a):
    pass_services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    assert _post(client, valid_pass.token, _data(kfq_community)).status_code == 404
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "1391234567", MSG_MOBILE_INVALID),
        ("mobile", "23912345678", MSG_MOBILE_INVALID),
        ("mobile", "１３９１２３４５６７８", MSG_MOBILE_INVALID),
        ("text", "   ", access.MSG_TEXT_REQUIRED),
        ("entrance", "  ", access.MSG_ENTRANCE_REQUIRED),
        ("refused_at", "2099-01-01T08:00", access.MSG_TIME_FUTURE),
        ("refused_at", "2020-01-01T08:00", access.MSG_TIME_TOO_OLD % {"days": access.OLDEST_DAYS}),
    ],
)
def test_bad_details_are_refused_with_the_reason(client, valid_pass, kfq_community, field, value, message):
    response = _post(client, valid_pass.token, _data(kfq_community, **{field: value}))
    assert response.status_code == 200
    assert str(message) in response.context["form"].errors.get(field, [])
    assert not ServiceRequest.objects.exists() and not AccessComplaint.objects.exists()


def test_an_unknown_community_is_refused(client, valid_pass, kfq_community):
    response = _post(client, valid_pass.token, {**_data(kfq_community), "community": 999999})
    assert response.status_code == 200 and "community" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_a_text_too_long_is_refused(client, valid_pass, kfq_community):
    response = _post(client, valid_pass.token, _data(kfq_community, text="拒" * 501))
    assert response.status_code == 200 and "text" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(valid_pass, kfq_community):
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(_url(valid_pass.token)).status_code == 200  # sets the CSRF cookie, as a browser would
    assert _post(browser, valid_pass.token, _data(kfq_community)).status_code == 403
    assert not ServiceRequest.objects.exists()


@pytest.fixture
def rate_limited(settings):
    settings.RATELIMIT_ENABLE = True  # off for every other test (tests/conftest.py)
    settings.ACCESS_COMPLAINT_RATE = "2/h"
    cache.clear()
    yield
    cache.clear()


def test_reports_are_rate_limited_per_address(client, valid_pass, kfq_community, rate_limited):
    assert _post(client, valid_pass.token, _data(kfq_community)).status_code == 200
    assert _post(client, valid_pass.token, _data(kfq_community)).status_code == 200
    third = _post(client, valid_pass.token, _data(kfq_community))
    assert third.status_code == 429
    assert ServiceRequest.objects.count() == 2
    # Reading the form is not counted; another address is counted apart.
    assert client.get(_url(valid_pass.token), REMOTE_ADDR=ADDRESS).status_code == 200
    assert _post(client, valid_pass.token, _data(kfq_community), address="203.0.113.41").status_code == 200
    assert ServiceRequest.objects.count() == 3
