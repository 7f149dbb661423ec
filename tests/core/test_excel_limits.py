"""What reading an upload may cost is bounded before openpyxl opens it and while it reads; every fault a
cell can cause becomes that cell's error; a header's problem names the column; a file is parsed once."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core import excel
from tests.excel_helpers import xlsx_upload
from tests.hostile import files

COLUMNS = [
    excel.Column("name", gettext_lazy("姓名"), parse=excel.parse_text(20)),
    excel.Column("count", gettext_lazy("人数"), parse=excel.parse_count),
]
HEADERS = ["姓名", "人数"]


def refusal(content: bytes, **limits) -> str:
    with pytest.raises(excel.ExcelFileError) as caught:
        excel.read_rows(io.BytesIO(content), COLUMNS, limits=excel.Limits.default(**limits))
    return caught.value.message


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_the_reported_file_is_refused_before_openpyxl_opens_it(openpyxl_must_not_open):
    content = files.huge_shared_strings()  # ~120 KB packed, 49 MB of three million shared strings
    assert len(content) < 200 * 1024
    assert refusal(content) == excel.MSG_ZIP_BOMB


def test_shared_strings_are_counted(openpyxl_must_not_open):
    content = files.workbook_bytes(
        files.sheet_xml([files.header_row(HEADERS)]),
        shared_strings=files.shared_strings_xml([f"s{n}" for n in range(11)]),
    )
    assert refusal(content, max_shared_strings=10) == excel.MSG_TOO_MANY_STRINGS.format(max=10)


def test_cells_are_counted_empty_ones_too(openpyxl_must_not_open):
    assert refusal(files.one_wide_row(11), max_cells=10) == excel.MSG_TOO_MANY_CELLS.format(max=10)


def test_rows_are_counted_blank_ones_too(openpyxl_must_not_open):
    assert refusal(files.empty_rows(12), max_rows=10) == excel.MSG_TOO_MANY_ROWS.format(max_rows=10)


def test_elements_across_the_scanning_chunks_are_counted_once():
    # Rows of different widths, so that tags fall across each 1 MB boundary at some point.
    rows = [files.row_xml(n, [f'<c r="A{n}"><v>{n * 7}</v></c>']) for n in range(1, 60_001)]
    shape = excel.inspect_workbook(
        io.BytesIO(files.workbook_bytes(files.sheet_xml(rows))), excel.Limits.default(max_rows=10**6, max_cells=10**6)
    )
    assert (shape.rows, shape.cells) == (60_000, 60_000)


def test_a_part_read_whole_is_bounded_and_so_is_the_ratio_of_any_large_part(openpyxl_must_not_open):
    assert refusal(files.styles_bomb(1000), max_part_bytes=10_000) == excel.MSG_ZIP_BOMB
    assert refusal(files.ratio_bomb(HEADERS)) == excel.MSG_ZIP_BOMB


def test_a_value_beyond_the_last_allowed_column_is_refused():
    content = xlsx_upload([*HEADERS, *(f"备注{n}" for n in range(9))], [["甲", 1]]).read()
    assert refusal(content, max_columns=10) == excel.MSG_TOO_MANY_COLUMNS.format(max=10)


def test_a_cell_in_the_last_excel_column_is_not_padded_to():
    # 2,000 rows each with a cell in column XFD: read as rows of max_columns + 1 cells, not 16,384.
    assert refusal(files.far_column(HEADERS)) == excel.MSG_EMPTY


def test_a_missing_or_repeated_lazily_translated_header_is_named():
    assert refusal(files.text_row_file(["姓名"], "甲")) == excel.MSG_MISSING_COLUMNS.format(columns="人数")
    assert refusal(files.text_row_file([*HEADERS, "人数"], "甲")) == excel.MSG_DUPLICATE_COLUMNS.format(columns="人数")


@pytest.mark.parametrize("typed", ["inf", "nan", "1e400", "-1", "2.5", "99999999999"])
def test_a_number_that_is_no_count_is_the_cells_error(typed):
    result = excel.read_rows(io.BytesIO(files.text_row_file(HEADERS, typed)), COLUMNS)
    [error] = [e for e in result.errors if e.column == "count"]
    assert (error.row, error.header, error.value) == (2, "人数", typed)
    assert error.text.startswith(f"第 2 行“人数”列填写的“{typed}”：")


def test_any_exception_of_a_parser_is_the_cells_error_not_a_crash():
    columns = [excel.Column("name", "姓名"), excel.Column("count", "人数", parse=lambda value: int(float(value)))]
    result = excel.read_rows(io.BytesIO(files.text_row_file(HEADERS, "inf")), columns)
    assert [(e.row, e.column, e.message, e.value) for e in result.errors] == [
        (2, "count", str(excel.MSG_CELL_INVALID), "inf")
    ]


def test_text_no_database_can_store_is_the_cells_error():
    # XML cannot carry a NUL, so no file brings one today; the check stands in case a reader ever does.
    result = excel.ImportResult()
    assert excel._parse_row(2, COLUMNS, {"name": "甲\x00乙", "count": 1}, result) == {"_row": 2, "count": 1}
    assert [e.message for e in result.errors] == [str(excel.MSG_CONTROL_CHARACTERS)]


@pytest.mark.parametrize(
    ("content", "value"),
    [
        (files.numbers_in_xml(HEADERS, "NaN"), "NaN"),
        (files.iso_date_cell(HEADERS, "99999-01-01"), "99999-01-01"),
    ],
    ids=["a number NaN", "an ISO date in year 99999"],
)
def test_a_cell_openpyxl_cannot_read_is_named(content, value):
    assert refusal(content) == excel.MSG_UNREADABLE_CELL.format(row=2, column="A", value=value)


@pytest.mark.django_db
def test_a_refused_import_is_parsed_once_and_annotated_from_that_parse(client, district_staff_a, monkeypatch):
    opened = []
    real = openpyxl.load_workbook

    def counting(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counting)
    client.force_login(district_staff_a)
    from enterprises.services import enterprise_import_columns

    headers = [str(c.header) for c in enterprise_import_columns()]
    response = client.post(reverse("enterprises:import"), {"file": xlsx_upload(headers, [["inf"] * len(headers)])})

    assert response.context["error_count"] > 0 and len(opened) == 1
    annotated = client.get(reverse("download", args=[response.context["error_token"]]))
    sheet = real(io.BytesIO(annotated.content)).worksheets[0]
    assert sheet.cell(row=2, column=1).value == "inf" and sheet.cell(row=1, column=len(headers) + 1).value == "错误说明"
