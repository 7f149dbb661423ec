"""Every verification is logged without making the guard wait: with Redis, a check is one RPUSH
and a Celery beat job moves the queue into PassCheck rows in batches; without Redis (the embedded
default) the row is written at once. Each record carries its own id, so a batch written twice
(a worker died after the insert, before trimming the queue) is stored once."""

import json
import uuid
from datetime import UTC, datetime

from django.utils import timezone

from passes.models import PassCheck
from passes.revocations import client

QUEUE_KEY = "passes:checks"


def record(*, result: str, pass_number: str, community_id: int | None, checked_by_id: int | None,
           at: datetime | None = None) -> None:
    at = at or timezone.now()
    r = client()
    if r is None:
        PassCheck.objects.create(result=result, pass_number=pass_number[:16], community_id=community_id,
                                 checked_by_id=checked_by_id, checked_at=at)
        return
    r.rpush(QUEUE_KEY, json.dumps([uuid.uuid4().hex, at.timestamp(), result, pass_number[:16], community_id,
                                   checked_by_id]))


def flush(*, batch_size: int = 5000) -> int:
    """Move queued checks into the database; returns how many records were taken off the queue."""
    r = client()
    if r is None:
        return 0
    moved = 0
    while True:
        raw = r.lrange(QUEUE_KEY, 0, batch_size - 1)
        if not raw:
            return moved
        rows = []
        for item in raw:
            check_id, ts, result, number, community_id, user_id = json.loads(item)
            rows.append(PassCheck(check_id=uuid.UUID(check_id), checked_at=datetime.fromtimestamp(ts, tz=UTC),
                                  result=result, pass_number=number, community_id=community_id,
                                  checked_by_id=user_id))
        PassCheck.objects.bulk_create(rows, ignore_conflicts=True)
        r.ltrim(QUEUE_KEY, len(raw), -1)
        moved += len(raw)
        if len(raw) < batch_size:
            return moved


def pending() -> int:
    r = client()
    return r.llen(QUEUE_KEY) if r is not None else 0
