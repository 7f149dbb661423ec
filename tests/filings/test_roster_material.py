"""The roster material of a filing is kept as uploaded and opened by district staff in Excel: it is read
first like an import (the same limits and checks), must carry the template's columns and hold workers,
and is kept only if it passes; the enterprise is told why otherwise."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import excel, uploads
from filings import services
from filings.models import Filing, FilingMaterial
from tests.excel_helpers import XLSX, xlsx_upload
from tests.filings.helpers import ROSTER_HEADERS, ROSTER_ROW
from tests.hostile import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    return Filing.objects.get()


def _post(client, filing, content: bytes, name="花名册.xlsx"):
    response = client.post(
        reverse("filings:step_materials", args=[filing.pk]),
        {"kind": "roster", "file": SimpleUploadedFile(name, content, content_type=XLSX)},
    )
    assert response.status_code == 302
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _refusal(reason) -> str:
    return str(services.MSG_ROSTER_MATERIAL % {"reason": reason})


def test_a_roster_in_the_template_is_kept(client, draft, settings):
    content = xlsx_upload(ROSTER_HEADERS, [ROSTER_ROW]).read()
    assert _post(client, draft, content) == [("success", "已上传“员工花名册”。")]
    material = FilingMaterial.objects.get()
    assert material.file.read() == content and len(_stored(settings)) == 1


def test_an_empty_file_gets_the_empty_file_message(client, draft, settings):
    assert _post(client, draft, b"") == [("error", str(uploads.MSG_EMPTY))]
    assert not FilingMaterial.objects.exists() and _stored(settings) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            xlsx_upload(["姓名", "电话", "备注"], [["张三", "13900000011", ""]]).read(),
            excel.MSG_MISSING_COLUMNS.format(columns="身份证号、手机号、岗位、来昆前所在地(省市县)"),
        ),
        (xlsx_upload(ROSTER_HEADERS, []).read(), excel.MSG_EMPTY),
        (files.billion_laughs(ROSTER_HEADERS), excel.MSG_NOT_XLSX),
        (files.formula_cells(ROSTER_HEADERS), excel.MSG_FORMULAS),
        (files.huge_shared_strings(), excel.MSG_ZIP_BOMB),
    ],
    ids=["other columns", "no worker", "billion laughs", "formulas", "huge shared strings"],
)
def test_a_roster_that_would_not_import_is_refused_and_not_kept(client, draft, settings, content, reason):
    assert _post(client, draft, content) == [("error", _refusal(reason))]
    assert not FilingMaterial.objects.exists() and _stored(settings) == []


def test_a_bad_cell_is_named_with_its_row_column_and_value(client, draft):
    row = [*ROSTER_ROW[:1], 320583199001011234, *ROSTER_ROW[2:]]
    [(level, message)] = _post(client, draft, xlsx_upload(ROSTER_HEADERS, [row]).read())
    # The value as Excel kept it: the last digits are already gone.
    assert level == "error" and "第 2 行“身份证号”列填写的“320583199001011328”" in message
    assert str(excel.MSG_ID_NUMBER_AS_NUMBER) in message


def test_a_sheet_without_a_dimension_is_read_all_the_same(client, draft):
    sheet = files.sheet_xml(
        [
            files.header_row(ROSTER_HEADERS),
            files.row_xml(
                2, [files.text_cell(f"{files.column_letter(i)}2", value) for i, value in enumerate(ROSTER_ROW, start=1)]
            ),
        ],
        dimension=None,
    )
    assert _post(client, draft, files.workbook_bytes(sheet))[0][0] == "success"


def test_a_refused_replacement_keeps_the_roster_already_uploaded(client, draft, settings):
    _post(client, draft, xlsx_upload(ROSTER_HEADERS, [ROSTER_ROW]).read())
    kept = FilingMaterial.objects.get()
    _post(client, draft, xlsx_upload(["姓名"], [["张三"]]).read())
    assert FilingMaterial.objects.get() == kept and len(_stored(settings)) == 1
