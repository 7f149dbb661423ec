"""Text messages (issue 18, item 2): one interface, three backends; the HTTP gateway backend tested against a real
HTTP server started here (status codes, timeouts, retries); a daily cap per number; every message a row."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from accounts import sms
from accounts.models import SmsMessage
from accounts.sms import sms_deliver, sms_send

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"


class Gateway:
    """A local stand-in for the government SMS platform: answers each POST with the next scripted reply."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"body": body, "key": self.headers["X-App-Key"]})
                status, delay = gateway.replies.pop(0) if gateway.replies else (200, 0)
                time.sleep(delay)
                payload = json.dumps({"id": f"gw-{len(gateway.requests)}"} if status == 200 else {"error": "x"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    made = []

    def start(*replies):
        server = Gateway(replies)
        made.append(server)
        settings.SMS_BACKEND = "accounts.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = server.url
        settings.SMS_GATEWAY_KEY = "app-key"
        settings.SMS_GATEWAY_TEMPLATES = {"report_reminder": "SMS_0002"}
        settings.SMS_GATEWAY_TIMEOUT = 0.5
        sms.backend.cache_clear()
        return server

    yield start
    for server in made:
        server.close()
    sms.backend.cache_clear()


def _queued(template="report_reminder"):
    return sms_send(mobile=MOBILE, template=template, params={"enterprise": "昆山精密", "cutoff": "16:00"})


def test_the_gateway_receives_the_template_and_its_parameters(gateway, django_capture_on_commit_callbacks):
    server = gateway((200, 0))
    with django_capture_on_commit_callbacks(execute=True):
        message = _queued()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.gateway_id) == (SmsMessage.Status.SENT, 1, "gw-1")
    (request,) = server.requests
    assert request["key"] == "app-key"
    assert request["body"]["mobile"] == MOBILE and request["body"]["template_id"] == "SMS_0002"
    assert request["body"]["params"] == {"enterprise": "昆山精密", "cutoff": "16:00"}
    assert message.text == "【昆山复工复产】昆山精密今日用工日报尚未报送, 请于16:00前报送。"


def test_a_server_error_and_a_timeout_are_retried_until_the_gateway_accepts(gateway):
    server = gateway((503, 0), (200, 1.5), (200, 0))  # an error, then an answer slower than the timeout
    message = _queued()
    for _ in range(2):
        with pytest.raises(sms.SmsTemporaryError):
            sms_deliver(message_id=message.pk, final_attempt=False)
    message = sms_deliver(message_id=message.pk, final_attempt=False)
    assert (message.status, message.attempts) == (SmsMessage.Status.SENT, 3)
    assert len(server.requests) == 3


def test_a_refusal_is_final_and_says_why(gateway):
    gateway((400, 0))
    message = sms_deliver(message_id=_queued().pk, final_attempt=False)
    assert message.status == SmsMessage.Status.FAILED and message.error.startswith("HTTP 400")


def test_the_last_temporary_failure_gives_up(gateway):
    gateway((500, 0))
    message = sms_deliver(message_id=_queued().pk, final_attempt=True)
    assert message.status == SmsMessage.Status.FAILED and message.error == "HTTP 500"


def test_an_unreachable_gateway_is_temporary(gateway, settings):
    gateway()
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:1/sms/send"
    with pytest.raises(sms.SmsTemporaryError):
        sms_deliver(message_id=_queued().pk, final_attempt=False)


def test_the_task_asks_celery_to_retry_with_backoff_then_gives_up(gateway, monkeypatch):
    from celery.exceptions import Retry

    from accounts.tasks import send_sms

    server = gateway((503, 0), (503, 0))
    message = _queued()
    asked = []

    def retry(exc=None, countdown=None, **options):
        asked.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(send_sms, "retry", retry)
    send_sms.push_request(retries=1, is_eager=False)  # as a worker runs it, on the second delivery
    try:
        with pytest.raises(Retry):
            send_sms.run(message.pk)
    finally:
        send_sms.pop_request()
    assert asked == [60]
    send_sms.push_request(retries=send_sms.max_retries, is_eager=False)  # the last delivery
    try:
        assert send_sms.run(message.pk) == SmsMessage.Status.FAILED
    finally:
        send_sms.pop_request()
    assert len(server.requests) == 2


def test_a_delivered_message_is_not_sent_twice(gateway):
    server = gateway((200, 0))
    message = _queued()
    sms_deliver(message_id=message.pk, final_attempt=False)
    sms_deliver(message_id=message.pk, final_attempt=False)  # a redelivered task
    assert len(server.requests) == 1


def test_each_number_gets_at_most_the_daily_cap(settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    statuses = [_queued().status for _ in range(3)]
    assert statuses == [SmsMessage.Status.QUEUED, SmsMessage.Status.QUEUED, SmsMessage.Status.CAPPED]


def test_the_file_backend_writes_one_line_per_message(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    sms.backend.cache_clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _queued()
    finally:
        sms.backend.cache_clear()
    (line,) = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["mobile"] == MOBILE


def test_staff_look_messages_up_with_the_number_masked(admin_client):
    message = _queued()
    found = admin_client.get(reverse("admin:accounts_smsmessage_changelist"), {"q": MOBILE}).content.decode()
    assert "139****5678" in found  # found by the full number the staff typed
    listed = admin_client.get(reverse("admin:accounts_smsmessage_changelist")).content.decode()
    assert "139****5678" in listed and MOBILE not in listed
    detail = admin_client.get(reverse("admin:accounts_smsmessage_change", args=[message.pk]))
    assert detail.status_code == 200 and MOBILE not in detail.content.decode()


def test_a_filing_decision_reaches_the_enterprise_contact_by_text(enterprise_user_a, district_staff_a):
    from filings import services
    from tests.filings.helpers import submitted

    filing = submitted(enterprise_user_a)
    services.filing_approve(filing=filing, approved_by=district_staff_a)
    (message,) = SmsMessage.objects.filter(template="filing_decision")
    assert message.mobile == enterprise_user_a.enterprise.contact_mobile
    assert filing.reference in message.text and "已审核通过" in message.text


def test_the_daily_reminder_texts_each_enterprise_that_has_not_reported(enterprise_a, enterprise_b):
    from django.utils import timezone

    from workforce.services import workforce_reminders_send

    workforce_reminders_send(day=timezone.localdate())
    texted = set(SmsMessage.objects.filter(template="report_reminder").values_list("mobile", flat=True))
    assert texted == {enterprise_a.contact_mobile, enterprise_b.contact_mobile}
