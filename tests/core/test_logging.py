"""Structured logs and error reports (issue 20, items 2 and 3): every record knows its request and user; the
personal-data trail has a file of its own; error reports leave with no personal data in them."""

import json
import logging
import logging.handlers

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path, reverse
from sentry_sdk.transport import Transport

from core.logging import RequestContextMiddleware
from core.sentry import scrub_text, sentry_init
from tests.factories import UserFactory
from tests.passes.factories import WorkerFactory, id_number


def _json_formatter() -> logging.Formatter:
    config = dict(django_settings.LOGGING["formatters"]["json"])
    factory = config.pop("()")
    module, name = factory.rsplit(".", 1)
    return getattr(__import__(module, fromlist=[name]), name)(fmt=config.pop("format"), **config)


@pytest.mark.django_db
def test_a_record_logged_during_a_request_carries_the_request_id_and_the_user(log_records):
    user = UserFactory(district_staff=True)
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="abc123def456")
    request._cached_user = user  # as Django's auth leaves it once the request has read its user

    def view(request):
        logging.getLogger("portal").warning("something to look at")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "abc123def456"
    (record,) = [r for r in log_records.general if r.name == "portal"]
    line = json.loads(_json_formatter().format(record))
    assert line["message"] == "something to look at" and line["level"] == "WARNING" and line["logger"] == "portal"
    assert (line["request_id"], line["user_id"], line["role"]) == ("abc123def456", user.pk, "district_staff")


def test_a_request_id_that_is_not_one_is_replaced(rf):
    response = RequestContextMiddleware(lambda request: HttpResponse())(
        rf.get("/", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
    )
    assert response["X-Request-ID"] != "bad id\nInjected: yes" and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_an_unmasked_id_number_is_written_to_the_personal_data_file_as_a_json_line(
    client, enterprise_user_a, district_staff_a
):
    (handler,) = [
        h for h in logging.getLogger("personal_data").handlers if isinstance(h, logging.handlers.WatchedFileHandler)
    ]
    assert handler.baseFilename == str(django_settings.PERSONAL_DATA_LOG_FILE)
    assert not logging.getLogger("personal_data").propagate  # never in the general log
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(7))
    client.force_login(district_staff_a)
    client.post(reverse("passes:roster_id_number", args=[worker.pk]), {"reason": "核对身份"})
    handler.flush()
    last = json.loads(django_settings.PERSONAL_DATA_LOG_FILE.read_text(encoding="utf-8").splitlines()[-1])
    assert f"worker={worker.pk}" in last["message"] and last["user_id"] == district_staff_a.pk
    assert id_number(7) not in json.dumps(last, ensure_ascii=False)


# --- error reports ---------------------------------------------------------------------------------------


class _Captured(Transport):
    """A Sentry transport that keeps each envelope's items, as JSON, instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.payloads = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            self.payloads.append(json.dumps(item.payload.json, ensure_ascii=False, default=str))


def _failing_view(request):
    raise RuntimeError(f"worker id 32058319900101123X mobile 13912345678 token {request.GET.get('t')}")


urlpatterns = [path("boom/", _failing_view)]

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJuIjoiMTIzIn0.c2lnbmF0dXJl"


@pytest.mark.django_db
def test_error_reports_carry_no_id_numbers_mobiles_names_or_tokens(settings):
    import sentry_sdk

    settings.ROOT_URLCONF = __name__
    captured = _Captured()
    sentry_init("https://public@sentry.example.gov.cn/1", environment="test", transport=captured)
    try:
        Client(raise_request_exception=False).post(
            f"/boom/?t={TOKEN}",
            {"name": "张三", "id_number": "32058319900101123X", "mobile": "13912345678"},
            HTTP_COOKIE="sessionid=secret-session",
        )
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()  # no DSN: reporting off again
    assert captured.payloads, "the error was not reported"
    payload = "\n".join(captured.payloads)
    assert "RuntimeError" in payload and "/boom/" in payload  # the report is there, and says where
    for secret in ("32058319900101123X", "13912345678", TOKEN, "secret-session", "张三"):
        assert secret not in payload, secret


def test_the_scrubber_masks_what_it_finds_in_free_text():
    assert scrub_text("身份证 32058319900101123X, 手机 13912345678") == "身份证 [身份证号], 手机 [手机号]"
    assert scrub_text("GET /passes/mine/Zq3-x_9AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab") == "GET /passes/mine/[令牌]"
