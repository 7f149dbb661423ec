import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role, User
from core import excel
from enterprises import services
from enterprises.models import Enterprise
from enterprises.validators import (
    MSG_CREDIT_CODE_CHECKSUM,
    MSG_CREDIT_CODE_FORMAT,
    MSG_CREDIT_CODE_LENGTH,
    validate_credit_code,
)
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import EnterpriseFactory, UserFactory, credit_code

pytestmark = pytest.mark.django_db

# --- Credit codes ---------------------------------------------------------------------------


def test_a_valid_credit_code_passes():
    validate_credit_code("91320583MA1M00000G")
    validate_credit_code("91320583-MA1M-00000g")  # pasted with dashes and lower case


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91320583MA1M00000H", MSG_CREDIT_CODE_CHECKSUM),
        ("91320583MA1M0000", MSG_CREDIT_CODE_LENGTH),
        ("91320583MA1M00000GG", MSG_CREDIT_CODE_LENGTH),
        ("91320583MA1O00000G", MSG_CREDIT_CODE_FORMAT),
    ],
)
def test_bad_credit_codes_get_a_clear_message(code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.messages == [message]


# --- Self-registration and confirmation -----------------------------------------------------

REGISTER = reverse("enterprises:register")


def _registration(**overrides):
    data = {
        "credit_code": credit_code(900001),
        "name": "昆山新注册有限公司",
        "district": "",
        "industry": "3670",
        "address": "昆山市张浦镇测试路8号",
        "legal_representative": "周法人",
        "contact_name": "吴联系",
        "contact_mobile": "13912340000",
        "headcount": "80",
        "username": "new_enterprise",
        "email": "hr@example.cn",
        "password1": "Kunshan-reg-2020",
        "password2": "Kunshan-reg-2020",
    }
    data.update(overrides)
    return data


def test_enterprise_registers_and_waits_for_its_district(client, district_a):
    response = client.post(REGISTER, _registration(district=district_a.pk))
    assert response.status_code == 200
    assert "已提交张浦镇工作人员确认" in response.content.decode()
    enterprise = Enterprise.objects.get(credit_code=credit_code(900001))
    assert enterprise.status == Enterprise.Status.PENDING
    user = User.objects.get(username="new_enterprise")
    assert (user.role, user.enterprise, user.is_active) == (Role.ENTERPRISE, enterprise, False)


def test_registration_with_a_bad_code_or_mobile_saves_nothing(client, district_a):
    response = client.post(
        REGISTER, _registration(district=district_a.pk, credit_code="91320583MA1M00000H", contact_mobile="1391234")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["credit_code"] == [MSG_CREDIT_CODE_CHECKSUM]
    assert "contact_mobile" in errors
    assert not Enterprise.objects.filter(name="昆山新注册有限公司").exists()
    assert not User.objects.filter(username="new_enterprise").exists()


def test_a_registered_code_cannot_register_again(client, enterprise_a):
    response = client.post(
        REGISTER, _registration(district=enterprise_a.district_id, credit_code=enterprise_a.credit_code)
    )
    assert str(services.MSG_CREDIT_CODE_TAKEN) in response.content.decode()
    assert not User.objects.filter(username="new_enterprise").exists()


def test_district_confirms_and_the_account_can_log_in(
    client, district_a, district_staff_a, django_capture_on_commit_callbacks
):
    client.post(REGISTER, _registration(district=district_a.pk))
    enterprise = Enterprise.objects.get(credit_code=credit_code(900001))
    client.force_login(district_staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:confirm", args=[enterprise.pk]))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.ACTIVE and enterprise.reviewed_by == district_staff_a
    assert User.objects.get(username="new_enterprise").is_active
    assert mail.outbox[-1].subject == services.MAIL_SUBJECT_CONFIRMED
    assert mail.outbox[-1].to == ["hr@example.cn"]
    client.post(reverse("accounts:logout"))
    login = client.post(reverse("accounts:login"), {"username": "new_enterprise", "password": "Kunshan-reg-2020"})
    assert login.status_code == 302


def test_reject_needs_a_reason_and_allows_registering_again(
    client, district_a, district_staff_a, django_capture_on_commit_callbacks
):
    client.post(REGISTER, _registration(district=district_a.pk))
    enterprise = Enterprise.objects.get(credit_code=credit_code(900001))
    client.force_login(district_staff_a)
    client.post(reverse("enterprises:reject", args=[enterprise.pk]), {"reason": ""})
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:reject", args=[enterprise.pk]), {"reason": "行业代码填写错误"})
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.review_comment) == (Enterprise.Status.REJECTED, "行业代码填写错误")
    assert "行业代码填写错误" in mail.outbox[-1].body
    client.post(reverse("accounts:logout"))
    again = client.post(REGISTER, _registration(district=district_a.pk, username="second_try", industry="3484"))
    assert again.status_code == 200
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.industry_id) == (Enterprise.Status.PENDING, "3484")


def test_only_the_enterprise_district_confirms(district_a, district_staff_b):
    pending = EnterpriseFactory(district=district_a, status=Enterprise.Status.PENDING)
    with pytest.raises(Exception, match=str(services.MSG_NOT_YOUR_DISTRICT)):
        services.enterprise_confirm(enterprise=pending, confirmed_by=district_staff_b)
    pending.refresh_from_db()
    assert pending.status == Enterprise.Status.PENDING


def test_a_confirmed_enterprise_cannot_be_confirmed_twice(enterprise_a, district_staff_a):
    with pytest.raises(ValidationError, match=str(services.MSG_NOT_PENDING)):
        services.enterprise_confirm(enterprise=enterprise_a, confirmed_by=district_staff_a)


# --- Staff edits and accounts ---------------------------------------------------------------


def test_district_staff_register_an_enterprise_only_in_their_district(client, district_staff_a, district_b):
    client.force_login(district_staff_a)
    data = _registration(district=district_b.pk)
    response = client.post(reverse("enterprises:create"), data)
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not Enterprise.objects.filter(credit_code=credit_code(900001)).exists()


def test_district_staff_edit_an_enterprise(client, district_staff_a, enterprise_a):
    client.force_login(district_staff_a)
    url = reverse("enterprises:edit", args=[enterprise_a.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data.update({"headcount": 450, "is_above_scale": "on"})
    data = {k: v for k, v in data.items() if v not in (None, False)}
    assert client.post(url, data).status_code == 302
    enterprise_a.refresh_from_db()
    assert (enterprise_a.headcount, enterprise_a.is_above_scale) == (450, True)


def test_commanders_read_but_cannot_edit(client, commander, enterprise_a):
    client.force_login(commander)
    assert client.get(reverse("enterprises:detail", args=[enterprise_a.pk])).status_code == 200
    assert client.get(reverse("enterprises:edit", args=[enterprise_a.pk])).status_code == 403
    assert client.post(reverse("enterprises:confirm", args=[enterprise_a.pk])).status_code == 403


def test_an_enterprise_user_sees_only_its_own_enterprise(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.get(reverse("enterprises:mine"))
    assert response["Location"] == reverse("enterprises:detail", args=[enterprise_user_a.enterprise_id])
    assert client.get(reverse("enterprises:list")).status_code == 403


def test_staff_open_an_account_with_a_one_time_password(client, district_staff_a, enterprise_a):
    client.force_login(district_staff_a)
    response = client.post(
        reverse("enterprises:account_create", args=[enterprise_a.pk]),
        {"username": "zp_account", "full_name": "钱经理", "mobile": "13911112222"},
    )
    password = response.context["password"]
    account = User.objects.get(username="zp_account")
    assert account.enterprise == enterprise_a and account.password_change_required and account.is_active
    assert account.check_password(password)


# --- Excel import ---------------------------------------------------------------------------

HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "属地",
    "行业代码",
    "生产经营地址",
    "法定代表人",
    "联系人",
    "联系人手机",
    "职工总数",
    "规上企业",
    "重点企业",
    "产业链龙头企业",
]
IMPORT = reverse("enterprises:import")


def _row(serial, **overrides):
    row = {
        "code": credit_code(serial),
        "name": f"导入企业{serial}",
        "district": "张浦镇",
        "industry": "3670",
        "address": "昆山市张浦镇导入路",
        "legal": "甲",
        "contact": "乙",
        "mobile": "13912345678",
        "headcount": 50,
        "above": "否",
        "key": "",
        "leader": "",
    }
    row.update(overrides)
    return list(row.values())


def test_import_creates_every_enterprise(client, district_staff_a):
    client.force_login(district_staff_a)
    upload = xlsx_upload(HEADERS, [_row(1, above="是"), _row(2, mobile=13912345679, headcount=1200.0)])
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 302
    first = Enterprise.objects.get(credit_code=credit_code(1))
    second = Enterprise.objects.get(credit_code=credit_code(2))
    assert (first.district.code, first.industry_id, first.is_above_scale) == ("zhangpu", "3670", True)
    assert (second.contact_mobile, second.headcount) == ("13912345679", 1200)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([_row(1), _row(1)], (3, "credit_code", services.MSG_IMPORT_DUPLICATE_IN_FILE.format(row=3))),
        ([_row(1, code="91320583MA1M00000H")], (2, "credit_code", MSG_CREDIT_CODE_CHECKSUM)),
        ([_row(1, mobile="1234")], (2, "contact_mobile", "请输入11位中国大陆手机号码, 如 13912345678。")),
        ([_row(1, industry="9999")], (2, "industry", services.MSG_UNKNOWN_INDUSTRY)),
        ([_row(1, district="上海")], (2, "district", services.MSG_UNKNOWN_DISTRICT)),
        ([_row(1, headcount=-3)], (2, "headcount", excel.MSG_NOT_A_COUNT)),
        ([_row(1, above="maybe")], (2, "is_above_scale", excel.MSG_NOT_A_FLAG)),
        (
            [_row(1, district="昆山开发区")],
            (2, "district", services.MSG_IMPORT_OTHER_DISTRICT.format(district="张浦镇")),
        ),
        ([_row(1, name="")], (2, "name", excel.MSG_REQUIRED)),
    ],
)
def test_a_bad_row_imports_nothing_and_is_marked_in_the_workbook(client, district_staff_a, rows, expected):
    client.force_login(district_staff_a)
    good = _row(77)
    before = Enterprise.objects.count()
    response = client.post(IMPORT, {"file": xlsx_upload(HEADERS, [good, *rows])})
    assert Enterprise.objects.count() == before
    row, column, message = expected
    errors = {(e.row - 1, e.column): e.message for e in response.context["errors"]}  # after the good row
    assert errors[(row, column)] == message
    annotated = open_workbook(client.get(reverse("download", args=[response.context["error_token"]])).content)
    sheet = annotated.worksheets[0]
    column_index = HEADERS.index(next(c.header for c in services.enterprise_import_columns() if c.key == column))
    cell = sheet.cell(row=row + 1, column=column_index + 1)
    assert str(message) in cell.comment.text
    assert str(message) in sheet.cell(row=row + 1, column=len(HEADERS) + 1).value


def test_a_code_already_in_the_registry_is_a_duplicate(client, district_staff_a, enterprise_a):
    client.force_login(district_staff_a)
    response = client.post(IMPORT, {"file": xlsx_upload(HEADERS, [_row(1, code=enterprise_a.credit_code)])})
    assert response.context["errors"][0].message == services.MSG_IMPORT_DUPLICATE_IN_REGISTRY
    assert Enterprise.objects.filter(credit_code=enterprise_a.credit_code).count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (xlsx_upload(HEADERS[:3], [["x", "y", "z"]]), "缺少必填列"),
        (xlsx_upload(HEADERS, []), excel.MSG_EMPTY),
    ],
)
def test_files_that_cannot_be_imported_say_why(client, district_staff_a, upload, message):
    client.force_login(district_staff_a)
    response = client.post(IMPORT, {"file": upload})
    assert str(message) in response.context["form"].errors["file"][0]
    assert not Enterprise.objects.exclude(pk__in=[]).filter(name__startswith="导入企业").exists()


def test_a_file_that_is_not_excel_is_refused(client, district_staff_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(district_staff_a)
    fake = SimpleUploadedFile("企业.xlsx", "统一社会信用代码,企业名称\n".encode(), content_type="text/csv")
    response = client.post(IMPORT, {"file": fake})
    assert response.context["form"].errors["file"] == [excel.MSG_NOT_XLSX]


def test_the_template_imports_back_and_an_export_round_trips(client, district_staff_a, district_a):
    client.force_login(district_staff_a)
    template = client.get(reverse("enterprises:import_template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    EnterpriseFactory.create_batch(3, district=district_a, is_key=True)
    exported = client.get(reverse("enterprises:export") + "?key=on").content
    Enterprise.objects.filter(is_key=True).delete()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(IMPORT, {"file": SimpleUploadedFile("export.xlsx", exported)})
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Enterprise.objects.filter(is_key=True, district=district_a).count() == 3


def test_other_roles_cannot_import(client, commander, enterprise_user_a):
    for user in (commander, enterprise_user_a):
        client.force_login(user)
        assert client.get(IMPORT).status_code == 403


def test_an_admin_imports_for_any_district(client, admin_user):
    client.force_login(admin_user)
    response = client.post(IMPORT, {"file": xlsx_upload(HEADERS, [_row(5, district="锦溪镇")])})
    assert response.status_code == 302
    assert Enterprise.objects.get(credit_code=credit_code(5)).district.code == "jinxi"


def test_authority_staff_see_the_list_of_their_industries(client, district_a):
    from reference.models import Industry

    EnterpriseFactory(district=district_a, industry=Industry.objects.get(code="8760"), name="影院")
    EnterpriseFactory(district=district_a, name="零部件厂")
    bureau = UserFactory(authority_staff=True)  # 工信局 guides manufacturing
    client.force_login(bureau)
    names = [e.name for e in client.get(reverse("enterprises:list")).context["page"]]
    assert names == ["零部件厂"]
