"""Why a pass is suspended: a standing PassSuspension row per reason (health, the risk list, the district).

A pass is suspended exactly while one of its reasons stands. Adding the first reason suspends a valid
pass; lifting the last one reinstates it. Every status change goes through the transition table of
return_passes (`_log`), writes a PassEvent (in bulk for a sweep) and reaches the Redis revocation copy
on commit (`_publish_on_commit`): the offline revocation list reads its deltas from PassEvent ids.

Callers hold the passes locked (`return_passes._locked`) and run inside a transaction.

The risk-list sweep works in chunks of SWEEP_CHUNK passes, each its own short transaction. On PostgreSQL a
chunk's reasons, status changes and PassEvents are one statement (INSERT ... SELECT / UPDATE ... FROM over
the chunk's ids) with the same rules as suspension_reasons_add/lift, which SQLite still goes through:
per-pass model instances cost the city's sweep several times the SQL it needs.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from passes.eligibility import OriginCheck, RiskAreaRules
from passes.models import HealthIncident, PassEvent, PassSuspension, ReturnPass, RiskAreaList, Worker
from passes.services.return_passes import (
    NOTICE_SUSPENDED,
    REASON_RISK_LIST,
    _log,
    _notify_enterprises,
    _notify_enterprises_of,
    _publish_changes_on_commit,
    _publish_on_commit,
)
from passes.tallies import events_tally, moves_tally

S = ReturnPass.Status
R = PassSuspension.Reason
IN_PLAY = (S.VALID, S.SUSPENDED)


def _save_status(passes: list[ReturnPass]) -> None:
    """One UPDATE per distinct (status, reason text): a sweep's passes share a few texts, and a plain
    UPDATE is far cheaper than bulk_update's CASE per row."""
    now = timezone.now()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in passes:
        groups[(p.status, p.status_reason)].append(p.pk)
    for (status, reason), ids in groups.items():
        for start in range(0, len(ids), 5000):
            ReturnPass.objects.filter(pk__in=ids[start : start + 5000]).update(
                status=status, status_reason=reason, updated_at=now
            )


def suspension_reasons_add(
    *,
    passes: Iterable[ReturnPass],
    reason: str,
    actor: User | None,
    detail: str | Callable[[ReturnPass], str],
    risk_list: RiskAreaList | None = None,
    incident: HealthIncident | None = None,
    notify: bool = True,
) -> tuple[list[ReturnPass], int]:
    """Give each pass in play this reason unless it already stands; the valid ones are suspended.
    Returns the passes suspended now, and how many passes gained the reason."""
    candidates = [p for p in passes if p.status in IN_PLAY]
    if not candidates:
        return [], 0
    standing = set(
        PassSuspension.objects.filter(
            return_pass_id__in=[p.pk for p in candidates], reason=reason, lifted_at__isnull=True
        ).values_list("return_pass_id", flat=True)
    )
    rows, suspended, events = [], [], []
    for p in candidates:
        if p.pk in standing:
            continue
        text = (detail(p) if callable(detail) else str(detail))[:255]
        rows.append(PassSuspension(return_pass=p, reason=reason, detail=text, risk_list=risk_list, incident=incident))
        if p.status == S.VALID:
            events.append(_log(p, "suspend", actor, text))
            p.status_reason = text
            suspended.append(p)
    PassSuspension.objects.bulk_create(rows, batch_size=2000)
    _save_status(suspended)
    events_tally(PassEvent.objects.bulk_create(events, batch_size=2000))
    _publish_on_commit(suspended)
    if notify:
        _notify_enterprises(suspended, NOTICE_SUSPENDED)
    return suspended, len(rows)


def suspension_reasons_lift(
    *,
    passes: Iterable[ReturnPass],
    actor: User | None,
    comment: str,
    reasons: Iterable[str] | None = None,
    incident: HealthIncident | None = None,
    reinstate: bool = True,
) -> tuple[list[ReturnPass], int]:
    """Lift the standing reasons of these passes (all of them, or only `reasons`, or only `incident`'s).
    A suspended pass left with no reason is reinstated, with an event carrying `comment`. Returns those,
    and how many passes had a reason lifted."""
    passes = list(passes)
    if not passes:
        return [], 0
    standing = PassSuspension.objects.filter(return_pass_id__in=[p.pk for p in passes], lifted_at__isnull=True)
    if reasons is not None:
        standing = standing.filter(reason__in=list(reasons))
    if incident is not None:
        standing = standing.filter(incident=incident)
    lifted = set(standing.values_list("return_pass_id", flat=True))
    if not lifted:
        return [], 0
    standing.update(lifted_at=timezone.now())
    if not reinstate:
        return [], len(lifted)
    still = set(
        PassSuspension.objects.filter(return_pass_id__in=list(lifted), lifted_at__isnull=True).values_list(
            "return_pass_id", flat=True
        )
    )
    reinstated, events = [], []
    for p in passes:
        if p.pk in lifted and p.pk not in still and p.status == S.SUSPENDED:
            events.append(_log(p, "reinstate", actor, comment))
            p.status_reason = ""
            reinstated.append(p)
    _save_status(reinstated)
    events_tally(PassEvent.objects.bulk_create(events, batch_size=2000))
    _publish_on_commit(reinstated)
    return reinstated, len(lifted)


def standing_reasons(return_pass: ReturnPass) -> list[PassSuspension]:
    return list(return_pass.suspensions.filter(lifted_at__isnull=True).select_related("risk_list", "incident"))


# --- the risk list, both ways ----------------------------------------------------------------------

REASON_RISK_LIFTED = _(
    "风险地区名单更新(《%(title)s》第 %(version)s 版, %(source)s, %(date)s 起施行): 来源地不再限制上岗"
)
NOTICE_RISK_REINSTATED = _("%(count)s 张返岗员工通行证已随风险地区名单更新恢复使用")
SWEEP_CHUNK = 5000


@dataclass
class RiskListSweep:
    suspended: int = 0  # valid passes suspended
    reasons_added: int = 0  # passes that gained the risk-list reason (suspended ones included)
    reinstated: int = 0  # passes that came back: the list was their last reason
    reasons_lifted: int = 0


def return_passes_follow_risk_list(*, risk_list: RiskAreaList, today: date | None = None) -> RiskListSweep:
    """After a risk list comes into force, passes follow it both ways: a pass whose worker's origin it now
    keeps from work gains the risk-list reason (a valid one is suspended); a pass whose risk-list reason
    no longer holds loses it, and comes back if no other reason stands, with an event naming the version.
    Judged without locks over the passes in play, then each chunk to change is locked and judged again,
    so the city's passes are not held for the scan. Running it again changes nothing."""
    today = today or timezone.localdate()
    check = OriginCheck(RiskAreaRules.for_version(risk_list), on=today)
    standing = set(
        PassSuspension.objects.filter(reason=R.RISK_AREA, lifted_at__isnull=True).values_list(
            "return_pass_id", flat=True
        )
    )
    to_add, to_lift = [], []
    scan = (
        ReturnPass.objects.filter(status__in=IN_PLAY)
        .order_by()
        .values_list("pk", "worker__origin_id", "worker__arrived_on", "worker__test_result", "worker__tested_on")
    )
    for pk, origin, arrived_on, test_result, tested_on in scan.iterator(chunk_size=10_000):
        blocked = check.reason(origin, arrived_on, test_result, tested_on) is not None
        if blocked and pk not in standing:
            to_add.append(pk)
        elif not blocked and pk in standing:
            to_lift.append(pk)
    sweep = RiskListSweep()
    for start in range(0, len(to_add), SWEEP_CHUNK):
        _add_chunk(to_add[start : start + SWEEP_CHUNK], risk_list, check, sweep)
    for start in range(0, len(to_lift), SWEEP_CHUNK):
        _lift_chunk(to_lift[start : start + SWEEP_CHUNK], risk_list, check, sweep)
    return sweep


# A locked pass as the sweep reads it: id, number, status, enterprise id, the worker's name, then the values
# OriginCheck.reason takes.
_SWEEP_ROW = (
    "pk",
    "number",
    "status",
    "enterprise_id",
    "worker__name",
    "worker__origin_id",
    "worker__arrived_on",
    "worker__test_result",
    "worker__tested_on",
)


def _locked_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """Lock these passes (rows of ReturnPass only, in id order) and read just what the sweep needs: the
    city's passes in one query per chunk, no model instances."""
    wanted: Any = ids
    if connection.vendor == "postgresql":
        wanted = RawSQL("SELECT unnest(%s::bigint[])", [ids])  # one array parameter, not thousands
    rows = ReturnPass.objects.filter(pk__in=wanted).select_for_update(of=("self",)).order_by("pk")
    return list(rows.values_list(*_SWEEP_ROW))


def _lean_pass(row: tuple[Any, ...]) -> ReturnPass:
    pk, number, status, enterprise_id, name, *_origin = row
    return ReturnPass(pk=pk, number=number, status=status, enterprise_id=enterprise_id, worker=Worker(name=name))


def _changed(rows: list[tuple[Any, ...]], ids: set[int], status: str | None) -> list[tuple[Any, ...]]:
    """The rows that changed, in id order; their Redis copy is updated on commit."""
    changed = [row for row in rows if row[0] in ids]
    _publish_changes_on_commit({row[1]: status for row in changed})
    return changed


def _notices(rows: list[tuple[Any, ...]]) -> Iterator[tuple[int, str, str]]:
    return ((row[3], row[1], row[4]) for row in rows)


@transaction.atomic
def _add_chunk(ids: list[int], risk_list: RiskAreaList, check: OriginCheck, sweep: RiskListSweep) -> None:
    rows = _locked_rows(ids)
    texts: dict[str, str] = {}
    details: dict[int, str] = {}
    for pk, _number, status, _enterprise, _name, *origin in rows:
        reason = check.reason(*origin) if status in IN_PLAY else None
        if reason is None:  # changed since the scan: revoked, or the worker's test arrived
            continue
        if reason not in texts:
            texts[reason] = str(REASON_RISK_LIST % {"source": risk_list.source_document, "reason": reason})[:255]
        details[pk] = texts[reason]
    if connection.vendor != "postgresql":
        passes = [_lean_pass(row) for row in rows if row[0] in details]
        suspended_passes, added = suspension_reasons_add(
            passes=passes, reason=R.RISK_AREA, actor=None, detail=lambda p: details[p.pk], risk_list=risk_list
        )
        sweep.suspended += len(suspended_passes)
        sweep.reasons_added += added
        return
    added, suspended_ids = _add_risk_reasons_pg(details, risk_list)
    suspended = _changed(rows, suspended_ids, S.SUSPENDED)
    _notify_enterprises_of(_notices(suspended), NOTICE_SUSPENDED)
    sweep.suspended += len(suspended)
    sweep.reasons_added += added


def _add_risk_reasons_pg(details: dict[int, str], risk_list: RiskAreaList) -> tuple[int, set[int]]:
    """suspension_reasons_add for a chunk in one statement: the reason row for each pass that lacks it, then
    the valid ones among those suspended with their PassEvent. Returns (reasons added, ids suspended)."""
    if not details:
        return 0, set()
    ids = list(details)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted AS (
                SELECT u.id, u.detail FROM unnest(%(ids)s::bigint[], %(details)s::varchar[]) AS u(id, detail)
            ), added AS (
                INSERT INTO {PassSuspension._meta.db_table}
                    (return_pass_id, reason, detail, risk_list_id, incident_id, started_at)
                SELECT w.id, %(reason)s, w.detail, %(list)s, NULL, %(now)s FROM wanted w
                WHERE NOT EXISTS (
                    SELECT 1 FROM {PassSuspension._meta.db_table} s
                    WHERE s.return_pass_id = w.id AND s.reason = %(reason)s AND s.lifted_at IS NULL
                )
                ORDER BY w.id
                RETURNING return_pass_id, detail
            ), suspended AS (
                UPDATE {ReturnPass._meta.db_table} p
                SET status = %(to)s, status_reason = a.detail, updated_at = %(now)s
                FROM added a WHERE p.id = a.return_pass_id AND p.status = %(from)s
                RETURNING p.id, a.detail
            ), events AS (
                INSERT INTO {PassEvent._meta.db_table} (return_pass_id, actor_id, from_status, to_status, comment, at)
                SELECT id, NULL, %(from)s, %(to)s, detail, %(now)s FROM suspended ORDER BY id
                RETURNING return_pass_id
            )
            SELECT (SELECT count(*) FROM added), ARRAY(SELECT return_pass_id FROM events)
            """,  # noqa: S608 - the table names are ours, the values parameters
            {
                "ids": ids,
                "details": [details[pk] for pk in ids],
                "reason": R.RISK_AREA,
                "list": risk_list.pk,
                "now": timezone.now(),
                "from": S.VALID,
                "to": S.SUSPENDED,
            },
        )
        added, suspended = cursor.fetchone()
    moves_tally((pk, S.VALID, S.SUSPENDED) for pk in suspended)
    return added, set(suspended)


@transaction.atomic
def _lift_chunk(ids: list[int], risk_list: RiskAreaList, check: OriginCheck, sweep: RiskListSweep) -> None:
    rows = _locked_rows(ids)
    clear = [row for row in rows if check.reason(*row[5:]) is None]
    comment = str(
        REASON_RISK_LIFTED
        % {
            "title": risk_list.title,
            "version": risk_list.pk,
            "source": risk_list.source_document,
            "date": f"{risk_list.effective_from:%Y-%m-%d}",
        }
    )[:255]
    if connection.vendor != "postgresql":
        reinstated_passes, lifted = suspension_reasons_lift(
            passes=[_lean_pass(row) for row in clear], actor=None, comment=comment, reasons=[R.RISK_AREA]
        )
        _notify_enterprises(reinstated_passes, NOTICE_RISK_REINSTATED)
        sweep.reasons_lifted += lifted
        sweep.reinstated += len(reinstated_passes)
        return
    lifted, reinstated_ids = _lift_risk_reasons_pg([row[0] for row in clear], comment)
    reinstated = _changed(clear, reinstated_ids, None)
    _notify_enterprises_of(_notices(reinstated), NOTICE_RISK_REINSTATED)
    sweep.reasons_lifted += lifted
    sweep.reinstated += len(reinstated)


def _lift_risk_reasons_pg(ids: list[int], comment: str) -> tuple[int, set[int]]:
    """suspension_reasons_lift(reasons=[risk area]) for a chunk in one statement: the standing risk-list
    reasons lifted, and the suspended passes left with no other reason reinstated with their PassEvent.
    The statement's snapshot still sees the risk-list rows it lifts, hence `reason <>` in the check for
    another standing reason (one standing row per reason). Returns (passes lifted, ids reinstated)."""
    if not ids:
        return 0, set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH lifted AS (
                UPDATE {PassSuspension._meta.db_table} s SET lifted_at = %(now)s
                WHERE s.return_pass_id = ANY(%(ids)s::bigint[]) AND s.reason = %(reason)s AND s.lifted_at IS NULL
                RETURNING s.return_pass_id
            ), back AS (
                UPDATE {ReturnPass._meta.db_table} p SET status = %(to)s, status_reason = '', updated_at = %(now)s
                FROM lifted l
                WHERE p.id = l.return_pass_id AND p.status = %(from)s AND NOT EXISTS (
                    SELECT 1 FROM {PassSuspension._meta.db_table} o
                    WHERE o.return_pass_id = p.id AND o.lifted_at IS NULL AND o.reason <> %(reason)s
                )
                RETURNING p.id
            ), events AS (
                INSERT INTO {PassEvent._meta.db_table} (return_pass_id, actor_id, from_status, to_status, comment, at)
                SELECT id, NULL, %(from)s, %(to)s, %(comment)s, %(now)s FROM back ORDER BY id
                RETURNING return_pass_id
            )
            SELECT (SELECT count(*) FROM lifted), ARRAY(SELECT return_pass_id FROM events)
            """,  # noqa: S608 - the table names are ours, the values parameters
            {
                "ids": ids,
                "reason": R.RISK_AREA,
                "comment": comment,
                "now": timezone.now(),
                "from": S.SUSPENDED,
                "to": S.VALID,
            },
        )
        lifted, reinstated = cursor.fetchone()
    moves_tally((pk, S.SUSPENDED, S.VALID) for pk in reinstated)
    return lifted, set(reinstated)
