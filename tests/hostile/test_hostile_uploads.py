"""Every hostile file, posted to every endpoint that takes a file: a page with a Chinese message, no 500,
no row written, no file left behind. The endpoints come from the URLconf (tests/hostile/endpoints.py), so
a new one that takes a file and is not listed there fails test_every_endpoint_that_takes_a_file_is_covered.
"""

import functools
import re
from pathlib import Path

import pytest
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.hostile.endpoints import UPLOAD_ENDPOINTS, build_world, file_taking_url_names, takes_files, watched_models
from tests.hostile.files import HOSTILE_CLASSES, Hostile

pytestmark = pytest.mark.django_db

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_BOUNDARY = "hostile-boundary-7d1f"


def test_every_endpoint_that_takes_a_file_is_covered():
    found = file_taking_url_names()
    assert found - set(UPLOAD_ENDPOINTS) == set(), "add these to tests/hostile/endpoints.py UPLOAD_ENDPOINTS"
    assert set(UPLOAD_ENDPOINTS) - found == set(), "these no longer take a file: remove them"


def test_a_view_that_reads_files_is_found_under_its_decorators():
    @login_required
    def upload(request):
        return request.FILES["file"]

    @login_required
    def page(request):
        return request.GET

    assert takes_files(upload) and not takes_files(page)


@pytest.fixture
def world(db):
    return build_world()


@functools.cache
def _hostile(name: str, headers: tuple[str, ...]) -> Hostile:
    return HOSTILE_CLASSES[name](headers)


def _multipart(endpoint, hostile: Hostile, world: dict) -> bytes:
    """Built by hand: the test client would refuse to send invalid UTF-8 or NUL in names and values."""
    parts = [(name.encode(), value.encode()) for name, value in {**endpoint.data, **endpoint.data_for(world)}.items()]
    parts += [(name.encode("utf-8", "surrogateescape"), value) for name, value in hostile.fields]
    body = b""
    for name, value in parts:
        body += (
            f"--{_BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="'
            + name
            + b'"\r\n\r\n'
            + value
            + b"\r\n"
        )
    body += (
        f"--{_BOUNDARY}\r\n".encode()
        + f'Content-Disposition: form-data; name="{endpoint.field_name}"; filename="'.encode()
        + hostile.filename
        + b'"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml'
        b".sheet\r\n\r\n" + hostile.content + b"\r\n" + f"--{_BOUNDARY}--\r\n".encode()
    )
    return body


def _refusals(response) -> list[str]:
    """What the page tells the user: form errors, an import's error list, or the messages of a redirect."""
    if response.status_code == 302:
        return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    context = response.context
    texts = []
    if context.get("form") is not None:
        texts += [str(message) for messages in context["form"].errors.values() for message in messages]
    texts += [error.text for error in context.get("errors") or []]
    return texts


def _stored_files(media_root) -> set[Path]:
    root = Path(media_root)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in watched_models()}


@pytest.mark.parametrize("hostile_name", list(HOSTILE_CLASSES))
@pytest.mark.parametrize("url_name", sorted(UPLOAD_ENDPOINTS))
def test_a_hostile_file_is_refused_with_a_chinese_message_and_leaves_nothing(
    client, world, settings, url_name, hostile_name
):
    endpoint = UPLOAD_ENDPOINTS[url_name]
    hostile = _hostile(hostile_name, tuple(endpoint.headers()))
    client.force_login(world[endpoint.user])
    url = reverse(url_name, kwargs=endpoint.kwargs(world))
    counts, files = _counts(), _stored_files(settings.MEDIA_ROOT)

    response = client.generic(
        "POST", url, _multipart(endpoint, hostile, world), content_type=f"multipart/form-data; boundary={_BOUNDARY}"
    )

    assert response.status_code in (200, 302) or 400 <= response.status_code < 500
    if endpoint.must_refuse is not None and hostile_name not in endpoint.must_refuse:
        return  # a valid document of an allowed kind: an attachment may keep it (no 500 is all that is asked)
    if response.status_code == 302:
        # back to the same page (or the object an action belongs to), with the message
        assert response["Location"] == (endpoint.back_to(world) if endpoint.back_to else url)
    refusals = _refusals(response)
    assert refusals and all(_CHINESE.search(text) for text in refusals), refusals
    assert _counts() == counts
    assert _stored_files(settings.MEDIA_ROOT) == files
