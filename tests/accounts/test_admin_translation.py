"""The admin reads in Chinese, login protection (django-axes) included (issue 12, item 8)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_protection_is_named_in_chinese_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert "登录保护" in index and "登录失败计数" in index
    for english in ("Axes", "Access attempts", "Access logs", "Access failures"):
        assert english not in index
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "登录失败计数" in attempts and "Access attempt" not in attempts
