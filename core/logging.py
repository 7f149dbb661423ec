"""Logging filters named in settings.LOGGING."""

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is a role meeting a page it may not use, not a fault: Django logs it with the exception, and the
    traceback buries real errors in the log. Keep the one line (status, path), drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None and issubclass(record.exc_info[0], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
