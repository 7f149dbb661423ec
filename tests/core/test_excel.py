import datetime
import io
import tempfile
import zipfile
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import Any

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.excel import (
    ERROR_COLUMN_HEADER,
    INSTRUCTIONS_SHEET_TITLE,
    MSG_DUPLICATE_COLUMNS,
    MSG_EMPTY,
    MSG_ERROR_WORKBOOK_HINT,
    MSG_MISSING_COLUMNS,
    MSG_NOT_XLSX,
    MSG_REQUIRED,
    MSG_TOO_LARGE,
    MSG_TOO_MANY_ROWS,
    MSG_ZIP_BOMB,
    TEMPLATE_HINT,
    TEMPLATE_INSTRUCTION_HEADERS,
    TEMPLATE_REQUIRED_NO,
    TEMPLATE_REQUIRED_YES,
    CellError,
    Column,
    ExcelFileError,
    FirstRows,
    Sheet,
    check_xlsx_upload,
    error_workbook,
    read_rows,
    safe_cell,
    template_workbook,
    write_workbook,
)

MSG_CODE_LENGTH = "统一社会信用代码应为18位。"
MSG_NOT_INTEGER = "请填写整数。"
MSG_NEGATIVE = "人数不能为负数。"

CODE_A = "91320583MA1XXXXX0A"
CODE_B = "91320583MA1YYYYY0B"


def parse_credit_code(value: Any) -> str:
    text = str(value).upper()
    if len(text) != 18:
        raise ValidationError(MSG_CODE_LENGTH)
    return text


def parse_headcount(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(MSG_NOT_INTEGER) from None
    if number < 0:
        raise ValidationError(MSG_NEGATIVE)
    return number


COLUMNS = [
    Column(
        "credit_code",
        "统一社会信用代码",
        parse=parse_credit_code,
        width=24,
        help_text="18位，见营业执照",
    ),
    Column("name", "企业名称", width=30),
    Column("employees", "职工人数", parse=parse_headcount),
    Column("remark", "备注", required=False),
]
HEADERS = [c.header for c in COLUMNS]


def xlsx(rows: Sequence[Sequence[Any]]) -> io.BytesIO:
    """An uploaded workbook whose first sheet holds `rows`, header first."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def zip_file(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def reopen(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def file_error(call, *args, **kwargs) -> str:
    with pytest.raises(ExcelFileError) as caught:
        call(*args, **kwargs)
    return caught.value.message


@pytest.fixture
def openpyxl_must_not_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl opened a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


# --- reading --------------------------------------------------------------------------------


def test_valid_file_parses_to_dicts_keyed_by_column_with_sheet_row_numbers():
    upload = xlsx(
        [
            # Columns out of order, stray spaces in headers, an extra column to ignore.
            ["职工人数", " 企业名称 ", "联系人", "统一社会信用代码", "备注"],
            [120, "  昆山甲公司 ", "张三", CODE_A.lower(), None],
            [None, None, None, None, None],
            ["35", "昆山乙公司", "李四", CODE_B, "  分批复工 "],
        ]
    )

    result = read_rows(upload, COLUMNS)

    assert result.ok
    assert result.errors == []
    assert result.rows == [
        {"_row": 2, "credit_code": CODE_A, "name": "昆山甲公司", "employees": 120, "remark": None},
        {
            "_row": 4,
            "credit_code": CODE_B,
            "name": "昆山乙公司",
            "employees": 35,
            "remark": "分批复工",
        },
    ]


def test_a_django_upload_is_read_like_any_file():
    upload = SimpleUploadedFile("名单.xlsx", xlsx([HEADERS, [CODE_A, "甲", 1, None]]).getvalue())

    assert read_rows(upload, COLUMNS).rows[0]["credit_code"] == CODE_A


def test_optional_column_may_be_left_out_of_the_sheet():
    upload = xlsx([HEADERS[:3], [CODE_A, "昆山甲公司", 8]])

    assert read_rows(upload, COLUMNS).rows == [
        {"_row": 2, "credit_code": CODE_A, "name": "昆山甲公司", "employees": 8, "remark": None}
    ]


def test_missing_required_columns_are_named_in_the_message():
    upload = xlsx([["企业名称", "备注"], ["昆山甲公司", ""]])

    assert file_error(read_rows, upload, COLUMNS) == MSG_MISSING_COLUMNS.format(columns="统一社会信用代码、职工人数")


def test_a_column_given_twice_is_refused():
    upload = xlsx([[*HEADERS, "企业名称"], [CODE_A, "甲", 1, "", "乙"]])

    assert file_error(read_rows, upload, COLUMNS) == MSG_DUPLICATE_COLUMNS.format(columns="企业名称")


def test_bad_cell_gives_a_cell_error_with_the_parse_message_and_sheet_row():
    upload = xlsx([HEADERS, [CODE_A, "甲", 10, None], [CODE_B, "乙", "十个", None], ["123", "丙", -1, None]])

    result = read_rows(upload, COLUMNS)

    assert not result.ok
    assert result.errors == [
        CellError(row=3, column="employees", message=MSG_NOT_INTEGER),
        CellError(row=4, column="credit_code", message=MSG_CODE_LENGTH),
        CellError(row=4, column="employees", message=MSG_NEGATIVE),
    ]
    # A failed cell is left out of its row; the rest of the row is still parsed.
    assert result.rows[1] == {"_row": 3, "credit_code": CODE_B, "name": "乙", "remark": None}
    assert result.rows[2] == {"_row": 4, "name": "丙", "remark": None}


def test_several_validation_messages_of_one_cell_are_joined():
    def strict(value: Any) -> Any:
        raise ValidationError(["长度不对。", "含有非法字符。"])

    columns = [Column("code", "代码", parse=strict)]

    result = read_rows(xlsx([["代码"], ["x"]]), columns)

    assert result.errors == [CellError(row=2, column="code", message="长度不对。；含有非法字符。")]


def test_empty_required_cell_gives_required_message():
    upload = xlsx([HEADERS, [CODE_A, "   ", 5, None], [CODE_B, "乙", None, None]])

    result = read_rows(upload, COLUMNS)

    assert result.errors == [
        CellError(row=2, column="name", message=MSG_REQUIRED),
        CellError(row=3, column="employees", message=MSG_REQUIRED),
    ]


def test_more_rows_than_allowed_are_refused():
    upload = xlsx([HEADERS, *[[CODE_A, "甲", n, None] for n in range(3)]])

    assert file_error(read_rows, upload, COLUMNS, max_rows=2) == MSG_TOO_MANY_ROWS.format(max_rows=2)
    upload.seek(0)
    assert len(read_rows(upload, COLUMNS, max_rows=3).rows) == 3


@pytest.mark.parametrize(
    "rows",
    [[], [HEADERS], [HEADERS, [None, "  ", None, None]]],
    ids=["empty sheet", "header only", "blank rows only"],
)
def test_a_file_without_data_rows_is_refused(rows):
    assert file_error(read_rows, xlsx(rows), COLUMNS) == MSG_EMPTY


def test_callers_can_add_cross_row_errors_after_parsing():
    result = read_rows(xlsx([HEADERS, [CODE_A, "甲", 1, None], [CODE_A, "乙", 2, None]]), COLUMNS)
    assert result.ok

    result.add_error(3, "credit_code", "与第 2 行重复。")

    assert not result.ok
    assert result.errors == [CellError(row=3, column="credit_code", message="与第 2 行重复。")]


# --- refusing files that are not safe xlsx ----------------------------------------------------


def valid_xlsx_bytes() -> bytes:
    return xlsx([HEADERS, [CODE_A, "甲", 1, None]]).getvalue()


@pytest.mark.parametrize(
    "content",
    [
        "统一社会信用代码\t企业名称\n91320583MA1XXXXX0A\t甲\n".encode(),
        "统一社会信用代码,企业名称\n91320583MA1XXXXX0A,甲\n".encode("gb18030"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),  # old binary .xls
        b"",
        valid_xlsx_bytes()[:300],  # truncated upload
        zip_file({"word/document.xml": b"<w/>"}).getvalue(),  # a zip, but not a workbook
        zip_file({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<"}).getvalue(),
        # Every entry (its local and central headers: version 2.0, no flags, method) claims PPMd, method 98, which
        # zipfile cannot read: it raises NotImplementedError.
        valid_xlsx_bytes().replace(b"\x14\x00\x00\x00\x08\x00", b"\x14\x00\x00\x00\x62\x00"),
    ],
    ids=["txt", "csv", "png", "xls", "empty", "truncated", "docx-like zip", "broken workbook", "unknown compression"],
)
def test_a_file_that_is_not_xlsx_is_refused_whatever_its_name(content):
    upload = io.BytesIO(content)
    upload.name = "企业名单.xlsx"

    assert file_error(read_rows, upload, COLUMNS) == MSG_NOT_XLSX


def test_a_workbook_declaring_xml_entities_is_refused():
    # Entity expansion ("billion laughs") is stopped by defusedxml, which openpyxl then uses.
    source = zipfile.ZipFile(io.BytesIO(valid_xlsx_bytes()))
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE worksheet [<!ENTITY lol "lol">]><worksheet'
                data = data.replace(b"<worksheet", doctype, 1)
            archive.writestr(name, data)

    with pytest.raises(ExcelFileError) as caught:
        read_rows(upload, COLUMNS)

    assert caught.value.message == MSG_NOT_XLSX
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, EntitiesForbidden) for cause in causes)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(openpyxl_must_not_open):
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(51):
                member.write(bytes(1024 * 1024))
    assert len(upload.getvalue()) < 200 * 1024  # small on disk, 51 MB unpacked

    assert file_error(read_rows, upload, COLUMNS) == MSG_ZIP_BOMB


def test_a_zip_with_too_many_members_is_refused(openpyxl_must_not_open):
    members = {"xl/workbook.xml": b"<workbook/>"} | {f"xl/media/{n}.xml": b"" for n in range(1000)}

    assert file_error(read_rows, zip_file(members), COLUMNS) == MSG_ZIP_BOMB


def test_an_oversized_upload_is_refused_by_size(openpyxl_must_not_open):
    upload = io.BytesIO(valid_xlsx_bytes())

    message = file_error(check_xlsx_upload, upload, max_bytes=len(upload.getvalue()) - 1)

    assert message == MSG_TOO_LARGE.format(max_mb=f"{(len(upload.getvalue()) - 1) / 2**20:g}")


def test_checking_an_upload_leaves_it_at_the_start():
    upload = io.BytesIO(valid_xlsx_bytes())
    upload.seek(17)

    check_xlsx_upload(upload)
    assert upload.tell() == 0

    bad = io.BytesIO(b"not a workbook")
    bad.seek(5)
    file_error(check_xlsx_upload, bad)
    assert bad.tell() == 0


# --- the annotated error workbook -------------------------------------------------------------


def test_error_workbook_marks_exactly_the_bad_cells_and_lists_each_rows_messages():
    upload = xlsx(
        [
            ["统一社会信用代码", "联系人", "企业名称", "职工人数", "备注"],
            [CODE_A, "张三", "甲", 10, None],
            ["123", "李四", "乙", "十个", "+86 512 5555"],
            [None, None, None, None, None],
            [CODE_B, "王五", None, 3, None],
        ]
    )
    result = read_rows(upload, COLUMNS)
    result.add_error(2, None, "该企业已登记。")

    book = reopen(error_workbook(upload, COLUMNS, result))

    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "统一社会信用代码",
        "联系人",
        "企业名称",
        "职工人数",
        "备注",
        ERROR_COLUMN_HEADER,
    ]
    marked = {
        cell.coordinate: cell.comment.text
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.fill.fgColor.rgb.endswith("FFC7CE")
    }
    assert marked == {"A3": MSG_CODE_LENGTH, "D3": MSG_NOT_INTEGER, "C5": MSG_REQUIRED}
    assert [sheet.cell(row=r, column=6).value for r in range(2, 6)] == [
        "该企业已登记。",
        f"统一社会信用代码：{MSG_CODE_LENGTH}；职工人数：{MSG_NOT_INTEGER}",
        None,
        f"企业名称：{MSG_REQUIRED}",
    ]
    # Every row is kept, in its original place, so the user fixes and re-uploads the whole file.
    assert [c.value for c in sheet[2]][:5] == [CODE_A, "张三", "甲", 10, None]
    assert [c.value for c in sheet[3]][:5] == ["123", "李四", "乙", "十个", "'+86 512 5555"]
    assert sheet.cell(row=4, column=1).value is None
    assert sheet.freeze_panes == "A2"
    assert book.sheetnames[1] == INSTRUCTIONS_SHEET_TITLE
    assert book.worksheets[1]["A1"].value == MSG_ERROR_WORKBOOK_HINT.format(rows=3)


def test_a_corrected_error_workbook_imports_cleanly_and_its_error_column_is_not_doubled():
    upload = xlsx([HEADERS, [CODE_A, "甲", "十个", "-无-"]])
    result = read_rows(upload, COLUMNS)
    book = reopen(error_workbook(upload, COLUMNS, result))
    book.worksheets[0]["C2"] = 12
    fixed = io.BytesIO()
    book.save(fixed)

    again = read_rows(fixed, COLUMNS)

    assert again.ok
    # The apostrophe added on export is removed on the way back in.
    assert again.rows == [{"_row": 2, "credit_code": CODE_A, "name": "甲", "employees": 12, "remark": "-无-"}]
    again.add_error(2, "name", "名称已被占用。")
    header = [c.value for c in reopen(error_workbook(fixed, COLUMNS, again)).worksheets[0][1]]
    assert header == [*HEADERS, ERROR_COLUMN_HEADER]


# --- exports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dangerous", ["=", "+", "-", "@", "\t", "\r", "\x00"])
def test_safe_cell_neutralises_each_formula_prefix(dangerous):
    value = f'{dangerous}HYPERLINK("http://evil.example")'

    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [0, -5, 3.14, -0.5, True, None, datetime.date(2020, 2, 10), "昆山甲公司", "a=b", " =1", ""],
)
def test_safe_cell_leaves_numbers_and_harmless_values_unchanged(value):
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


def export_rows() -> Iterator[list[Any]]:
    # A generator: exports stream their rows.
    yield [CODE_A, "=cmd|' /C calc'!A0", 120, datetime.date(2020, 2, 10)]
    yield [CODE_B, "@SUM(1+1)", -3, None]
    yield [CODE_B, "控制\x01字符", 0.5, None]


EXPORT_COLUMNS = [
    Column("credit_code", "统一社会信用代码", width=24),
    Column("name", "企业名称", width=30),
    Column("employees", "职工人数", width=12, number_format="#,##0"),
    Column("day", "复工日期", width=14),
]


def test_write_workbook_has_title_header_frozen_pane_and_neutralised_values():
    data = write_workbook(
        [
            Sheet(
                title="复工企业/汇总[2020]:*?",
                columns=EXPORT_COLUMNS,
                rows=export_rows(),
                heading="昆山市企业复工情况",
                subheading="截至 2020-02-10，单位：人",
            ),
            Sheet(title="空表", columns=EXPORT_COLUMNS, rows=[]),
        ]
    )

    book = reopen(data)
    assert book.sheetnames == ["复工企业汇总2020", "空表"]
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "昆山市企业复工情况"
    assert sheet["A1"].font.bold
    assert sheet["A1"].font.size > 11
    assert "A1:D1" in sheet.merged_cells
    assert sheet["A2"].value == "截至 2020-02-10，单位：人"
    assert [c.value for c in sheet[3]] == [c.header for c in EXPORT_COLUMNS]
    assert all(c.font.bold and c.border.bottom.style == "thin" for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:D6"
    assert sheet.column_dimensions["B"].width == 30
    assert [c.value for c in sheet[4]][:3] == [CODE_A, "'=cmd|' /C calc'!A0", 120]
    assert sheet["D4"].value.date() == datetime.date(2020, 2, 10)
    assert sheet["C4"].number_format == "#,##0"
    assert [c.value for c in sheet[5]][1:3] == ["'@SUM(1+1)", -3]
    assert sheet["B6"].value == "控制字符"
    # Nothing was written as a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    empty = book.worksheets[1]
    assert [c.value for c in empty[1]] == [c.header for c in EXPORT_COLUMNS]
    assert empty.freeze_panes == "A2"


def test_write_workbook_refuses_a_row_that_does_not_match_its_columns():
    with pytest.raises(ValueError, match="shorter"):
        write_workbook([Sheet(title="x", columns=EXPORT_COLUMNS, rows=[[CODE_A, "甲"]])])


def test_a_failed_streamed_export_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows_then_database_error() -> Iterator[list[Any]]:
        yield [CODE_A, "甲", 1, None]
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        write_workbook([Sheet(title="x", columns=EXPORT_COLUMNS, rows=rows_then_database_error())])

    assert list(tmp_path.iterdir()) == []


def test_exported_datetimes_are_shown_in_local_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime.datetime(2020, 2, 10, 1, 30, tzinfo=datetime.UTC)
    columns = [Column("at", "提交时间", number_format="yyyy-mm-dd hh:mm")]

    data = write_workbook([Sheet(title="x", columns=columns, rows=[[moment]])])

    # Excel has no time zones: the cell holds the Shanghai wall-clock time of the same instant.
    shown = reopen(data).worksheets[0]["A2"].value
    assert shown.tzinfo is None
    assert shown.replace(tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")) == moment


# --- the import template ---------------------------------------------------------------------


EXAMPLES = [
    [CODE_A, "昆山示例有限公司", 120, "示例行，导入前请删除"],
    [CODE_B, "昆山示例二厂", "35", None],
]


def test_template_round_trips_through_read_rows():
    data = template_workbook(COLUMNS, title="企业名单导入模板", example_rows=EXAMPLES)

    result = read_rows(io.BytesIO(data), COLUMNS)

    assert result.ok
    assert result.rows == [
        {
            "_row": 2,
            "credit_code": CODE_A,
            "name": "昆山示例有限公司",
            "employees": 120,
            "remark": "示例行，导入前请删除",
        },
        {"_row": 3, "credit_code": CODE_B, "name": "昆山示例二厂", "employees": 35, "remark": None},
    ]


def test_template_marks_required_headers_in_red_with_help_comments_and_grey_examples():
    book = reopen(template_workbook(COLUMNS, title="企业名单导入模板", example_rows=EXAMPLES))

    sheet = book.worksheets[0]
    header = sheet[1]
    assert [c.value for c in header] == HEADERS
    assert [c.font.color.rgb.endswith("C00000") if c.font.color else False for c in header] == [
        c.required for c in COLUMNS
    ]
    assert header[0].comment.text == "18位，见营业执照"
    assert header[1].comment is None
    assert sheet.column_dimensions["A"].width == 24
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].font.italic
    assert sheet["B2"].font.color.rgb.endswith("808080")

    notes = book[INSTRUCTIONS_SHEET_TITLE]
    assert notes["A1"].value == "企业名单导入模板"
    assert notes["A2"].value == TEMPLATE_HINT
    assert [c.value for c in notes[3]] == list(TEMPLATE_INSTRUCTION_HEADERS)
    assert [tuple(c.value for c in row) for row in notes.iter_rows(min_row=4)] == [
        ("统一社会信用代码", TEMPLATE_REQUIRED_YES, "18位，见营业执照"),
        ("企业名称", TEMPLATE_REQUIRED_YES, None),
        ("职工人数", TEMPLATE_REQUIRED_YES, None),
        ("备注", TEMPLATE_REQUIRED_NO, None),
    ]


def test_first_rows_name_the_earlier_row_of_a_repeated_key():
    first_rows = FirstRows()
    assert first_rows.earlier("3670", 2) is None
    assert first_rows.earlier("8760", 3) is None
    assert first_rows.earlier("3670", 4) == 2
    assert first_rows.earlier("3670", 5) == 2  # always the first, not the latest repeat
