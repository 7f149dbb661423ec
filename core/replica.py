"""Heavy reads from a PostgreSQL streaming replica (README, "Read replica").

With `DATABASE_REPLICA_URL` set, the views marked `@reads_from_replica` (dashboards, drill-down lists,
Excel exports, the daily workbook) read through the `replica` connection; every write, every other
page, and every page a user opens within `REPLICA_PIN_SECONDS` of their own write read the primary,
so nobody sees their own change missing. A replica further behind than `REPLICA_MAX_LAG_SECONDS` is
skipped. Without the setting, all of this is a no-op.
"""

from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
PIN_SALT = "core.replica.pin"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads go to the replica only inside a `@reads_from_replica` view; everything else, the primary."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Explicitly the primary: an object read from the replica would otherwise be saved back to it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both connections

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def replica_lag() -> timedelta | None:
    """How far the replica is behind the primary: zero when it has replayed all it received, else the age
    of the last transaction it replayed; None when it cannot be asked (down, or not a standby)."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), "
                "now() - pg_last_xact_replay_timestamp()"
            )
            in_recovery, caught_up, behind = cursor.fetchone()
    except Exception:  # a replica that does not answer is skipped, never an error page
        return None
    if not in_recovery:
        return None
    return timedelta(0) if caught_up or behind is None else behind


def data_as_of() -> datetime:
    """The moment the figures read now describe ("数据截至"): now on the primary, earlier on a lagging replica."""
    now = timezone.now()
    if not _reading_from_replica.get():
        return now
    return now - (replica_lag() or timedelta(0))


def pin_to_primary(response) -> None:
    """After a user's own write: their next pages read the primary for REPLICA_PIN_SECONDS."""
    until = int(timezone.now().timestamp()) + settings.REPLICA_PIN_SECONDS
    response.set_signed_cookie(
        PIN_COOKIE,
        str(until),
        salt=PIN_SALT,
        max_age=settings.REPLICA_PIN_SECONDS,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _pinned(request) -> bool:
    try:
        until = int(request.get_signed_cookie(PIN_COOKIE, salt=PIN_SALT))
    except (KeyError, ValueError, signing.BadSignature):
        return False
    return until >= timezone.now().timestamp()


def _replica_usable(request) -> bool:
    if not replica_configured() or _pinned(request):
        return False
    lag = replica_lag()
    return lag is not None and lag <= timedelta(seconds=settings.REPLICA_MAX_LAG_SECONDS)


def _streamed_from_replica(content):
    token = _reading_from_replica.set(True)
    try:
        yield from content
    finally:
        _reading_from_replica.reset(token)


def reads_from_replica(view):
    """Mark a view whose reads may come from the replica (heavy, read-only, a few seconds' lag is fine)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not _replica_usable(request):
            return view(request, *args, **kwargs)
        token = _reading_from_replica.set(True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # a TemplateResponse's lazy querysets are read here, still from the replica
        finally:
            _reading_from_replica.reset(token)
        if getattr(response, "streaming", False):
            response.streaming_content = _streamed_from_replica(response.streaming_content)
        return response

    return wrapped


class PrimaryAfterWriteMiddleware:
    """Pins a user to the primary after any request that may have written (a successful unsafe method)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if replica_configured() and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            pin_to_primary(response)
        return response
