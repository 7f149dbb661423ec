"""Excel import and export: the one place the project touches openpyxl.

Imports read header-mapped rows from the first sheet and collect row-level errors, so a caller
can refuse the whole file and hand back an annotated copy built from the same read. What reading
a file may cost is bounded (`Limits`, each bound a setting): its size, what each part unpacks to
and at what ratio, and the rows, cells and shared strings counted in the raw XML are checked
before openpyxl opens it; rows and columns again while it reads. A cell parser (`Column.parse`)
answers ValidationError for a bad value, and any other exception it raises still becomes that
cell's error, never a crash. Exports stream through openpyxl's write-only mode so memory stays
flat, and every exported value passes through `safe_cell`.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import io
import logging
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.pagebreak import Break

from core.downloads import download_stash
from core.uploads import ZIP_MAX_MEMBERS, NotAZip, ZipBomb, inspect_zip
from core.validators import validate_mobile

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

logger = logging.getLogger(__name__)

MSG_TOO_LARGE = _("文件过大：Excel 文件不能超过 {max_mb} MB，请删除多余内容或分批上传。")
MSG_NOT_XLSX = _("文件不是有效的 Excel 工作簿（.xlsx），请下载导入模板填写后上传。")
MSG_ZIP_BOMB = _("文件解压后内容过大或结构异常，已拒绝处理，请检查文件后重新上传。")
MSG_TOO_MANY_STRINGS = _("文件中的文字条目超过 {max} 条，已拒绝处理：请只保留要导入的数据，或分批导入。")
MSG_TOO_MANY_CELLS = _("文件中的单元格超过 {max} 个，已拒绝处理：请删除多余的行、列和工作表，或分批导入。")
MSG_TOO_MANY_COLUMNS = _("表格超过 {max} 列，请使用导入模板，删除多余的列后重新上传。")
MSG_UNREADABLE_CELL = _("第 {row} 行 {column} 列的单元格“{value}”无法读取，请改为普通的数字、日期或文字后重新上传。")
MSG_FORMULAS = _("文件中含有公式，请把公式转换为数值（复制后“选择性粘贴”为“值”）后重新上传。")
MSG_CELLS_INVALID = _("文件中有 {count} 处错误，例如：{examples}")
MSG_MISSING_COLUMNS = _("缺少必填列：{columns}。请使用导入模板，不要修改表头。")
MSG_DUPLICATE_COLUMNS = _("表头重复：{columns}。每一列只能出现一次。")
MSG_TOO_MANY_ROWS = _("数据超过 {max_rows} 行，请分批导入。")
MSG_EMPTY = _("文件中没有数据，请在表头下方填写数据后上传。")
MSG_REQUIRED = _("此项为必填项，不能为空。")
MSG_CELL_INVALID = _("无法识别这个值，请按导入模板的填写说明填写。")
MSG_CONTROL_CHARACTERS = _("含有无法保存的不可见字符，请删除后重新填写。")
MSG_NOT_A_COUNT = _("请填写不小于0的整数。")
MSG_COUNT_TOO_LARGE = _("数值过大，不能超过 %(max)d。")
MSG_NOT_A_FLAG = _("请填写“是”或“否”。")
MSG_TOO_LONG = _("不能超过%(max)d个字。")
MSG_DATE_INVALID = _("日期格式应为 2020-02-20。")
MSG_DATE_OUT_OF_RANGE = _("日期应在 %(min)s 至 %(max)s 之间。")
MSG_DATETIME_INVALID = _("时间格式应为 2020-02-20 08:30。")
MSG_ID_NUMBER_AS_NUMBER = _("身份证号被 Excel 当成了数字, 后几位已经丢失: 请把本列设为“文本”格式后重新填写。")
# How a cell's error reads on the import page (the annotated workbook marks the cell itself).
CELL_ERROR_TEXT = "第 {row} 行“{header}”列：{message}"
CELL_ERROR_WITH_VALUE_TEXT = "第 {row} 行“{header}”列填写的“{value}”：{message}"
ROW_ERROR_TEXT = "第 {row} 行：{message}"

ERROR_COLUMN_HEADER = "错误说明"
ERROR_SHEET_TITLE = "数据"
INSTRUCTIONS_SHEET_TITLE = "说明"
MSG_ERROR_WORKBOOK_HINT = (
    "共有 {rows} 行数据需要修改：红色单元格有错误，鼠标停在单元格上可查看批注，"
    "每行的全部错误列在最后一列“错误说明”。请修改后重新上传整个文件，“错误说明”列无需删除。"
)
TEMPLATE_HINT = "请在第一张工作表中填写数据，不要修改表头；红色表头为必填列，灰色斜体行为示例，导入前请删除。"
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
    header: str | Promise
    required: bool = True
    # Raises ValidationError on bad input; None keeps the stripped text.
    parse: Callable[[Any], Any] | None = None
    width: int = _DEFAULT_WIDTH
    help_text: str | Promise = ""
    # Exports only, e.g. "0.00%"; None leaves openpyxl's default for the value's type.
    number_format: str | None = None


class ExcelFileError(Exception):
    """The file as a whole cannot be imported; `message` is shown to the user."""

    def __init__(self, message: str | Promise) -> None:
        # Messages may be lazy translations; resolve them now so they pickle and join as text.
        super().__init__(str(message))
        self.message = str(message)


@dataclass(slots=True)
class CellError:
    row: int
    column: str | None
    message: str
    # For the import page: the column's header and the value as it was typed (cut short), when known.
    header: str = field(default="", compare=False)
    value: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The error as the import page lists it: row, column, the value typed and what is wrong."""
        if not self.header:
            return ROW_ERROR_TEXT.format(row=self.row, message=self.message)
        if self.value:
            return CELL_ERROR_WITH_VALUE_TEXT.format(
                row=self.row, header=self.header, value=self.value, message=self.message
            )
        return CELL_ERROR_TEXT.format(row=self.row, header=self.header, message=self.message)


_UNKNOWN = object()


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    # Keys of the columns the header has (optional ones may be missing from it).
    found_columns: frozenset[str] = frozenset()
    # Each column's header text and its position in the sheet, once the header has been read.
    headers: dict[str, str] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    # The sheet as read: its header, then each row (None for a blank one), cut to the header's width.
    # Kept when the caller may hand back the annotated copy, which is then written without reading the
    # file again (`error_workbook`).
    source: list[tuple[Any, ...] | None] | None = None
    _texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _lazy: dict[int, tuple[Any, str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, column: str | None, message: str | Promise, *, value: Any = _UNKNOWN) -> None:
        """Record an error; the value typed in the cell is looked up in the kept sheet unless given."""
        if value is _UNKNOWN:
            value = self._typed_at(row, column)
        text = self._text(message)
        header = self.headers.get(column, "") if column else ""
        self.errors.append(
            CellError(
                row=row, column=column, message=text, header=header, value=None if value is None else typed_text(value)
            )
        )

    def _text(self, message: Any) -> str:
        # Most messages are the same translated constant row after row: it is translated once, and one copy
        # of each text is kept, so that a file full of errors stays small in memory.
        if not isinstance(message, str):
            known = self._lazy.get(id(message))
            if known is None:
                known = self._lazy[id(message)] = (message, str(message))  # holding the object keeps its id
            message = known[1]
        return self._texts.setdefault(message, message)

    def _typed_at(self, row: int, column: str | None) -> Any:
        if self.source is None or column not in self.positions or not 0 < row <= len(self.source):
            return None
        return _at(self.source[row - 1] or (), self.positions[column])


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


# --- what reading an upload may cost ------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Bounds on one uploaded workbook. `Limits.default()` reads the EXCEL_* settings; an import with
    larger files (the roster, in a background job) raises some of them."""

    max_bytes: int  # the file as uploaded
    max_uncompressed: int  # all its parts unpacked
    max_part_bytes: int  # any part openpyxl reads whole: styles, workbook, relationships, theme...
    max_sheet_bytes: int  # a worksheet, which streams
    max_strings_bytes: int  # the shared strings, which openpyxl holds in memory while it reads
    max_ratio: int  # unpacked to packed size of a part of at least RATIO_MIN_PART_BYTES
    max_shared_strings: int
    max_rows: int  # rows below the header, blank ones included
    max_columns: int
    max_cells: int  # of all sheets, empty cells included

    @classmethod
    def default(cls, **changes: int) -> Limits:
        return cls(
            max_bytes=settings.EXCEL_UPLOAD_MAX_BYTES,
            max_uncompressed=settings.EXCEL_MAX_UNCOMPRESSED,
            max_part_bytes=settings.EXCEL_MAX_PART_BYTES,
            max_sheet_bytes=settings.EXCEL_MAX_SHEET_BYTES,
            max_strings_bytes=settings.EXCEL_MAX_STRINGS_BYTES,
            max_ratio=settings.EXCEL_MAX_COMPRESSION_RATIO,
            max_shared_strings=settings.EXCEL_MAX_SHARED_STRINGS,
            max_rows=settings.EXCEL_MAX_ROWS,
            max_columns=settings.EXCEL_MAX_COLUMNS,
            max_cells=settings.EXCEL_MAX_CELLS,
        ).but(**changes)

    def but(self, **changes: int | None) -> Limits:
        """These limits with some changed; a None leaves that one as it is."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})


# Below this a part may compress as well as it likes: the ratio of a small part says nothing.
RATIO_MIN_PART_BYTES = 1024 * 1024


@dataclass(frozen=True)
class WorkbookShape:
    """What an upload holds, counted in its raw XML without parsing it."""

    rows: int  # of its largest sheet, header and blank rows included
    cells: int
    shared_strings: int
    formulas: int = 0

    @property
    def data_rows(self) -> int:
        return max(self.rows - 1, 0)


def inspect_workbook(upload: _Upload, limits: Limits | None = None) -> WorkbookShape:
    """Refuse, before openpyxl parses anything, an upload that is too large, not an xlsx, a zip
    bomb, or that holds more rows, cells or shared strings than `limits` allow. Leaves the file at 0."""
    limits = limits or Limits.default()
    try:
        upload.seek(0, io.SEEK_END)
        if upload.tell() > limits.max_bytes:
            raise ExcelFileError(MSG_TOO_LARGE.format(max_mb=f"{limits.max_bytes / 2**20:g}"))
        try:
            members = inspect_zip(upload, max_uncompressed=limits.max_uncompressed, max_members=ZIP_MAX_MEMBERS)
        except ZipBomb as exc:
            raise ExcelFileError(MSG_ZIP_BOMB) from exc
        except NotAZip as exc:
            raise ExcelFileError(MSG_NOT_XLSX) from exc
        if not any(m.filename == "xl/workbook.xml" for m in members):
            raise ExcelFileError(MSG_NOT_XLSX)
        for member in members:
            if member.file_size > _part_limit(member.filename, limits) or (
                member.file_size >= RATIO_MIN_PART_BYTES
                and member.file_size > limits.max_ratio * max(member.compress_size, 1)
            ):
                raise ExcelFileError(MSG_ZIP_BOMB)
        shape = _count_elements(upload, members)
    finally:
        upload.seek(0)
    if shape.shared_strings > limits.max_shared_strings:
        raise ExcelFileError(MSG_TOO_MANY_STRINGS.format(max=limits.max_shared_strings))
    if shape.cells > limits.max_cells:
        raise ExcelFileError(MSG_TOO_MANY_CELLS.format(max=limits.max_cells))
    if shape.data_rows > limits.max_rows:
        raise ExcelFileError(MSG_TOO_MANY_ROWS.format(max_rows=limits.max_rows))
    return shape


def check_xlsx_upload(upload: _Upload, *, max_bytes: int | None = None, limits: Limits | None = None) -> None:
    """Refuse oversized, non-xlsx, zip-bomb and too costly uploads before openpyxl parses anything."""
    inspect_workbook(upload, (limits or Limits.default()).but(max_bytes=max_bytes))


def upload_fits(upload: _Upload, limits: Limits) -> bool:
    """Whether `inspect_workbook` would let the upload through under `limits`."""
    try:
        inspect_workbook(upload, limits)
    except ExcelFileError:
        return False
    return True


def data_row_count(upload: _Upload, limits: Limits | None = None) -> int:
    """About how many rows a workbook has below its header, without parsing it: the `<row>` elements
    of its largest sheet, counted in the raw XML (blank rows included). For choosing how to process a
    file, now or in a background job; the import itself counts exactly. Opening a sheet with openpyxl
    costs a full parse when the sheet declares no size, as write-only exports do."""
    return inspect_workbook(upload, limits).data_rows


def _part_limit(name: str, limits: Limits) -> int:
    if name.startswith("xl/worksheets/"):
        return limits.max_sheet_bytes
    if name == "xl/sharedStrings.xml":
        return limits.max_strings_bytes
    return limits.max_part_bytes


# A row, cell, shared-string or formula element, with or without a namespace prefix (<row r="2">, <x:c>,
# <si/>, <f>).
_ELEMENT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?(row|c|si|f)[\s/>]")
_ELEMENT_MAX = 64


def _count_elements(upload: _Upload, members: list[zipfile.ZipInfo]) -> WorkbookShape:
    """Rows, cells and shared strings in every part: openpyxl finds a sheet or the string table by the
    relationships, under any name, so no part is trusted to be what its name says."""
    largest_rows = cells = strings = formulas = 0
    try:
        with zipfile.ZipFile(upload) as archive:
            for member in members:
                if member.is_dir() or not member.file_size:
                    continue
                counts = {b"row": 0, b"c": 0, b"si": 0, b"f": 0}
                tail = b""
                with archive.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        window = tail + chunk
                        # An element that straddles two chunks is counted once: in the window where it is
                        # whole. Elements hold one "<" each, so those wholly inside the tail match alike in
                        # both windows and are taken off.
                        found, seen = _ELEMENT_RE.findall(window), _ELEMENT_RE.findall(tail)
                        for name in counts:
                            counts[name] += found.count(name) - seen.count(name)
                        tail = window[-_ELEMENT_MAX:]
                largest_rows = max(largest_rows, counts[b"row"])
                cells += counts[b"c"]
                strings += counts[b"si"]
                formulas += counts[b"f"]
    # zipfile raises NotImplementedError for a compression method it does not know: a hostile file, not our bug.
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
        raise ExcelFileError(MSG_NOT_XLSX) from exc
    return WorkbookShape(rows=largest_rows, cells=cells, shared_strings=strings, formulas=formulas)


# --- cell parsers shared by the imports (Column.parse) ----------------------------------------
# Each takes whatever a cell holds (text, a number, a date, a boolean) and returns a value or raises
# ValidationError; tests/core/test_cell_parsers.py holds them to that for any input.

# How exports write a yes/no, so that parse_flag reads it back.
FLAG_TEXT = {True: "是", False: "否"}
_FLAG_VALUES = {"是": True, "否": False, "y": True, "n": False, "1": True, "0": False, "true": True, "false": False}
# The database's integer columns hold no more.
COUNT_MAX = 2_147_483_647
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)
_DATE_SEPARATORS = re.compile(r"[/.年月]")
_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{1,2})(?::\d{1,2}(?:\.\d*)?)?")


def plain_text(value: Any) -> str:
    """A cell as text, full-width letters and digits (１２３, ＡＢ) folded to ASCII, stripped."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_flag(value: Any) -> bool:
    """是/否 (also Y/N, 1/0, TRUE/FALSE, and Excel's own booleans)."""
    if isinstance(value, bool):
        return value
    key = plain_text(value).lower()
    if key in ("1.0", "0.0"):
        key = key[0]
    if key not in _FLAG_VALUES:
        raise ValidationError(MSG_NOT_A_FLAG)
    return _FLAG_VALUES[key]


def parse_count(value: Any) -> int:
    """A whole number from 0 to COUNT_MAX; Excel hands numbers over as floats, `inf` and `nan` included."""
    if isinstance(value, bool):
        raise ValidationError(MSG_NOT_A_COUNT)
    try:
        number = decimal.Decimal(plain_text(value))
    except decimal.InvalidOperation:
        raise ValidationError(MSG_NOT_A_COUNT) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(MSG_NOT_A_COUNT)
    if number > COUNT_MAX:
        raise ValidationError(MSG_COUNT_TOO_LARGE % {"max": COUNT_MAX})
    if number != number.to_integral_value():
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
    """A code typed as a number (mobile, ID) arrives as a number: give back its digits."""
    number = whole_number(value)
    return plain_text(value if number is None else number)


def whole_number(value: Any) -> int | None:
    """A number cell's value as an int; None for text, booleans, fractions, `inf` and `nan`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def parse_mobile(value: Any) -> str:
    """A mainland mobile number, typed as text or as a number."""
    mobile = parse_digits(value)
    validate_mobile(mobile)
    return mobile


def parse_date(value: Any) -> datetime.date:
    """A date cell, or text such as 2020-02-20, 2020/2/20, 2020.2.20 or 2020年2月20日."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        match = _DATE_RE.fullmatch(_DATE_SEPARATORS.sub("-", plain_text(value)).removesuffix("日"))
        if match is None:
            raise ValidationError(MSG_DATE_INVALID)
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ValidationError(MSG_DATE_INVALID) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(MSG_DATE_OUT_OF_RANGE % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
    return day


def parse_datetime(value: Any) -> datetime.datetime:
    """A moment to the minute, in Kunshan time: a date-time cell, or text such as 2020-02-20 08:30."""
    if isinstance(value, datetime.datetime):
        moment = value.replace(second=0, microsecond=0)
        parse_date(moment)  # the same range of days
    else:
        text = _DATE_SEPARATORS.sub("-", plain_text(value)).replace("日", " ").replace("T", " ")
        day_text, _sep, time_text = " ".join(text.split()).partition(" ")
        match = _TIME_RE.fullmatch(time_text)
        try:
            day = parse_date(day_text)
        except ValidationError:
            raise ValidationError(MSG_DATETIME_INVALID) from None
        if match is None:
            raise ValidationError(MSG_DATETIME_INVALID)
        try:
            moment = datetime.datetime.combine(day, datetime.time(int(match[1]), int(match[2])))
        except ValueError:
            raise ValidationError(MSG_DATETIME_INVALID) from None
    if timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)  # Excel has no time zones: a time in a sheet is Kunshan time


# Characters no database column should hold: C0 controls other than tab and line breaks (what XML 1.0
# refuses), and lone surrogates (not text at all), as a crafted sheet writes them with _x0000_ escapes.
_UNSAVABLE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel's own limit for one cell.
CELL_MAX_CHARS = 32_767
_TYPED_MAX = 30
# What a parser may raise on a value it was not written for, besides ValidationError.
_CELL_FAULTS = (ValueError, ArithmeticError, TypeError, LookupError, AttributeError)


def typed_text(value: Any) -> str:
    """A cell's value as the user typed it, short enough to quote in a message."""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime.datetime):
        text = value.isoformat(sep=" ", timespec="minutes")
    else:
        text = str(value)
    text = _UNSAVABLE_RE.sub("\ufffd", text)
    return text if len(text) <= _TYPED_MAX else text[:_TYPED_MAX] + "…"


# --- import ---------------------------------------------------------------------------------


def read_rows(
    upload: _Upload, columns: Sequence[Column], *, max_rows: int | None = None, limits: Limits | None = None
) -> ImportResult:
    """Parse the first sheet into one dict per non-empty data row, collecting cell errors. The sheet is
    kept in the result, so that `error_workbook` annotates it without reading the file again."""
    result = ImportResult()
    result.rows.extend(iter_rows(upload, columns, result, max_rows=max_rows, limits=limits, keep_source=True))
    return result


def iter_rows(
    upload: _Upload,
    columns: Sequence[Column],
    result: ImportResult,
    *,
    max_rows: int | None = None,
    limits: Limits | None = None,
    keep_source: bool = False,
) -> Iterator[dict[str, Any]]:
    """`read_rows` one row at a time, for imports too large to hold: each non-empty data row is
    yielded parsed (a cell that failed is missing from it) and its cell errors go to `result`.
    `result.rows` stays empty, and so does `result.source` unless `keep_source`. Raises ExcelFileError
    as `read_rows` does, the empty-file error at the end."""
    limits = (limits or Limits.default()).but(max_rows=max_rows)
    count = 0
    with _first_sheet_rows(upload, limits) as rows:
        header = next(rows, None)
        if header is None:
            raise ExcelFileError(MSG_EMPTY)
        header = _trimmed(header)
        positions = _match_headers(header, columns)
        result.found_columns = frozenset(positions)
        result.headers = {c.key: str(c.header) for c in columns}
        result.positions = positions
        source: list[tuple[Any, ...] | None] | None = None
        if keep_source:
            source = result.source = [header]
        for row_number, values in enumerate(rows, start=2):
            cells = {c.key: _clean(_at(values, positions.get(c.key))) for c in columns}
            blank = all(v is None for v in cells.values())
            if source is not None:
                source.append(None if blank and all(_clean(v) is None for v in values) else values[: len(header)])
            if blank:
                continue
            if count == limits.max_rows:
                raise ExcelFileError(MSG_TOO_MANY_ROWS.format(max_rows=limits.max_rows))
            count += 1
            yield _parse_row(row_number, columns, cells, result)
    if not count:
        raise ExcelFileError(MSG_EMPTY)


def check_sheet(upload: _Upload, columns: Sequence[Column], *, limits: Limits | None = None) -> int:
    """Read the first sheet as an import would, under the same limits and checks, keeping nothing: the
    number of data rows. For a file kept as it is and opened by others in Excel (a filing's roster):
    raises ExcelFileError when it could not be imported (unreadable, too costly, a column missing or
    repeated, no data, a cell its column's parser refuses) or when it holds formulas."""
    if inspect_workbook(upload, limits).formulas:
        raise ExcelFileError(MSG_FORMULAS)
    result = ImportResult()
    rows = sum(1 for _row in iter_rows(upload, columns, result, limits=limits))
    if not result.ok:
        examples = "；".join(error.text for error in result.errors[:3])
        raise ExcelFileError(MSG_CELLS_INVALID.format(count=len(result.errors), examples=examples))
    return rows


@contextmanager
def _first_sheet_rows(upload: _Upload, limits: Limits) -> Iterator[Iterator[tuple[Any, ...]]]:
    inspect_workbook(upload, limits)
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors... on a bad file
        raise ExcelFileError(MSG_NOT_XLSX) from exc
    try:
        try:
            sheet = workbook.worksheets[0]
        except IndexError as exc:
            raise ExcelFileError(MSG_NOT_XLSX) from exc
        # A declared dimension may be too small (cutting rows short) or absurdly large; none is trusted.
        # Rows are read one column wider than allowed, to see a value beyond the limit, and no wider,
        # whatever column a cell claims to stand in.
        sheet.reset_dimensions()
        rows = _checked_rows(sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True), limits)
        try:
            yield rows
        finally:
            rows.close()  # release the sheet's XML stream before the archive closes
    finally:
        workbook.close()


def _checked_rows(rows: Iterator[tuple[Any, ...]], limits: Limits) -> Generator[tuple[Any, ...], None, None]:
    # Only the openpyxl parsing step is guarded: the consumer's own errors pass through untouched.
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # malformed sheet XML or a cell openpyxl cannot convert
            raise ExcelFileError(_unreadable_message(exc)) from exc
        if row[limits.max_columns] is not None:
            raise ExcelFileError(MSG_TOO_MANY_COLUMNS.format(max=limits.max_columns))
        yield row


def _unreadable_message(exc: BaseException) -> str:
    """Name the cell openpyxl failed on (a number such as `nan`, an ISO date in year 99999), when the
    failure happened while it converted one cell; otherwise the file as a whole is not an xlsx."""
    traceback = exc.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        parser, element = frame.f_locals.get("self"), frame.f_locals.get("element")
        if frame.f_code.co_name == "parse_cell" and isinstance(parser, WorkSheetParser) and element is not None:
            raw = element.findtext("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}v") or ""
            return MSG_UNREADABLE_CELL.format(
                row=parser.row_counter,
                column=get_column_letter(min(max(parser.col_counter, 1), 18278)),
                value=typed_text(raw),
            )
        traceback = traceback.tb_next
    return str(MSG_NOT_XLSX)


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _trimmed(header: Sequence[Any]) -> tuple[Any, ...]:
    """The header row without the empty cells after its last title."""
    width = len(header)
    while width and not _header_text(header[width - 1]):
        width -= 1
    return tuple(header[:width])


def _match_headers(header: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    """Map each column key to its 0-based position in the header row."""
    found: dict[str, list[int]] = defaultdict(list)
    for index, value in enumerate(header):
        found[_header_text(value)].append(index)
    # Headers may be lazy translations: they are joined into the message as text.
    missing = [str(c.header) for c in columns if c.required and not found.get(str(c.header))]
    if missing:
        raise ExcelFileError(MSG_MISSING_COLUMNS.format(columns="、".join(missing)))
    duplicated = [str(c.header) for c in columns if len(found.get(str(c.header), ())) > 1]
    if duplicated:
        raise ExcelFileError(MSG_DUPLICATE_COLUMNS.format(columns="、".join(duplicated)))
    return {c.key: found[str(c.header)][0] for c in columns if found.get(str(c.header))}


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
                result.add_error(row_number, column.key, MSG_REQUIRED, value=None)
            else:
                parsed[column.key] = None
            continue
        try:
            parsed[column.key] = _parse_cell(column, value)
        except ValidationError as exc:
            result.add_error(row_number, column.key, "；".join(map(str, exc.messages)), value=value)
        except _CELL_FAULTS:
            # A parser met a value it was not written for: still this cell's error, never the request's.
            logger.warning("cell parser of column %s failed on row %s", column.key, row_number, exc_info=True)
            result.add_error(row_number, column.key, MSG_CELL_INVALID, value=value)
    return parsed


def _parse_cell(column: Column, value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > CELL_MAX_CHARS:
            raise ValidationError(MSG_TOO_LONG % {"max": CELL_MAX_CHARS})
        if _UNSAVABLE_RE.search(value):
            raise ValidationError(MSG_CONTROL_CHARACTERS)
    if column.parse is None:
        return str(value).strip()
    return column.parse(value)


def error_workbook(
    upload: _Upload, columns: Sequence[Column], result: ImportResult, *, limits: Limits | None = None
) -> bytes:
    """The uploaded sheet again, bad cells marked, plus a last column listing each row's errors. Written
    from `result.source` when the import kept it; otherwise the file is read again under `limits`."""
    if result.source is not None:
        return _annotated(iter(result.source), columns, result)
    with _first_sheet_rows(upload, limits or Limits.default()) as rows:
        return _annotated(rows, columns, result)


def import_error_context(*, user, upload, columns, result, filename: str | Promise) -> dict:
    """A refused import: its annotated workbook stashed for the uploader, and the first errors to list."""
    token = download_stash(user=user, content=error_workbook(upload, columns, result), filename=filename)
    return {"errors": result.errors[:200], "error_count": len(result.errors), "error_token": token}


# Comments are held in memory until the workbook is saved; past this many only the fill and the error
# column mark a cell.
ERROR_WORKBOOK_MAX_COMMENTS = 1000


def _annotated(rows: Iterator[tuple[Any, ...] | None], columns: Sequence[Column], result: ImportResult) -> bytes:
    errors_by_row: dict[int, list[CellError]] = defaultdict(list)
    for error in result.errors:
        errors_by_row[error.row].append(error)
    by_header = {str(c.header): c for c in columns}
    header_of = {c.key: str(c.header) for c in columns}
    comments = 0
    styled: list[WriteOnlyCell] = []

    with _new_workbook() as workbook:
        sheet = workbook.create_sheet(ERROR_SHEET_TITLE)
        first = next(rows, None)
        header = [_header_text(value) for value in _trimmed(first or ())]
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
            _header_cell(sheet, text, required=text in by_header and by_header[text].required) for text in texts
        ]
        sheet.append([*header_cells, _header_cell(sheet, ERROR_COLUMN_HEADER)])

        blank_rows = 0
        for row_number, values in enumerate(rows, start=2):
            row_errors = errors_by_row.get(row_number, [])
            if not row_errors and (values is None or all(_clean(v) is None for v in values)):
                blank_rows += 1
                continue
            # Blank rows are written only between data, keeping sheet row numbers aligned.
            for _ in range(blank_rows):
                sheet.append([])
            blank_rows = 0
            cells: list[Any] = [_export_value(_at(values or (), i)) for i in kept]
            for key, messages in _messages_by_column(row_errors).items():
                if key in key_index:
                    with_comment = comments < ERROR_WORKBOOK_MAX_COMMENTS
                    comments += with_comment
                    cells[key_index[key]] = _error_cell(
                        sheet, cells[key_index[key]], messages, with_comment=with_comment, styled=styled
                    )
            summary = "；".join(
                f"{header_of.get(e.column, e.column)}：{e.message}" if e.column else e.message for e in row_errors
            )
            sheet.append([*cells, _wrapped_cell(sheet, _export_value(summary)) if summary else None])

        notes = workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE)
        notes.column_dimensions["A"].width = 120
        notes.append([MSG_ERROR_WORKBOOK_HINT.format(rows=len(errors_by_row))])
    return _save(workbook)


def _messages_by_column(errors: Iterable[CellError]) -> dict[str | None, list[str]]:
    grouped: dict[str | None, list[str]] = defaultdict(list)
    for error in errors:
        grouped[error.column].append(error.message)
    return grouped


def _error_cell(
    sheet: WriteOnlyWorksheet, value: Any, messages: list[str], *, with_comment: bool, styled: list
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    # Assigning the fill looks it up in the workbook's style tables, hashing it, each time: on a file full of
    # errors that was most of the cost. The first error cell's style ids are copied to the next ones.
    if styled:
        cell._style = copy.copy(styled[0]._style)
    else:
        cell.fill = _ERROR_FILL
        styled.append(cell)
    if with_comment:
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


def template_workbook(columns: Sequence[Column], *, title: str, example_rows: Sequence[Sequence[Any]] = ()) -> bytes:
    """The import template: row 1 is exactly the header `read_rows` matches."""
    instructions = Sheet(
        title=INSTRUCTIONS_SHEET_TITLE,
        columns=[
            Column("header", TEMPLATE_INSTRUCTION_HEADERS[0], width=24),
            Column("required", TEMPLATE_INSTRUCTION_HEADERS[1], width=10),
            Column("help_text", TEMPLATE_INSTRUCTION_HEADERS[2], width=80),
        ],
        rows=[(c.header, TEMPLATE_REQUIRED_YES if c.required else TEMPLATE_REQUIRED_NO, c.help_text) for c in columns],
        heading=title,
        subheading=TEMPLATE_HINT,
    )
    with _new_workbook() as workbook:
        sheet = workbook.create_sheet(_sheet_title(title))
        _set_widths(sheet, [c.width for c in columns])
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, c.header, required=c.required, comment=c.help_text) for c in columns])
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
            [_data_cell(sheet, value, c.number_format, border=border) for c, value in zip(columns, values, strict=True)]
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
    sheet: WriteOnlyWorksheet, text: str | Promise, *, required: bool = False, comment: str | Promise = ""
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


def _comment(text: str | Promise) -> Comment:
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
