"""One-off downloads (an import's error workbook, a list of initial passwords) kept briefly in the cache.

The bytes are bound to the user who caused them, so a leaked link is useless to anyone else.
"""

import uuid

from django.core.cache import cache
from django.http import Http404, HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_TTL_SECONDS = 60 * 60


def download_stash(*, user, content: bytes, filename: str) -> str:
    token = uuid.uuid4().hex
    cache.set(f"download:{token}", {"user_id": user.pk, "content": content, "filename": filename},
              DOWNLOAD_TTL_SECONDS)
    return token


def download_response(*, user, token: str) -> HttpResponse:
    entry = cache.get(f"download:{token}")
    if entry is None or entry["user_id"] != user.pk:
        raise Http404
    return xlsx_response(entry["content"], entry["filename"])


def xlsx_response(content, filename: str) -> HttpResponse:
    """An xlsx attachment; `content` may be bytes or an iterator of bytes."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    # RFC 6266: an ASCII fallback plus the UTF-8 name for Chinese file names.
    return f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}"
