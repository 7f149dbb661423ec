"""Log records that say which request and which user they belong to, without personal data.

`RequestContextMiddleware` gives each request an id (the proxy's X-Request-ID when it sends one, else a new one)
and echoes it in the response; `RequestContextFilter` adds request_id, user_id and role to every record logged
while the request runs. The user is read only if the request has already loaded it, so logging never costs a
query. Personal-data access (unmasked ID numbers, roster exports) goes to the `personal_data` logger, which
settings send to a file of its own and never to the general log.
"""

import contextvars
import logging
import re
import uuid

from django.core.exceptions import PermissionDenied

_current_request = contextvars.ContextVar("current_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

personal_data_log = logging.getLogger("personal_data")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = _current_request.get()
        user = getattr(request, "_cached_user", None)  # set by Django's auth once the request read its user
        record.request_id = getattr(request, "request_id", None)
        record.user_id = getattr(user, "pk", None)
        record.role = getattr(user, "role", None)
        return True


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is a role meeting a page it may not use, not a fault: Django logs it with the exception, and the
    traceback buries real errors in the log. Keep the one line (status, path), drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None and issubclass(record.exc_info[0], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True


class SecretPathsHidden(logging.Filter):
    """Django logs the path of every 4xx and 5xx answer; a worker's pass link carries its token in the path
    (a 429 to a busy address would log a working link), so the token is masked before the line is written."""

    _LINK = re.compile(r"(/passes/mine/)[\w-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "/passes/mine/" in a for a in record.args):
            record.args = tuple(self._LINK.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        request = getattr(record, "request", None)
        if request is not None and "/passes/mine/" in getattr(request, "path", ""):
            record.request = None  # the admins' mail would print the request with its path
        return True
