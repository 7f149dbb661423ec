"""The revocation list a checkpoint phone keeps for offline checks: the numbers of the passes that are revoked or
suspended, city-wide (a guard checks passes of every community, clause 9), and nothing about their holders.

Versions are PassEvent ids: every status change of a pass writes one, so "what changed since version V" is
the passes with an event after V, each with its status now. A phone sends the version it holds and gets
only those; without one (or with one this server never gave) it gets the full list.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from passes.models import PassEvent, ReturnPass

# A transition's events get their ids when inserted but are seen only at commit, so an id can appear
# after a higher one was read. The version handed out stops at the events older than this; the newer
# ones are served again next time (applying a change twice is harmless), so none is skipped.
SETTLE = timedelta(minutes=2)
# A blocked pass whose dates ended before yesterday can no longer pass a checkpoint on its dates alone:
# left out of the full list to keep it small (the same cutoff as the server's Redis copy).
PRESENTABLE_DAYS = 1
# A delta whose events have all settled is the same answer for every phone holding that version until the
# next event: after a list change, the phones coming online at the morning shift share one query. Kept for
# the phones' refresh period; a new event gives a new key, so nothing stale is served.
DELTA_CACHE_SECONDS = 5 * 60


@dataclass
class RevocationList:
    version: int
    full: bool  # True: replace the list held; False: apply the changes
    revoked: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)  # no longer blocked (reinstated, or expired)

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "full": self.full,
            "generated_at": int(timezone.now().timestamp() * 1000),
            "revoked": self.revoked,
            "suspended": self.suspended,
            "cleared": self.cleared,
        }


def _latest_event_id() -> int:
    return PassEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _settled_event_id() -> int:
    # Walks the primary key backwards from the newest event: only the last minutes' events are read.
    cutoff = timezone.now() - SETTLE
    return PassEvent.objects.filter(at__lt=cutoff).order_by("-pk").values_list("pk", flat=True).first() or 0


def revocation_list_json(*, since: int | None = None) -> str:
    """`revocation_list(since=since).as_json()` serialized, for the endpoint. A delta is served from the cache
    when the newest event has settled (so has every one below it: none can still appear), which makes the
    answer a function of (since, newest event) alone. The event's time is in the key with its id: a database
    restored or rebuilt reuses ids, never both."""
    newest = PassEvent.objects.order_by("-pk").values_list("pk", "at").first()
    latest, latest_at = newest or (0, None)
    settled = latest_at is not None and latest_at < timezone.now() - SETTLE
    key = f"passes:revocations:{since}:{latest}:{latest_at and latest_at.isoformat()}"
    key_or_none = key if settled and _is_delta(since, latest) else None
    lists = cache.get(key_or_none) if key_or_none else None
    if lists is None:
        result = revocation_list(since=since, latest=latest, settled=latest if settled else None)
        lists = json.dumps({"revoked": result.revoked, "suspended": result.suspended, "cleared": result.cleared})
        if key_or_none:
            cache.set(key_or_none, lists, DELTA_CACHE_SECONDS)
        version, full = result.version, result.full
    else:
        version, full = latest, False
    head = json.dumps({"version": version, "full": full, "generated_at": int(timezone.now().timestamp() * 1000)})
    return f"{head[:-1]}, {lists[1:]}"  # the two objects joined: the numbers are not parsed again


def _is_delta(since: int | None, latest: int) -> bool:
    return since is not None and 0 < since <= latest


def revocation_list(
    *, since: int | None = None, latest: int | None = None, settled: int | None = None
) -> RevocationList:
    """The full list (since None, 0, or a version this server never gave), or the changes after `since`.
    `latest` and `settled` are the event ids read by the caller, if it read them already."""
    latest = _latest_event_id() if latest is None else latest
    settled = _settled_event_id() if settled is None else settled
    passes, events = ReturnPass._meta.db_table, PassEvent._meta.db_table
    blocked = list(ReturnPass.BLOCKED_STATUSES)
    # The database groups the numbers into JSON arrays itself: 50,000 numbers cost no Python objects but
    # the strings, where a queryset's rows made the answer four times slower.
    if not since or since < 0 or since > latest:
        result = RevocationList(version=settled, full=True)
        cutoff = timezone.localdate() - timedelta(days=PRESENTABLE_DAYS)
        sql = (
            f"SELECT status, json_agg(number) FROM {passes} "  # noqa: S608 - our table names; values are parameters
            "WHERE status = ANY(%s) AND valid_until >= %s GROUP BY status"
        )
        params: list[Any] = [blocked, cutoff]
    else:
        result = RevocationList(version=max(since, settled), full=False)
        sql = (
            "SELECT CASE WHEN status = ANY(%s) THEN status ELSE 'cleared' END AS kind, json_agg(number) "  # noqa: S608
            f"FROM {passes} WHERE id IN (SELECT return_pass_id FROM {events} WHERE id > %s) GROUP BY kind"
        )
        params = [blocked, since]
    if connection.vendor != "postgresql":
        return _revocation_list_portable(result, since=since)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, numbers in cursor.fetchall():
            getattr(result, kind).extend(json.loads(numbers) if isinstance(numbers, str) else numbers)
    return result


def _revocation_list_portable(result: RevocationList, *, since: int | None) -> RevocationList:
    """The same answer through the ORM, for SQLite (the embedded default)."""
    if result.full:
        cutoff = timezone.localdate() - timedelta(days=PRESENTABLE_DAYS)
        rows = ReturnPass.objects.filter(status__in=ReturnPass.BLOCKED_STATUSES, valid_until__gte=cutoff)
    else:
        rows = ReturnPass.objects.filter(pk__in=PassEvent.objects.filter(pk__gt=since).values("return_pass_id"))
    for number, status in rows.order_by().values_list("number", "status").iterator(chunk_size=10_000):
        if status in ReturnPass.BLOCKED_STATUSES:
            getattr(result, status).append(number)
        elif not result.full:
            result.cleared.append(number)
    return result
