"""Excel import and export: the one place the project touches openpyxl.

Imports read header-mapped rows from the first sheet and collect row-level errors, so a caller
can refuse the whole file and hand back an annotated copy. Exports stream through openpyxl's
write-only mode so memory stays flat, and every exported value passes through `safe_cell`.
"""

from __future__ import annotations

import datetime
import decimal
import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from core.uploads import ZIP_MAX_MEMBERS, ZIP_MAX_UNCOMPRESSED, NotAZip, ZipBomb, inspect_zip

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MSG_TOO_LARGE = _("文件过大：Excel 文件不能超过 {max_mb} MB，请删除多余内容或分批上传。")
MSG_NOT_XLSX = _("文件不是有效的 Excel 工作簿（.xlsx），请下载导入模板填写后上传。")
MSG_ZIP_BOMB = _("文件解压后内容过大或结构异常，已拒绝处理，请检查文件后重新上传。")
MSG_MISSING_COLUMNS = _("缺少必填列：{columns}。请使用导入模板，不要修改表头。")
MSG_DUPLICATE_COLUMNS = _("表头重复：{columns}。每一列只能出现一次。")
MSG_TOO_MANY_ROWS = _("数据超过 {max_rows} 行，请分批导入。")
MSG_EMPTY = _("文件中没有数据，请在表头下方填写数据后上传。")
MSG_REQUIRED = _("此项为必填项，不能为空。")
MSG_NOT_A_COUNT = _("请填写不小于0的整数。")
MSG_NOT_A_FLAG = _("请填写“是”或“否”。")
MSG_TOO_LONG = _("不能超过%(max)d个字。")

ERROR_COLUMN_HEADER = "错误说明"
ERROR_SHEET_TITLE = "数据"
INSTRUCTIONS_SHEET_TITLE = "说明"
MSG_ERROR_WORKBOOK_HINT = (
    "共有 {rows} 行数据需要修改：红色单元格有错误，鼠标停在单元格上可查看批注，"
    "每行的全部错误列在最后一列“错误说明”。请修改后重新上传整个文件，“错误说明”列无需删除。"
)
TEMPLATE_HINT = (
    "请在第一张工作表中填写数据，不要修改表头；红色表头为必填列，灰色斜体行为示例，导入前请删除。"
)
TEMPLATE_INSTRUCTION_HEADERS = ("列名", "是否必填", "填写说明")
TEMPLATE_REQUIRED_YES = "是"
TEMPLATE_REQUIRED_NO = "否"

# OWASP "CSV injection": a spreadsheet treats text starting with these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")
_INVALID_SHEET_TITLE_RE = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_MAX = 31
_COMMENT_AUTHOR = "系统校验"

_THIN = Side(style="thin", color="A6A6A6")
_HEADER_FONT = Font(bold=True)
_REQUIRED_HEADER_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=14)
_SUBTITLE_FONT = Font(color="595959")
_TABLE_HEADING_FONT = Font(bold=True, size=12)
_EXAMPLE_FONT = Font(italic=True, color="808080")
# Excel's own "light red fill" preset, so users recognise it.
_ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_CENTER = Alignment(wrap_text=True, vertical="center")
_ERROR_COLUMN_WIDTH = 60
_DEFAULT_WIDTH = 18
# Excel's page-number fields: "page 3 of 5".
REPORT_FOOTER = "第 &P 页，共 &N 页"
_A4 = "9"
# Values openpyxl writes as they are; anything else is exported as its text.
_NATIVE_TYPES = (
    str,
    int,
    float,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)


class _Upload(Protocol):
    """What both a Django UploadedFile and a BytesIO offer."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    # Raises ValidationError on bad input; None keeps the stripped text.
    parse: Callable[[Any], Any] | None = None
    width: int = _DEFAULT_WIDTH
    help_text: str = ""
    # Exports only, e.g. "0.00%"; None leaves openpyxl's default for the value's type.
    number_format: str | None = None


class ExcelFileError(Exception):
    """The file as a whole cannot be imported; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        # Messages may be lazy translations; resolve them now so they pickle and join as text.
        super().__init__(str(message))
        self.message = str(message)


@dataclass
class CellError:
    row: int
    column: str | None
    message: str


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    # Keys of the columns the header has (optional ones may be missing from it).
    found_columns: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(CellError(row=row, column=column, message=str(message)))


class FirstRows:
    """Which row of a file first had each key (an ID number, a code): a later row with it is a duplicate."""

    def __init__(self):
        self._first: dict[Any, int] = {}

    def earlier(self, key, row: int) -> int | None:
        """The earlier row that had `key`, or None when `row` is the first (and is remembered as such)."""
        first = self._first.setdefault(key, row)
        return None if first == row else first


@dataclass(frozen=True)
class Cell:
    """A value with its own number format or weight, for a column that mixes counts and rates."""

    value: Any
    number_format: str | None = None
    bold: bool = False


@dataclass
class Table:
    """A further table on a sheet, below what comes before it after a blank row."""

    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    heading: str = ""
    # A bold last row, e.g. 合计.
    totals: Sequence[Any] | None = None
    # Printed from the top of a new page.
    new_page: bool = False


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    heading: str = ""
    subheading: str = ""
    # A bold last row, e.g. 合计; it stays out of the filter so sorting leaves it last.
    totals: Sequence[Any] | None = None
    tables: Sequence[Table] = ()
    # A short sheet meant for paper: landscape A4 one page wide, title rows repeated on every page,
    # page numbers in the footer, every cell bordered and no filter buttons.
    report: bool = False


# --- cell parsers shared by the imports (Column.parse) ----------------------------------------

# How exports write a yes/no, so that parse_flag reads it back.
FLAG_TEXT = {True: "是", False: "否"}
_FLAG_VALUES = {"是": True, "否": False, "y": True, "n": False, "1": True, "0": False, "true": True, "false": False}


def parse_flag(value: Any) -> bool:
    """是/否 (also Y/N, 1/0, TRUE/FALSE, and Excel's own booleans)."""
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in ("1.0", "0.0"):
        key = key[0]
    if key not in _FLAG_VALUES:
        raise ValidationError(MSG_NOT_A_FLAG)
    return _FLAG_VALUES[key]


def parse_count(value: Any) -> int:
    """A whole number of at least 0; Excel hands numbers over as floats."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValidationError(MSG_NOT_A_COUNT) from None
    if number < 0 or number != int(number):
        raise ValidationError(MSG_NOT_A_COUNT)
    return int(number)


def parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if len(text) > max_length:
            raise ValidationError(MSG_TOO_LONG % {"max": max_length})
        return text

    return parse


def parse_digits(value: Any) -> str:
    """A code typed as a number (mobile, ID) arrives as a float: give back its digits."""
    return str(int(value)) if isinstance(value, float) else str(value).strip()


# --- import ---------------------------------------------------------------------------------


def check_xlsx_upload(
    upload: _Upload,
    *,
    max_bytes: int | None = None,
    max_uncompressed: int = ZIP_MAX_UNCOMPRESSED,
    max_members: int = ZIP_MAX_MEMBERS,
) -> None:
    """Refuse oversized, non-xlsx and zip-bomb uploads before openpyxl parses anything."""
    max_bytes = max_bytes or settings.EXCEL_UPLOAD_MAX_BYTES
    try:
        upload.seek(0, io.SEEK_END)
        if upload.tell() > max_bytes:
            raise ExcelFileError(MSG_TOO_LARGE.format(max_mb=f"{max_bytes / 2**20:g}"))
        try:
            members = inspect_zip(upload, max_uncompressed=max_uncompressed, max_members=max_members)
        except ZipBomb as exc:
            raise ExcelFileError(MSG_ZIP_BOMB) from exc
        except NotAZip as exc:
            raise ExcelFileError(MSG_NOT_XLSX) from exc
        if not any(m.filename == "xl/workbook.xml" for m in members):
            raise ExcelFileError(MSG_NOT_XLSX)
        # Only worksheets stream; every other part (shared strings, styles) is read whole, so each
        # stays within the default bound even when a caller allows a larger sheet.
        if any(m.file_size > ZIP_MAX_UNCOMPRESSED for m in members if not m.filename.startswith("xl/worksheets/")):
            raise ExcelFileError(MSG_ZIP_BOMB)
    finally:
        upload.seek(0)


def read_rows(
    upload: _Upload, columns: Sequence[Column], *, max_rows: int = 100_000
) -> ImportResult:
    """Parse the first sheet into one dict per non-empty data row, collecting cell errors."""
    result = ImportResult()
    result.rows.extend(iter_rows(upload, columns, result, max_rows=max_rows))
    return result


def iter_rows(
    upload: _Upload,
    columns: Sequence[Column],
    result: ImportResult,
    *,
    max_rows: int = 100_000,
    max_bytes: int | None = None,
    max_uncompressed: int = ZIP_MAX_UNCOMPRESSED,
) -> Iterator[dict[str, Any]]:
    """`read_rows` one row at a time, for imports too large to hold: each non-empty data row is
    yielded parsed (a cell that failed is missing from it) and its cell errors go to `result`.
    `result.rows` stays empty. Raises ExcelFileError as `read_rows` does, the empty-file error at the end."""
    count = 0
    with _first_sheet_rows(upload, max_bytes=max_bytes, max_uncompressed=max_uncompressed) as rows:
        header = next(rows, None)
        if header is None:
            raise ExcelFileError(MSG_EMPTY)
        positions = _match_headers(header, columns)
        result.found_columns = frozenset(positions)
        for row_number, values in enumerate(rows, start=2):
            cells = {c.key: _clean(_at(values, positions.get(c.key))) for c in columns}
            if all(v is None for v in cells.values()):
                continue
            if count == max_rows:
                raise ExcelFileError(MSG_TOO_MANY_ROWS.format(max_rows=max_rows))
            count += 1
            yield _parse_row(row_number, columns, cells, result)
    if not count:
        raise ExcelFileError(MSG_EMPTY)


def data_row_count(
    upload: _Upload, *, max_bytes: int | None = None, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED
) -> int:
    """About how many rows a workbook has below its header, without parsing it: the `<row>` elements
    of its largest worksheet, counted in the raw XML (blank rows included). For choosing how to
    process a file, now or in a background job; the import itself counts exactly. Opening a sheet
    with openpyxl costs a full parse when the sheet declares no size, as write-only exports do."""
    check_xlsx_upload(upload, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    try:
        with zipfile.ZipFile(upload) as archive:
            counts = [
                _count_rows(archive, member.filename)
                for member in archive.infolist()
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")
            ]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExcelFileError(MSG_NOT_XLSX) from exc
    finally:
        upload.seek(0)
    if not counts:
        raise ExcelFileError(MSG_NOT_XLSX)
    return max(max(counts) - 1, 0)


# A row element, with or without a namespace prefix (<row r="2">, <x:row>, <row/>).
_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ROW_TAG_MAX = 64


def _count_rows(archive: zipfile.ZipFile, name: str) -> int:
    count = 0
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            # A tag that straddles two chunks is counted once: in the window where it is complete.
            count += sum(1 for match in _ROW_TAG_RE.finditer(window) if match.end() > len(tail))
            tail = window[-_ROW_TAG_MAX:]
    return count


@contextmanager
def _first_sheet_rows(
    upload: _Upload, *, max_bytes: int | None = None, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED
) -> Iterator[Iterator[tuple[Any, ...]]]:
    check_xlsx_upload(upload, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors... on a bad file
        raise ExcelFileError(MSG_NOT_XLSX) from exc
    try:
        try:
            sheet = workbook.worksheets[0]
        except IndexError as exc:
            raise ExcelFileError(MSG_NOT_XLSX) from exc
        # Some writers declare a too-small dimension, which would cut rows short.
        sheet.reset_dimensions()
        rows = _bad_file_on_error(sheet.iter_rows(values_only=True))
        try:
            yield rows
        finally:
            rows.close()  # release the sheet's XML stream before the archive closes
    finally:
        workbook.close()


def _bad_file_on_error(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # Only the openpyxl parsing step is guarded: the consumer's own errors pass through untouched.
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # malformed sheet XML surfaces as assorted exception types
            raise ExcelFileError(MSG_NOT_XLSX) from exc
        yield row


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _match_headers(header: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    """Map each column key to its 0-based position in the header row."""
    found: dict[str, list[int]] = defaultdict(list)
    for index, value in enumerate(header):
        found[_header_text(value)].append(index)
    missing = [c.header for c in columns if c.required and not found.get(c.header)]
    if missing:
        raise ExcelFileError(MSG_MISSING_COLUMNS.format(columns="、".join(missing)))
    duplicated = [c.header for c in columns if len(found.get(c.header, ())) > 1]
    if duplicated:
        raise ExcelFileError(MSG_DUPLICATE_COLUMNS.format(columns="、".join(duplicated)))
    return {c.key: found[c.header][0] for c in columns if found.get(c.header)}


def _at(values: Sequence[Any], index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


def _clean(value: Any) -> Any:
    """Strip text, map blanks to None and undo the apostrophe `safe_cell` added on export."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    # Excel keeps a typed leading apostrophe out of the value, so one here came from our export.
    if text[:1] == "'" and text[1:2] and text[1] in _FORMULA_PREFIXES:
        text = text[1:].strip()
    return text or None


def _parse_row(
    row_number: int, columns: Sequence[Column], cells: dict[str, Any], result: ImportResult
) -> dict[str, Any]:
    parsed: dict[str, Any] = {"_row": row_number}
    for column in columns:
        value = cells[column.key]
        if value is None:
            if column.required:
                result.add_error(row_number, column.key, MSG_REQUIRED)
            else:
                parsed[column.key] = None
            continue
        if column.parse is None:
            parsed[column.key] = str(value).strip()
            continue
        try:
            parsed[column.key] = column.parse(value)
        except ValidationError as exc:
            result.add_error(row_number, column.key, "；".join(map(str, exc.messages)))
    return parsed


def error_workbook(
    upload: _Upload,
    columns: Sequence[Column],
    result: ImportResult,
    *,
    max_bytes: int | None = None,
    max_uncompressed: int = ZIP_MAX_UNCOMPRESSED,
) -> bytes:
    """The uploaded sheet again, bad cells marked, plus a last column listing each row's errors."""
    errors_by_row: dict[int, list[CellError]] = defaultdict(list)
    for error in result.errors:
        errors_by_row[error.row].append(error)
    by_header = {c.header: c for c in columns}
    header_of = {c.key: c.header for c in columns}

    with _new_workbook() as workbook, _first_sheet_rows(
        upload, max_bytes=max_bytes, max_uncompressed=max_uncompressed
    ) as rows:
        sheet = workbook.create_sheet(ERROR_SHEET_TITLE)
        header = [_header_text(value) for value in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        # Source positions to copy: a re-uploaded error workbook's own error column is dropped.
        kept = [i for i, text in enumerate(header) if text != ERROR_COLUMN_HEADER]
        texts = [header[i] for i in kept]
        key_index: dict[str, int] = {}  # column key -> position in the written row
        for out, text in enumerate(texts):
            if text in by_header:
                key_index.setdefault(by_header[text].key, out)

        for out, text in enumerate(texts, start=1):
            width = by_header[text].width if text in by_header else _DEFAULT_WIDTH
            sheet.column_dimensions[get_column_letter(out)].width = width
        sheet.column_dimensions[get_column_letter(len(kept) + 1)].width = _ERROR_COLUMN_WIDTH
        sheet.freeze_panes = "A2"
        header_cells = [
            _header_cell(sheet, text, required=text in by_header and by_header[text].required)
            for text in texts
        ]
        sheet.append([*header_cells, _header_cell(sheet, ERROR_COLUMN_HEADER)])

        blank_rows = 0
        for row_number, values in enumerate(rows, start=2):
            row_errors = errors_by_row.get(row_number, [])
            if not row_errors and all(_clean(v) is None for v in values):
                blank_rows += 1
                continue
            # Blank rows are written only between data, keeping sheet row numbers aligned.
            for _ in range(blank_rows):
                sheet.append([])
            blank_rows = 0
            cells: list[Any] = [_export_value(_at(values, i)) for i in kept]
            for key, messages in _messages_by_column(row_errors).items():
                if key in key_index:
                    cells[key_index[key]] = _error_cell(sheet, cells[key_index[key]], messages)
            summary = "；".join(
                f"{header_of.get(e.column, e.column)}：{e.message}" if e.column else e.message
                for e in row_errors
            )
            sheet.append(
                [*cells, _wrapped_cell(sheet, _export_value(summary)) if summary else None]
            )

        notes = workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE)
        notes.column_dimensions["A"].width = 120
        notes.append([MSG_ERROR_WORKBOOK_HINT.format(rows=len(errors_by_row))])
    return _save(workbook)


def _messages_by_column(errors: Iterable[CellError]) -> dict[str | None, list[str]]:
    grouped: dict[str | None, list[str]] = defaultdict(list)
    for error in errors:
        grouped[error.column].append(error.message)
    return grouped


def _error_cell(sheet: WriteOnlyWorksheet, value: Any, messages: list[str]) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.fill = _ERROR_FILL
    cell.comment = _comment("\n".join(messages))
    return cell


# --- export ---------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    with _new_workbook() as workbook:
        for spec in sheets:
            _write_sheet(workbook.create_sheet(_sheet_title(spec.title)), spec)
    return _save(workbook)


def template_workbook(
    columns: Sequence[Column], *, title: str, example_rows: Sequence[Sequence[Any]] = ()
) -> bytes:
    """The import template: row 1 is exactly the header `read_rows` matches."""
    instructions = Sheet(
        title=INSTRUCTIONS_SHEET_TITLE,
        columns=[
            Column("header", TEMPLATE_INSTRUCTION_HEADERS[0], width=24),
            Column("required", TEMPLATE_INSTRUCTION_HEADERS[1], width=10),
            Column("help_text", TEMPLATE_INSTRUCTION_HEADERS[2], width=80),
        ],
        rows=[
            (c.header, TEMPLATE_REQUIRED_YES if c.required else TEMPLATE_REQUIRED_NO, c.help_text)
            for c in columns
        ],
        heading=title,
        subheading=TEMPLATE_HINT,
    )
    with _new_workbook() as workbook:
        sheet = workbook.create_sheet(_sheet_title(title))
        _set_widths(sheet, [c.width for c in columns])
        sheet.freeze_panes = "A2"
        sheet.append(
            [
                _header_cell(sheet, c.header, required=c.required, comment=c.help_text)
                for c in columns
            ]
        )
        for example in example_rows:
            sheet.append([_styled_cell(sheet, value, font=_EXAMPLE_FONT) for value in example])
        _write_sheet(workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE), instructions)
    return _save(workbook)


def _write_sheet(sheet: WriteOnlyWorksheet, spec: Sheet) -> None:
    # Write-only sheets emit widths, panes and row heights with the first row: set them first.
    all_columns = [spec.columns, *(table.columns for table in spec.tables)]
    widths = _widths(all_columns)
    last_letter = get_column_letter(max(len(widths), 1))
    header_row = 1 + bool(spec.heading) + bool(spec.subheading)
    _set_widths(sheet, widths)
    sheet.freeze_panes = f"A{header_row + 1}"
    # Repeated on each printed page; the first table's header would mislabel the tables below it.
    first_title_row = 1 if spec.report else header_row
    last_title_row = header_row - 1 if spec.tables else header_row
    if first_title_row <= last_title_row:
        sheet.print_title_rows = f"{first_title_row}:{last_title_row}"
    if spec.report:
        _set_up_report_printing(sheet)
    if spec.heading:
        sheet.row_dimensions[1].height = 24
        sheet.append([_styled_cell(sheet, spec.heading, font=_TITLE_FONT)])
    if spec.subheading:
        subheading = _styled_cell(sheet, spec.subheading, font=_SUBTITLE_FONT)
        if spec.report:
            # A merged cell never spills over: wrap the line and make room for it.
            subheading.alignment = _WRAP_CENTER
            lines = math.ceil(_text_width(str(subheading.value)) / max(sum(widths), 1))
            sheet.row_dimensions[header_row - 1].height = 16 * min(max(lines, 1), 4) + 4
        sheet.append([subheading])
    if len(widths) > 1:
        for row in range(1, header_row):
            sheet.merged_cells.add(f"A{row}:{last_letter}{row}")

    data_rows = _write_table(sheet, spec.columns, spec.rows, spec.totals, border=spec.report)
    if not spec.report:
        filter_letter = get_column_letter(max(len(spec.columns), 1))
        sheet.auto_filter.ref = f"A{header_row}:{filter_letter}{header_row + data_rows}"
    last_row = header_row + data_rows + (spec.totals is not None)
    for table in spec.tables:
        sheet.append([])
        last_row += 1
        if table.new_page:
            sheet.row_breaks.append(Break(id=last_row))
        if table.heading:
            sheet.append([_styled_cell(sheet, table.heading, font=_TABLE_HEADING_FONT)])
            last_row += 1
        data_rows = _write_table(sheet, table.columns, table.rows, table.totals, border=spec.report)
        last_row += 1 + data_rows + (table.totals is not None)


def _write_table(
    sheet: WriteOnlyWorksheet,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None,
    *,
    border: bool,
) -> int:
    """A header, the rows and a bold totals row at the sheet's next row; returns the number of data rows."""
    sheet.append([_header_cell(sheet, c.header) for c in columns])
    count = 0
    for values in rows:
        sheet.append(
            [
                _data_cell(sheet, value, c.number_format, border=border)
                for c, value in zip(columns, values, strict=True)
            ]
        )
        count += 1
    if totals is not None:
        sheet.append(
            [
                _data_cell(sheet, value, c.number_format, bold=True, border=border)
                for c, value in zip(columns, totals, strict=True)
            ]
        )
    return count


def _set_up_report_printing(sheet: WriteOnlyWorksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = _A4
    # One page wide, as many pages tall as it takes.
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = REPORT_FOOTER


def _text_width(text: str) -> int:
    # In Excel's width units a Chinese character takes about two.
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _sheet_title(title: str) -> str:
    # Excel refuses these characters, more than 31 characters, and a leading or trailing apostrophe.
    cleaned = _INVALID_SHEET_TITLE_RE.sub("", title).strip(" '")[:_SHEET_TITLE_MAX].rstrip(" '")
    return cleaned or "Sheet"


def _widths(tables: Iterable[Sequence[Column]]) -> list[int]:
    """Each sheet column as wide as the widest of the tables' columns standing in it."""
    widths: list[int] = []
    for columns in tables:
        for index, column in enumerate(columns):
            if index == len(widths):
                widths.append(column.width)
            else:
                widths[index] = max(widths[index], column.width)
    return widths


def _set_widths(sheet: WriteOnlyWorksheet, widths: Iterable[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _header_cell(
    sheet: WriteOnlyWorksheet, text: str, *, required: bool = False, comment: str = ""
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, _export_value(text))
    cell.font = _REQUIRED_HEADER_FONT if required else _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.border = _HEADER_BORDER
    cell.alignment = _HEADER_ALIGNMENT
    if comment:
        cell.comment = _comment(comment)
    return cell


def _styled_cell(sheet: WriteOnlyWorksheet, value: Any, *, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, _export_value(value))
    cell.font = font
    return cell


def _wrapped_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.alignment = _WRAP
    return cell


def _data_cell(
    sheet: WriteOnlyWorksheet,
    value: Any,
    number_format: str | None,
    *,
    bold: bool = False,
    border: bool = False,
) -> Any:
    if isinstance(value, Cell):
        number_format = value.number_format or number_format
        bold = bold or value.bold
        value = value.value
    value = _export_value(value)
    if not (bold or border) and (number_format is None or value is None):
        return value  # a plain value streams faster than a styled cell
    cell = WriteOnlyCell(sheet, value)
    if number_format is not None and value is not None:
        cell.number_format = number_format
    if bold:
        cell.font = _HEADER_FONT
    if border:
        cell.border = _HEADER_BORDER
    return cell


def _export_value(value: Any) -> Any:
    """Turn a Python value into one openpyxl can write, then neutralise it."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Excel has no time zones: show the portal's local time.
        value = timezone.localtime(value).replace(tzinfo=None)
    elif not isinstance(value, _NATIVE_TYPES):
        value = str(value)  # lazy translations, UUIDs, enums
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot hold.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def _comment(text: str) -> Comment:
    text = str(text)  # help texts may be lazy translations
    # Grow the box with the text: about 20 Chinese characters fit a 240pt line.
    lines = sum(len(line) // 20 + 1 for line in text.splitlines()) or 1
    return Comment(text, _COMMENT_AUTHOR, height=min(20 * lines + 20, 300), width=240)


@contextmanager
def _new_workbook() -> Iterator[openpyxl.Workbook]:
    workbook = openpyxl.Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        _discard(workbook)
        raise


def _discard(workbook: openpyxl.Workbook) -> None:
    # Write-only sheets stream to temporary files that openpyxl removes only on save or at exit;
    # it has no public call to drop a half-written workbook (a failed streamed export).
    for sheet in workbook.worksheets:
        if sheet._writer is None:
            continue
        if sheet._rows is not None:
            sheet._rows.close()
        sheet._writer.close()
        sheet._writer.cleanup()


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
