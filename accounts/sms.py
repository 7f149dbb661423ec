"""Text messages (短信), the channel that reaches an enterprise contact or a worker in China.

One small interface, `sms_send(mobile=, template=, params=)`, writes a row (SmsMessage) and queues a Celery task
once the transaction commits; the task hands the message to the backend that `SMS_BACKEND` names:
- `ConsoleBackend` (default with DEBUG): writes the message to the log, number masked;
- `FileBackend`: appends JSON lines to `SMS_FILE_PATH` (tests, staging);
- `HttpGatewayBackend`: a government SMS platform's HTTP API (`SMS_GATEWAY_URL`, credentials and template ids
  from settings). A 5xx answer, a timeout or a refused connection is temporary (the task retries with backoff);
  a 4xx answer is permanent (the row says why).
Each number receives at most `SMS_DAILY_CAP_PER_NUMBER` messages a day; the rest are recorded as capped.
A parameter that is a secret (the worker's pass link) is passed as `secret=`: the row keeps it hidden, and only
the task's arguments carry it to the gateway.
"""

import json
import logging
import urllib.error
import urllib.request
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import SmsMessage, User
from core.dates import day_bounds

logger = logging.getLogger(__name__)

# Each template: the text the gateway's registered template renders (kept here for the row and the console).
TEMPLATES = {
    "filing_decision": "【昆山复工复产】{enterprise}的复工备案{reference}{decision}, 请登录平台查看。",
    "report_reminder": "【昆山复工复产】{enterprise}今日用工日报尚未报送, 请于{cutoff}前报送。",
    "pass_link": "【昆山复工复产】{name}, 您的返岗通行证: {url} (请勿转发)",
    "request_deadline": "【昆山复工复产】企业诉求{number}将于{deadline}到期, 请及时办理。",
}


SECRET_SHOWN_AS = "***"  # noqa: S105 - the mask shown in place of a secret


class SmsTemporaryError(Exception):
    """The gateway may accept the message later: retry."""


class SmsPermanentError(Exception):
    """The gateway refused the message: retrying will not help."""


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        # A secret (a pass link) stays hidden in the log, as on the row.
        text = getattr(message, "logged_text", message.text)
        logger.info("sms to %s template=%s: %s", message.masked_mobile, message.template, text)
        return ""


class FileBackend:
    def send(self, message: SmsMessage) -> str:
        line = {
            "id": message.pk,
            "mobile": message.mobile,
            "template": message.template,
            "params": message.params,
            "text": message.text,
        }
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file-{message.pk}"


class HttpGatewayBackend:
    def __init__(self):
        # urlopen would also follow file: and ftp: addresses; the gateway is only ever an HTTP(S) API.
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) address")

    def send(self, message: SmsMessage) -> str:
        body = json.dumps(
            {
                "mobile": message.mobile,
                "template_id": settings.SMS_GATEWAY_TEMPLATES.get(message.template, message.template),
                "params": message.params,
                "sign": settings.SMS_GATEWAY_SIGN,
                "client_id": str(message.pk),
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-App-Key": settings.SMS_GATEWAY_KEY,
                "X-App-Secret": settings.SMS_GATEWAY_SECRET,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310 - http(s) only, see __init__
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise SmsTemporaryError(f"HTTP {error.code}") from error
            raise SmsPermanentError(f"HTTP {error.code}: {error.read()[:200].decode(errors='replace')}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise SmsTemporaryError(type(error).__name__) from error
        return str(answer.get("id", ""))


@cache
def backend():
    return import_string(settings.SMS_BACKEND)()


def sms_send(
    *, mobile: str, template: str, params: dict, user: User | None = None, secret: dict | None = None
) -> SmsMessage:
    """Record the message and send it after the transaction commits, or record it as capped. The `secret`
    parameters are sent but stored as SECRET_SHOWN_AS."""
    secret = {key: str(value) for key, value in (secret or {}).items()}
    params = {key: str(value) for key, value in params.items()}  # lazy translations become text
    params.update(dict.fromkeys(secret, SECRET_SHOWN_AS))
    text = TEMPLATES[template].format(**params)
    start, end = day_bounds(timezone.localdate())
    sent_today = (
        SmsMessage.objects.filter(mobile=mobile, created_at__gte=start, created_at__lt=end)
        .exclude(status=SmsMessage.Status.CAPPED)
        .count()
    )
    capped = sent_today >= settings.SMS_DAILY_CAP_PER_NUMBER
    message = SmsMessage.objects.create(
        mobile=mobile,
        template=template,
        params=params,
        text=text[:500],
        user=user,
        status=SmsMessage.Status.CAPPED if capped else SmsMessage.Status.QUEUED,
    )
    if not capped:
        from accounts.tasks import send_sms

        if secret:
            transaction.on_commit(lambda: send_sms.delay(message.pk, secret))
        else:
            transaction.on_commit(lambda: send_sms.delay(message.pk))
    return message


def sms_deliver(*, message_id: int, final_attempt: bool, secret: dict | None = None) -> SmsMessage:
    """One attempt: the backend's answer recorded on the row. Temporary errors are raised again for the task to
    retry, unless this was the last attempt. The secret parameters fill the message for the backend only; the
    row is saved without them (params and text are never among the saved fields)."""
    message = SmsMessage.objects.get(pk=message_id)
    if message.status != SmsMessage.Status.QUEUED:
        return message  # sent already (a redelivered task), or given up
    if secret:
        message.logged_text = message.text
        message.params = {**message.params, **secret}
        message.text = TEMPLATES[message.template].format(**message.params)[:500]
    message.attempts += 1
    try:
        message.gateway_id = backend().send(message)
    except SmsTemporaryError as error:
        message.error = str(error)[:255]
        if final_attempt:
            message.status = SmsMessage.Status.FAILED
        message.save(update_fields=["attempts", "error", "status"])
        if not final_attempt:
            raise
        return message
    except SmsPermanentError as error:
        message.status, message.error = SmsMessage.Status.FAILED, str(error)[:255]
        message.save(update_fields=["attempts", "error", "status"])
        return message
    message.status, message.sent_at, message.error = SmsMessage.Status.SENT, timezone.now(), ""
    message.save(update_fields=["attempts", "gateway_id", "status", "sent_at", "error"])
    return message
