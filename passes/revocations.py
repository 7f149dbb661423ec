"""The revocation set: pass numbers a checkpoint must refuse although their signature is good.

The database is the record; Redis holds a copy (a hash number -> status) so that verifying a pass
reads nothing else. Redis here keeps nothing on disk, so the copy carries a "ready" marker: when
Redis restarted and lost it, the first check rebuilds the copy from the database before answering.
Without Redis (the embedded default) the check reads the database directly.
"""

from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from django.utils import timezone

from passes.models import ReturnPass

BLOCKED_KEY = "passes:blocked"
READY_KEY = "passes:blocked:ready"
REBUILD_LOCK_KEY = "passes:blocked:rebuilding"


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
    status, ready = r.pipeline(transaction=False).hget(BLOCKED_KEY, number).exists(READY_KEY).execute()
    if not ready:
        rebuild()
        return _blocked_in_database(number)
    return status.decode() if status else None


def rebuild() -> int:
    """Copy the blocked passes that can still be presented (not long expired) into Redis, atomically."""
    r = client()
    if r is None:
        return 0
    if not r.set(REBUILD_LOCK_KEY, "1", nx=True, ex=60):
        return 0  # another process is rebuilding; callers fall back to the database meanwhile
    try:
        cutoff = timezone.localdate() - timedelta(days=1)
        rows = ReturnPass.objects.filter(status__in=ReturnPass.BLOCKED_STATUSES, valid_until__gte=cutoff)
        mapping = dict(rows.values_list("number", "status").iterator(chunk_size=10_000))
        staging = f"{BLOCKED_KEY}:staging"
        pipe = r.pipeline()
        pipe.delete(staging)
        for start in range(0, len(mapping), 10_000):
            chunk = dict(list(mapping.items())[start:start + 10_000])
            pipe.hset(staging, mapping=chunk)
        if mapping:
            pipe.rename(staging, BLOCKED_KEY)
        else:
            pipe.delete(BLOCKED_KEY)
        pipe.set(READY_KEY, "1")
        pipe.execute()
        return len(mapping)
    finally:
        r.delete(REBUILD_LOCK_KEY)


def publish(changes: dict[str, str | None]) -> None:
    """Apply committed status changes: number -> blocked status, or None to unblock. Call on commit."""
    r = client()
    if r is None or not changes:
        return
    pipe = r.pipeline()
    blocked = {number: status for number, status in changes.items() if status}
    unblocked = [number for number, status in changes.items() if not status]
    if blocked:
        pipe.hset(BLOCKED_KEY, mapping=blocked)
    if unblocked:
        pipe.hdel(BLOCKED_KEY, *unblocked)
    pipe.execute()
