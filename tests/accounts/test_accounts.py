import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import MSG_USERNAME_DUPLICATE_IN_FILE, MSG_USERNAME_TAKEN
from core.excel import ERROR_COLUMN_HEADER
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, username, password, ip="10.0.0.1", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers)


def _behind_proxies(settings, count):
    """The settings TRUSTED_PROXY_COUNT=count produces (kunshan_resume/settings.py)."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = count - 1
    settings.IPWARE_STRICT = False


# --- Roles and scopes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.ENTERPRISE, {}),
        (Role.DISTRICT_STAFF, {}),
        (Role.AUTHORITY_STAFF, {}),
        (Role.CHECKPOINT_STAFF, {}),
        (Role.COMMANDER, {"district_id": "district"}),
        (Role.ADMIN, {"district_id": "district"}),
    ],
)
def test_database_refuses_a_user_without_exactly_its_scope(role, scope, district_a):
    values = dict.fromkeys(scope, district_a.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=f"bad-{role}", role=role, **values)


def test_clean_explains_which_scope_a_role_needs(district_a):
    from django.core.exceptions import ValidationError

    user = User(username="x", role=Role.CHECKPOINT_STAFF, district=district_a)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "community" in error.value.message_dict
    assert "district" in error.value.message_dict


# --- Login ----------------------------------------------------------------------------------


def test_each_role_lands_on_its_own_page(
    client, enterprise_user_a, district_staff_a, authority_staff, checkpoint_staff, commander, admin_user
):
    expected = {
        enterprise_user_a: enterprise_user_a.enterprise.name,
        district_staff_a: "张浦镇 · 属地工作台",
        authority_staff: "工信局 · 行业工作台",
        checkpoint_staff: "张浦镇演示社区 · 卡口",
        commander: "全市企业名录概况",
        admin_user: "系统管理",
    }
    for user, title in expected.items():
        response = _login(client, user.username, PASSWORD)
        assert response.status_code == 302
        page = client.get(reverse("portal:home"))
        assert title in page.content.decode(), user.role
        client.post(reverse("accounts:logout"))


def test_wrong_password_shows_a_clear_message(client, district_staff_a):
    response = _login(client, district_staff_a.username, "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_lockout_is_keyed_on_username_and_address_together(client, district_staff_a, district_staff_b, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, district_staff_a.username, "wrong-password", ip="10.0.0.1")
    locked = _login(client, district_staff_a.username, PASSWORD, ip="10.0.0.1")
    assert locked.status_code == 429
    assert "暂时锁定" in locked.content.decode()
    # A colleague behind the same carrier NAT still signs in.
    assert _login(client, district_staff_b.username, PASSWORD, ip="10.0.0.1").status_code == 302
    client.post(reverse("accounts:logout"))
    # The same user from another address is not locked either.
    assert _login(client, district_staff_a.username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, district_staff_a, settings):
    # Otherwise a guesser would write a new X-Forwarded-For for each try and never be locked out.
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, district_staff_a.username, "wrong-password", ip="10.0.0.1", x_forwarded_for=f"203.0.113.{n}")
    locked = _login(client, district_staff_a.username, PASSWORD, ip="10.0.0.1", x_forwarded_for="203.0.113.99")
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [
        (1, "{client}"),
        (1, "6.6.6.6, {client}"),  # the client wrote its own header; the proxy appended the real address
        (2, "{client}, 198.51.100.9"),
        (2, "6.6.6.6, {client}, 198.51.100.9"),
    ],
)
def test_behind_proxies_the_lockout_is_keyed_on_the_clients_address(
    client, district_staff_a, settings, proxies, forwarded
):
    _behind_proxies(settings, proxies)
    attacker, colleague = forwarded.format(client="203.0.113.7"), forwarded.format(client="203.0.113.8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, district_staff_a.username, "wrong-password", ip="127.0.0.1", x_forwarded_for=attacker)
    assert (
        _login(client, district_staff_a.username, PASSWORD, ip="127.0.0.1", x_forwarded_for=attacker).status_code == 429
    )
    # The same user from another address, through the same proxy, still signs in.
    assert (
        _login(client, district_staff_a.username, PASSWORD, ip="127.0.0.1", x_forwarded_for=colleague).status_code
        == 302
    )


def test_session_expires_after_idle_time(client, district_staff_a, settings):
    client.force_login(district_staff_a)
    client.get(reverse("portal:home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    # Refreshed by core.middleware.SessionIdleRefreshMiddleware: see tests/core/test_session_idle.py.
    assert "core.middleware.SessionIdleRefreshMiddleware" in settings.MIDDLEWARE


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_one_time_password_must_be_changed_first(client, district_staff_a):
    district_staff_a.password_change_required = True
    district_staff_a.save()
    client.force_login(district_staff_a)
    assert client.get(reverse("enterprises:list"))["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Kunshan-new-2020",
            "new_password2": "Kunshan-new-2020",
        },
    )
    assert response.status_code == 302
    district_staff_a.refresh_from_db()
    assert not district_staff_a.password_change_required
    assert client.get(reverse("enterprises:list")).status_code == 200


def test_password_validators_refuse_a_weak_password(client, district_staff_a):
    client.force_login(district_staff_a)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    district_staff_a.refresh_from_db()
    assert district_staff_a.check_password(PASSWORD)


# --- Staff import in the admin -----------------------------------------------------------------

STAFF_HEADERS = ["用户名", "姓名", "角色", "手机号", "电子邮箱", "属地", "行业主管部门", "社区(村)"]
IMPORT = reverse("admin:accounts_user_import")


def test_admin_imports_staff_with_one_time_passwords(client, admin_user):
    client.force_login(admin_user)
    upload = xlsx_upload(
        STAFF_HEADERS,
        [
            ["zp_li", "李明", "属地工作人员", "13912345678", "li@example.cn", "张浦镇", "", ""],
            ["gxj_wang", "王芳", "行业主管部门人员", "13812345678", "", "", "工信局", ""],
            ["kk_zhao", "赵强", "卡口核验人员", 13712345678, "", "", "", "zhangpu-demo-1"],
            ["zhb_chen", "陈刚", "指挥部", "13612345678", "", "", "", ""],
        ],
    )
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 200
    imported = User.objects.filter(username__in=["zp_li", "gxj_wang", "kk_zhao", "zhb_chen"])
    assert imported.count() == 4
    assert all(u.password_change_required and u.has_usable_password() for u in imported)
    assert User.objects.get(username="zp_li").district.code == "zhangpu"
    assert User.objects.get(username="kk_zhao").community.code == "zhangpu-demo-1"
    token = response.context["password_token"]
    workbook = open_workbook(client.get(reverse("download", args=[token])).content)
    rows = list(workbook.active.iter_rows(values_only=True))
    passwords = {row[0]: row[3] for row in rows if row and row[0] in {"zp_li", "kk_zhao"}}
    assert User.objects.get(username="zp_li").check_password(passwords["zp_li"])


def test_staff_import_with_a_bad_row_imports_nobody(client, admin_user, district_staff_a):
    client.force_login(admin_user)
    upload = xlsx_upload(
        STAFF_HEADERS,
        [
            ["ok_user", "好", "属地工作人员", "13912345678", "", "张浦镇", "", ""],
            ["ok_user", "重复", "指挥部", "13912345678", "", "", "", ""],
            [district_staff_a.username, "已存在", "指挥部", "13912345678", "", "", "", ""],
            ["no_scope", "缺属地", "属地工作人员", "13912345678", "", "", "", ""],
            ["bad_mobile", "手机错", "指挥部", "12345", "", "", "", ""],
        ],
    )
    before = User.objects.count()
    response = client.post(IMPORT, {"file": upload})
    assert User.objects.count() == before
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert messages[(3, "username")] == MSG_USERNAME_DUPLICATE_IN_FILE.format(row=2)
    assert messages[(4, "username")] == MSG_USERNAME_TAKEN
    assert "必须填写所属属地" in messages[(5, "district")]
    assert (6, "mobile") in messages
    annotated = open_workbook(client.get(reverse("download", args=[response.context["error_token"]])).content)
    header = [cell.value for cell in annotated.worksheets[0][1]]
    assert header[-1] == ERROR_COLUMN_HEADER


def test_only_administrators_reach_the_staff_import(client, district_staff_a):
    client.force_login(district_staff_a)
    assert client.get(IMPORT).status_code == 302  # the admin sends non-staff to its login page


def test_error_workbook_download_belongs_to_its_uploader(client, admin_user):
    client.force_login(admin_user)
    upload = xlsx_upload(STAFF_HEADERS, [["u1", "甲", "不存在的角色", "13912345678", "", "", "", ""]])
    token = client.post(IMPORT, {"file": upload}).context["error_token"]
    other = UserFactory(admin=True)
    client.force_login(other)
    assert client.get(reverse("download", args=[token])).status_code == 404


# --- Notifications -----------------------------------------------------------------------------


def test_notifications_are_listed_and_marked_read(client, district_staff_a, district_staff_b):
    from accounts.models import Notification

    Notification.objects.create(user=district_staff_a, title="备案待审核", url="/filings/queue/")
    Notification.objects.create(user=district_staff_b, title="别人的通知")
    client.force_login(district_staff_a)
    page = client.get(reverse("accounts:notifications"))
    assert [n.title for n in page.context["notifications"]] == ["备案待审核"]
    assert page.context["unread_notifications"] == 1
    client.post(reverse("accounts:notifications_read"))
    assert client.get(reverse("accounts:notifications")).context["unread_notifications"] == 0
    assert Notification.objects.filter(user=district_staff_b, read_at__isnull=True).exists()


def test_the_menu_groups_what_a_role_has_several_of_and_keeps_single_entries_as_links(
    district_staff_a, enterprise_user_a
):
    from portal.navigation import menu_for

    staff_menu = {item["label"]: item for item in menu_for(district_staff_a)}
    assert [c["label"] for c in staff_menu["企业"]["children"]] == ["企业名录", "注册待确认", "导入企业"]
    assert "url" in staff_menu["备案审核"] and "children" not in staff_menu["备案审核"]
    enterprise_menu = {item["label"]: item for item in menu_for(enterprise_user_a)}
    assert "本企业信息" in enterprise_menu and "企业" not in enterprise_menu  # a group of one is a plain link


def test_landing_pages_count_the_passes_waiting_for_the_issuing_district(
    client, enterprise_user_a, district_staff_a, district_staff_b
):
    from tests.passes.factories import applied_passes

    applied_passes(enterprise_user_a, count=2)  # workers living in 开发区 (district b), issued by 张浦镇 (a)
    client.force_login(district_staff_a)
    assert "审核 <strong>2</strong> 张返岗员工通行证申请" in client.get(reverse("portal:home")).content.decode()
    client.force_login(district_staff_b)  # the home district sees them but does not issue them
    assert "审核 <strong>0</strong> 张返岗员工通行证申请" in client.get(reverse("portal:home")).content.decode()
    client.force_login(enterprise_user_a)
    html = client.get(reverse("portal:home")).content.decode()
    assert "员工花名册 <strong>2</strong> 人" in html and "待属地审核 <strong>2</strong> 张" in html
