"""Writing the negative list: drafts, entries, publication, Excel import/export and the demo version."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import excel
from negative_list import services
from negative_list.models import NegativeList, NegativeListEntry
from negative_list.selectors import negative_list_in_force
from reference.models import Industry
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.negative_list.factories import NegativeListEntryFactory, NegativeListFactory, version_with

pytestmark = pytest.mark.django_db

HEADERS = ["行业代码", "行业名称", "限制复工", "限制复产", "限制复市", "理由"]


@pytest.fixture
def draft(admin_user):
    return services.negative_list_draft_create(
        created_by=admin_user,
        title="负面清单(第二版)",
        source_document="昆防指〔2020〕25号",
        effective_from=dt.date(2020, 3, 20),
    )


def add(draft, admin_user, code="8760", work=True, production=True, business=True, reason="人员密集"):
    return services.negative_list_entry_add(
        draft=draft,
        industry=Industry.objects.get(code=code),
        restricts_work=work,
        restricts_production=production,
        restricts_business=business,
        reason=reason,
        added_by=admin_user,
    )


# --- drafts and entries -----------------------------------------------------------------------


def test_a_draft_can_copy_the_version_in_force(admin_user):
    current = version_with({"8760": (True, True, True), "9013": (False, False, True)})
    draft = services.negative_list_draft_create(
        created_by=admin_user,
        title="第二版",
        source_document="昆防指〔2020〕25号",
        effective_from=dt.date(2020, 3, 20),
        copy_from=current,
    )
    assert draft.status == NegativeList.Status.DRAFT and draft.created_by == admin_user
    copied = {e.industry_id: (e.restricts_work, e.restricts_business) for e in draft.entries.all()}
    assert copied == {"8760": (True, True), "9013": (False, True)}
    assert current.entries.count() == 2  # the original is untouched


def test_adding_and_removing_entries_of_a_draft(draft, admin_user):
    entry = add(draft, admin_user, "901", business=False)
    assert (entry.industry_id, entry.restricts_business) == ("901", False)
    services.negative_list_entry_remove(entry=entry, removed_by=admin_user)
    assert not draft.entries.exists()


def test_an_entry_must_restrict_something(draft, admin_user):
    with pytest.raises(ValidationError) as error:
        add(draft, admin_user, work=False, production=False, business=False)
    assert error.value.messages == [str(services.MSG_NOTHING_RESTRICTED)]


def test_an_industry_appears_once_per_draft(draft, admin_user):
    add(draft, admin_user, "8760")
    with pytest.raises(ValidationError) as error:
        add(draft, admin_user, "8760")
    assert error.value.message_dict == {"industry": [str(services.MSG_DUPLICATE_ENTRY)]}


def test_an_entry_needs_a_reason(draft, admin_user):
    with pytest.raises(ValidationError) as error:
        add(draft, admin_user, reason="  ")
    assert error.value.message_dict == {"reason": [str(services.MSG_REASON_REQUIRED)]}


# --- publication ------------------------------------------------------------------------------


def test_publishing_stamps_who_and_when_and_puts_the_version_in_force(draft, admin_user):
    add(draft, admin_user)
    published = services.negative_list_publish(draft=draft, published_by=admin_user)
    assert published.status == NegativeList.Status.PUBLISHED
    assert published.published_by == admin_user and published.published_at is not None
    assert negative_list_in_force(dt.date(2020, 3, 20)) == published
    assert negative_list_in_force(dt.date(2020, 3, 19)) is None


def test_cannot_publish_an_empty_draft(draft, admin_user):
    with pytest.raises(ValidationError) as error:
        services.negative_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [str(services.MSG_EMPTY_DRAFT)]


def test_cannot_publish_twice(draft, admin_user):
    add(draft, admin_user)
    services.negative_list_publish(draft=draft, published_by=admin_user)
    with pytest.raises(ValidationError) as error:
        services.negative_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [str(services.MSG_ALREADY_PUBLISHED)]


def test_cannot_publish_a_version_that_a_published_one_would_always_override(draft, admin_user):
    version_with(["8760"], title="现行清单", effective_from=dt.date(2020, 3, 25))
    add(draft, admin_user)
    with pytest.raises(ValidationError) as error:
        services.negative_list_publish(draft=draft, published_by=admin_user)
    assert error.value.messages == [
        str(services.MSG_EFFECTIVE_BEFORE_LATEST) % {"title": "现行清单", "date": "2020-03-25"}
    ]


def test_a_published_version_is_never_edited(admin_user):
    published = version_with(["8760"])
    entry = published.entries.get()
    read_only = [str(services.MSG_PUBLISHED_READ_ONLY)]
    with pytest.raises(ValidationError) as error:
        add(published, admin_user, "9013")
    assert error.value.messages == read_only
    with pytest.raises(ValidationError) as error:
        services.negative_list_entry_remove(entry=entry, removed_by=admin_user)
    assert error.value.messages == read_only
    upload = xlsx_upload(HEADERS, [["9013", "", "是", "是", "是", "x"]])
    with pytest.raises(ValidationError) as error:
        services.negative_list_import(draft=published, upload=upload, imported_by=admin_user)
    assert error.value.messages == read_only
    assert list(published.entries.values_list("industry_id", flat=True)) == ["8760"]


@pytest.mark.parametrize("role_user", ["commander", "district_staff_a", "enterprise_user_a", "authority_staff"])
def test_only_administrators_write(request, role_user, admin_user):
    user = request.getfixturevalue(role_user)
    draft = NegativeListFactory(draft=True)
    entry = NegativeListEntryFactory(negative_list=draft)
    calls = [
        lambda: services.negative_list_draft_create(
            created_by=user, title="x", source_document="x", effective_from=dt.date(2020, 3, 1)
        ),
        lambda: add(draft, user, "9013"),
        lambda: services.negative_list_entry_remove(entry=entry, removed_by=user),
        lambda: services.negative_list_publish(draft=draft, published_by=user),
        lambda: services.negative_list_import(draft=draft, upload=xlsx_upload(HEADERS, []), imported_by=user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    # The same calls pass for an administrator, so the refusals above are about the role.
    add(draft, admin_user, "9013")
    services.negative_list_publish(draft=draft, published_by=admin_user)


# --- Excel ------------------------------------------------------------------------------------


def test_import_adds_every_row_at_any_level(draft, admin_user):
    upload = xlsx_upload(
        HEADERS,
        [
            ["R", "", "否", "否", "是", "文体娱乐场所暂缓开放"],
            ["876", "电影放映", "是", "是", "是", "影院人员密集"],
            [9013, None, "是", "是", "是", "网吧人员密集"],
            [1, None, "是", None, None, "数字格式, 开头的0已丢失"],
        ],
    )
    outcome = services.negative_list_import(draft=draft, upload=upload, imported_by=admin_user)
    assert outcome.result.ok, outcome.result.errors
    entries = {
        e.industry_id: (e.restricts_work, e.restricts_production, e.restricts_business) for e in draft.entries.all()
    }
    assert entries == {
        "R": (False, False, True),
        "876": (True, True, True),
        "9013": (True, True, True),
        "01": (True, False, False),
    }


def test_import_is_all_or_nothing_and_annotates_the_errors(draft, admin_user):
    add(draft, admin_user, "8051")
    rows = [
        ["8760", "电影放映", "是", "是", "是", "影院人员密集"],  # row 2: fine
        ["9999", "", "是", "是", "是", "不存在的代码"],  # row 3: unknown code
        ["8760", "", "是", "否", "否", "重复"],  # row 4: duplicate of row 2
        ["8051", "", "是", "是", "是", "草稿里已有"],  # row 5: already in the draft
        ["9013", "", "否", "否", "否", "什么也不限制"],  # row 6: restricts nothing
        ["9012", "", "也许", "是", "是", "不是是/否"],  # row 7: bad flag
        [111, "", "是", "是", "是", "数字格式丢了开头的0"],  # row 8: 111 or 0111?
    ]
    upload = xlsx_upload(HEADERS, rows)
    outcome = services.negative_list_import(draft=draft, upload=upload, imported_by=admin_user)
    errors = {(e.row, e.column): e.message for e in outcome.result.errors}
    assert errors == {
        (3, "industry"): str(services.MSG_UNKNOWN_INDUSTRY),
        (4, "industry"): services.MSG_IMPORT_DUPLICATE_IN_FILE.format(row=2),
        (5, "industry"): str(services.MSG_DUPLICATE_ENTRY),
        (6, None): str(services.MSG_NOTHING_RESTRICTED),
        (7, "restricts_work"): str(excel.MSG_NOT_A_FLAG),
        (8, "industry"): services.MSG_AMBIGUOUS_CODE.format(codes="111、0111"),
    }
    assert list(draft.entries.values_list("industry_id", flat=True)) == ["8051"]  # nothing written

    upload.seek(0)
    sheet = open_workbook(excel.error_workbook(upload, outcome.columns, outcome.result))[excel.ERROR_SHEET_TITLE]
    assert [c.value for c in sheet[1]] == [*HEADERS, excel.ERROR_COLUMN_HEADER]
    assert sheet["A2"].comment is None and sheet["G2"].value is None
    assert sheet["A3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert str(services.MSG_UNKNOWN_INDUSTRY) in sheet["A3"].comment.text
    assert str(services.MSG_NOTHING_RESTRICTED) in sheet["G6"].value


def test_an_unreadable_file_is_refused_whole(draft, admin_user):
    with pytest.raises(excel.ExcelFileError):
        services.negative_list_import(draft=draft, upload=xlsx_upload(["代码"], [["8760"]]), imported_by=admin_user)


def test_export_imports_back_unchanged(draft, admin_user):
    source = version_with(
        {"R": (False, False, True), "876": (True, True, True), "01": (True, False, False), "9013": (True, True, False)}
    )
    NegativeListEntry.objects.filter(negative_list=source, industry_id="9013").update(reason='=HYPERLINK("x")')
    content = services.negative_list_export(negative_list=source)
    workbook = open_workbook(content)
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    assert workbook.worksheets[0]["B2"].value == "农业"  # names are there to read

    outcome = services.negative_list_import(draft=draft, upload=xlsx_upload_bytes(content), imported_by=admin_user)
    assert outcome.result.ok, outcome.result.errors

    def snapshot(version):
        return {
            (e.industry_id, e.restricts_work, e.restricts_production, e.restricts_business, e.reason)
            for e in version.entries.all()
        }

    assert snapshot(draft) == snapshot(source)


def xlsx_upload_bytes(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("export.xlsx", content)


def test_the_template_has_the_import_columns():
    sheet = open_workbook(services.negative_list_template()).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS


# --- demo -------------------------------------------------------------------------------------


def test_demo_list_is_published_marked_and_loaded_once():
    version = services.negative_list_demo_load()
    assert version.is_demo and version.status == NegativeList.Status.PUBLISHED
    assert (version.title, version.source_document, version.effective_from) == (
        "复工复产负面清单(演示)",
        "昆防指〔2020〕19号(演示, 非官方文本)",
        dt.date(2020, 3, 1),
    )
    codes = set(version.entries.values_list("industry_id", flat=True))
    assert codes == {
        "8051",
        "8052",
        "8391",
        "8392",
        "8393",
        "8399",
        "8760",
        "8820",
        "8930",
        "9011",
        "9012",
        "9013",
        "9019",
    }
    assert services.negative_list_demo_load() is None
    assert NegativeList.objects.count() == 1
    assert negative_list_in_force(dt.date(2020, 3, 9)) == version


def test_demo_entries_are_classes_that_exist_with_the_intended_scopes():
    version = services.negative_list_demo_load()
    for entry in version.entries.select_related("industry"):
        assert entry.industry.level == Industry.Level.CLASS
        assert entry.reason
        training = entry.industry.group == "839"
        assert (entry.restricts_work, entry.restricts_production, entry.restricts_business) == (
            (False, False, True) if training else (True, True, True)
        )


def test_demo_list_is_not_loaded_over_an_existing_list():
    NegativeListFactory(draft=True)
    assert services.negative_list_demo_load() is None
    assert not NegativeList.objects.filter(is_demo=True).exists()


def test_load_reference_loads_the_demo_list_once():
    from django.core.management import call_command

    first, second = io.StringIO(), io.StringIO()
    call_command("load_reference", stdout=first)
    call_command("load_reference", stdout=second)
    assert NegativeList.objects.filter(is_demo=True).count() == 1
    assert "演示负面清单" in first.getvalue() and "演示负面清单" not in second.getvalue()
