"""Roster import and export: row errors, all-or-nothing, updates, bad files, formula injection,
the round trip, and large files imported by a Celery job with a progress bar."""

import datetime as dt
import io
import logging
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import excel
from core.validators import MSG_MOBILE_INVALID
from passes.models import IdNumberDisclosure, RosterImport, Worker
from passes.personal_data import MSG_ID_NUMBER_INVALID, decrypt_id_number
from passes.services import roster as services
from reference.models import District, Division
from tests.excel_helpers import XLSX, open_workbook, xlsx_upload
from tests.passes.factories import LOW_RISK_ORIGIN, WorkerFactory, division, id_number

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI)
COLUMNS = services.roster_columns()
HEADERS = [str(c.header) for c in COLUMNS]
KEYS = [c.key for c in COLUMNS]


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def origin(db):
    return division(LOW_RISK_ORIGIN, "四川省广安市广安区")


def sheet_row(serial: int, **cells) -> list:
    """A good roster row in the template's column order; keyword arguments replace cells by column key."""
    values = {
        "name": f"员工{serial}",
        "id_number": id_number(serial),
        "mobile": f"138{serial:08d}",
        "origin": LOW_RISK_ORIGIN,
        "origin_name": "四川省广安市广安区",
        "arrived_on": dt.date(2020, 3, 2),
        "quarantine_status": "居家隔离观察",
        "quarantine_started_on": dt.date(2020, 3, 2),
        "temperature": 36.5,
        "temperature_taken_at": dt.datetime(2020, 3, 9, 8, 30),
        "test_result": "阴性",
        "tested_on": dt.date(2020, 3, 3),
        "residence_district": "昆山开发区",
        "residence_community": "昆山开发区演示社区",
        "residence_address": f"昆山市前进路{serial}号",
        "housing_331_compliant": "是",
        "job": "操作工",
    }
    values.update(cells)
    return [values[key] for key in KEYS]


def roster_upload(rows, headers=HEADERS) -> SimpleUploadedFile:
    return xlsx_upload(headers, rows, name="花名册.xlsx")


def _import(enterprise_user, rows):
    return services.roster_import(
        enterprise=enterprise_user.enterprise, upload=roster_upload(rows), imported_by=enterprise_user
    )


# --- the template ------------------------------------------------------------------------------------


def test_the_template_has_the_chinese_headers_the_import_reads(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster_template"))
    assert response["Content-Type"] == XLSX
    sheet = open_workbook(response.content).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert HEADERS[:4] == ["姓名", "身份证号", "手机号", "来源地代码"]


# --- importing ---------------------------------------------------------------------------------------


def test_an_enterprise_imports_its_roster(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    rows = [
        sheet_row(1),
        sheet_row(
            2,
            test_result=None,
            tested_on=None,
            temperature=None,
            temperature_taken_at=None,
            quarantine_status=None,
            quarantine_started_on=None,
            residence_community=None,
            job=None,
        ),
    ]
    response = client.post(reverse("passes:roster_import"), {"file": roster_upload(rows)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("passes:roster")
    assert "新增 2 人, 更新 0 人" in response.content.decode()
    first, second = Worker.objects.order_by("name")
    assert first.enterprise == enterprise_user_a.enterprise
    assert decrypt_id_number(first.id_number_encrypted) == id_number(1)
    assert (first.temperature, first.temperature_taken_at) == (
        services.Decimal("36.5"),
        dt.datetime(2020, 3, 9, 8, 30, tzinfo=SHANGHAI),
    )
    assert (first.test_result, first.tested_on, first.quarantine_status) == ("negative", dt.date(2020, 3, 3), "home")
    assert first.residence_district.code == "kfq" and first.residence_community.name == "昆山开发区演示社区"
    assert (second.test_result, second.quarantine_status, second.temperature) == ("none", "none", None)
    assert second.residence_community is None and second.job == ""


def test_dates_and_times_typed_as_text_are_read(enterprise_user_a):
    outcome = _import(
        enterprise_user_a,
        [
            sheet_row(
                1,
                arrived_on="2020/3/2",
                quarantine_started_on="2020年3月2日",
                temperature_taken_at="2020-03-09 08:30",
                temperature="36.8℃",
                tested_on="2020.3.3",
                housing_331_compliant="否",
            )
        ],
    )
    assert outcome.ok, outcome.result.errors
    worker = Worker.objects.get()
    assert (worker.arrived_on, worker.quarantine_started_on, worker.tested_on) == (
        dt.date(2020, 3, 2),
        dt.date(2020, 3, 2),
        dt.date(2020, 3, 3),
    )
    assert worker.temperature_taken_at == dt.datetime(2020, 3, 9, 8, 30, tzinfo=SHANGHAI)
    assert str(worker.temperature) == "36.8" and not worker.housing_331_compliant


def _errors(outcome) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in outcome.result.errors}


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"id_number": id_number(1)[:17] + ("1" if id_number(1)[17] != "1" else "2")},
            "id_number",
            MSG_ID_NUMBER_INVALID,
        ),
        ({"id_number": 320583197001010011}, "id_number", services.MSG_ID_NUMBER_AS_NUMBER),
        ({"mobile": "2391234567"}, "mobile", MSG_MOBILE_INVALID),
        ({"origin": "990101"}, "origin", services.MSG_UNKNOWN_ORIGIN),
        ({"origin": "5116"}, "origin", services.MSG_ORIGIN_CODE_INVALID),
        ({"residence_district": "火星镇"}, "residence_district", services.MSG_UNKNOWN_DISTRICT),
        ({"residence_community": "张浦镇演示社区"}, "residence_community", services.MSG_UNKNOWN_COMMUNITY),
        (
            {"temperature": 33.9},
            "temperature",
            services.MSG_TEMPERATURE_RANGE % {"min": services.TEMPERATURE_MIN, "max": services.TEMPERATURE_MAX},
        ),
        (
            {"temperature": 43.1},
            "temperature",
            services.MSG_TEMPERATURE_RANGE % {"min": services.TEMPERATURE_MIN, "max": services.TEMPERATURE_MAX},
        ),
        ({"temperature": "高烧"}, "temperature", services.MSG_TEMPERATURE_INVALID),
        ({"temperature_taken_at": None}, "temperature_taken_at", services.MSG_TEMPERATURE_NEEDS_TIME),
        ({"temperature_taken_at": "早上八点"}, "temperature_taken_at", services.MSG_DATETIME_INVALID),
        ({"tested_on": None}, "tested_on", services.MSG_TEST_NEEDS_DATE),
        ({"test_result": "弱阳性"}, "test_result", services.MSG_CHOICE_INVALID % {"choices": "未检测、阴性、阳性"}),
        ({"arrived_on": dt.date(2020, 3, 10)}, "arrived_on", services.MSG_DATE_IN_FUTURE),
        ({"tested_on": dt.date(2020, 3, 10)}, "tested_on", services.MSG_DATE_IN_FUTURE),
        ({"quarantine_started_on": dt.date(2020, 3, 10)}, "quarantine_started_on", services.MSG_DATE_IN_FUTURE),
        ({"temperature_taken_at": dt.datetime(2020, 3, 9, 10, 1)}, "temperature_taken_at", services.MSG_TIME_IN_FUTURE),
        ({"arrived_on": "3月2日"}, "arrived_on", services.MSG_DATE_INVALID),
        ({"quarantine_started_on": None}, "quarantine_started_on", services.MSG_QUARANTINE_NEEDS_START),
        ({"name": None}, "name", excel.MSG_REQUIRED),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_imported(client, enterprise_user_a, cells, column, message):
    client.force_login(enterprise_user_a)
    rows = [sheet_row(1), sheet_row(2, **cells), sheet_row(3)]
    response = client.post(reverse("passes:roster_import"), {"file": roster_upload(rows)})
    assert response.status_code == 200
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert errors == {(3, column): str(message)}
    assert not Worker.objects.exists()
    annotated = open_workbook(client.get(reverse("download", args=[response.context["error_token"]])).content)
    sheet = annotated.worksheets[0]
    assert sheet.cell(row=3, column=KEYS.index(column) + 1).comment is not None
    assert str(message) in sheet.cell(row=3, column=len(KEYS) + 1).value


def test_a_duplicate_id_number_within_the_file_is_reported_on_both_rows(enterprise_user_a):
    outcome = _import(enterprise_user_a, [sheet_row(1), sheet_row(2), sheet_row(3, id_number=id_number(1))])
    assert _errors(outcome) == {
        (2, "id_number"): str(services.MSG_DUPLICATE_IN_FILE % {"row": 4}),
        (4, "id_number"): str(services.MSG_DUPLICATE_IN_FILE % {"row": 2}),
    }
    assert not Worker.objects.exists()


def test_an_id_number_on_the_roster_under_another_name_is_an_error(enterprise_user_a):
    WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(2), name="李四")
    outcome = _import(enterprise_user_a, [sheet_row(1), sheet_row(2, name="李思")])
    assert _errors(outcome) == {(3, "name"): str(services.MSG_ON_ROSTER_UNDER_ANOTHER_NAME % {"name": "李四"})}
    assert Worker.objects.count() == 1 and Worker.objects.get().name == "李四"


def test_another_enterprises_roster_does_not_count(enterprise_user_a, enterprise_user_b):
    WorkerFactory(enterprise=enterprise_user_b.enterprise, id_number=id_number(2), name="李四")
    outcome = _import(enterprise_user_a, [sheet_row(2, name="李思")])
    assert outcome.ok and outcome.created == 1


def test_an_id_number_on_the_roster_under_the_same_name_updates_that_worker(client, enterprise_user_a):
    worker = WorkerFactory(
        enterprise=enterprise_user_a.enterprise, id_number=id_number(2), name="员工2", mobile="13900000000"
    )
    WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(9), name="员工9")
    client.force_login(enterprise_user_a)
    rows = [sheet_row(1), sheet_row(2, mobile="13911112222", temperature=37.0)]
    response = client.post(reverse("passes:roster_import"), {"file": roster_upload(rows)}, follow=True)
    assert "已导入 2 行: 新增 1 人, 更新 1 人, 无变化 0 人。" in response.content.decode()
    worker.refresh_from_db()
    assert worker.mobile == "13911112222" and str(worker.temperature) == "37.0"
    assert Worker.objects.count() == 3


def test_an_error_in_a_later_batch_undoes_the_batches_already_written(enterprise_user_a, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    seen = []
    outcome = services.roster_import(
        enterprise=enterprise_user_a.enterprise,
        imported_by=enterprise_user_a,
        upload=roster_upload([sheet_row(n) for n in range(1, 6)] + [sheet_row(6, mobile="123")]),
        progress=lambda rows: seen.append((rows, Worker.objects.count())),
    )
    assert seen[:2] == [(2, 2), (4, 4)]  # written batch by batch, inside the import's transaction
    assert not outcome.ok and (outcome.created, outcome.updated) == (0, 0)
    assert not Worker.objects.exists()


def test_a_sheet_without_a_roster_column_is_refused(enterprise_user_a):
    headers = [h for h in HEADERS if h != "核酸检测日期"]
    rows = [[v for key, v in zip(KEYS, sheet_row(1), strict=True) if key != "tested_on"]]
    with pytest.raises(excel.ExcelFileError) as refused:
        services.roster_import(
            enterprise=enterprise_user_a.enterprise, upload=roster_upload(rows, headers), imported_by=enterprise_user_a
        )
    assert refused.value.message == str(services.MSG_MISSING_COLUMNS % {"columns": "核酸检测日期"})


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _malformed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a workbook", excel.MSG_NOT_XLSX),
        (_malformed(), excel.MSG_NOT_XLSX),
        (_zip_bomb(), excel.MSG_ZIP_BOMB),
        (b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), excel.MSG_TOO_LARGE.format(max_mb="1")),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(client, enterprise_user_a, settings, content, message):
    settings.ROSTER_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(enterprise_user_a)
    upload = SimpleUploadedFile("花名册.xlsx", content, content_type=XLSX)
    response = client.post(reverse("passes:roster_import"), {"file": upload})
    assert response.context["form"].errors["file"] == [str(message)]
    assert not Worker.objects.exists() and not RosterImport.objects.exists()


def test_only_the_enterprise_imports_its_roster(district_staff_a, enterprise_user_b, enterprise_a):
    from django.core.exceptions import PermissionDenied

    for user in (district_staff_a, enterprise_user_b):
        with pytest.raises(PermissionDenied):
            services.roster_import(enterprise=enterprise_a, upload=roster_upload([sheet_row(1)]), imported_by=user)
    assert not Worker.objects.exists()


# --- exporting ---------------------------------------------------------------------------------------


def _export(client, user, reason="核对花名册"):
    client.force_login(user)
    return client.post(reverse("passes:roster_export"), {"reason": reason})


def test_the_export_needs_a_reason_and_is_recorded(client, enterprise_user_a, caplog):
    WorkerFactory.create_batch(3, enterprise=enterprise_user_a.enterprise)
    refused = _export(client, enterprise_user_a, reason="")
    assert refused.context["form"].errors["reason"] == [str(services.MSG_REASON_REQUIRED)]
    assert not IdNumberDisclosure.objects.exists()
    with caplog.at_level(logging.INFO, logger="passes.personal_data"):
        response = _export(client, enterprise_user_a)
    assert response["Content-Type"] == XLSX and "no-store" in response["Cache-Control"]
    disclosure = IdNumberDisclosure.objects.get()
    assert (disclosure.kind, disclosure.worker_count, disclosure.reason, disclosure.user, disclosure.worker) == (
        IdNumberDisclosure.Kind.EXPORT,
        3,
        "核对花名册",
        enterprise_user_a,
        None,
    )
    assert any("kind=export" in r.getMessage() and "workers=3" in r.getMessage() for r in caplog.records)


def test_the_export_holds_full_id_numbers_in_the_import_columns(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(4), name="孙八")
    sheet = open_workbook(_export(client, enterprise_user_a).content).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    row = {key: cell.value for key, cell in zip(KEYS, sheet[2], strict=True)}
    assert (row["name"], row["id_number"], row["origin"], row["residence_district"]) == (
        "孙八",
        id_number(4),
        LOW_RISK_ORIGIN,
        "昆山开发区",
    )
    assert row["quarantine_status"] == worker.get_quarantine_status_display()


DANGEROUS_NAMES = ['=HYPERLINK("http://evil.example","点我")', "+86张三", "-李四", "@王五"]


def test_exported_cells_are_neutralised_against_formula_injection_and_read_back_safely(client, enterprise_user_a):
    for serial, name in enumerate(DANGEROUS_NAMES, start=1):
        WorkerFactory(
            enterprise=enterprise_user_a.enterprise,
            id_number=id_number(serial),
            name=name,
            residence_address="=1+1",
            job="@SUM(A1)",
        )
    content = _export(client, enterprise_user_a).content
    sheet = open_workbook(content).worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\0"))
    assert sorted(cell.value for cell in sheet["A"][1:]) == sorted("'" + name for name in DANGEROUS_NAMES)
    # Imported back, the names are the same text again and nothing changes.
    outcome = services.roster_import(
        enterprise=enterprise_user_a.enterprise,
        imported_by=enterprise_user_a,
        upload=SimpleUploadedFile("export.xlsx", content, content_type=XLSX),
    )
    assert outcome.ok and (outcome.updated, outcome.unchanged) == (0, 4)
    assert sorted(Worker.objects.values_list("name", flat=True)) == sorted(DANGEROUS_NAMES)


@pytest.mark.parametrize("name", ["\t制表符", "\0空字符", "\r回车"])
def test_control_characters_in_an_exported_name_are_neutralised(name, enterprise_user_a):
    """Such names cannot come in through the form or an import; built in memory, as PostgreSQL stores no NUL."""
    worker = Worker(
        enterprise=enterprise_user_a.enterprise,
        name=name,
        mobile="13912345678",
        origin=Division.objects.get(code=LOW_RISK_ORIGIN),
        residence_district=District.objects.get(code="kfq"),
        residence_address="地址",
        **services.id_number_fields(id_number(1)),
    )
    content = excel.write_workbook([excel.Sheet("员工花名册", COLUMNS, [services.worker_export_row(worker)])])
    cell = open_workbook(content).worksheets[0]["A2"]
    assert cell.data_type == "s" and not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\0"))
    read_back = excel.read_rows(io.BytesIO(content), COLUMNS).rows[0]["name"]
    # Read back as text; XML keeps no NUL and turns CR into LF, so only the visible part is sure to return.
    assert read_back.endswith(name[1:]) and not read_back.startswith(("=", "+", "-", "@", "\t", "\r", "\0"))


def test_an_exported_roster_imports_back_without_changing_any_worker(client, enterprise_user_a):
    from django.forms.models import model_to_dict

    enterprise = enterprise_user_a.enterprise
    WorkerFactory(enterprise=enterprise, temperature_taken_at=dt.datetime(2020, 3, 9, 7, 45, 31, 5, tzinfo=SHANGHAI))
    WorkerFactory(
        enterprise=enterprise,
        arrived_on=None,
        quarantine_status="none",
        quarantine_started_on=None,
        temperature=None,
        temperature_taken_at=None,
        residence_community=None,
        job="",
        housing_331_compliant=False,
    )
    WorkerFactory(
        enterprise=enterprise,
        test_result="negative",
        tested_on=dt.date(2020, 3, 7),
        quarantine_status="central",
        temperature="37.9",
        mobile="19900000001",
        residence_district=enterprise.district,
        residence_community=enterprise.district.communities.last(),
    )
    before = {w.pk: model_to_dict(w) | {"updated_at": w.updated_at} for w in Worker.objects.all()}
    content = _export(client, enterprise_user_a).content
    response = client.post(
        reverse("passes:roster_import"),
        {"file": SimpleUploadedFile("export.xlsx", content, content_type=XLSX)},
        follow=True,
    )
    assert "新增 0 人, 更新 0 人, 无变化 3 人" in response.content.decode()
    after = {w.pk: model_to_dict(w) | {"updated_at": w.updated_at} for w in Worker.objects.all()}
    assert after == before


# --- large files: a Celery job ------------------------------------------------------------------------


@pytest.fixture
def small_inline_limit(settings):
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 3


def test_a_large_upload_is_stored_and_imported_by_a_job(
    client, enterprise_user_a, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(enterprise_user_a)
    rows = [sheet_row(n) for n in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("passes:roster_import"), {"file": roster_upload(rows)})
    job = RosterImport.objects.get()
    assert response["Location"] == reverse("passes:roster_import_status", args=[job.pk])
    assert (job.status, job.rows_total, job.uploaded_by) == (RosterImport.Status.QUEUED, 5, enterprise_user_a)
    assert job.file.name.startswith("uploads/2020/03/") and job.file.name.endswith(".xlsx")
    assert "花名册" not in job.file.name and not Worker.objects.exists()
    queued = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in queued and "已处理 0 / 5 行" in queued
    assert len(callbacks) == 1
    callbacks[0]()  # the transaction committed: the task runs (eagerly in tests)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count, job.updated_count) == (RosterImport.Status.DONE, 5, 5, 0)
    assert Worker.objects.count() == 5
    done = client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in done and "已导入 5 行: 新增 5 人, 更新 0 人, 无变化 0 人。" in done
    assert 'data-progress="100"' in done


def test_a_failed_job_offers_the_annotated_workbook(
    client, enterprise_user_a, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(enterprise_user_a)
    rows = [sheet_row(n) for n in range(1, 5)] + [sheet_row(5, origin="990101")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("passes:roster_import"), {"file": roster_upload(rows)})
    job = RosterImport.objects.get()
    assert (job.status, job.error_count, job.created_count) == (RosterImport.Status.FAILED, 1, 0)
    assert not Worker.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert reverse("passes:roster_import_errors", args=[job.pk]) in page
    download = client.get(reverse("passes:roster_import_errors", args=[job.pk]))
    sheet = open_workbook(b"".join(download.streaming_content)).worksheets[0]
    assert str(services.MSG_UNKNOWN_ORIGIN) in sheet.cell(row=6, column=len(KEYS) + 1).value


def test_a_job_for_an_unreadable_file_fails_with_its_message(
    enterprise_user_a, small_inline_limit, django_capture_on_commit_callbacks
):
    headers = [h for h in HEADERS if h != "岗位"]
    rows = [[v for key, v in zip(KEYS, sheet_row(n), strict=True) if key != "job"] for n in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.roster_import_queue(
            enterprise=enterprise_user_a.enterprise,
            uploaded_by=enterprise_user_a,
            upload=roster_upload(rows, headers),
            rows_total=5,
        )
    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    assert job.message == str(services.MSG_MISSING_COLUMNS % {"columns": "岗位"})


def test_a_finished_job_is_not_run_again(enterprise_user_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.roster_import_queue(
            enterprise=enterprise_user_a.enterprise,
            uploaded_by=enterprise_user_a,
            upload=roster_upload([sheet_row(1)]),
            rows_total=1,
        )
    Worker.objects.all().delete()
    from passes.tasks import run_roster_import

    assert run_roster_import.delay(job.pk).get() == RosterImport.Status.DONE
    assert not Worker.objects.exists()  # not imported a second time


def test_a_crashed_job_is_marked_failed(enterprise_user_a, monkeypatch, django_capture_on_commit_callbacks):
    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_import_all_or_nothing", crash)
    job = services.roster_import_queue(
        enterprise=enterprise_user_a.enterprise,
        uploaded_by=enterprise_user_a,
        upload=roster_upload([sheet_row(1)]),
        rows_total=1,
    )
    with pytest.raises(RuntimeError):
        services.roster_import_run(roster_import_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (RosterImport.Status.FAILED, str(services.MSG_IMPORT_CRASHED))


def test_the_progress_page_shows_the_rows_a_running_job_has_read(client, enterprise_user_a):
    job = services.roster_import_queue(
        enterprise=enterprise_user_a.enterprise,
        uploaded_by=enterprise_user_a,
        upload=roster_upload([sheet_row(1)]),
        rows_total=10_000,
    )
    RosterImport.objects.filter(pk=job.pk).update(status=RosterImport.Status.RUNNING)
    cache.set(services.roster_import_progress_key(job.pk), 4_000)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster_import_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert (response.context["rows_done"], response.context["percent"]) == (4_000, 40)
    html = response.content.decode()
    assert 'data-progress="40"' in html and 'hx-trigger="every 1s"' in html and "<html" not in html
    cache.delete(services.roster_import_progress_key(job.pk))


def test_the_job_reports_progress_to_the_cache_while_it_runs(enterprise_user_a, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    job = services.roster_import_queue(
        enterprise=enterprise_user_a.enterprise,
        uploaded_by=enterprise_user_a,
        upload=roster_upload([sheet_row(n) for n in range(1, 6)]),
        rows_total=5,
    )
    seen = []

    class RecordingCache:
        def set(self, key, value, *args, **kwargs):
            if key == services.roster_import_progress_key(job.pk):
                seen.append(value)
            return cache.set(key, value, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(services, "cache", RecordingCache())
    services.roster_import_run(roster_import_id=job.pk)
    assert seen == [2, 4, 5]
    assert cache.get(services.roster_import_progress_key(job.pk)) is None


def test_the_upload_is_counted_without_parsing_it(enterprise_user_a, settings):
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 3
    assert services.roster_upload_inspect(roster_upload([sheet_row(n) for n in range(1, 4)])) == (3, True)
    assert services.roster_upload_inspect(roster_upload([sheet_row(n) for n in range(1, 5)])) == (4, False)
    # The portal's own export declares no sheet size (openpyxl's write-only mode): its rows are counted too.
    exported = excel.write_workbook([excel.Sheet("员工花名册", COLUMNS, [sheet_row(n) for n in range(1, 6)])])
    assert services.roster_upload_inspect(SimpleUploadedFile("x.xlsx", exported, content_type=XLSX)) == (5, False)


def test_a_file_beyond_the_usual_excel_limits_goes_to_the_background(enterprise_user_a, settings):
    settings.EXCEL_UPLOAD_MAX_BYTES = 1000  # the limit under which a refused file is annotated in the request
    assert services.roster_upload_inspect(roster_upload([sheet_row(1)])) == (1, False)


def test_too_many_rows_are_refused_before_anything_is_stored(client, enterprise_user_a, settings):
    settings.ROSTER_IMPORT_MAX_ROWS = 2
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_import"), {"file": roster_upload([sheet_row(n) for n in (1, 2, 3)])})
    assert response.context["form"].errors["file"] == [excel.MSG_TOO_MANY_ROWS.format(max_rows=2)]
    assert not RosterImport.objects.exists() and not Worker.objects.exists()


def test_a_job_without_errors_has_no_error_workbook(client, enterprise_user_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.roster_import_queue(
            enterprise=enterprise_user_a.enterprise,
            uploaded_by=enterprise_user_a,
            upload=roster_upload([sheet_row(1)]),
            rows_total=1,
        )
    client.force_login(enterprise_user_a)
    assert client.get(reverse("passes:roster_import_errors", args=[job.pk])).status_code == 404
