"""Every verification is logged without making the guard wait: with Redis, a check is one RPUSH
and a Celery beat job moves the queue into PassCheck rows in batches; without Redis (the embedded
default) the row is written at once. Each record carries its own id, so a batch written twice
(a worker died after the insert, before trimming the queue) is stored once."""

import contextlib
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.dates import day_start
from passes.models import PassCheck
from passes.revocations import BLOCKED_KEY, READY_KEY, client
from passes.tallies import checks_tally

QUEUE_KEY = "passes:checks"
FLUSH_LOCK_KEY = "passes:checks:flushing"

logger = logging.getLogger(__name__)


def record(
    *,
    result: str,
    pass_number: str,
    community_id: int | None,
    checked_by_id: int | None,
    at: datetime | None = None,
    entrance_id: int | None = None,
) -> None:
    at = at or timezone.now()
    r = client()
    if r is not None:
        try:
            r.rpush(
                QUEUE_KEY,
                json.dumps(
                    [
                        uuid.uuid4().hex,
                        at.timestamp(),
                        result,
                        pass_number[:16],
                        community_id,
                        checked_by_id,
                        entrance_id,
                    ]
                ),
            )
            return
        except redis.RedisError:
            # The guard still gets the answer, and the check is still logged: straight to the database.
            logger.warning("check log queue unavailable; writing the check directly", exc_info=True)
    PassCheck.objects.create(
        result=result,
        pass_number=pass_number[:16],
        community_id=community_id,
        checked_by_id=checked_by_id,
        checked_at=at,
        entrance_id=entrance_id,
    )
    # Not in one transaction with the row (two more statements per scan on the guard's path): a count lost to a
    # crash in between is restored by the night's recount.
    checks_tally([(at, community_id)])


# One round trip for a scan: the revocation set decides the result unless the pass is blocked, and the
# check is queued with that result. Nothing is queued (nil) when the set's copy is not ready.
_CHECK_AND_RECORD = """
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local result = redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[2]
redis.call('RPUSH', KEYS[3], ARGV[3] .. cjson.encode(result) .. ARGV[4])
return result
"""


@cache
def _check_and_record_script(r):
    return r.register_script(_CHECK_AND_RECORD)


def record_unless_blocked(
    *,
    result: str,
    pass_number: str,
    community_id: int | None,
    checked_by_id: int | None,
    entrance_id: int | None = None,
) -> str | None:
    """Log a check of a pass whose signature and dates gave `result`, unless the revocation set blocks the
    pass (then its status is logged). Returns the result logged, or None when Redis cannot answer: the
    caller then reads the revocation status from the database and calls `record`."""
    r = client()
    if r is None:
        return None
    at = timezone.now()
    # The record is the same JSON list as `record` writes, with the result filled in by the script.
    head = json.dumps([uuid.uuid4().hex, at.timestamp()])[:-1] + ","
    tail = "," + json.dumps([pass_number[:16], community_id, checked_by_id, entrance_id])[1:]
    try:
        logged = _check_and_record_script(r)(
            keys=[BLOCKED_KEY, READY_KEY, QUEUE_KEY], args=[pass_number, result, head, tail]
        )
    except redis.RedisError:
        logger.warning("revocation set or check queue unavailable; using the database", exc_info=True)
        return None
    return logged.decode() if logged else None


def flush(*, batch_size: int = 5000) -> int:
    """Move queued checks into the database; returns how many records were taken off the queue."""
    r = client()
    if r is None:
        return 0
    # Two flushes at once would both read the head of the queue and both trim it, dropping a batch
    # neither wrote; so one at a time (a beat job that overruns its interval just skips a turn).
    lock = r.lock(FLUSH_LOCK_KEY, timeout=300, blocking=False)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return _flush(r, batch_size)
    finally:
        # Held past its timeout and taken over: nothing of ours to release.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()


def _flush(r, batch_size: int) -> int:
    moved = 0
    while True:
        raw = r.lrange(QUEUE_KEY, 0, batch_size - 1)
        if not raw:
            return moved
        rows = []
        for item in raw:
            # Records queued before entrances existed have six fields.
            check_id, ts, result, number, community_id, user_id, *rest = json.loads(item)
            rows.append(
                PassCheck(
                    check_id=uuid.UUID(check_id),
                    checked_at=datetime.fromtimestamp(ts, tz=UTC),
                    result=result,
                    pass_number=number,
                    community_id=community_id,
                    checked_by_id=user_id,
                    entrance_id=rest[0] if rest else None,
                )
            )
        with transaction.atomic():
            # A batch written twice is stored once, and counted once: only the checks not stored yet (one flush at
            # a time, so none can arrive between the look-up and the insert).
            stored = set(
                PassCheck.objects.filter(check_id__in=[row.check_id for row in rows]).values_list("check_id", flat=True)
            )
            PassCheck.objects.bulk_create(rows, ignore_conflicts=True)
            checks_tally((row.checked_at, row.community_id) for row in rows if row.check_id not in stored)
        r.ltrim(QUEUE_KEY, len(raw), -1)
        moved += len(raw)
        if len(raw) < batch_size:
            return moved


def purge(*, batch_size: int = 10_000) -> int:
    """Delete the checks older than PASS_CHECK_RETENTION_DAYS full days (the day of the check not counted);
    returns how many. In batches, so that no long transaction holds the table the checkpoints write to."""
    cutoff = day_start(timezone.localdate() - timedelta(days=settings.PASS_CHECK_RETENTION_DAYS))
    old = PassCheck.objects.filter(checked_at__lt=cutoff).order_by()
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch_size]):
        deleted += PassCheck.objects.filter(pk__in=ids).delete()[0]
    return deleted


def pending() -> int:
    r = client()
    return r.llen(QUEUE_KEY) if r is not None else 0
