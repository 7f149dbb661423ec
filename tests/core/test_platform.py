"""Cross-cutting behaviour: security headers, demo data (health checks: tests/portal/test_health.py)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, User
from core.validators import MSG_MOBILE_INVALID, validate_mobile
from enterprises.models import Enterprise
from portal.demo import DEMO_USERS, demo_seed
from portal.management.commands.seed_demo import MSG_REFUSED
from reference.models import District


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_signed_in_pages_are_never_stored(client, district_staff_a):
    client.force_login(district_staff_a)
    response = client.get(reverse("enterprises:list"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_templates_contain_no_inline_script_or_style(client, district_staff_a, enterprise_a):
    client.force_login(district_staff_a)
    for url in [
        reverse("portal:home"),
        reverse("enterprises:list"),
        reverse("enterprises:detail", args=[enterprise_a.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html, url


@pytest.mark.django_db
def test_seed_demo_creates_one_user_per_role_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    snapshot = list(User.objects.order_by("username").values())
    enterprises = list(Enterprise.objects.order_by("credit_code").values())
    call_command("seed_demo", stdout=io.StringIO())
    assert list(User.objects.order_by("username").values()) == snapshot
    assert list(Enterprise.objects.order_by("credit_code").values()) == enterprises
    assert {u.role for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])} == set(Role.values)
    # The demo city: every district has enterprises (issue 12: not two of twelve).
    assert Enterprise.objects.values("district").distinct().count() == District.objects.count()


@pytest.mark.django_db
def test_demo_users_log_in_with_the_demo_password(client, settings):
    demo_seed(password=settings.DEMO_PASSWORD)
    for username, *_ in DEMO_USERS:
        response = client.post(reverse("accounts:login"), {"username": username, "password": settings.DEMO_PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("portal:home"), username
        assert client.get(reverse("portal:home")).status_code == 200
        client.post(reverse("accounts:logout"))


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=str(MSG_REFUSED)):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.parametrize("mobile", ["1391234567", "139123456789", "12912345678", "1391234567a", "", "+8613912345678"])
def test_malformed_mobiles_are_refused(mobile):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_mobile(mobile)
    assert error.value.messages == [MSG_MOBILE_INVALID]


def test_valid_mobile_passes():
    validate_mobile("13912345678")


@pytest.mark.django_db
def test_excel_uploads_over_the_configured_size_are_refused(client, district_staff_a, settings):
    from core import excel
    from tests.excel_helpers import xlsx_upload

    settings.EXCEL_UPLOAD_MAX_BYTES = 1024
    client.force_login(district_staff_a)
    upload = xlsx_upload(["统一社会信用代码"], [["x" * 50] for _ in range(200)])
    response = client.post(reverse("enterprises:import"), {"file": upload})
    assert response.context["form"].errors["file"] == [excel.MSG_TOO_LARGE.format(max_mb=f"{1024 / 2**20:g}")]


@pytest.mark.django_db
def test_seed_demo_without_reference_data_says_what_to_run(settings):
    from portal.management.commands.seed_demo import MSG_NO_REFERENCE
    from reference.models import District

    settings.DEBUG = True
    District.objects.filter(code="zhangpu").update(code="zhangpu-old")
    District.objects.filter(code="kfq").update(code="kfq-old")
    with pytest.raises(CommandError) as error:
        call_command("seed_demo")
    assert str(error.value) == str(MSG_NO_REFERENCE)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_every_admin_page_opens(client, admin_user, enterprise_user_a, district_staff_a):
    """The change list of every registered model renders for an administrator."""
    from django.contrib import admin as django_admin

    client.force_login(admin_user)
    for model in django_admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
