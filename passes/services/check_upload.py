"""Checks a checkpoint phone made offline, uploaded in batches when the network returns.

Each check carries the id the phone gave it, so a batch sent twice (the upload was cut after the server
wrote it, the phone reloaded) is stored once: the insert skips ids already stored, and the phone is told
they are accepted, so it stops resending them. A check is refused, with its reason, when it is malformed,
dated in the future or past the retention period, or made at another checkpoint than the uploader's
(a phone of community A cannot write into the log of community B) or at an entrance not of it, or by
another guard than the one uploading (the phone keeps them until that guard signs in again). An entrance
closed since the check was made is still its entrance: the check happened there.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passes.models import Entrance, PassCheck
from passes.tallies import checks_tally

MAX_BATCH = 1000  # the phone sends 500 at a time
# A phone's clock may run a little fast; a check further in the future than this is not believable.
FUTURE_TOLERANCE = timedelta(minutes=10)
_NUMBER = re.compile(r"[A-Z0-9]{0,16}")
# The form the phone sends (crypto.randomUUID()): taken as is, with no UUID object per check.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RESULTS = frozenset(PassCheck.Result.values)

MSG_MALFORMED = _("核验记录格式不正确。")
MSG_OTHER_COMMUNITY = _("不是本账号所在卡口的核验记录。")
MSG_OTHER_ENTRANCE = _("不是本卡口的出入口。")
MSG_OTHER_USER = _("不是本账号做的核验记录, 请由核验人登录后上传。")
MSG_FUTURE = _("核验时间晚于服务器时间, 请检查手机时间。")
MSG_TOO_OLD = _("核验时间早于保存期限, 不再入库。")


@dataclass
class UploadResult:
    accepted: list[str] = field(default_factory=list)  # check ids stored now or before
    refused: list[tuple[str, str]] = field(default_factory=list)  # (check id as sent, reason)


def _parse(
    item, *, community_id: int | None, user_id: int, entrances: set[int], earliest: datetime, latest: datetime
) -> tuple | str:
    """The check to store as (check_id, checked_at, result, pass_number, entrance_id), or why not."""
    if not isinstance(item, dict):
        return str(MSG_MALFORMED)
    try:
        check_id = item["check_id"]
        if not (isinstance(check_id, str) and _CANONICAL_UUID.fullmatch(check_id)):
            check_id = str(uuid.UUID(str(check_id)))
        millis = item["at"]
        if isinstance(millis, bool) or not isinstance(millis, int):
            raise TypeError
        checked_at = datetime.fromtimestamp(millis / 1000, tz=UTC)
        result, number = item["result"], item.get("pass_number", "")
        if result not in _RESULTS or not isinstance(number, str) or not _NUMBER.fullmatch(number):
            raise ValueError
        community = item.get("community")
        entrance = item.get("entrance") or None  # a phone without a chosen entrance sends none
        if entrance is not None:
            if isinstance(entrance, bool) or not isinstance(entrance, int | str):
                raise TypeError
            entrance = int(entrance)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return str(MSG_MALFORMED)
    if community != community_id:
        return str(MSG_OTHER_COMMUNITY)
    if entrance is not None and entrance not in entrances:
        return str(MSG_OTHER_ENTRANCE)
    # A shared phone: checks one guard made offline are not logged under the next guard's name.
    if item.get("by", user_id) != user_id:
        return str(MSG_OTHER_USER)
    if checked_at > latest:
        return str(MSG_FUTURE)
    if checked_at < earliest:
        return str(MSG_TOO_OLD)
    return check_id, checked_at, result, number, entrance


def pass_checks_upload(*, checks: list, uploaded_by) -> UploadResult:
    """Store a batch of offline checks made by `uploaded_by` at their checkpoint; idempotent on check id."""
    now = timezone.now()
    earliest = now - timedelta(days=settings.PASS_CHECK_RETENTION_DAYS)
    # Read once: request.user is a lazy object, and an attribute read per check cost a fifth of the batch.
    community_id, user_id, latest = uploaded_by.community_id, uploaded_by.pk, now + FUTURE_TOLERANCE
    entrances = set(Entrance.objects.filter(community_id=community_id).values_list("pk", flat=True))
    result, rows, seen = UploadResult(), [], set()
    for item in checks:
        parsed = _parse(
            item, community_id=community_id, user_id=user_id, entrances=entrances, earliest=earliest, latest=latest
        )
        if isinstance(parsed, str):
            sent = item.get("check_id") if isinstance(item, dict) else None
            result.refused.append((str(sent)[:64] if sent is not None else "", parsed))
            continue
        if parsed[0] in seen:
            continue
        seen.add(parsed[0])
        rows.append(parsed)
        result.accepted.append(str(item["check_id"]))  # as sent: the phone deletes it by that key
    _insert(rows, community_id=community_id, checked_by_id=user_id)
    return result


@transaction.atomic  # the checks and their count together
def _insert(rows: list[tuple], *, community_id: int | None, checked_by_id: int) -> None:
    """One INSERT ... ON CONFLICT DO NOTHING: ids already stored (a batch sent again) are skipped."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        checks = [
            PassCheck(
                check_id=i,
                checked_at=at,
                result=r,
                pass_number=n,
                community_id=community_id,
                checked_by_id=checked_by_id,
                entrance_id=e,
            )
            for i, at, r, n, e in rows
        ]
        stored = set(
            PassCheck.objects.filter(check_id__in=[c.check_id for c in checks]).values_list("check_id", flat=True)
        )
        PassCheck.objects.bulk_create(checks, ignore_conflicts=True)
        checks_tally((c.checked_at, community_id) for c in checks if uuid.UUID(str(c.check_id)) not in stored)
        return
    # On PostgreSQL the columns go as four arrays: one short statement whatever the batch, and no model
    # instances (building 500 of them cost more than validating the batch). Each array is one text literal
    # ('{a,b}'): a Python list becomes ARRAY[x::uuid, ...], which took psycopg2 5 ms and PostgreSQL 2,000
    # expressions to read per batch. Every element is quoted: a pass number may be empty, or read "NULL"
    # (validated [A-Z0-9]*, so no quote or backslash inside); an entrance is a number, or NULL unquoted.
    entrance_ids = "{" + ",".join("NULL" if row[4] is None else str(row[4]) for row in rows) + "}"
    ids, times, results, numbers = (
        '{"' + '","'.join(column) + '"}'
        for column in (
            (row[0] for row in rows),
            (row[1].isoformat() for row in rows),
            (row[2] for row in rows),
            (row[3] for row in rows),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PassCheck._meta.db_table} "  # noqa: S608 - the table name is ours, values are parameters
            "(check_id, checked_at, result, pass_number, entrance_id, community_id, checked_by_id) "
            "SELECT c, t, r, n, e, %s, %s FROM unnest(%s::uuid[], %s::timestamptz[], %s::varchar[], %s::varchar[], "
            "%s::bigint[]) AS u(c, t, r, n, e) ON CONFLICT (check_id) DO NOTHING RETURNING checked_at",
            [community_id, checked_by_id, ids, times, results, numbers, entrance_ids],
        )
        # Only the checks stored now: a batch sent again is counted once.
        checks_tally((at, community_id) for (at,) in cursor.fetchall())
