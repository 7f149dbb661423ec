"""The revocation set: pass numbers a checkpoint must refuse although their signature is good.

The database is the record; Redis holds a copy (a hash number -> status) so that verifying a pass
reads nothing else. Redis here keeps nothing on disk, so the copy carries a "ready" marker: when
Redis restarted and lost it, the first check rebuilds the copy from the database before answering.
Without Redis (the embedded default) the check reads the database directly.
"""

import contextlib
import logging
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.utils import timezone

from passes.models import ReturnPass

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT

BLOCKED_KEY = "passes:blocked"
READY_KEY = "passes:blocked:ready"
REBUILD_LOCK_KEY = "passes:blocked:rebuilding"
# A transition that was in flight while a rebuild read the database may publish its change to the old
# copy just before the rebuilt one replaces it; the rebuild re-applies every change this recent.
REBUILD_OVERLAP = timedelta(minutes=2)

logger = logging.getLogger(__name__)


@cache
def client() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def _blocked_in_database(number: str) -> str | None:
    return (
        ReturnPass.objects.filter(number=number, status__in=ReturnPass.BLOCKED_STATUSES)
        .values_list("status", flat=True)
        .first()
    )


def blocked_status(number: str) -> str | None:
    """'revoked' or 'suspended' for a blocked pass, else None."""
    r = client()
    if r is None:
        return _blocked_in_database(number)
    try:
        pipe = r.pipeline(transaction=False)
        pipe.hget(BLOCKED_KEY, number)
        pipe.exists(READY_KEY)
        status, ready = pipe.execute()
    except redis.RedisError:
        # A checkpoint must get an answer while Redis is away: the database holds the record.
        logger.warning("revocation set unavailable; reading the database", exc_info=True)
        return _blocked_in_database(number)
    if not ready:
        rebuild()
        return _blocked_in_database(number)
    return status.decode() if status else None


def rebuild() -> int | None:
    """Copy the blocked passes that can still be presented (not long expired) into Redis, atomically.
    Returns how many, or None when another process is rebuilding (callers read the database meanwhile)."""
    r = client()
    if r is None:
        return 0
    if not r.set(REBUILD_LOCK_KEY, "1", nx=True, ex=60):
        return None
    try:
        started = timezone.now()
        cutoff = timezone.localdate() - timedelta(days=1)
        rows = ReturnPass.objects.filter(status__in=ReturnPass.BLOCKED_STATUSES, valid_until__gte=cutoff)
        mapping = dict(rows.values_list("number", "status").iterator(chunk_size=10_000))
        staging = f"{BLOCKED_KEY}:staging"
        pipe = r.pipeline()
        pipe.delete(staging)
        for start in range(0, len(mapping), 10_000):
            chunk = dict(list(mapping.items())[start : start + 10_000])
            pipe.hset(staging, mapping=chunk)
        if mapping:
            pipe.rename(staging, BLOCKED_KEY)
        else:
            pipe.delete(BLOCKED_KEY)
        pipe.set(READY_KEY, "1")
        pipe.execute()
        recent = ReturnPass.objects.filter(updated_at__gte=started - REBUILD_OVERLAP)
        publish(
            {
                number: (status if status in ReturnPass.BLOCKED_STATUSES else None)
                for number, status in recent.values_list("number", "status")
            }
        )
        return len(mapping)
    finally:
        r.delete(REBUILD_LOCK_KEY)


def publish(changes: dict[str, str | None]) -> None:
    """Apply committed status changes: number -> blocked status, or None to unblock. Call on commit."""
    r = client()
    if r is None or not changes:
        return
    pipe = r.pipeline()
    blocked: dict[FieldT, EncodableT] = {number: status for number, status in changes.items() if status}
    unblocked = [number for number, status in changes.items() if not status]
    if blocked:
        pipe.hset(BLOCKED_KEY, mapping=blocked)
    if unblocked:
        pipe.hdel(BLOCKED_KEY, *unblocked)
    try:
        pipe.execute()
    except redis.RedisError:
        # The change is committed; the copy is now stale. Drop the ready marker if Redis still answers,
        # so the next check rebuilds; otherwise the scheduled rebuild (passes.tasks) repairs it.
        logger.error("revocation set not updated for %s", sorted(changes), exc_info=True)
        with contextlib.suppress(redis.RedisError):
            r.delete(READY_KEY)
