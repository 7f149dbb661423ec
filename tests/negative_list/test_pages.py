"""The public negative-list pages and the administrators' management pages."""

import datetime as dt

import pytest
from django.urls import reverse

from core import excel
from negative_list import services
from negative_list.models import NegativeList
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import UserFactory
from tests.negative_list.factories import NegativeListEntryFactory, NegativeListFactory, version_with
from tests.negative_list.test_services import HEADERS

pytestmark = pytest.mark.django_db


# --- public -----------------------------------------------------------------------------------


def test_the_public_page_shows_the_demo_list_to_anyone_in_three_queries(client, django_assert_num_queries):
    services.negative_list_demo_load()
    with django_assert_num_queries(3):  # the version in force, its entries, the other versions
        response = client.get(reverse("negative_list:public"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="demo-badge"' in page
    assert "复工复产负面清单(演示)" in page and "昆防指〔2020〕19号(演示, 非官方文本)" in page
    assert "2020-03-01" in page
    assert [e.industry_id for e in response.context["entries"]][:2] == ["8051", "8052"]
    assert "网吧活动" in page


def test_searching_costs_one_more_query(client, django_assert_num_queries):
    services.negative_list_demo_load()
    with django_assert_num_queries(4):
        response = client.get(reverse("negative_list:public"), {"q": "娱乐"})
    assert response.status_code == 200
    assert "9011" in [m.industry.code for m in response.context["matches"]]


def test_an_official_version_has_no_demo_badge(client):
    version_with(["8760"])
    assert 'data-testid="demo-badge"' not in client.get(reverse("negative_list:public")).content.decode()


def test_with_no_version_in_force_the_page_says_nothing_is_restricted(client):
    version_with(["8760"], draft=True)
    response = client.get(reverse("negative_list:public"))
    assert response.status_code == 200
    assert 'data-testid="no-negative-list"' in response.content.decode()


def test_search_by_class_code_finds_the_group_entry_covering_it(client):
    version_with({"876": (True, True, True)})
    response = client.get(reverse("negative_list:public"), {"q": "8760"})
    [match] = response.context["matches"]
    assert match.industry.code == "8760" and match.entry.industry_id == "876" and match.covered_by_ancestor
    assert "8760 属于清单所列的中类“876 电影放映”" in response.content.decode()


def test_search_by_name_marks_industries_outside_the_list(client):
    version_with({"9013": (True, True, True)})
    url = reverse("negative_list:public")
    matches = {m.industry.code: m for m in client.get(url, {"q": "网吧"}).context["matches"]}
    assert matches["9013"].entry.industry_id == "9013" and not matches["9013"].covered_by_ancestor
    other = {m.industry.code: m for m in client.get(url, {"q": "90"}).context["matches"]}
    assert other["9020"].entry is None
    assert [e.industry_id for e in other["90"].entries_beneath] == ["9013"]  # "some classes beneath are listed"


def test_earlier_versions_stay_public_and_read_only(client):
    older = version_with(["8760"], title="第一版", effective_from=dt.date(2020, 3, 1))
    current = version_with(["9013"], title="第二版", effective_from=dt.date(2020, 3, 15))
    draft = version_with(["8051"], title="草稿版", draft=True)
    page = client.get(reverse("negative_list:public"))
    assert page.context["version"] == current
    assert [v.pk for v in page.context["others"]] == [older.pk]
    assert reverse("negative_list:version", args=[older.pk]) in page.content.decode()

    response = client.get(reverse("negative_list:version", args=[older.pk]))
    assert response.status_code == 200
    assert response.context["version"] == older and not response.context["is_in_force"]
    assert "已被替代" in response.content.decode()
    assert 'method="post"' not in response.content.decode()  # nothing to change here
    assert client.get(reverse("negative_list:version", args=[draft.pk])).status_code == 404
    assert client.get(reverse("negative_list:version", args=[999999999])).status_code == 404


def test_a_published_version_downloads_as_excel_for_anyone(client):
    version = version_with(["8760"])
    response = client.get(reverse("negative_list:version_export", args=[version.pk]))
    assert response.status_code == 200
    assert open_workbook(response.content).worksheets[0]["A2"].value == "8760"
    draft = version_with(["8760"], draft=True)
    assert client.get(reverse("negative_list:version_export", args=[draft.pk])).status_code == 404


def test_the_nav_shows_the_list_to_every_role_and_management_to_administrators(client, admin_user, commander):
    client.force_login(commander)
    page = client.get(reverse("negative_list:public")).content.decode()
    assert reverse("negative_list:public") in page and reverse("negative_list:manage") not in page
    client.force_login(admin_user)
    page = client.get(reverse("negative_list:public")).content.decode()
    assert reverse("negative_list:manage") in page


def test_pages_have_no_inline_script_or_style(client, admin_user):
    draft = version_with(["8760"], draft=True)
    version_with(["9013"])
    client.force_login(admin_user)
    for url in [
        reverse("negative_list:public") + "?q=8760",
        reverse("negative_list:manage"),
        reverse("negative_list:manage_create"),
        reverse("negative_list:manage_detail", args=[draft.pk]),
        reverse("negative_list:manage_import", args=[draft.pk]),
    ]:
        page = client.get(url).content.decode()
        assert " style=" not in page and "<script>" not in page and " onclick=" not in page, url


# --- management: access -----------------------------------------------------------------------


def _manage_urls(world):
    draft, entry = world["draft"], world["entry"]
    return [
        ("get", reverse("negative_list:manage")),
        ("get", reverse("negative_list:manage_create")),
        ("get", reverse("negative_list:manage_import_template")),
        ("get", reverse("negative_list:manage_detail", args=[draft.pk])),
        ("post", reverse("negative_list:manage_detail", args=[draft.pk])),
        ("get", reverse("negative_list:manage_import", args=[draft.pk])),
        ("get", reverse("negative_list:manage_export", args=[draft.pk])),
        ("post", reverse("negative_list:manage_publish", args=[draft.pk])),
        ("post", reverse("negative_list:manage_entry_remove", args=[entry.pk])),
    ]


@pytest.fixture
def world(db):
    draft = NegativeListFactory(draft=True)
    return {"draft": draft, "entry": NegativeListEntryFactory(negative_list=draft)}


def test_anonymous_users_are_sent_to_login(client, world):
    for method, url in _manage_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    "who", ["commander", "district_staff_a", "enterprise_user_a", "authority_staff", "checkpoint_staff"]
)
def test_everyone_but_administrators_gets_403(client, world, request, who, admin_user):
    client.force_login(request.getfixturevalue(who))
    for method, url in _manage_urls(world):
        assert getattr(client, method)(url).status_code == 403, f"{method.upper()} {url}"
    assert world["draft"].entries.count() == 1 and world["draft"].status == "draft"  # nothing changed
    # The same URLs answer an administrator, so the 403s are about the role.
    client.force_login(admin_user)
    for method, url in _manage_urls(world)[:4]:
        assert getattr(client, method)(url).status_code == 200, url


def test_missing_ids_are_404_for_administrators(client, admin_user):
    client.force_login(admin_user)
    missing = 999999999
    for method, name in [
        ("get", "manage_detail"),
        ("post", "manage_detail"),
        ("get", "manage_import"),
        ("post", "manage_import"),
        ("get", "manage_export"),
        ("post", "manage_publish"),
        ("post", "manage_entry_remove"),
        ("get", "version"),
        ("get", "version_export"),
    ]:
        url = reverse(f"negative_list:{name}", args=[missing])
        assert getattr(client, method)(url).status_code == 404, f"{method.upper()} {url}"


def test_state_changing_manage_urls_refuse_get(client, admin_user, world):
    client.force_login(admin_user)
    assert client.get(reverse("negative_list:manage_publish", args=[world["draft"].pk])).status_code == 405
    assert client.get(reverse("negative_list:manage_entry_remove", args=[world["entry"].pk])).status_code == 405


# --- management: the work ------------------------------------------------------------------------


def test_an_administrator_builds_and_publishes_a_new_version(client, admin_user):
    current = version_with({"8760": (True, True, True), "9013": (True, True, True)})
    client.force_login(admin_user)
    form = client.get(reverse("negative_list:manage_create")).context["form"]
    assert form["copy_from"].initial == current.pk

    response = client.post(
        reverse("negative_list:manage_create"),
        {
            "title": "复工复产负面清单(第二版)",
            "source_document": "昆防指〔2020〕25号",
            "effective_from": "2020-03-20",
            "notes": "",
            "copy_from": current.pk,
        },
    )
    draft = NegativeList.objects.get(title="复工复产负面清单(第二版)")
    assert response.status_code == 302 and response.url == reverse("negative_list:manage_detail", args=[draft.pk])
    assert draft.entries.count() == 2

    detail = reverse("negative_list:manage_detail", args=[draft.pk])
    response = client.post(detail, {"industry": "8051", "restricts_business": "on", "reason": "洗浴场所暂缓开放"})
    assert response.status_code == 302
    assert draft.entries.get(industry_id="8051").restricts_work is False

    response = client.post(detail, {"industry": "8888", "restricts_work": "on", "reason": "x"})
    assert response.status_code == 200
    assert str(services.MSG_UNKNOWN_INDUSTRY) in response.context["form"].errors["industry"]
    response = client.post(detail, {"industry": "8930", "reason": "什么也没勾"})
    assert str(services.MSG_NOTHING_RESTRICTED) in response.context["form"].non_field_errors()

    cafe = draft.entries.get(industry_id="9013")
    page = client.get(detail).content.decode()
    assert reverse("negative_list:manage_entry_remove", args=[cafe.pk]) in page
    assert 'data-confirm="' in page  # publish and remove ask first (static/js/portal.js)
    client.post(reverse("negative_list:manage_entry_remove", args=[cafe.pk]))
    assert not draft.entries.filter(industry_id="9013").exists()

    response = client.post(reverse("negative_list:manage_publish", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == NegativeList.Status.PUBLISHED and draft.published_by == admin_user
    assert "已发布" in response.content.decode()
    page = client.get(detail).content.decode()
    assert "manage_entry_remove" not in page and 'name="industry"' not in page  # read-only now


def test_publishing_an_empty_draft_shows_the_reason(client, admin_user):
    draft = NegativeListFactory(draft=True)
    client.force_login(admin_user)
    response = client.post(reverse("negative_list:manage_publish", args=[draft.pk]), follow=True)
    assert str(services.MSG_EMPTY_DRAFT) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == NegativeList.Status.DRAFT


def test_a_published_version_refuses_changes_through_the_pages(client, admin_user):
    published = version_with(["8760"])
    entry = published.entries.get()
    client.force_login(admin_user)
    detail = reverse("negative_list:manage_detail", args=[published.pk])
    response = client.post(detail, {"industry": "9013", "restricts_work": "on", "reason": "x"}, follow=True)
    assert str(services.MSG_PUBLISHED_READ_ONLY) in response.content.decode()
    client.post(reverse("negative_list:manage_entry_remove", args=[entry.pk]))
    response = client.get(reverse("negative_list:manage_import", args=[published.pk]))
    assert response.status_code == 302
    assert list(published.entries.values_list("industry_id", flat=True)) == ["8760"]


def test_the_import_page_reports_errors_with_an_annotated_workbook(client, admin_user):
    draft = NegativeListFactory(draft=True)
    client.force_login(admin_user)
    url = reverse("negative_list:manage_import", args=[draft.pk])
    upload = xlsx_upload(HEADERS, [["8760", "", "是", "是", "是", "ok"], ["9999", "", "是", "是", "是", "bad"]])
    response = client.post(url, {"file": upload})
    assert response.status_code == 200 and response.context["error_count"] == 1
    assert not draft.entries.exists()
    download = client.get(reverse("download", args=[response.context["error_token"]]))
    sheet = open_workbook(download.content)[excel.ERROR_SHEET_TITLE]
    assert str(services.MSG_UNKNOWN_INDUSTRY) in sheet["G3"].value

    good = xlsx_upload(HEADERS, [["8760", "", "是", "是", "是", "ok"], ["9013", "", "否", "否", "是", "ok"]])
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert sorted(draft.entries.values_list("industry_id", flat=True)) == ["8760", "9013"]


def test_the_import_template_and_export_download(client, admin_user):
    draft = version_with(["876"], draft=True)
    client.force_login(admin_user)
    template = client.get(reverse("negative_list:manage_import_template"))
    assert [c.value for c in open_workbook(template.content).worksheets[0][1]] == HEADERS
    export = client.get(reverse("negative_list:manage_export", args=[draft.pk]))
    assert open_workbook(export.content).worksheets[0]["B2"].value == "电影放映"


def test_the_manage_list_shows_drafts_and_published_versions(client, admin_user):
    version_with(["8760"], title="已发布版")
    version_with(["8760", "9013"], title="草稿版", draft=True)
    client.force_login(admin_user)
    response = client.get(reverse("negative_list:manage"))
    counts = {v.title: v.entry_count for v in response.context["versions"]}
    assert counts == {"已发布版": 1, "草稿版": 2}


def test_a_second_administrator_sees_the_same_drafts(client, admin_user):
    draft = version_with(["8760"], draft=True)
    other_admin = UserFactory(admin=True)
    client.force_login(other_admin)
    assert client.get(reverse("negative_list:manage_detail", args=[draft.pk])).status_code == 200
