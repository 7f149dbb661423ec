"""Personal data leaves on time: one retention policy per kind of data, each period a setting.

An app registers each kind of personal data it keeps (from its AppConfig.ready, so core imports no app): a
name, the setting that holds the period, and a function that deletes or anonymises one batch of what is past
the cutoff. The nightly sweep (core.tasks.retention_sweep) runs every kind batch by batch, one short
transaction per batch, so no table is locked for long and an interrupted sweep resumes where it stopped; a
second run finds nothing to do.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.dates import day_start

DAYS, HOURS = "days", "hours"
DELETE, ANONYMISE = "delete", "anonymise"
BATCH_SIZE = 1000


@dataclass(frozen=True)
class RetentionKind:
    key: str  # stable name, e.g. "passes.worker_left"
    label: Any  # what the data is, for people (a lazy translation)
    setting: str  # the setting holding the period
    purge_batch: Callable[[datetime, int], int]  # (cutoff, batch size) -> rows handled; fewer than asked: done
    action: str = DELETE
    unit: str = DAYS  # a period in days runs to the start of a local day; in hours, to the hour
    # Fewer rows per transaction than the sweep's batch, for a kind whose rows cost more (several tables, indexes).
    max_batch: int | None = None

    def period(self) -> timedelta:
        return timedelta(**{self.unit: getattr(settings, self.setting)})

    def cutoff(self, now: datetime) -> datetime:
        """Data older than this goes. Days count whole local days: the day itself is kept."""
        if self.unit == DAYS:
            return day_start(timezone.localdate(now) - self.period())
        return now - self.period()


_KINDS: dict[str, RetentionKind] = {}


def register(kind: RetentionKind) -> None:
    """Add a kind of personal data to the nightly sweep (idempotent: AppConfig.ready may run twice in tests)."""
    _KINDS[kind.key] = kind


def kinds() -> list[RetentionKind]:
    return list(_KINDS.values())


@dataclass
class SweepResult:
    key: str
    rows: int = 0
    batches: int = 0
    longest_transaction: float = 0.0  # seconds: the longest a batch held its locks
    durations: list[float] = field(default_factory=list, repr=False)


def retention_sweep(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, only: list[str] | None = None
) -> list[SweepResult]:
    """Delete or anonymise everything past its period, kind by kind, in batches of one short transaction each."""
    now = now or timezone.now()
    results = []
    for kind in kinds():
        if only is not None and kind.key not in only:
            continue
        result = SweepResult(kind.key)
        cutoff = kind.cutoff(now)
        size = min(batch_size, kind.max_batch) if kind.max_batch else batch_size
        while True:
            started = time.perf_counter()
            with transaction.atomic():
                handled = kind.purge_batch(cutoff, size)
            elapsed = time.perf_counter() - started
            result.batches += 1
            result.rows += handled
            result.durations.append(elapsed)
            result.longest_transaction = max(result.longest_transaction, elapsed)
            if handled < size:
                break
        results.append(result)
    return results


def delete_batch(queryset, batch_size: int) -> int:
    """Delete up to batch_size rows of the queryset (ids first, so the DELETE is by primary key); returns how many."""
    model = queryset.model
    ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0
    model._default_manager.filter(pk__in=ids).delete()
    return len(ids)
