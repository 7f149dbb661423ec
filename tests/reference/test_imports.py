"""Go-live reference data by Excel (administrators): communities and villages, and city-management offices."""

import pytest
from django.urls import reverse

from reference import imports
from reference.models import Community, District
from tests.excel_helpers import xlsx_upload

pytestmark = pytest.mark.django_db

COMMUNITY_HEADERS = ["属地", "社区(村)代码", "社区(村)名称"]
OFFICE_HEADERS = ["代码", "名称", "类型"]


def _post(client, user, name, headers, rows):
    client.force_login(user)
    return client.post(reverse(name), {"file": xlsx_upload(headers, rows)})


def _communities(client, admin_user, rows):
    return _post(client, admin_user, "admin:reference_community_import", COMMUNITY_HEADERS, rows)


def _offices(client, admin_user, rows):
    return _post(client, admin_user, "admin:reference_district_import", OFFICE_HEADERS, rows)


def test_an_administrator_imports_communities_and_villages(client, admin_user):
    response = _communities(client, admin_user, [["张浦镇", "zhangpu-001", "大市社区"], ["kfq", "kfq-001", "蓬朗村"]])
    assert response.status_code == 200 and not response.context.get("error_token")
    dashi = Community.objects.get(code="zhangpu-001")
    assert (dashi.district.code, dashi.name, dashi.is_demo) == ("zhangpu", "大市社区", False)
    assert Community.objects.get(code="kfq-001").district.code == "kfq"


def test_importing_the_same_file_again_changes_nothing_and_a_corrected_name_is_updated(client, admin_user):
    rows = [["张浦镇", "zhangpu-001", "大市社区"]]
    _communities(client, admin_user, rows)
    count = Community.objects.count()
    _communities(client, admin_user, rows)
    assert Community.objects.count() == count
    _communities(client, admin_user, [["张浦镇", "zhangpu-001", "大市村"]])
    assert Community.objects.get(code="zhangpu-001").name == "大市村" and Community.objects.count() == count


def test_a_demo_community_imported_by_its_code_becomes_real(client, admin_user):
    _communities(client, admin_user, [["张浦镇", "zhangpu-demo-1", "张浦镇新镇社区"]])
    community = Community.objects.get(code="zhangpu-demo-1")
    assert (community.name, community.is_demo) == ("张浦镇新镇社区", False)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["不存在镇", "x-001", "某社区"]], imports.MSG_UNKNOWN_DISTRICT),
        ([["张浦镇", "坏 代码", "某社区"]], imports.MSG_BAD_CODE),
        (
            [["张浦镇", "zp-1", "甲社区"], ["张浦镇", "zp-1", "乙社区"]],
            imports.MSG_DUPLICATE_CODE_IN_FILE.format(row=3),
        ),
        (
            [["张浦镇", "zp-1", "甲社区"], ["张浦镇", "zp-2", "甲社区"]],
            imports.MSG_DUPLICATE_NAME_IN_FILE.format(row=3),
        ),
        ([["张浦镇", "zp-9", "张浦镇演示社区"]], imports.MSG_NAME_TAKEN.format(code="zhangpu-demo-1")),
        ([["张浦镇", "zp-1", "甲" * 51]], None),
        ([["张浦镇", "", "甲社区"]], None),
    ],
)
def test_a_bad_community_row_imports_nothing(client, admin_user, rows, message):
    before = list(Community.objects.order_by("pk").values())
    good = ["张浦镇", "zp-ok", "正确社区"]
    response = _communities(client, admin_user, [good, *rows])
    assert response.status_code == 200 and response.context["error_token"]
    if message is not None:
        assert str(message) in [error.message for error in response.context["errors"]]
    assert list(Community.objects.order_by("pk").values()) == before


def test_an_administrator_imports_the_city_management_offices(client, admin_user):
    response = _offices(
        client,
        admin_user,
        [["cgb-yushan", "玉山城市管理办事处", ""], ["cgb-tinglin", "亭林城市管理办事处", "城市管理办事处"]],
    )
    assert response.status_code == 200 and not response.context.get("error_token")
    office = District.objects.get(code="cgb-yushan")
    assert (office.kind, office.name) == (District.Kind.OFFICE, "玉山城市管理办事处")
    assert office.sort_order > District.objects.get(code="jinxi").sort_order
    # An office is a district like the others: communities can be imported into it.
    _communities(client, admin_user, [["玉山城市管理办事处", "cgb-yushan-001", "玉山社区"]])
    assert Community.objects.get(code="cgb-yushan-001").district == office
    _offices(client, admin_user, [["cgb-yushan", "玉山城市管理办事处", ""]])
    assert District.objects.filter(kind=District.Kind.OFFICE).count() == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["cgb-x", "张浦镇", ""]], imports.MSG_NAME_TAKEN.format(code="zhangpu")),
        ([["cgb-x", "某办事处", "街道"]], imports.MSG_UNKNOWN_KIND),
        ([["cgb-x", "甲办事处", ""], ["cgb-x", "乙办事处", ""]], imports.MSG_DUPLICATE_CODE_IN_FILE.format(row=3)),
        ([["a" * 21, "甲办事处", ""]], None),
    ],
)
def test_a_bad_office_row_imports_nothing(client, admin_user, rows, message):
    before = District.objects.count()
    response = _offices(client, admin_user, [["cgb-ok", "正确办事处", ""], *rows])
    assert response.status_code == 200 and response.context["error_token"]
    if message is not None:
        assert str(message) in [error.message for error in response.context["errors"]]
    assert District.objects.count() == before


def test_the_templates_hold_the_import_headers(client, admin_user):
    from tests.excel_helpers import open_workbook

    client.force_login(admin_user)
    for name, headers in (
        ("admin:reference_community_import_template", COMMUNITY_HEADERS),
        ("admin:reference_district_import_template", OFFICE_HEADERS),
    ):
        response = client.get(reverse(name))
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert [c.value for c in next(open_workbook(content).worksheets[0].iter_rows())] == headers


def test_only_administrators_import(client, district_staff_a, commander):
    for user in (district_staff_a, commander):
        client.force_login(user)
        response = client.get(reverse("admin:reference_community_import"))
        assert response.status_code in (302, 403)
