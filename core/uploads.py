"""Uploaded files: the one place that decides what an upload is and serves it back.

A file's kind is read from its bytes, never from its name or the browser's Content-Type. It is
stored under a random name with the extension of that kind, and sent back with that kind's
Content-Type, `nosniff` and a policy that lets nothing in it run.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from core.downloads import XLSX_CONTENT_TYPE, content_disposition

MSG_EMPTY = _("文件是空的，请重新选择要上传的文件。")
MSG_TOO_LARGE = _("文件过大：不能超过 {max_mb} MB，请压缩或拆分后重新上传。")
MSG_NOT_ALLOWED = _("文件类型不符合要求，只能上传：{kinds}。系统按文件内容识别类型，只修改扩展名无效。")
MSG_ZIP_BOMB = _("文件解压后内容过大或结构异常，已拒绝处理，请检查文件后重新上传。")
MSG_CORRUPT = _("文件已损坏或不完整，无法打开，请重新保存后上传。")

# An Office file is a zip: what it may unpack to is bounded before anything reads a member.
ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024
ZIP_MAX_MEMBERS = 1000


class UploadKind(models.TextChoices):
    """The kinds of file the portal accepts; the value is the extension it is stored under."""

    PDF = "pdf", _("PDF")
    JPEG = "jpg", _("JPEG 图片")
    PNG = "png", _("PNG 图片")
    XLSX = "xlsx", _("Excel 工作簿")
    DOCX = "docx", _("Word 文档")


CONTENT_TYPES: dict[UploadKind, str] = {
    UploadKind.PDF: "application/pdf",
    UploadKind.JPEG: "image/jpeg",
    UploadKind.PNG: "image/png",
    UploadKind.XLSX: XLSX_CONTENT_TYPE,
    UploadKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# Browsers display these themselves; anything else is only ever offered as a download.
INLINE_KINDS = frozenset({UploadKind.PDF, UploadKind.JPEG, UploadKind.PNG})
_ZIP_KINDS = frozenset({UploadKind.XLSX, UploadKind.DOCX})
# Names a user may already have given the file; anything else gets the kind's extension added.
_EXTENSIONS = {kind: (f".{kind.value}",) for kind in UploadKind} | {UploadKind.JPEG: (".jpg", ".jpeg")}

# Each signature must start the file: a PDF header later in the file (allowed by the PDF
# specification) is how HTML/PDF polyglots are made.
_SIGNATURES = (
    (b"%PDF-", UploadKind.PDF),
    (b"\xff\xd8\xff", UploadKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", UploadKind.PNG),
)
_ZIP_MAGIC = b"PK\x03\x04"
_HEAD_BYTES = 8
_OOXML_CONTENT_TYPES = "[Content_Types].xml"
_OOXML_MAIN_PARTS = {"xl/workbook.xml": UploadKind.XLSX, "word/document.xml": UploadKind.DOCX}
# Present in .xlsm/.docm only: a macro-enabled file renamed to .xlsx/.docx is not one of ours.
_VBA_PROJECT = "vbaproject.bin"

# Served files may be HTML or SVG in disguise if a check is ever bypassed: nothing in them may
# run, load or submit. `sandbox` also gives the document an opaque origin, away from our cookies.
_FILE_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_SANDBOXED_FILE_POLICY = f"{_FILE_POLICY}; sandbox"
# An inline PDF goes without `sandbox`: built-in PDF viewers have refused to render in a
# sandboxed document (Chromium bug 413851; Safari still in 2024), leaving the user a blank page.
# `style-src 'unsafe-inline'` is for the page Chromium wraps around its viewer (Chromium bug 271452).
_PDF_VIEWER_POLICY = _FILE_POLICY


class _Upload(Protocol):
    """What both a Django UploadedFile and a BytesIO offer."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class ZipRejected(Exception):
    """`inspect_zip` refused the archive."""


class NotAZip(ZipRejected):
    """Not a zip archive, or one too damaged to list."""


class ZipBomb(ZipRejected):
    """The archive declares more content or more members than allowed."""


# --- checking -------------------------------------------------------------------------------


def inspect_zip(upload: _Upload, *, max_uncompressed: int, max_members: int) -> list[zipfile.ZipInfo]:
    """List a zip's members from its central directory, without decompressing any of them.

    Raises NotAZip when the file does not start as a zip or cannot be listed, ZipBomb when it
    declares more than `max_members` members or `max_uncompressed` bytes in all. zipfile never
    inflates a member past its declared size, so the declared sum bounds what any later reader
    (openpyxl, a Word parser) can be made to decompress. Leaves the file position at 0.
    """
    members = _zip_members(upload)
    if len(members) > max_members or sum(m.file_size for m in members) > max_uncompressed:
        raise ZipBomb
    return members


def detect_kind(upload: _Upload) -> UploadKind | None:
    """The kind of file `upload` is by its content, or None. Leaves the file position at 0.

    Only a zip's member list is read, never a member; `validate_upload` adds the size limits.
    """
    head = _head(upload)
    if not head.startswith(_ZIP_MAGIC):
        return _kind_by_signature(head)
    try:
        return _ooxml_kind(_zip_members(upload))
    except NotAZip:
        return None


def validate_upload(
    upload: _Upload, *, allowed: Iterable[UploadKind | str], max_bytes: int | None = None
) -> UploadKind:
    """Return the upload's kind, or raise ValidationError with the one message that explains why not.

    The checks run cheapest first: size, then the leading bytes, then, for a zip, its member list
    under the zip-bomb limits. Nothing here decompresses a member. Leaves the file position at 0.
    """
    allowed_kinds = [kind for kind in UploadKind if kind in {UploadKind(k) for k in allowed}]
    if max_bytes is None:
        max_bytes = settings.UPLOAD_MAX_BYTES
    size = _size(upload)
    if size == 0:
        raise ValidationError(MSG_EMPTY, code="empty")
    if size > max_bytes:
        raise ValidationError(MSG_TOO_LARGE.format(max_mb=f"{max_bytes / 2**20:g}"), code="too_large")

    head = _head(upload)
    if head.startswith(_ZIP_MAGIC) and _ZIP_KINDS.intersection(allowed_kinds):
        try:
            members = inspect_zip(upload, max_uncompressed=ZIP_MAX_UNCOMPRESSED, max_members=ZIP_MAX_MEMBERS)
        except ZipBomb as exc:
            raise ValidationError(MSG_ZIP_BOMB, code="zip_bomb") from exc
        except NotAZip as exc:
            raise ValidationError(MSG_CORRUPT, code="corrupt") from exc
        kind = _ooxml_kind(members)
    else:
        # A zip where no zip kind is allowed is refused without being opened.
        kind = _kind_by_signature(head)

    if kind not in allowed_kinds:
        kinds = "、".join(str(k.label) for k in allowed_kinds)
        raise ValidationError(MSG_NOT_ALLOWED.format(kinds=kinds), code="not_allowed")
    return kind


def _zip_members(upload: _Upload) -> list[zipfile.ZipInfo]:
    try:
        upload.seek(0)
        # zipfile finds an archive by its end, so an executable with a zip appended would open.
        if upload.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            raise NotAZip
        upload.seek(0)
        try:
            # Reads the central directory only. A ZipFile given a file object leaves it open on close.
            with zipfile.ZipFile(upload) as archive:
                return archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise NotAZip from exc
    finally:
        upload.seek(0)


def _size(upload: _Upload) -> int:
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def _head(upload: _Upload) -> bytes:
    upload.seek(0)
    try:
        return upload.read(_HEAD_BYTES)
    finally:
        upload.seek(0)


def _kind_by_signature(head: bytes) -> UploadKind | None:
    return next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)


def _ooxml_kind(members: Iterable[zipfile.ZipInfo]) -> UploadKind | None:
    names = {m.filename for m in members}
    if _OOXML_CONTENT_TYPES not in names:
        return None
    if any(name.lower().rsplit("/", 1)[-1] == _VBA_PROJECT for name in names):
        return None
    kinds = {kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names}
    # Both a workbook and a document in one archive is no file an Office program writes.
    return kinds.pop() if len(kinds) == 1 else None


# --- storing --------------------------------------------------------------------------------


def upload_path(instance: Any, filename: str) -> str:
    """`upload_to` for FileFields: a random name with the extension of the detected kind.

    The caller stores `validate_upload`'s result on `instance.file_kind` before saving; the user's
    file name never reaches the disk.
    """
    try:
        kind = UploadKind(getattr(instance, "file_kind", ""))
    except ValueError as exc:
        raise ValueError("Set instance.file_kind from validate_upload() before saving the file.") from exc
    return f"{timezone.localtime().strftime('uploads/%Y/%m')}/{uuid.uuid4().hex}.{kind.value}"


# --- serving --------------------------------------------------------------------------------


def file_response(field_file: Any, *, kind: str, download_name: str, inline: bool = False) -> FileResponse:
    """Stream a stored upload back. Call it only from a view that has checked the user's scope.

    `inline` is honoured for PDF and images only; other kinds are always downloads.
    """
    kind = UploadKind(kind)
    shown_inline = inline and kind in INLINE_KINDS
    response = FileResponse(field_file.open("rb"), content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = content_disposition(_download_name(download_name, kind), inline=shown_inline)
    response["X-Content-Type-Options"] = "nosniff"
    # django-csp's middleware leaves a response that already carries the header alone.
    response["Content-Security-Policy"] = (
        _PDF_VIEWER_POLICY if shown_inline and kind == UploadKind.PDF else _SANDBOXED_FILE_POLICY
    )
    # Other sites may not embed the file with <img> or <embed>, which would carry our cookies.
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _download_name(name: str, kind: UploadKind) -> str:
    name = str(name).strip()
    if not name.lower().endswith(_EXTENSIONS[kind]):
        name = f"{name}.{kind.value}"
    return name
