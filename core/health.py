"""What the operators' probes read: the database (without it nothing works), the cache and the broker (Redis:
without it the portal still serves pages and checks from the database, more slowly), and the age of Celery
beat's last heartbeat. Each probe answers "ok", a mode ("eager", "local") or "error: <class>", never raises."""

from collections.abc import Callable
from datetime import datetime

from celery import current_app as celery_app
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "core:beat-heartbeat"


def probe(check: Callable[[], str | None]) -> str:
    try:
        return check() or "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, never raised
        return f"error: {type(error).__name__}"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> str | None:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return "local"  # no Redis configured: an in-process cache, nothing to reach
    backend._cache.get_client(write=True).ping()  # type: ignore[attr-defined]  # Django internal, not in the stubs
    return None


def _broker() -> str | None:
    if celery_app.conf.task_always_eager:
        return "eager"  # no broker configured: tasks run in-process
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def database_status() -> str:
    return probe(_database)


def cache_status() -> str:
    return probe(_cache)


def broker_status() -> str:
    return probe(_broker)


def beat_heartbeat_stamp(now: datetime | None = None) -> None:
    """Called by the beat-scheduled heartbeat task: its age tells whether beat (and a worker) still run."""
    cache.set(HEARTBEAT_KEY, (now or timezone.now()).isoformat(), timeout=None)


def beat_heartbeat_age(now: datetime | None = None) -> float | None:
    """Seconds since the last heartbeat, or None if there is none (beat never ran, or the cache lost it)."""
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001 - an unreachable cache is reported by cache_status
        return None
    if not stamp:
        return None
    return ((now or timezone.now()) - datetime.fromisoformat(stamp)).total_seconds()
