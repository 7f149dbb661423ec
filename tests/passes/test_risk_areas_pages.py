"""The public risk-area pages (clause 3: no login) and the administrators' management pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core import excel
from passes.models import RiskArea, RiskAreaList, RiskLevel
from passes.services import risk_areas as services
from reference.models import Division
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import UserFactory
from tests.passes.factories import published_risk_list
from tests.passes.test_risk_areas import HEADERS

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2020, 3, 9)


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def version_with(
    areas: dict[str, str], *, draft=False, title="测试风险地区名单", effective_from=TODAY, source="苏防控〔2020〕7号"
) -> RiskAreaList:
    version = RiskAreaList.objects.create(
        title=title,
        source_document=source,
        effective_from=effective_from,
        status=RiskAreaList.Status.DRAFT if draft else RiskAreaList.Status.PUBLISHED,
        published_at=None if draft else timezone.now(),
    )
    RiskArea.objects.bulk_create(
        RiskArea(risk_list=version, division_id=code, level=level) for code, level in areas.items()
    )
    return version


# --- public ----------------------------------------------------------------------------------------


def test_the_public_page_shows_the_demo_list_to_anyone_in_three_queries(client, django_assert_num_queries):
    services.risk_area_list_demo_load()
    with django_assert_num_queries(3):  # the version in force, its areas with their divisions, the other versions
        response = client.get(reverse("passes:risk_areas"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="demo-badge"' in page and 'data-testid="demo-note"' in page and "演示" in page
    assert "风险地区名单(演示)" in page and "苏防控〔2020〕7号(演示, 非官方文本)" in page
    assert "2020-02-10" in page
    assert [a.division_id for a in response.context["areas"]][:2] == ["420000", "330300"]  # highest risk first
    assert "河南省信阳市" in page


def test_the_page_costs_the_same_queries_for_many_areas(client, django_assert_num_queries):
    cities = Division.objects.filter(level="city").values_list("code", flat=True)[:60]
    version_with(dict.fromkeys(cities, RiskLevel.MEDIUM))
    with django_assert_num_queries(3):
        response = client.get(reverse("passes:risk_areas"))
    assert len(response.context["areas"]) == 60


def test_searching_costs_one_more_query_and_shows_which_entry_decided(client, django_assert_num_queries):
    version_with({"420000": RiskLevel.HIGH, "420100": RiskLevel.MEDIUM, "420102": RiskLevel.LOW})
    with django_assert_num_queries(4):
        response = client.get(reverse("passes:risk_areas"), {"q": "武汉"})
    matches = {m.division.code: m for m in response.context["matches"]}
    assert matches["420100"].level == RiskLevel.MEDIUM and not matches["420100"].decided_by_parent
    assert [a.division_id for a in matches["420100"].areas_beneath] == ["420102"]
    assert matches["420102"].level == RiskLevel.LOW and matches["420102"].deciding_area.division_id == "420102"
    assert matches["420103"].level == RiskLevel.MEDIUM and matches["420103"].decided_by_parent
    assert list(matches)[0] == "420100"  # the city named 武汉 before the districts beneath it
    page = response.content.decode()
    assert "420103 属于名单所列的“420100 湖北省武汉市”, 按该条目为中风险(关注地区)。" in page


def test_lookup_by_code_and_an_unlisted_place(client):
    version_with({"420000": RiskLevel.HIGH})
    url = reverse("passes:risk_areas")
    [match] = client.get(url, {"q": "420202"}).context["matches"]
    assert match.division.full_name == "湖北省黄石市黄石港区"
    assert match.level == RiskLevel.HIGH and match.deciding_area.division_id == "420000"
    response = client.get(url, {"q": "昆山"})
    [match] = response.context["matches"]
    assert match.level == RiskLevel.LOW and match.deciding_area is None
    assert "本地区及其所在的省、市都未列入名单, 为低风险地区。" in response.content.decode()
    response = client.get(url, {"q": "不存在的地方"})
    assert response.context["matches"] == []
    assert "没有找到“不存在的地方”对应的地区" in response.content.decode()


def test_an_official_version_has_no_demo_marks(client):
    version_with({"420000": RiskLevel.HIGH})
    page = client.get(reverse("passes:risk_areas")).content.decode()
    assert 'data-testid="demo-badge"' not in page and 'data-testid="demo-note"' not in page


def test_with_no_version_in_force_everywhere_is_low_risk(client):
    version_with({"420000": RiskLevel.HIGH}, draft=True)
    version_with({"420000": RiskLevel.HIGH}, effective_from=TODAY + dt.timedelta(days=1))
    response = client.get(reverse("passes:risk_areas"))
    assert response.status_code == 200
    assert 'data-testid="no-risk-list"' in response.content.decode()


def test_earlier_versions_stay_public_and_read_only_and_drafts_404(client):
    older = version_with({"420000": RiskLevel.HIGH}, title="第一版", effective_from=dt.date(2020, 2, 10))
    current = version_with({"420100": RiskLevel.HIGH}, title="第二版", effective_from=dt.date(2020, 3, 1))
    draft = version_with({"420000": RiskLevel.HIGH}, title="草稿版", draft=True)
    page = client.get(reverse("passes:risk_areas"))
    assert page.context["version"] == current
    assert [v.pk for v in page.context["others"]] == [older.pk]
    assert reverse("passes:risk_area_version", args=[older.pk]) in page.content.decode()

    response = client.get(reverse("passes:risk_area_version", args=[older.pk]))
    assert response.status_code == 200
    assert response.context["version"] == older and not response.context["is_in_force"]
    assert "已被替代" in response.content.decode()
    assert 'method="post"' not in response.content.decode()
    for name in ("passes:risk_area_version", "passes:risk_area_version_export"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
        assert client.get(reverse(name, args=[999999999])).status_code == 404


def test_a_published_version_downloads_as_excel_for_anyone(client):
    version = version_with({"420000": RiskLevel.HIGH})
    response = client.get(reverse("passes:risk_area_version_export", args=[version.pk]))
    assert response.status_code == 200
    assert [c.value for c in open_workbook(response.content).worksheets[0][2]] == ["420000", "湖北省", "高", None]


def test_the_nav_shows_the_list_to_every_role_and_management_to_administrators(
    client, admin_user, commander, checkpoint_staff
):
    for user in (commander, checkpoint_staff):
        client.force_login(user)
        page = client.get(reverse("passes:risk_areas")).content.decode()
        assert "风险地区" in page and reverse("passes:risk_area_manage") not in page
    client.force_login(admin_user)
    page = client.get(reverse("passes:risk_areas")).content.decode()
    assert reverse("passes:risk_area_manage") in page


def test_pages_have_no_inline_script_or_style(client, admin_user):
    draft = version_with({"420000": RiskLevel.HIGH}, draft=True)
    version_with({"420000": RiskLevel.HIGH, "420102": RiskLevel.LOW})
    client.force_login(admin_user)
    for url in [
        reverse("passes:risk_areas") + "?q=武汉",
        reverse("passes:risk_area_manage"),
        reverse("passes:risk_area_manage_create"),
        reverse("passes:risk_area_manage_detail", args=[draft.pk]),
        reverse("passes:risk_area_manage_import", args=[draft.pk]),
    ]:
        page = client.get(url).content.decode()
        assert " style=" not in page and "<script>" not in page and " onclick=" not in page, url


# --- management: access ----------------------------------------------------------------------------


@pytest.fixture
def world(db):
    draft = version_with({"420000": RiskLevel.HIGH}, draft=True)
    return {"draft": draft, "area": draft.areas.get()}


def _manage_urls(world):
    draft, area = world["draft"], world["area"]
    return [
        ("get", reverse("passes:risk_area_manage")),
        ("get", reverse("passes:risk_area_manage_create")),
        ("get", reverse("passes:risk_area_manage_template")),
        ("get", reverse("passes:risk_area_manage_detail", args=[draft.pk])),
        ("post", reverse("passes:risk_area_manage_detail", args=[draft.pk])),
        ("get", reverse("passes:risk_area_manage_import", args=[draft.pk])),
        ("get", reverse("passes:risk_area_manage_export", args=[draft.pk])),
        ("post", reverse("passes:risk_area_manage_publish", args=[draft.pk])),
        ("post", reverse("passes:risk_area_manage_remove", args=[area.pk])),
    ]


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
    assert world["draft"].areas.count() == 1
    world["draft"].refresh_from_db()
    assert world["draft"].status == RiskAreaList.Status.DRAFT  # nothing changed
    # The same URLs answer an administrator, so the 403s are about the role.
    client.force_login(admin_user)
    for method, url in _manage_urls(world)[:4]:
        assert getattr(client, method)(url).status_code == 200, url


def test_missing_ids_are_404_for_administrators(client, admin_user):
    client.force_login(admin_user)
    for method, name in [
        ("get", "risk_area_manage_detail"),
        ("post", "risk_area_manage_detail"),
        ("get", "risk_area_manage_import"),
        ("post", "risk_area_manage_import"),
        ("get", "risk_area_manage_export"),
        ("post", "risk_area_manage_publish"),
        ("post", "risk_area_manage_remove"),
        ("get", "risk_area_version"),
        ("get", "risk_area_version_export"),
    ]:
        url = reverse(f"passes:{name}", args=[999999999])
        assert getattr(client, method)(url).status_code == 404, f"{method.upper()} {url}"


def test_state_changing_manage_urls_refuse_get(client, admin_user, world):
    client.force_login(admin_user)
    assert client.get(reverse("passes:risk_area_manage_publish", args=[world["draft"].pk])).status_code == 405
    assert client.get(reverse("passes:risk_area_manage_remove", args=[world["area"].pk])).status_code == 405


# --- management: the work --------------------------------------------------------------------------


def test_an_administrator_builds_and_publishes_a_new_version(client, admin_user, django_capture_on_commit_callbacks):
    current = published_risk_list()  # Hubei high, Wenzhou medium
    client.force_login(admin_user)
    form = client.get(reverse("passes:risk_area_manage_create")).context["form"]
    assert form["copy_from"].initial == current.pk

    response = client.post(
        reverse("passes:risk_area_manage_create"),
        {
            "title": "风险地区名单(第二版)",
            "source_document": "苏防控〔2020〕12号",
            "effective_from": "2020-03-09",
            "notes": "",
            "copy_from": current.pk,
        },
    )
    draft = RiskAreaList.objects.get(title="风险地区名单(第二版)")
    assert response.status_code == 302 and response.url == reverse("passes:risk_area_manage_detail", args=[draft.pk])
    assert draft.areas.count() == 2

    detail = reverse("passes:risk_area_manage_detail", args=[draft.pk])
    response = client.post(detail, {"division": "420102", "level": "low", "note": "例外"})
    assert response.status_code == 302
    assert draft.areas.get(division_id="420102").level == RiskLevel.LOW

    response = client.post(detail, {"division": "123456", "level": "high"})
    assert response.status_code == 200
    assert str(services.MSG_UNKNOWN_DIVISION) in response.context["form"].errors["division"]
    response = client.post(detail, {"division": "511602", "level": "low"})
    assert response.context["form"].errors["level"] == [
        str(services.MSG_LOW_NEEDS_LISTED_PARENT) % {"name": "四川省广安市广安区"}
    ]
    response = client.post(detail, {"division": "420000", "level": "medium"})
    assert response.context["form"].errors["division"] == [str(services.MSG_DUPLICATE_AREA)]

    wenzhou = draft.areas.get(division_id="330300")
    page = client.get(detail).content.decode()
    assert reverse("passes:risk_area_manage_remove", args=[wenzhou.pk]) in page
    assert 'data-confirm="' in page  # publish and remove ask first (static/js/portal.js)
    client.post(reverse("passes:risk_area_manage_remove", args=[wenzhou.pk]))
    assert not draft.areas.filter(division_id="330300").exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("passes:risk_area_manage_publish", args=[draft.pk]), follow=True)
    assert len(callbacks) == 1  # apply_risk_list, queued after the commit
    draft.refresh_from_db()
    assert draft.status == RiskAreaList.Status.PUBLISHED and draft.published_by == admin_user
    assert "已发布" in response.content.decode()
    page = client.get(detail).content.decode()
    assert "remove" not in page and 'name="division"' not in page  # read-only now
    assert client.get(reverse("passes:risk_areas")).context["version"] == draft


def test_publishing_an_empty_draft_shows_the_reason(client, admin_user):
    draft = version_with({}, draft=True)
    client.force_login(admin_user)
    response = client.post(reverse("passes:risk_area_manage_publish", args=[draft.pk]), follow=True)
    assert str(services.MSG_EMPTY_DRAFT) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RiskAreaList.Status.DRAFT


def test_a_published_version_refuses_changes_through_the_pages(client, admin_user):
    published = version_with({"420000": RiskLevel.HIGH})
    area = published.areas.get()
    client.force_login(admin_user)
    detail = reverse("passes:risk_area_manage_detail", args=[published.pk])
    response = client.post(detail, {"division": "330300", "level": "medium"}, follow=True)
    assert str(services.MSG_PUBLISHED_READ_ONLY) in response.content.decode()
    response = client.post(reverse("passes:risk_area_manage_remove", args=[area.pk]), follow=True)
    assert str(services.MSG_PUBLISHED_READ_ONLY) in response.content.decode()
    assert client.get(reverse("passes:risk_area_manage_import", args=[published.pk])).status_code == 302
    assert list(published.areas.values_list("division_id", flat=True)) == ["420000"]


def test_the_import_page_reports_errors_with_an_annotated_workbook(client, admin_user):
    draft = version_with({}, draft=True)
    client.force_login(admin_user)
    url = reverse("passes:risk_area_manage_import", args=[draft.pk])
    upload = xlsx_upload(HEADERS, [["420000", "", "高", ""], ["999999", "", "高", ""]])
    response = client.post(url, {"file": upload})
    assert response.status_code == 200 and response.context["error_count"] == 1
    assert not draft.areas.exists()
    download = client.get(reverse("download", args=[response.context["error_token"]]))
    sheet = open_workbook(download.content)[excel.ERROR_SHEET_TITLE]
    assert str(services.MSG_UNKNOWN_DIVISION) in sheet["E3"].value

    response = client.post(url, {"file": xlsx_upload(["代码"], [["420000"]])})
    assert response.status_code == 200 and response.context["form"].errors["file"]

    good = xlsx_upload(HEADERS, [["420000", "", "高", ""], ["420102", "", "低", ""]])
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert sorted(draft.areas.values_list("division_id", flat=True)) == ["420000", "420102"]


def test_the_import_template_and_export_download(client, admin_user):
    draft = version_with({"330300": RiskLevel.MEDIUM}, draft=True)
    client.force_login(admin_user)
    template = client.get(reverse("passes:risk_area_manage_template"))
    assert [c.value for c in open_workbook(template.content).worksheets[0][1]] == HEADERS
    export = client.get(reverse("passes:risk_area_manage_export", args=[draft.pk]))
    assert open_workbook(export.content).worksheets[0]["B2"].value == "浙江省温州市"


def test_the_manage_list_shows_drafts_and_published_versions(client, admin_user, django_assert_max_num_queries):
    version_with({"420000": RiskLevel.HIGH}, title="已发布版")
    version_with({"420000": RiskLevel.HIGH, "330300": RiskLevel.MEDIUM}, title="草稿版", draft=True)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("passes:risk_area_manage"))
    counts = {v.title: v.area_count for v in response.context["versions"]}
    assert counts == {"已发布版": 1, "草稿版": 2}
    for n in range(30):
        version_with({"330300": RiskLevel.MEDIUM}, title=f"草稿{n}", draft=True)
    with django_assert_max_num_queries(8):  # the same for 32 versions as for 2
        assert len(client.get(reverse("passes:risk_area_manage")).context["versions"]) == 32


def test_a_second_administrator_sees_the_same_drafts(client):
    draft = version_with({"420000": RiskLevel.HIGH}, draft=True)
    client.force_login(UserFactory(admin=True))
    assert client.get(reverse("passes:risk_area_manage_detail", args=[draft.pk])).status_code == 200
