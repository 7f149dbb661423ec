"""Writing the risk-area list: drafts, areas, publication, Excel, the demo version, and what a published
version does to the passes (apply_risk_list and the daily job)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import Notification
from core import excel
from passes import tasks
from passes.eligibility import REASON_HIGH_RISK, risk_area_list_in_force, risk_area_rules
from passes.models import PassEvent, ReturnPass, RiskArea, RiskAreaList, RiskLevel
from passes.services import risk_areas as services
from passes.services.return_passes import NOTICE_SUSPENDED, REASON_RISK_LIST
from reference.models import Division
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.passes.factories import published_risk_list

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2020, 3, 9)
HEADERS = ["地区代码", "地区名称", "风险等级", "备注"]


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def draft(admin_user):
    return services.risk_area_list_draft_create(
        created_by=admin_user,
        title="风险地区名单(第二版)",
        source_document="苏防控〔2020〕12号",
        effective_from=TODAY,
    )


def add(draft, admin_user, code="420000", level=RiskLevel.HIGH, note=""):
    return services.risk_area_add(
        draft=draft, division=Division.objects.get(code=code), level=level, added_by=admin_user, note=note
    )


def draft_with(
    admin_user, areas: dict[str, str], effective_from=TODAY, title="新名单", source="苏防控〔2020〕12号"
) -> RiskAreaList:
    version = services.risk_area_list_draft_create(
        created_by=admin_user,
        title=title,
        source_document=source,
        effective_from=effective_from,
    )
    for code, level in areas.items():
        add(version, admin_user, code, level)
    return version


# --- drafts and areas ----------------------------------------------------------------------------


def test_a_draft_can_copy_another_version(admin_user):
    current = published_risk_list()  # Hubei high, Wenzhou medium
    RiskArea.objects.filter(risk_list=current, division_id="330300").update(note="关注地区")
    draft = services.risk_area_list_draft_create(
        created_by=admin_user,
        title="第二版",
        source_document="苏防控〔2020〕12号",
        effective_from=TODAY,
        copy_from=current,
    )
    assert draft.status == RiskAreaList.Status.DRAFT and draft.created_by == admin_user
    assert {(a.division_id, a.level, a.note) for a in draft.areas.all()} == {
        ("420000", RiskLevel.HIGH, ""),
        ("330300", RiskLevel.MEDIUM, "关注地区"),
    }
    assert current.areas.count() == 2  # the original is untouched


def test_areas_at_province_city_and_county_level_and_their_removal(draft, admin_user):
    province = add(draft, admin_user, "420000", RiskLevel.HIGH)
    city = add(draft, admin_user, "411500", RiskLevel.MEDIUM, note="信阳")
    county = add(draft, admin_user, "330302", RiskLevel.MEDIUM)
    assert [(a.division.level, a.level) for a in (province, city, county)] == [
        ("province", "high"),
        ("city", "medium"),
        ("county", "medium"),
    ]
    services.risk_area_remove(area=city, removed_by=admin_user)
    assert sorted(draft.areas.values_list("division_id", flat=True)) == ["330302", "420000"]


def test_a_division_appears_once_per_draft(draft, admin_user):
    add(draft, admin_user, "420000")
    with pytest.raises(ValidationError) as error:
        add(draft, admin_user, "420000", RiskLevel.MEDIUM)
    assert error.value.message_dict == {"division": [str(services.MSG_DUPLICATE_AREA)]}


def test_low_risk_is_only_an_exception_inside_a_listed_province_or_city(draft, admin_user):
    with pytest.raises(ValidationError) as error:
        add(draft, admin_user, "420102", RiskLevel.LOW)
    assert error.value.message_dict == {
        "level": [str(services.MSG_LOW_NEEDS_LISTED_PARENT) % {"name": "湖北省武汉市江岸区"}]
    }
    with pytest.raises(ValidationError):
        add(draft, admin_user, "420000", RiskLevel.LOW)  # a province has nothing above it
    add(draft, admin_user, "420000", RiskLevel.HIGH)
    exception = add(draft, admin_user, "420102", RiskLevel.LOW)
    assert exception.level == RiskLevel.LOW
    assert not draft.areas.filter(division_id="420000", level=RiskLevel.LOW).exists()


def test_the_most_specific_entry_decides(admin_user):
    version = draft_with(admin_user, {"420000": RiskLevel.HIGH, "420100": RiskLevel.MEDIUM, "420102": RiskLevel.LOW})
    services.risk_area_list_publish(draft=version, published_by=admin_user)
    rules = risk_area_rules(TODAY)
    assert rules.risk_list == version
    assert rules.assess("420102").level == RiskLevel.LOW
    assert rules.assess("420103").level == RiskLevel.MEDIUM  # another Wuhan district
    assert rules.assess("420202").level == RiskLevel.HIGH  # Huangshi, elsewhere in Hubei
    assert rules.assess("420202").area.division_id == "420000"
    assert rules.assess("511602").level == RiskLevel.LOW and rules.assess("511602").area is None


# --- publication ---------------------------------------------------------------------------------


def test_publishing_stamps_who_and_when_and_puts_the_version_in_force(draft, admin_user):
    add(draft, admin_user)
    published = services.risk_area_list_publish(draft=draft, published_by=admin_user)
    assert published.status == RiskAreaList.Status.PUBLISHED
    assert published.published_by == admin_user and published.published_at is not None
    assert risk_area_list_in_force(TODAY) == published
    assert risk_area_list_in_force(TODAY - dt.timedelta(days=1)) is None


def test_cannot_publish_an_empty_draft(draft, admin_user):
    with pytest.raises(ValidationError) as error:
        services.risk_area_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [str(services.MSG_EMPTY_DRAFT)]


def test_cannot_publish_twice(draft, admin_user):
    add(draft, admin_user)
    services.risk_area_list_publish(draft=draft, published_by=admin_user)
    with pytest.raises(ValidationError) as error:
        services.risk_area_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [str(services.MSG_ALREADY_PUBLISHED)]


def test_cannot_publish_a_version_that_a_published_one_would_always_override(draft, admin_user):
    later = draft_with(
        admin_user, {"420000": RiskLevel.HIGH}, effective_from=TODAY + dt.timedelta(days=5), title="现行名单"
    )
    services.risk_area_list_publish(draft=later, published_by=admin_user)
    add(draft, admin_user)
    with pytest.raises(ValidationError) as error:
        services.risk_area_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [
        str(services.MSG_EFFECTIVE_BEFORE_LATEST) % {"title": "现行名单", "date": "2020-03-14"}
    ]


def test_cannot_publish_a_low_exception_whose_parent_was_removed(draft, admin_user):
    hubei = add(draft, admin_user, "420000", RiskLevel.HIGH)
    add(draft, admin_user, "420102", RiskLevel.LOW)
    add(draft, admin_user, "330300", RiskLevel.MEDIUM)
    services.risk_area_remove(area=hubei, removed_by=admin_user)
    with pytest.raises(ValidationError) as error:
        services.risk_area_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [str(services.MSG_LOW_WITHOUT_PARENT) % {"names": "湖北省武汉市江岸区"}]
    draft.refresh_from_db()
    assert draft.status == RiskAreaList.Status.DRAFT


def test_a_published_version_is_never_edited(admin_user):
    published = published_risk_list()
    area = published.areas.get(division_id="420000")
    read_only = [str(services.MSG_PUBLISHED_READ_ONLY)]
    with pytest.raises(ValidationError) as error:
        add(published, admin_user, "411500", RiskLevel.MEDIUM)
    assert error.value.messages == read_only
    with pytest.raises(ValidationError) as error:
        services.risk_area_remove(area=area, removed_by=admin_user)
    assert error.value.messages == read_only
    upload = xlsx_upload(HEADERS, [["411500", "", "中", ""]])
    with pytest.raises(ValidationError) as error:
        services.risk_area_import(draft=published, upload=upload, imported_by=admin_user)
    assert error.value.messages == read_only
    assert sorted(published.areas.values_list("division_id", flat=True)) == ["330300", "420000"]


@pytest.mark.parametrize(
    "role_user", ["commander", "district_staff_a", "enterprise_user_a", "authority_staff", "checkpoint_staff"]
)
def test_only_administrators_write(request, role_user, admin_user):
    user = request.getfixturevalue(role_user)
    draft = draft_with(admin_user, {"330300": RiskLevel.MEDIUM})
    area = draft.areas.get()
    calls = [
        lambda: services.risk_area_list_draft_create(
            created_by=user, title="x", source_document="x", effective_from=TODAY
        ),
        lambda: add(draft, user, "420000"),
        lambda: services.risk_area_remove(area=area, removed_by=user),
        lambda: services.risk_area_list_publish(draft=draft, published_by=user),
        lambda: services.risk_area_import(draft=draft, upload=xlsx_upload(HEADERS, []), imported_by=user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    # The same calls pass for an administrator, so the refusals above are about the role.
    add(draft, admin_user, "420000")
    services.risk_area_list_publish(draft=draft, published_by=admin_user)


# --- what publication does to the passes --------------------------------------------------------


def test_publishing_a_list_that_makes_a_workers_origin_high_risk_suspends_the_pass_and_tells_the_enterprise(
    admin_user, enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    from tests.passes.factories import issued_pass

    return_pass = issued_pass(enterprise_user_a, district_staff_a)  # the worker comes from 511602 广安区
    other = issued_pass(enterprise_user_a, district_staff_a, origin=Division.objects.get(code="320583"))
    version = draft_with(admin_user, {"511600": RiskLevel.HIGH}, source="苏防控〔2020〕12号")
    with django_capture_on_commit_callbacks(execute=True):
        services.risk_area_list_publish(draft=version, published_by=admin_user)

    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.SUSPENDED
    reason = str(REASON_RISK_LIST) % {
        "source": "苏防控〔2020〕12号",
        "reason": str(REASON_HIGH_RISK) % {"area": "四川省广安市"},
    }
    assert return_pass.status_reason == reason
    event = PassEvent.objects.filter(return_pass=return_pass).last()
    assert (event.from_status, event.to_status, event.actor, event.comment) == ("valid", "suspended", None, reason)
    notice = Notification.objects.get(user=enterprise_user_a, title__contains="暂停")
    assert notice.title == str(NOTICE_SUSPENDED) % {"count": 1}
    assert return_pass.number in notice.body
    other.refresh_from_db()
    assert other.status == ReturnPass.Status.VALID  # 昆山 is not listed


def test_a_list_effective_later_is_scheduled_for_its_day_and_applied_then(
    admin_user, enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.passes.factories import issued_pass

    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    scheduled = []
    monkeypatch.setattr(tasks.apply_risk_list, "apply_async", lambda args, eta: scheduled.append((args, eta)))
    effective = TODAY + dt.timedelta(days=3)
    version = draft_with(admin_user, {"510000": RiskLevel.HIGH}, effective_from=effective)
    with django_capture_on_commit_callbacks(execute=True):
        services.risk_area_list_publish(draft=version, published_by=admin_user)
    assert scheduled == [([version.pk], dt.datetime(2020, 3, 12, 0, 0, tzinfo=SHANGHAI))]

    # Run early (as an eager worker without a broker would): nothing happens before the effective day.
    assert tasks.apply_risk_list(version.pk) is None
    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.VALID
    # The daily job does nothing on other days, applies the list on its day, and is harmless when repeated.
    assert services.risk_area_lists_apply_due(today=effective - dt.timedelta(days=1)) is None
    assert services.risk_area_lists_apply_due(today=effective).suspended == 1
    assert services.risk_area_lists_apply_due(today=effective).suspended == 0
    assert services.risk_area_list_apply(risk_list_id=version.pk, today=effective).suspended == 0
    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.SUSPENDED
    assert PassEvent.objects.filter(return_pass=return_pass, to_status="suspended").count() == 1
    assert Notification.objects.filter(user=enterprise_user_a, title=str(NOTICE_SUSPENDED) % {"count": 1}).count() == 1


def test_the_daily_task_runs_the_service(admin_user, enterprise_user_a, district_staff_a):
    from tests.passes.factories import issued_pass

    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    published_risk_list(effective_from=TODAY, areas={"511602": RiskLevel.HIGH})
    assert tasks.apply_due_risk_lists() == 1
    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.SUSPENDED


def test_a_replaced_or_unpublished_list_is_not_applied(admin_user, enterprise_user_a, district_staff_a):
    from tests.passes.factories import issued_pass

    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    old = published_risk_list(effective_from=TODAY - dt.timedelta(days=10), areas={"511602": RiskLevel.HIGH})
    published_risk_list(effective_from=TODAY - dt.timedelta(days=2), areas={"420000": RiskLevel.HIGH})
    draft = draft_with(admin_user, {"510000": RiskLevel.HIGH})
    assert services.risk_area_list_apply(risk_list_id=old.pk) is None
    assert services.risk_area_list_apply(risk_list_id=draft.pk) is None
    assert services.risk_area_list_apply(risk_list_id=999999999) is None
    return_pass.refresh_from_db()
    assert return_pass.status == ReturnPass.Status.VALID


# --- Excel ---------------------------------------------------------------------------------------


def test_import_adds_every_row_at_any_level(draft, admin_user):
    upload = xlsx_upload(
        HEADERS,
        [
            ["420000", "湖北省", "高", "重点地区"],
            [330300, None, "中风险", None],  # a number cell
            ["420102", "", "低", "例外"],
            ["411500", "", "关注地区", ""],
        ],
    )
    outcome = services.risk_area_import(draft=draft, upload=upload, imported_by=admin_user)
    assert outcome.result.ok, outcome.result.errors
    assert {(a.division_id, a.level, a.note) for a in draft.areas.all()} == {
        ("420000", "high", "重点地区"),
        ("330300", "medium", ""),
        ("420102", "low", "例外"),
        ("411500", "medium", ""),
    }


def test_import_is_all_or_nothing_and_annotates_the_errors(draft, admin_user):
    add(draft, admin_user, "330300", RiskLevel.MEDIUM)
    rows = [
        ["420000", "湖北省", "高", ""],  # row 2: fine
        ["999999", "", "高", ""],  # row 3: unknown code
        ["420000", "", "中", ""],  # row 4: duplicate of row 2
        ["330300", "", "中", ""],  # row 5: already in the draft
        ["411500", "", "很高", ""],  # row 6: bad level
        ["511602", "", "低", ""],  # row 7: low without a listed parent
        ["4201", "", "高", ""],  # row 8: not a 6-digit code
        ["420102", "", "低", ""],  # row 9: fine, Hubei is listed in the file
    ]
    upload = xlsx_upload(HEADERS, rows)
    outcome = services.risk_area_import(draft=draft, upload=upload, imported_by=admin_user)
    errors = {(e.row, e.column): e.message for e in outcome.result.errors}
    assert errors == {
        (3, "division"): str(services.MSG_UNKNOWN_DIVISION),
        (4, "division"): services.MSG_IMPORT_DUPLICATE_IN_FILE.format(row=2),
        (5, "division"): str(services.MSG_DUPLICATE_AREA),
        (6, "level"): str(services.MSG_UNKNOWN_LEVEL),
        (7, "level"): str(services.MSG_LOW_NEEDS_LISTED_PARENT) % {"name": "四川省广安市广安区"},
        (8, "division"): str(services.MSG_UNKNOWN_DIVISION),
    }
    assert list(draft.areas.values_list("division_id", flat=True)) == ["330300"]  # nothing written

    upload.seek(0)
    sheet = open_workbook(excel.error_workbook(upload, outcome.columns, outcome.result))[excel.ERROR_SHEET_TITLE]
    assert [c.value for c in sheet[1]] == [*HEADERS, excel.ERROR_COLUMN_HEADER]
    assert sheet["A2"].comment is None and sheet["E2"].value is None
    assert sheet["A3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert str(services.MSG_UNKNOWN_DIVISION) in sheet["A3"].comment.text
    assert str(services.MSG_UNKNOWN_LEVEL) in sheet["E6"].value


def test_an_unreadable_file_is_refused_whole(draft, admin_user):
    with pytest.raises(excel.ExcelFileError):
        services.risk_area_import(draft=draft, upload=xlsx_upload(["代码"], [["420000"]]), imported_by=admin_user)
    with pytest.raises(excel.ExcelFileError):
        services.risk_area_import(
            draft=draft, upload=SimpleUploadedFile("x.xlsx", b"not a zip"), imported_by=admin_user
        )
    assert not draft.areas.exists()


def test_export_imports_back_unchanged(draft, admin_user):
    source = draft_with(admin_user, {"420000": RiskLevel.HIGH, "420102": RiskLevel.LOW, "330300": RiskLevel.MEDIUM})
    RiskArea.objects.filter(risk_list=source, division_id="330300").update(note='=HYPERLINK("x")')
    content = services.risk_area_export(risk_list=source)
    workbook = open_workbook(content)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert [c.value for c in sheet[2]] == ["330300", "浙江省温州市", "中", '\'=HYPERLINK("x")']  # neutralised
    assert workbook.worksheets[1]["B3"].value == "苏防控〔2020〕12号"

    outcome = services.risk_area_import(
        draft=draft, upload=SimpleUploadedFile("export.xlsx", content), imported_by=admin_user
    )
    assert outcome.result.ok, outcome.result.errors

    def snapshot(version):
        return {(a.division_id, a.level, a.note) for a in version.areas.all()}

    assert snapshot(draft) == snapshot(source)


def test_the_template_has_the_import_columns():
    sheet = open_workbook(services.risk_area_template()).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS


# --- demo ----------------------------------------------------------------------------------------


def test_demo_list_is_published_marked_and_loaded_once():
    version = services.risk_area_list_demo_load()
    assert version.is_demo and version.status == RiskAreaList.Status.PUBLISHED
    assert (version.title, version.source_document, version.effective_from) == (
        "风险地区名单(演示)",
        "苏防控〔2020〕7号(演示, 非官方文本)",
        dt.date(2020, 2, 10),
    )
    areas = {a.division.full_name: a.level for a in version.areas.select_related("division")}
    assert areas["湖北省"] == RiskLevel.HIGH
    assert areas["浙江省温州市"] == areas["河南省信阳市"] == RiskLevel.MEDIUM
    assert set(areas.values()) == {RiskLevel.HIGH, RiskLevel.MEDIUM}
    assert all(a.note == services.DEMO_AREA_NOTE for a in version.areas.all())
    assert services.risk_area_list_demo_load() is None
    assert RiskAreaList.objects.count() == 1
    assert risk_area_list_in_force(dt.date(2020, 2, 10)) == version
    assert risk_area_list_in_force(dt.date(2020, 2, 9)) is None


def test_demo_list_is_not_loaded_over_an_existing_list(admin_user):
    draft_with(admin_user, {"420000": RiskLevel.HIGH})
    assert services.risk_area_list_demo_load() is None
    assert not RiskAreaList.objects.filter(is_demo=True).exists()


def test_load_reference_loads_the_divisions_and_the_demo_list_once():
    first, second = io.StringIO(), io.StringIO()
    call_command("load_reference", stdout=first)
    call_command("load_reference", stdout=second)
    assert RiskAreaList.objects.filter(is_demo=True).count() == 1
    assert "行政区划 3213 个" in first.getvalue()
    assert "演示风险地区名单" in first.getvalue() and "演示风险地区名单" not in second.getvalue()
