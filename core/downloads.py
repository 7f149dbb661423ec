"""One-off downloads (an import's error workbook, a list of initial passwords) kept briefly in the cache.

The bytes are bound to the user who caused them, so a leaked link is useless to anyone else.
`content_disposition` names every file the portal sends, these and stored uploads alike.
"""

import re
import unicodedata
import uuid
from urllib.parse import quote

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.functional import Promise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_TTL_SECONDS = 60 * 60

_FILENAME_REMOVED = frozenset("\"'/\\")
# What may stand in the quoted ASCII fallback: no quotes, backslashes, "%" (some browsers
# percent-decode it) or ";".
_ASCII_UNSAFE_RE = re.compile(r"[^A-Za-z0-9 ._()\-]")


def download_stash(*, user, content: bytes, filename: str | Promise) -> str:
    token = uuid.uuid4().hex
    cache.set(
        f"download:{token}", {"user_id": user.pk, "content": content, "filename": str(filename)}, DOWNLOAD_TTL_SECONDS
    )
    return token


def download_response(*, user, token: str) -> HttpResponse:
    entry = cache.get(f"download:{token}")
    if entry is None or entry["user_id"] != user.pk:
        raise Http404
    return xlsx_response(entry["content"], entry["filename"])


def xlsx_response(content, filename: str) -> HttpResponse:
    """An xlsx attachment; `content` may be bytes or an iterator of bytes."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition value (RFC 6266) that is safe whatever the name holds.

    Browsers read RFC 5987's `filename*`, the real (usually Chinese) name; older clients fall
    back to the quoted ASCII `filename`: the name's ASCII letters, or "download", and its extension.
    """
    stem, _dot, extension = _clean_filename(str(filename)).rpartition(".")
    if not _dot:
        stem, extension = extension, ""
    stem = stem.strip(" .") or "download"
    name = f"{stem}.{extension}" if extension else stem
    fallback = _ASCII_UNSAFE_RE.sub("", stem).strip(" .") or "download"
    if ascii_extension := _ASCII_UNSAFE_RE.sub("", extension):
        fallback = f"{fallback}.{ascii_extension}"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _clean_filename(name: str) -> str:
    # Control characters would split the header; quotes and separators would end the value or
    # name a path; bidi overrides (Cf) disguise an extension, e.g. "invoice\u202Efdp.exe".
    kept = "".join(
        char
        for char in name
        if char not in _FILENAME_REMOVED and unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")
    )
    return kept.strip().rstrip(". ")
