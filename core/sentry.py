"""Error reports to a self-hosted Sentry (SENTRY_DSN), with personal data removed before anything leaves.

Request bodies and local variables are never sent. Every string of the event (exception messages, URLs, log
breadcrumbs, headers) has ID numbers, mobile numbers and pass tokens masked, and fields named like personal data
or secrets are replaced whatever their content."""

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentry_sdk._types import Event

FILTERED = "[已过滤]"
# Personal fields by their names in the portal's models and forms, and anything that looks like a secret.
SENSITIVE_KEYS = re.compile(
    r"^(name|full_name|contact_name|legal_representative|worker_name|id_number|mobile|contact_mobile|phone|"
    r"bank_account|reason|sessionid|csrfmiddlewaretoken|cookie|cookies)$"
    r"|(token|password|passwd|secret|_key|authorization)$",
    re.IGNORECASE,
)
_PATTERNS = [
    (re.compile(r"\b\d{17}[\dXx]\b"), "[身份证号]"),  # GB 11643 ID numbers
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[手机号]"),  # mainland mobiles
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]+"), "[令牌]"),  # JWS compact tokens (pass QR codes)
    (re.compile(r"(/passes/mine/)[\w-]+"), r"\1[令牌]"),  # the worker's own pass link
]


def scrub_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub(value: Any, key: str = "") -> Any:
    if key and SENSITIVE_KEYS.search(key):
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # Sentry sends headers and query strings as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and SENSITIVE_KEYS.search(value[0]):
            return [value[0], FILTERED]
        return [scrub(item) for item in value]
    return value


def scrub_event(event: "Event", hint: dict[str, Any]) -> "Event":
    return scrub(event)


def scrub_breadcrumb(crumb: dict, hint: dict) -> dict | None:
    # Cache and Redis commands name session keys (a session id is a password) and cached personal data: dropped.
    if crumb.get("category") in ("redis", "cache") or crumb.get("type") == "redis":
        return None
    return scrub(crumb)


def sentry_init(dsn: str, *, environment: str, transport: Any = None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        transport=transport,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=0,
    )
