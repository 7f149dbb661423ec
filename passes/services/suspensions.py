"""Why a pass is suspended: a standing PassSuspension row per reason (health, the risk list, the district).

A pass is suspended exactly while one of its reasons stands. Adding the first reason suspends a valid
pass; lifting the last one reinstates it. Every status change goes through the transition table of
return_passes (`_log`), writes a PassEvent (in bulk for a sweep) and reaches the Redis revocation copy
on commit (`_publish_on_commit`): the offline revocation list reads its deltas from PassEvent ids.

Callers hold the passes locked (`return_passes._locked`) and run inside a transaction.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
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
    _publish_on_commit,
)

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
    PassEvent.objects.bulk_create(events, batch_size=2000)
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
    PassEvent.objects.bulk_create(events, batch_size=2000)
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


def _lean_locked(ids: list[int]) -> list[tuple[ReturnPass, list[Any]]]:
    """Lock these passes (rows of ReturnPass only, in id order) and read just what the sweep needs, with the
    reason the worker's origin blocks now: the city's passes in a few queries per chunk, no full objects."""
    rows = (
        ReturnPass.objects.filter(pk__in=ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list(
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
    )
    return [
        (
            ReturnPass(pk=pk, number=number, status=status, enterprise_id=enterprise_id, worker=Worker(name=name)),
            origin,
        )
        for pk, number, status, enterprise_id, name, *origin in rows
    ]


@transaction.atomic
def _add_chunk(ids: list[int], risk_list: RiskAreaList, check: OriginCheck, sweep: RiskListSweep) -> None:
    reasons = {}
    for p, origin in _lean_locked(ids):
        reason = check.reason(*origin) if p.status in IN_PLAY else None
        if reason is not None:  # else changed since the scan: revoked, or the worker's test arrived
            reasons[p] = str(REASON_RISK_LIST % {"source": risk_list.source_document, "reason": reason})
    suspended, added = suspension_reasons_add(
        passes=list(reasons), reason=R.RISK_AREA, actor=None, detail=reasons.__getitem__, risk_list=risk_list
    )
    sweep.suspended += len(suspended)
    sweep.reasons_added += added


@transaction.atomic
def _lift_chunk(ids: list[int], risk_list: RiskAreaList, check: OriginCheck, sweep: RiskListSweep) -> None:
    clear = [p for p, origin in _lean_locked(ids) if check.reason(*origin) is None]
    comment = str(
        REASON_RISK_LIFTED
        % {
            "title": risk_list.title,
            "version": risk_list.pk,
            "source": risk_list.source_document,
            "date": f"{risk_list.effective_from:%Y-%m-%d}",
        }
    )
    reinstated, lifted = suspension_reasons_lift(passes=clear, actor=None, comment=comment, reasons=[R.RISK_AREA])
    sweep.reasons_lifted += lifted
    sweep.reinstated += len(reinstated)
    _notify_enterprises(reinstated, NOTICE_RISK_REINSTATED)
