"""Tiered linkage maintained by district staff: the form, the Excel import (all-or-nothing, annotated errors)
and the to-do list of enterprises without a tier-1 official."""

import pytest
from django.urls import reverse

from core import excel
from service_requests import linkage
from service_requests.models import LinkedOfficial
from service_requests.selectors import enterprises_without_tier_one
from tests.excel_helpers import xlsx_upload
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db
HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "第1级 属地挂钩负责人",
    "第2级 区镇复工复产专班负责人",
    "第3级 行业主管部门",
    "第4级 挂钩市领导",
]


def test_the_chain_shows_the_defaults_and_the_enterprise_own_settings(enterprise_a, official_a, linkage_a):
    chain = linkage.LinkageResolver([enterprise_a]).chain(enterprise_a)
    assert [(tier.level, who.label if who else None, own) for tier, who, own in chain] == [
        (1, official_a.display_name, False),
        (2, linkage_a.task_force_head.display_name, False),
        (3, "工信局", False),
        (4, linkage_a.city_leader.display_name, False),
    ]


def test_the_form_sets_tier_one_on_the_enterprise_and_other_tiers_as_own_settings(
    client, enterprise_a, district_staff_a
):
    official = UserFactory(district_staff=True, district=enterprise_a.district)
    client.force_login(district_staff_a)
    url = reverse("service_requests:linkage_edit", kwargs={"pk": enterprise_a.pk})
    response = client.post(url, {"level_1": official.username, "level_2": "", "level_3": "swj", "level_4": ""})
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.responsible_official == official
    own = LinkedOfficial.objects.get(enterprise=enterprise_a)
    assert (own.level, own.authority.code, own.updated_by) == (3, "swj", district_staff_a)
    response = client.post(url, {"level_1": "nobody", "level_3": ""})
    assert str(linkage.MSG_UNKNOWN_USER) in response.content.decode()


def test_enterprises_without_a_tier_one_official_are_on_the_district_to_do_list(
    client, enterprise_a, district_staff_a, official_a
):
    missing = EnterpriseFactory(district=enterprise_a.district)
    assert list(enterprises_without_tier_one(district_staff_a)) == [missing]
    client.force_login(district_staff_a)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="linkage-todo"' in page
    listing = client.get(reverse("service_requests:linkage") + "?missing=1").content.decode()
    assert missing.name in listing and enterprise_a.name not in listing


def test_the_import_sets_every_row_or_none_and_returns_the_annotated_workbook(
    client, enterprise_a, district_staff_a, enterprise_b
):
    official = UserFactory(district_staff=True, district=enterprise_a.district, username="guagou1")
    other = EnterpriseFactory(district=enterprise_a.district)
    client.force_login(district_staff_a)
    bad = xlsx_upload(
        HEADERS,
        [
            [enterprise_a.credit_code, "", "guagou1", "", "", ""],
            [enterprise_b.credit_code, "", "guagou1", "", "", ""],  # another district's
            [other.credit_code, "", "nobody", "", "gxj", ""],
        ],
    )
    response = client.post(reverse("service_requests:linkage_import"), {"file": bad})
    page = response.content.decode()
    assert str(linkage.MSG_UNKNOWN_ENTERPRISE) in page and str(linkage.MSG_UNKNOWN_USER) in page
    enterprise_a.refresh_from_db()
    assert enterprise_a.responsible_official is None  # nothing written
    token = response.context["error_token"]
    book = excel.openpyxl.load_workbook(__import__("io").BytesIO(client.get(reverse("download", args=[token])).content))
    assert book.worksheets[0].cell(row=1, column=len(HEADERS) + 1).value == excel.ERROR_COLUMN_HEADER

    good = xlsx_upload(
        HEADERS,
        [[enterprise_a.credit_code, "", "guagou1", "", "gxj", ""], [other.credit_code, "", "guagou1", "", "", ""]],
    )
    assert client.post(reverse("service_requests:linkage_import"), {"file": good}).status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.responsible_official == official
    assert LinkedOfficial.objects.get(enterprise=enterprise_a).authority.code == "gxj"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: xlsx_upload(["名称"], [["x"]]), excel.MSG_MISSING_COLUMNS.format(columns="统一社会信用代码")),
        (lambda: xlsx_upload(HEADERS, []), excel.MSG_EMPTY),
        (lambda: __import__("tests.service_requests.helpers", fromlist=["pdf"]).pdf("挂钩.xlsx"), excel.MSG_NOT_XLSX),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(client, district_staff_a, upload, message):
    client.force_login(district_staff_a)
    response = client.post(reverse("service_requests:linkage_import"), {"file": upload()})
    assert str(message) in response.content.decode()


def test_the_export_imports_back_unchanged(client, enterprise_a, official_a, district_staff_a):
    LinkedOfficial.objects.create(
        enterprise=enterprise_a,
        level=3,
        authority_id=__import__("reference.models", fromlist=["IndustryAuthority"])
        .IndustryAuthority.objects.get(code="swj")
        .pk,
    )
    client.force_login(district_staff_a)
    exported = client.get(reverse("service_requests:linkage_export")).content
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("挂钩.xlsx", exported)
    assert client.post(reverse("service_requests:linkage_import"), {"file": upload}).status_code == 302
    assert LinkedOfficial.objects.get(enterprise=enterprise_a).authority.code == "swj"
    enterprise_a.refresh_from_db()
    assert enterprise_a.responsible_official == official_a


def test_only_district_staff_maintain_the_linkage(client, commander, enterprise_user_a):
    for user in (commander, enterprise_user_a):
        client.force_login(user)
        assert client.get(reverse("service_requests:linkage")).status_code == 403
        assert client.get(reverse("service_requests:linkage_template")).status_code == 403
