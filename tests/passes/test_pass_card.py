"""The pass itself: the printable A6 card and the phone page, with the QR code only while it is valid."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from passes.models import ReturnPass
from passes.services import return_passes as services
from passes.views.return_passes import qr_svg
from tests.factories import UserFactory
from tests.passes.factories import applied_passes, issued_pass

pytestmark = pytest.mark.django_db
S = ReturnPass.Status
PAGES = ("passes:card", "passes:phone")


@pytest.mark.parametrize("page", PAGES)
def test_a_valid_pass_shows_a_qr_code_of_its_verify_link(client, enterprise_user_a, district_staff_a, page):
    return_pass = issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    client.force_login(enterprise_user_a)
    response = client.get(reverse(page, args=[return_pass.pk]))
    assert response.status_code == 200
    expected = "http://testserver" + reverse("passes:verify", args=[return_pass.token])
    assert response.context["verify_url"] == expected
    html = response.content.decode()
    assert str(qr_svg(expected)) in html
    assert return_pass.number in html and "张*三" in html and "张小三" not in html
    assert enterprise_user_a.enterprise.name in html
    assert return_pass.issuing_district.name in html and return_pass.residence_community.name in html
    assert f"{return_pass.valid_until:%Y}年{return_pass.valid_until.month}月{return_pass.valid_until.day}日" in html
    assert 'data-testid="pass-void"' not in html


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_csp_safe(client, enterprise_user_a, district_staff_a, page):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(enterprise_user_a)
    html = client.get(reverse(page, args=[return_pass.pk])).content.decode()
    assert "style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # scripts only from files
    assert "<svg" in html and 'viewBox="' in html


def test_the_qr_code_is_large_enough_and_prints_on_a6():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "pass-card.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*{[^}]*size:\s*105mm 148mm;", css)  # A6 portrait
    width = re.search(r"\.pass-card \.pass-qr\s*{\s*width:\s*(\d+)mm", css)
    assert width and int(width.group(1)) >= 50  # about 0.6 mm a module at the version a pass needs


@pytest.mark.parametrize("action", ["revoke", "suspend", "expire"])
@pytest.mark.parametrize("page", PAGES)
def test_a_pass_no_longer_valid_shows_its_state_and_no_qr(client, enterprise_user_a, district_staff_a, action, page):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    if action == "revoke":
        services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason="离职")
        label = S.REVOKED.label
    elif action == "suspend":
        services.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="排查")
        label = S.SUSPENDED.label
    else:
        services.return_passes_expire(today=return_pass.valid_until + timedelta(days=1))
        label = S.EXPIRED.label
    client.force_login(enterprise_user_a)
    response = client.get(reverse(page, args=[return_pass.pk]))
    assert response.status_code == 200 and "qr_svg" not in response.context
    html = response.content.decode()
    assert "<svg" not in html and 'data-testid="pass-void"' in html and str(label) in html


def test_a_valid_pass_past_its_last_day_reads_expired_before_the_nightly_job(
    client, enterprise_user_a, district_staff_a
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    yesterday = timezone.localdate() - timedelta(days=1)
    ReturnPass.objects.filter(pk=return_pass.pk).update(valid_from=yesterday - timedelta(days=3), valid_until=yesterday)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:phone", args=[return_pass.pk]))
    assert "<svg" not in response.content.decode()
    assert response.context["date_expired"]


def test_an_applied_pass_has_no_qr(client, enterprise_user_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:card", args=[return_pass.pk])).content.decode()
    assert "<svg" not in html and str(S.APPLIED.label) in html


@pytest.mark.parametrize("page", PAGES)
def test_the_issuing_district_may_open_the_card_too(client, enterprise_user_a, district_staff_a, page):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(UserFactory(district_staff=True, district=district_staff_a.district))
    assert client.get(reverse(page, args=[return_pass.pk])).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_those_who_only_read_the_pass_cannot_open_its_card_403(
    client, enterprise_user_a, district_staff_a, district_staff_b, commander, page
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    home_checkpoint = UserFactory(checkpoint_staff=True, community=return_pass.residence_community)
    for reader in (district_staff_b, home_checkpoint, commander):
        client.force_login(reader)
        assert client.get(reverse("passes:detail", args=[return_pass.pk])).status_code == 200
        assert client.get(reverse(page, args=[return_pass.pk])).status_code == 403
