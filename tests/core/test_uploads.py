"""Uploads are judged by their bytes, stored under random names and served so nothing in them runs."""

import datetime
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
import time_machine
from csp.middleware import CSPMiddleware
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from core.downloads import XLSX_CONTENT_TYPE, content_disposition, xlsx_response
from core.uploads import (
    CONTENT_TYPES,
    MSG_CORRUPT,
    MSG_EMPTY,
    MSG_NOT_ALLOWED,
    MSG_TOO_LARGE,
    MSG_ZIP_BOMB,
    NotAZip,
    UploadKind,
    ZipBomb,
    detect_kind,
    file_response,
    inspect_zip,
    upload_path,
    validate_upload,
)

ALL_KINDS = list(UploadKind)
ALL_LABELS = "PDF、JPEG 图片、PNG 图片、Excel 工作簿、Word 文档"


# --- minimal real files ---------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def jpeg_bytes() -> bytes:
    # SOI, a JFIF APP0 segment, EOI.
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png_bytes() -> bytes:
    """A valid 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "岗位"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES_XML = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOCX_MEMBERS = {
    "[Content_Types].xml": CONTENT_TYPES_XML,
    "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
    "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="w"><w:body/></w:document>',
}


def docx_bytes() -> bytes:
    return zip_bytes(DOCX_MEMBERS)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's Content-Type is the user's claim too: tests set it to whatever the name says.
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(file: Any, **kwargs: Any) -> str:
    kwargs.setdefault("allowed", ALL_KINDS)
    with pytest.raises(ValidationError) as caught:
        validate_upload(file, **kwargs)
    assert len(caught.value.messages) == 1
    return caught.value.messages[0]


@contextmanager
def members_never_read() -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a zip member was read from a file that should have been refused")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "open", refuse)
        patch.setattr(zipfile.ZipFile, "read", refuse)
        patch.setattr(openpyxl, "load_workbook", refuse)
        yield


# --- detecting ------------------------------------------------------------------------------

VALID_FILES = [
    ("防疫方案.pdf", pdf_bytes, UploadKind.PDF),
    ("承诺书.jpg", jpeg_bytes, UploadKind.JPEG),
    ("承诺书.png", png_bytes, UploadKind.PNG),
    ("员工花名册.xlsx", xlsx_bytes, UploadKind.XLSX),
    ("应急预案.docx", docx_bytes, UploadKind.DOCX),
]


@pytest.mark.parametrize(("name", "make", "kind"), VALID_FILES, ids=[k.value for *_, k in VALID_FILES])
def test_each_allowed_kind_is_detected_from_its_content(name, make, kind):
    file = upload(name, make())

    assert detect_kind(file) == kind
    assert file.tell() == 0
    assert validate_upload(file, allowed=[kind]) == kind
    assert file.tell() == 0


@pytest.mark.parametrize(("name", "make", "kind"), VALID_FILES, ids=[k.value for *_, k in VALID_FILES])
def test_the_name_does_not_decide_the_kind(name, make, kind):
    file = upload("材料.bin", make())

    assert detect_kind(file) == kind


def test_detecting_leaves_the_file_at_the_start_wherever_it_was():
    file = upload("a.docx", docx_bytes())
    file.seek(40)

    assert detect_kind(file) == UploadKind.DOCX
    assert file.tell() == 0


def test_allowed_may_be_given_as_stored_values():
    assert validate_upload(upload("a.pdf", pdf_bytes()), allowed=["pdf", "jpg"]) == UploadKind.PDF


DISGUISED_FILES = {
    "renamed executable": ("防疫方案.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)),
    "html named pdf": ("防疫方案.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script>%PDF-1.4"),
    "pdf header not at the start": ("防疫方案.pdf", b"\n" + pdf_bytes()),
    "svg named png": (
        "承诺书.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ),
    "shell script": ("名单.xlsx", b"#!/bin/sh\nrm -rf /\n"),
    "old doc (ole2)": ("应急预案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
    "old xls named xlsx": ("员工花名册.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
    "plain zip": ("应急预案.docx", zip_bytes({"readme.txt": b"hello"})),
    "docx without content types": ("应急预案.docx", zip_bytes({"word/document.xml": b"<w/>"})),
    "workbook and document at once": (
        "应急预案.docx",
        zip_bytes(DOCX_MEMBERS | {"xl/workbook.xml": b"<workbook/>"}),
    ),
    "macro-enabled document renamed docx": (
        "应急预案.docx",
        zip_bytes(DOCX_MEMBERS | {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
    ),
    "executable with a docx appended": ("应急预案.docx", b"MZ\x90\x00" + bytes(60) + docx_bytes()),
}


@pytest.mark.parametrize(("name", "content"), DISGUISED_FILES.values(), ids=DISGUISED_FILES.keys())
def test_a_file_that_is_none_of_the_kinds_is_refused_whatever_its_name(name, content):
    file = upload(name, content, content_type="application/pdf")

    assert detect_kind(file) is None
    assert refusal(file) == MSG_NOT_ALLOWED.format(kinds=ALL_LABELS)
    assert file.tell() == 0


def test_a_zip_with_something_before_it_is_not_a_zip_although_zipfile_would_open_it():
    disguised = io.BytesIO(b"MZ\x90\x00" + bytes(60) + docx_bytes())
    assert "word/document.xml" in zipfile.ZipFile(disguised).namelist()

    with pytest.raises(NotAZip):
        inspect_zip(disguised, max_uncompressed=2**20, max_members=10)


def test_a_kind_that_is_not_allowed_here_is_refused_naming_the_allowed_ones():
    photo = upload("防疫方案.pdf", png_bytes())

    message = refusal(photo, allowed=[UploadKind.DOCX, UploadKind.PDF])

    assert message == MSG_NOT_ALLOWED.format(kinds="PDF、Word 文档")


def test_a_workbook_where_only_documents_are_allowed_is_refused():
    assert refusal(upload("应急预案.docx", xlsx_bytes()), allowed=[UploadKind.DOCX]) == MSG_NOT_ALLOWED.format(
        kinds="Word 文档"
    )


def test_a_zip_is_not_even_opened_where_no_zip_kind_is_allowed(monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("opened a zip although only images and PDF are allowed")

    file = upload("承诺书.pdf", docx_bytes())
    monkeypatch.setattr(zipfile, "ZipFile", refuse)

    message = refusal(file, allowed=[UploadKind.PDF, UploadKind.JPEG])

    assert message == MSG_NOT_ALLOWED.format(kinds="PDF、JPEG 图片")


# --- size and zip bombs ---------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert refusal(upload("防疫方案.pdf", b"")) == MSG_EMPTY


def test_a_file_over_the_setting_is_refused_by_size(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    content = pdf_bytes() + bytes(1024 - len(pdf_bytes()))

    assert validate_upload(upload("a.pdf", content), allowed=ALL_KINDS) == UploadKind.PDF
    assert refusal(upload("a.pdf", content + b"\n")) == MSG_TOO_LARGE.format(max_mb=f"{1024 / 2**20:g}")


def test_a_caller_may_set_a_smaller_limit_than_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 2**20

    message = refusal(upload("a.pdf", pdf_bytes()), max_bytes=50)

    assert message == MSG_TOO_LARGE.format(max_mb=f"{50 / 2**20:g}")


def test_the_upload_limit_defaults_to_ten_megabytes():
    from django.conf import settings

    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def bomb_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in DOCX_MEMBERS.items():
            archive.writestr(name, data)
        with archive.open("word/media/padding.bin", "w") as member:
            for _ in range(51):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def test_a_zip_bomb_named_docx_is_refused_without_reading_a_member():
    content = bomb_bytes()
    assert len(content) < 200 * 1024  # small on disk, 51 MB unpacked

    with members_never_read():
        assert refusal(upload("应急预案.docx", content)) == MSG_ZIP_BOMB


def test_a_zip_with_too_many_members_is_refused():
    crowded = zip_bytes(DOCX_MEMBERS | {f"word/media/{n}.png": b"" for n in range(1000)})

    with members_never_read():
        assert refusal(upload("应急预案.docx", crowded)) == MSG_ZIP_BOMB


def test_a_truncated_office_file_is_refused_as_corrupt():
    assert refusal(upload("员工花名册.xlsx", xlsx_bytes()[:300])) == MSG_CORRUPT


def test_inspect_zip_lists_members_from_the_directory_only():
    docx = io.BytesIO(docx_bytes())

    with members_never_read():
        members = inspect_zip(docx, max_uncompressed=2**20, max_members=10)
        assert {m.filename for m in members} == set(DOCX_MEMBERS)
        assert docx.tell() == 0
        with pytest.raises(ZipBomb):
            inspect_zip(docx, max_uncompressed=2**20, max_members=len(DOCX_MEMBERS) - 1)
        with pytest.raises(ZipBomb):
            inspect_zip(docx, max_uncompressed=100, max_members=10)
        with pytest.raises(NotAZip):
            inspect_zip(io.BytesIO(pdf_bytes()), max_uncompressed=2**20, max_members=10)


# --- storing --------------------------------------------------------------------------------

PATH_RE = re.compile(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|jpg|png|xlsx|docx)")


@pytest.mark.parametrize("kind", ALL_KINDS, ids=[k.value for k in ALL_KINDS])
def test_upload_path_is_random_with_the_detected_extension(kind):
    instance = SimpleNamespace(file_kind=kind)
    user_name = "../../etc/防疫方案 final.exe"

    first, second = upload_path(instance, user_name), upload_path(instance, user_name)

    assert PATH_RE.fullmatch(first)
    assert first.endswith(f".{kind.value}")
    assert first != second
    assert "防疫方案" not in first and "exe" not in first and ".." not in first


def test_upload_path_uses_the_local_month():
    # 16:30 UTC on the last day of February is already 1 March in Kunshan.
    with time_machine.travel(datetime.datetime(2020, 2, 29, 16, 30, tzinfo=datetime.UTC), tick=False):
        path = upload_path(SimpleNamespace(file_kind="pdf"), "a.pdf")

    assert path.startswith("uploads/2020/03/")


def test_a_file_field_stores_under_the_random_path(tmp_path):
    field = models.FileField(upload_to=upload_path, storage=FileSystemStorage(location=tmp_path))

    name = field.generate_filename(SimpleNamespace(file_kind=UploadKind.DOCX), "应急预案（终稿）.exe")

    assert PATH_RE.fullmatch(name)
    assert name.endswith(".docx")


def test_upload_path_needs_the_detected_kind():
    with pytest.raises(ValueError, match="validate_upload"):
        upload_path(SimpleNamespace(), "a.pdf")


# --- serving --------------------------------------------------------------------------------


@pytest.fixture
def stored(tmp_path):
    """Save bytes under a random path and return the FieldFile a model would hold."""
    field = models.FileField(upload_to=upload_path, storage=FileSystemStorage(location=tmp_path))

    def store(content: bytes, kind: UploadKind) -> FieldFile:
        instance = SimpleNamespace(file_kind=kind)
        name = field.storage.save(field.generate_filename(instance, "ignored"), ContentFile(content))
        return FieldFile(instance, field, name)

    return store


def release(response) -> None:
    # response.close() would also send request_finished, which touches the database.
    response.file_to_stream.close()


def served(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        release(response)


def header_name(disposition: str) -> str:
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    return unquote(encoded)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=[k.value for k in ALL_KINDS])
def test_a_served_file_has_its_kinds_content_type_and_cannot_be_sniffed(stored, kind):
    content = {k: make() for _, make, k in VALID_FILES}[kind]

    response = file_response(stored(content, kind), kind=kind, download_name="材料")

    assert served(response) == content
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    cache = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache


def test_the_content_type_comes_from_the_kind_not_the_stored_name(stored):
    # Even if a file were stored under the wrong extension, the detected kind decides the type.
    field_file = stored(png_bytes(), UploadKind.PNG)

    response = file_response(field_file, kind="pdf", download_name="防疫方案.png")

    assert response["Content-Type"] == "application/pdf"
    assert header_name(response["Content-Disposition"]) == "防疫方案.png.pdf"
    release(response)


def test_a_chinese_download_name_is_sent_as_utf8_with_an_ascii_fallback(stored):
    response = file_response(stored(docx_bytes(), UploadKind.DOCX), kind="docx", download_name="应急预案.docx")

    assert response["Content-Disposition"] == (
        "attachment; filename=\"download.docx\"; filename*=UTF-8''%E5%BA%94%E6%80%A5%E9%A2%84%E6%A1%88.docx"
    )
    assert header_name(response["Content-Disposition"]) == "应急预案.docx"
    release(response)


@pytest.mark.parametrize(
    ("kind", "download_name", "sent_name"),
    [
        ("pdf", "防疫方案", "防疫方案.pdf"),
        ("pdf", "防疫方案.PDF", "防疫方案.PDF"),
        ("pdf", "plan.exe", "plan.exe.pdf"),
        ("jpg", "承诺书.jpeg", "承诺书.jpeg"),
        ("png", "承诺书.jpg", "承诺书.jpg.png"),
        ("xlsx", "", "download.xlsx"),
    ],
)
def test_the_download_name_keeps_the_extension_of_the_kind(stored, kind, download_name, sent_name):
    response = file_response(stored(b"x", UploadKind(kind)), kind=kind, download_name=download_name)

    assert header_name(response["Content-Disposition"]) == sent_name
    release(response)


@pytest.mark.parametrize(("kind", "inline"), [("pdf", True), ("jpg", True), ("png", True)])
def test_pdf_and_images_may_be_shown_inline(stored, kind, inline):
    response = file_response(stored(b"x", UploadKind(kind)), kind=kind, download_name="材料", inline=inline)

    assert response["Content-Disposition"].startswith("inline; ")
    release(response)


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_office_files_are_always_downloads(stored, kind):
    response = file_response(stored(b"x", UploadKind(kind)), kind=kind, download_name="材料", inline=True)

    assert response["Content-Disposition"].startswith("attachment; ")
    release(response)


def test_files_are_downloads_unless_asked_otherwise(stored):
    response = file_response(stored(pdf_bytes(), UploadKind.PDF), kind="pdf", download_name="防疫方案")

    assert response["Content-Disposition"].startswith("attachment; ")
    release(response)


def policy(response) -> set[str]:
    return {directive.strip() for directive in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize(
    ("kind", "inline"),
    [("jpg", True), ("png", True), ("pdf", False), ("xlsx", False), ("docx", True)],
)
def test_served_files_are_sandboxed_and_load_nothing(stored, kind, inline):
    response = file_response(stored(b"x", UploadKind(kind)), kind=kind, download_name="材料", inline=inline)

    assert {"default-src 'none'", "frame-ancestors 'none'", "form-action 'none'", "sandbox"} <= policy(response)
    assert not any("script" in directive for directive in policy(response))
    release(response)


def test_an_inline_pdf_is_not_sandboxed_so_the_browsers_viewer_can_render_it(stored):
    response = file_response(stored(pdf_bytes(), UploadKind.PDF), kind="pdf", download_name="防疫方案", inline=True)

    assert "sandbox" not in policy(response)
    assert {"default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'none'"} <= policy(response)
    release(response)


def test_the_site_policy_does_not_replace_the_files_policy(stored):
    response = file_response(stored(png_bytes(), UploadKind.PNG), kind="png", download_name="承诺书", inline=True)
    expected = response["Content-Security-Policy"]

    passed = CSPMiddleware(lambda request: response)(RequestFactory().get("/materials/1/"))

    assert passed["Content-Security-Policy"] == expected
    release(response)


def test_line_breaks_and_quotes_in_the_name_cannot_forge_headers(stored):
    response = file_response(
        stored(pdf_bytes(), UploadKind.PDF),
        kind="pdf",
        download_name='名单"\r\nSet-Cookie: sessionid=x\r\n\r\n<script>.pdf',
    )

    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.count('"') == 2
    assert not response.has_header("Set-Cookie")
    assert header_name(disposition) == "名单Set-Cookie: sessionid=x<script>.pdf"
    release(response)


# --- Content-Disposition --------------------------------------------------------------------


def test_xlsx_response_still_sends_an_xlsx_attachment():
    response = xlsx_response(b"data", "复工复产备案.xlsx")

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"download.xlsx\"; filename*=UTF-8''"
        "%E5%A4%8D%E5%B7%A5%E5%A4%8D%E4%BA%A7%E5%A4%87%E6%A1%88.xlsx"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("roster 2020.xlsx", "attachment; filename=\"roster 2020.xlsx\"; filename*=UTF-8''roster%202020.xlsx"),
        ("../../etc/passwd", "attachment; filename=\"download.etcpasswd\"; filename*=UTF-8''download.etcpasswd"),
        (
            "C:\\Users\\报表.xlsx",
            "attachment; filename=\"CUsers.xlsx\"; filename*=UTF-8''C%3AUsers%E6%8A%A5%E8%A1%A8.xlsx",
        ),
        ("invoice\u202efdp.exe", "attachment; filename=\"invoicefdp.exe\"; filename*=UTF-8''invoicefdp.exe"),
        ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
    ],
)
def test_content_disposition_strips_what_could_escape_the_name(name, expected):
    assert content_disposition(name) == expected


@given(st.text())
def test_content_disposition_is_a_single_safe_header_line_for_any_name(name):
    value = content_disposition(name, inline=True)

    assert value.isascii()
    assert value.startswith('inline; filename="')
    assert not any(ord(char) < 32 or ord(char) == 127 for char in value)
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert re.fullmatch(r"[A-Za-z0-9 ._()\-]+", fallback)
    assert not set(header_name(value)) & set("/\\\"'\r\n")
