"""The return-pass workflow: one transition table; each move locks the passes, checks the actor,
stamps the change and writes an event; side effects (revocation set, notices) follow the commit."""

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, Role, User
from core.db import insert_or_lock
from enterprises.models import Enterprise
from passes import checklog, revocations, signing
from passes.eligibility import RiskAreaRules, risk_area_rules, work_eligibility
from passes.models import HealthIncident, PassBatch, PassCheck, PassEvent, PassSuspension, ReturnPass, Worker
from passes.personal_data import mask_name
from passes.services.pass_links import pass_links_retire
from passes.tallies import district_moves_tally, events_tally

S = ReturnPass.Status

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "issue": (frozenset({S.APPLIED}), S.VALID),
    "refuse": (frozenset({S.APPLIED}), S.REFUSED),
    "suspend": (frozenset({S.VALID}), S.SUSPENDED),
    "reinstate": (frozenset({S.SUSPENDED}), S.VALID),
    "revoke": (frozenset({S.VALID, S.SUSPENDED}), S.REVOKED),
    "expire": (frozenset({S.VALID, S.SUSPENDED}), S.EXPIRED),
}

MSG_NOT_YOURS = _("只能为本企业的员工申请通行证。")
MSG_NOT_ISSUER = _("只有企业所在区镇的工作人员可以核发、暂停或吊销通行证。")
MSG_NO_WORKERS = _("请至少选择一名员工。")
MSG_SAME_DISTRICT = _("%(name)s 居住在企业所在区镇, 不需要通行证。")
MSG_NOT_ELIGIBLE = _("%(name)s 今天不符合上岗条件: %(reason)s")
MSG_HAS_OPEN_PASS = _("%(name)s 已有待审核或有效的通行证(%(number)s)。")
MSG_ILLEGAL = _("通行证 %(number)s 当前状态“%(status)s”, 不能执行此操作。")
# The reason a district gives when it revokes the pass of a worker who left (offered in the revoke form): the
# enterprise is not offered that worker again (a pass revoked for another reason, e.g. wrong details, is).
REVOKE_REASON_LEFT = _("员工已离职")
MSG_WORKER_LEFT = _(
    "通行证 %(number)s 已因“员工已离职”吊销, 不再为其申请; 如该员工回到本企业, 请联系%(district)s换发。"
)
MSG_CANNOT_APPLY = _("%(name)s 暂不能申请: %(reason)s")
MSG_HEALTH_INCIDENT = _("%(name)s 有未办结的健康异常事件, 须由居住地属地办结后才能申请或核发通行证。")
MSG_REASON_REQUIRED = _("请填写原因。")
MSG_VALIDITY = _("有效期须从今天或以后开始, 结束不早于开始, 且不超过 %(days)s 天。")
MSG_REISSUE_STATUS = _("只有有效、暂停、吊销或过期的通行证可以换发。")
MSG_NOTICE_REASON = _("原因: %(reason)s")

NOTICE_ISSUED = _("%(count)s 张返岗员工通行证已核发")
NOTICE_REFUSED = _("%(count)s 张返岗员工通行证申请未获核发")
NOTICE_SUSPENDED = _("%(count)s 张返岗员工通行证已暂停使用")
NOTICE_REVOKED = _("返岗员工通行证 %(number)s 已吊销")
NOTICE_REINSTATED = _("返岗员工通行证 %(number)s 已恢复使用")
NOTICE_EXPIRED = _("%(count)s 张返岗员工通行证已过期")
REASON_RISK_LIST = _("风险地区名单更新(%(source)s): %(reason)s")
REASON_REISSUED = _("已换发新证 %(number)s")

# Crockford's base32: no I, L, O or U, so a number read aloud or typed is hard to get wrong.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_pass_number() -> str:
    return "KS" + "".join(secrets.choice(_ALPHABET) for _i in range(8))


def normalize_pass_number(text: str) -> str:
    """What a guard typed, as stored: upper case, no spaces or dashes, O/I/L read as 0/1/1."""
    cleaned = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    return ("KS" + cleaned[2:].translate(_TYPO)) if cleaned.startswith("KS") else cleaned.translate(_TYPO)


# --- helpers --------------------------------------------------------------------------------------


def _log(return_pass: ReturnPass, action: str, actor: User | None, comment: str = "") -> PassEvent:
    """Move a locked pass along the table; returns its (unsaved) event."""
    sources, target = TRANSITIONS[action]
    if return_pass.status not in sources:
        raise ValidationError(
            MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()}, code="illegal"
        )
    event = PassEvent(
        return_pass=return_pass,
        actor=actor,
        from_status=return_pass.status,
        to_status=target,
        comment=str(comment)[:255],
    )
    return_pass.status = target
    return_pass.updated_at = timezone.now()  # bulk_update does not stamp auto_now fields
    return event


def _locked(ids: Iterable[int]) -> list[ReturnPass]:
    # Lock the pass rows only (of=self), in id order so two batches over the same passes cannot deadlock.
    return list(
        ReturnPass.objects.filter(pk__in=list(ids))
        .select_related("worker", "enterprise", "residence_community", "residence_district")
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def _require_issuer(user: User, passes: Iterable[ReturnPass]) -> None:
    for return_pass in passes:
        if not (user.role == Role.DISTRICT_STAFF and user.district_id == return_pass.issuing_district_id):
            raise PermissionDenied(MSG_NOT_ISSUER)


def _notify_enterprises(passes: Iterable[ReturnPass], title, reason: str = "", **params) -> None:
    """One notice per enterprise account for the passes of that enterprise, with the reason if any."""
    _notify_enterprises_of(((p.enterprise_id, p.number, p.worker.name) for p in passes), title, reason, **params)


def _notify_enterprises_of(passes: Iterable[tuple[int | None, str, str]], title, reason: str = "", **params) -> None:
    """_notify_enterprises from (enterprise id, pass number, worker name): a sweep builds no pass objects."""
    by_enterprise: dict[int | None, list[tuple[str, str]]] = defaultdict(list)
    for enterprise_id, number, name in passes:
        by_enterprise[enterprise_id].append((number, name))
    if not by_enterprise:
        return
    users = User.objects.filter(enterprise_id__in=by_enterprise, role=Role.ENTERPRISE, is_active=True)
    url = reverse("passes:list")
    notices = []
    for user in users:
        group = by_enterprise[user.enterprise_id]
        text = str(title) % {"count": len(group), "number": group[0][0], **params}
        body = "、".join(f"{number} {name}" for number, name in group[:20])
        if len(group) > 20:
            body += "…"
        if reason:
            body = f"{body}\n{MSG_NOTICE_REASON % {'reason': reason}}"
        notices.append(Notification(user=user, title=text, body=body, url=url))
    Notification.objects.bulk_create(notices, batch_size=2000)


def _lift_all_reasons(ids: list[int]) -> None:
    PassSuspension.objects.filter(return_pass_id__in=ids, lifted_at__isnull=True).update(lifted_at=timezone.now())


def _publish_on_commit(passes: Iterable[ReturnPass]) -> None:
    _publish_changes_on_commit(
        {p.number: (p.status if p.status in ReturnPass.BLOCKED_STATUSES else None) for p in passes}
    )


def _publish_changes_on_commit(changes: dict[str, str | None]) -> None:
    """number -> blocked status, or None to unblock; reaches the Redis copy once the transaction commits."""
    transaction.on_commit(lambda: revocations.publish(changes))


def pass_claims(return_pass: ReturnPass) -> dict:
    """What the checkpoint screen shows, and nothing more: it travels inside the QR code, signed but not
    encrypted, so anyone who photographs the code can read it. No employer: the guard does not need it.
    The last four ID characters let the guard match the pass to the ID card in front of them."""
    where = return_pass.residence_community.name if return_pass.residence_community else ""
    if return_pass.valid_from is None or return_pass.valid_until is None:
        raise ValueError(f"pass {return_pass.number} has no validity dates to sign")
    return {
        "n": return_pass.number,
        "nm": mask_name(return_pass.worker.name),
        "i4": return_pass.worker.id_number_masked[-4:],
        "c": where or return_pass.residence_district.name,
        "ci": return_pass.residence_community_id,  # so a checkpoint tells its own residents from others
        "vf": return_pass.valid_from.isoformat(),
        "vu": return_pass.valid_until.isoformat(),
        "iat": int(timezone.now().timestamp()),
    }


def default_validity(today: date | None = None) -> tuple[date, date]:
    start = today or timezone.localdate()
    return start, start + timedelta(days=settings.PASS_VALIDITY_DAYS - 1)


def _check_validity(valid_from: date, valid_until: date) -> None:
    today = timezone.localdate()
    too_long = (valid_until - valid_from).days >= settings.PASS_VALIDITY_MAX_DAYS
    if valid_from < today or valid_until < valid_from or too_long:
        raise ValidationError(MSG_VALIDITY % {"days": settings.PASS_VALIDITY_MAX_DAYS}, code="validity")


# --- enterprise side -------------------------------------------------------------------------------


def departed_workers(workers: Iterable[Worker]) -> dict[int, ReturnPass]:
    """The workers whose latest pass the district revoked as 员工已离职, with that pass: they are not applied
    for again; the district reissues (换发) if one does come back."""
    latest: dict[int, ReturnPass] = {}
    for return_pass in (
        ReturnPass.objects.filter(worker__in=workers)
        .order_by("created_at", "pk")
        .only("worker_id", "number", "status", "status_reason", "created_at")
    ):
        latest[return_pass.worker_id] = return_pass
    left = str(REVOKE_REASON_LEFT)
    return {
        worker_id: p for worker_id, p in latest.items() if p.status == S.REVOKED and p.status_reason.strip() == left
    }


def departed_message(revoked: ReturnPass, enterprise: Enterprise) -> str:
    return str(MSG_WORKER_LEFT % {"number": revoked.number, "district": enterprise.district.name})


def _with_open_incident(workers: Iterable[Worker]) -> set[int]:
    """Workers whose health incident is open: their eligibility waits for the home district's closing."""
    return set(
        HealthIncident.objects.filter(worker__in=list(workers), status=HealthIncident.Status.OPEN).values_list(
            "worker_id", flat=True
        )
    )


def pass_application_errors(
    *, enterprise: Enterprise, workers: list[Worker], on: date, rules: RiskAreaRules | None = None
) -> list[str]:
    """Why these workers cannot be put in an application today (empty when they all can)."""
    rules = rules or risk_area_rules(on)
    open_passes = dict(
        ReturnPass.objects.filter(worker__in=workers, status__in=ReturnPass.OPEN_STATUSES).values_list(
            "worker_id", "number"
        )
    )
    departed = departed_workers(workers)
    unwell = _with_open_incident(workers)
    errors = []
    for worker in workers:
        if worker.enterprise_id != enterprise.pk:
            raise PermissionDenied(MSG_NOT_YOURS)
        if worker.residence_district_id == enterprise.district_id:
            errors.append(str(MSG_SAME_DISTRICT % {"name": worker.name}))
        elif worker.pk in open_passes:
            errors.append(str(MSG_HAS_OPEN_PASS % {"name": worker.name, "number": open_passes[worker.pk]}))
        elif worker.left_on is not None:
            errors.append(str(MSG_CANNOT_APPLY % {"name": worker.name, "reason": REVOKE_REASON_LEFT}))
        elif worker.pk in unwell:
            errors.append(str(MSG_HEALTH_INCIDENT % {"name": worker.name}))
        elif worker.pk in departed:
            reason = departed_message(departed[worker.pk], enterprise)
            errors.append(str(MSG_CANNOT_APPLY % {"name": worker.name, "reason": reason}))
        else:
            eligibility = work_eligibility(worker, on=on, rules=rules)
            if not eligibility.eligible:
                errors.append(str(MSG_NOT_ELIGIBLE % {"name": worker.name, "reason": eligibility.reason}))
    return errors


@transaction.atomic
def return_pass_apply(
    *,
    enterprise: Enterprise,
    workers: Iterable[Worker],
    applied_by: User,
    note: str = "",
    submission_key: UUID | None = None,
) -> PassBatch:
    """Apply for passes for the chosen workers, all or none: each must be eligible today, live in
    another district than the enterprise's, and hold no pass in play. The same form sent again (its
    `submission_key`) answers with the batch the first one made."""
    if not (applied_by.role == Role.ENTERPRISE and applied_by.enterprise_id == enterprise.pk):
        raise PermissionDenied(MSG_NOT_YOURS)
    # Lock the workers so that two applications for the same people cannot both pass the checks.
    ids = [w.pk for w in workers]
    locked = list(Worker.objects.filter(pk__in=ids).select_for_update(of=("self",)).order_by("pk"))
    if not locked:
        raise ValidationError(MSG_NO_WORKERS, code="no_workers")
    # Behind the workers' locks a repeated form finds its batch (its workers would now hold passes).
    submission_key = submission_key or uuid4()
    repeated = enterprise.pass_batches.filter(submission_key=submission_key).first()
    if repeated:
        return repeated
    errors = pass_application_errors(enterprise=enterprise, workers=locked, on=timezone.localdate())
    if errors:
        raise ValidationError(errors, code="not_applicable")
    batch, created = insert_or_lock(
        PassBatch(enterprise=enterprise, applied_by=applied_by, note=note[:255], submission_key=submission_key),
        enterprise=enterprise,
        submission_key=submission_key,
    )
    if not created:
        return batch
    passes = [
        ReturnPass(
            number=new_pass_number(),
            batch=batch,
            worker=w,
            enterprise=enterprise,
            issuing_district_id=enterprise.district_id,
            residence_district_id=w.residence_district_id,
            residence_community_id=w.residence_community_id,
        )
        for w in locked
    ]
    ReturnPass.objects.bulk_create(passes, batch_size=1000)
    batch_passes = ReturnPass.objects.filter(batch=batch)
    events_tally(
        PassEvent.objects.bulk_create(
            [PassEvent(return_pass=p, actor=applied_by, from_status="", to_status=S.APPLIED) for p in batch_passes],
            batch_size=1000,
        )
    )
    return batch


# --- district side ---------------------------------------------------------------------------------


@dataclass
class BatchResult:
    done: list[ReturnPass] = field(default_factory=list)
    skipped: list[tuple[ReturnPass, str]] = field(default_factory=list)  # (pass, why), e.g. already decided


@transaction.atomic
def return_pass_issue(
    *, pass_ids: Iterable[int], issued_by: User, valid_from: date | None = None, valid_until: date | None = None
) -> BatchResult:
    """Issue the applied passes among these, signed. Passes decided meanwhile (a colleague's double
    approval) or whose worker is no longer eligible are skipped with the reason, never issued twice."""
    # A chosen start without an end runs the default length from that start, not from today.
    default_from, default_until = default_validity(valid_from)
    valid_from, valid_until = valid_from or default_from, valid_until or default_until
    _check_validity(valid_from, valid_until)
    passes = _locked(pass_ids)
    _require_issuer(issued_by, passes)
    today = timezone.localdate()
    rules = risk_area_rules(today)
    now = timezone.now()
    result, events = BatchResult(), []
    unwell = _with_open_incident([p.worker for p in passes])
    for return_pass in passes:
        if return_pass.status != S.APPLIED:
            result.skipped.append(
                (
                    return_pass,
                    str(MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()}),
                )
            )
            continue
        if return_pass.worker_id in unwell:
            result.skipped.append((return_pass, str(MSG_HEALTH_INCIDENT % {"name": return_pass.worker.name})))
            continue
        eligibility = work_eligibility(return_pass.worker, on=today, rules=rules)
        if not eligibility.eligible:
            result.skipped.append((return_pass, eligibility.reason))
            continue
        events.append(_log(return_pass, "issue", issued_by))
        return_pass.valid_from, return_pass.valid_until, return_pass.issued_at = valid_from, valid_until, now
        return_pass.decided_by = issued_by
        return_pass.token, return_pass.key_id = signing.sign(pass_claims(return_pass))
        result.done.append(return_pass)
    # What the issued passes share goes in one plain UPDATE; only the signatures differ per row. (One
    # bulk_update of every field builds a CASE per field with a branch per pass: most of the time taken.)
    ReturnPass.objects.filter(pk__in=[p.pk for p in result.done]).update(
        status=S.VALID,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=now,
        decided_by=issued_by,
        updated_at=now,
    )
    ReturnPass.objects.bulk_update(result.done, ["token", "key_id"], batch_size=1000)
    events_tally(PassEvent.objects.bulk_create(events, batch_size=1000))
    _notify_enterprises(result.done, NOTICE_ISSUED)
    _send_links_on_commit(result.done)
    return result


def _send_links_on_commit(passes: list[ReturnPass]) -> None:
    """Each worker gets a text with the link to their own pass, from a Celery job (a batch may hold thousands)."""
    if not passes:
        return
    from passes.tasks import send_pass_links

    ids = [p.pk for p in passes]
    transaction.on_commit(lambda: send_pass_links.delay(ids))


@transaction.atomic
def return_pass_refuse(*, pass_ids: Iterable[int], refused_by: User, reason: str) -> BatchResult:
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED, code="reason_required")
    passes = _locked(pass_ids)
    _require_issuer(refused_by, passes)
    result, events = BatchResult(), []
    for return_pass in passes:
        if return_pass.status != S.APPLIED:
            result.skipped.append(
                (
                    return_pass,
                    str(MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()}),
                )
            )
            continue
        events.append(_log(return_pass, "refuse", refused_by, reason))
        return_pass.status_reason, return_pass.decided_by = reason.strip()[:255], refused_by
        result.done.append(return_pass)
    ReturnPass.objects.bulk_update(result.done, ["status", "status_reason", "decided_by", "updated_at"])
    events_tally(PassEvent.objects.bulk_create(events))
    _notify_enterprises(result.done, NOTICE_REFUSED, reason=reason.strip())
    return result


def _single(return_pass: ReturnPass, action: str, actor: User, reason: str, notice) -> ReturnPass:
    if action in ("suspend", "revoke") and not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED, code="reason_required")
    (locked,) = _locked([return_pass.pk])
    _require_issuer(actor, [locked])
    event = _log(locked, action, actor, reason)
    locked.status_reason = reason.strip()[:255]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    event.save()
    events_tally([event])
    if action == "suspend":
        PassSuspension.objects.create(
            return_pass=locked, reason=PassSuspension.Reason.MANUAL, detail=locked.status_reason
        )
    else:
        # A district that reinstates by hand overrides every standing reason (health, risk list, its own);
        # a revoked pass has none left to stand.
        _lift_all_reasons([locked.pk])
    if locked.status == S.REVOKED:
        pass_links_retire(pass_ids=[locked.pk])
    _publish_on_commit([locked])
    _notify_enterprises([locked], notice, reason=locked.status_reason)
    return locked


@transaction.atomic
def return_pass_revoke(*, return_pass: ReturnPass, revoked_by: User, reason: str) -> ReturnPass:
    return _single(return_pass, "revoke", revoked_by, reason, NOTICE_REVOKED)


@transaction.atomic
def return_pass_suspend(*, return_pass: ReturnPass, suspended_by: User, reason: str) -> ReturnPass:
    return _single(return_pass, "suspend", suspended_by, reason, NOTICE_SUSPENDED)


@transaction.atomic
def return_pass_reinstate(*, return_pass: ReturnPass, reinstated_by: User, reason: str = "") -> ReturnPass:
    return _single(return_pass, "reinstate", reinstated_by, reason, NOTICE_REINSTATED)


def return_passes_close_for_departure(*, worker: Worker, closed_by: User) -> list[ReturnPass]:
    """The enterprise says a worker left: their valid or suspended passes are revoked and a pending application
    refused, as 员工已离职, each with its event (so the enterprise is not offered the worker again)."""
    passes = _locked(
        ReturnPass.objects.filter(worker=worker, status__in=[S.APPLIED, S.VALID, S.SUSPENDED]).values_list(
            "pk", flat=True
        )
    )
    reason = str(REVOKE_REASON_LEFT)
    events = []
    for return_pass in passes:
        events.append(_log(return_pass, "refuse" if return_pass.status == S.APPLIED else "revoke", closed_by, reason))
        return_pass.status_reason = reason
    ReturnPass.objects.bulk_update(passes, ["status", "status_reason", "updated_at"])
    events_tally(PassEvent.objects.bulk_create(events))
    _publish_on_commit(passes)
    return passes


@transaction.atomic
def return_pass_reissue(
    *, return_pass: ReturnPass, reissued_by: User, valid_from: date | None = None, valid_until: date | None = None
) -> ReturnPass:
    """A new pass (new number, new signature) for the same worker; a pass still in play is revoked."""
    (old,) = _locked([return_pass.pk])
    _require_issuer(reissued_by, [old])
    if old.status not in (S.VALID, S.SUSPENDED, S.REVOKED, S.EXPIRED) or hasattr(old, "reissued_as"):
        raise ValidationError(MSG_REISSUE_STATUS, code="reissue_status")
    # The worker may meanwhile hold another pass in play (a new application after a revocation): one
    # open pass per worker, said plainly rather than left to the database constraint. The worker row
    # is locked as return_pass_apply locks it, so an application cannot slip in between.
    Worker.objects.select_for_update(of=("self",)).filter(pk=old.worker_id).first()
    other = (
        ReturnPass.objects.filter(worker_id=old.worker_id, status__in=ReturnPass.OPEN_STATUSES)
        .exclude(pk=old.pk)
        .values_list("number", flat=True)
        .first()
    )
    if other:
        raise ValidationError(MSG_HAS_OPEN_PASS % {"name": old.worker.name, "number": other}, code="has_open_pass")
    new = ReturnPass(
        number=new_pass_number(),
        batch=old.batch,
        worker=old.worker,
        enterprise=old.enterprise,
        issuing_district_id=old.issuing_district_id,
        residence_district_id=old.worker.residence_district_id,
        residence_community_id=old.worker.residence_community_id,
        reissue_of=old,
    )
    if old.status in (S.VALID, S.SUSPENDED):
        event = _log(old, "revoke", reissued_by, str(REASON_REISSUED % {"number": new.number}))
        old.status_reason = event.comment
        old.save(update_fields=["status", "status_reason", "updated_at"])
        event.save()
        events_tally([event])
        _lift_all_reasons([old.pk])
        _publish_on_commit([old])
    pass_links_retire(pass_ids=[old.pk])  # the new pass gets its own link once issued
    new.save()
    events_tally(
        [
            PassEvent.objects.create(
                return_pass=new,
                actor=reissued_by,
                from_status="",
                to_status=S.APPLIED,
                comment=str(REASON_REISSUED % {"number": new.number}),
            )
        ]
    )
    result = return_pass_issue(pass_ids=[new.pk], issued_by=reissued_by, valid_from=valid_from, valid_until=valid_until)
    if result.skipped:
        raise ValidationError(result.skipped[0][1], code="not_eligible")
    return result.done[0]


# --- jobs ------------------------------------------------------------------------------------------


@transaction.atomic
def return_passes_expire(*, today: date | None = None) -> int:
    """Passes whose last valid day is over become expired; the enterprises are told. Idempotent."""
    today = today or timezone.localdate()
    sources, target = TRANSITIONS["expire"]
    # Rows, not pass objects (with their worker, enterprise and community, as _locked reads them): the night
    # expires thousands at once, and building the objects took most of its time (bench.city). Locked in id order.
    rows = list(
        ReturnPass.objects.filter(status__in=sources, valid_until__lt=today)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "number", "status", "enterprise_id", "issuing_district_id", "worker__name")
    )
    ids = [row[0] for row in rows]
    now = timezone.now()
    # Every one goes to the same status: plain UPDATEs, not bulk_update's CASE per row (6x the hand-written
    # statement at 14,559 passes, bench.city).
    for start in range(0, len(ids), 5000):
        ReturnPass.objects.filter(pk__in=ids[start : start + 5000]).update(status=target, updated_at=now)
    PassEvent.objects.bulk_create(
        [PassEvent(return_pass_id=pk, from_status=status, to_status=target) for pk, _n, status, *_rest in rows],
        batch_size=1000,
    )
    district_moves_tally((district, status, target) for _pk, _n, status, _e, district, _name in rows)
    _lift_all_reasons(ids)
    _notify_enterprises_of(
        ((enterprise, number, name) for _pk, number, _s, enterprise, _d, name in rows), NOTICE_EXPIRED
    )
    _publish_changes_on_commit({number: target for _pk, number, *_rest in rows})
    return len(rows)


# --- verification ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    status: str  # a PassCheck.Result value
    number: str = ""
    masked_name: str = ""
    id_last4: str = ""  # empty for a pass signed before the field travelled in the token
    community: str = ""
    valid_until: str = ""
    community_id: int | None = None

    def public(self) -> dict:
        """What someone not logged in may learn: valid or not, nothing about the person."""
        return {"status": "valid" if self.status == PassCheck.Result.VALID else "invalid"}

    def for_checkpoint(self) -> dict:
        return {
            "status": self.status,
            "number": self.number,
            "name": self.masked_name,
            "id_last4": self.id_last4,
            "community": self.community,
            "valid_until": self.valid_until,
        }

    def lives_elsewhere(self, checker: User | None) -> bool:
        """Whether the holder lives outside the community of the checkpoint staff who checked. The pass is no
        less valid for it (clause 9: no refusal), but the guard should know. A token signed before the
        community's id travelled in it is compared by the community's name."""
        community_id = getattr(checker, "community_id", None)
        if checker is None or community_id is None or not self.number:
            return False
        if self.community_id is not None:
            return self.community_id != community_id
        checkpoint_community = checker.community
        if checkpoint_community is None:  # its id is set
            raise ValueError("checkpoint staff without a community")
        return self.community != checkpoint_community.name


def return_pass_verify(
    *, token: str, checked_by: User | None = None, today: date | None = None, entrance_id: int | None = None
) -> Verification:
    """Check a token: signature and key, revocation set, validity dates; then log the check (at the entrance the
    caller has validated, see passes.services.entrances.entrance_for_check).
    Reads no database row beyond the revocation check (when Redis holds the set)."""
    today = today or timezone.localdate()
    try:
        claims = signing.verify(token)
        number = str(claims["n"])
        valid_from, valid_until = date.fromisoformat(claims["vf"]), date.fromisoformat(claims["vu"])
        community_id = claims.get("ci")
        verification = Verification(
            PassCheck.Result.VALID,
            number,
            str(claims["nm"]),
            str(claims.get("i4", "")),  # a pass issued before it carried the field still verifies
            str(claims["c"]),
            claims["vu"],
            community_id if isinstance(community_id, int) else None,
        )
    except (signing.InvalidPassToken, KeyError, TypeError, ValueError):
        verification, number = Verification(PassCheck.Result.INVALID), ""
    user = checked_by if checked_by is not None and checked_by.is_authenticated else None
    who: dict[str, Any] = {
        "community_id": getattr(user, "community_id", None),
        "checked_by_id": getattr(user, "pk", None),
        "entrance_id": entrance_id if user is not None else None,
    }
    if not number:
        checklog.record(result=verification.status, pass_number="", **who)
        return verification
    if today > valid_until:
        dated = PassCheck.Result.EXPIRED
    elif today < valid_from:
        dated = PassCheck.Result.INVALID
    else:
        dated = PassCheck.Result.VALID
    # A blocked pass reads as revoked or suspended whatever its dates.
    result = checklog.record_unless_blocked(result=dated, pass_number=number, **who)
    if result is None:
        result = revocations.blocked_status(number) or dated
        checklog.record(result=result, pass_number=number, **who)
    return Verification(result, *_details(verification))


def _details(v: Verification) -> tuple[str, str, str, str, str, int | None]:
    return v.number, v.masked_name, v.id_last4, v.community, v.valid_until, v.community_id


def return_pass_verify_number(*, number: str, checked_by: User, entrance_id: int | None = None) -> Verification:
    """A typed pass number: the stored token of that pass, verified as if scanned."""
    normalized = normalize_pass_number(number)
    token = ReturnPass.objects.filter(number=normalized).exclude(token="").values_list("token", flat=True).first()
    if token is None:
        checklog.record(
            result=PassCheck.Result.INVALID,
            pass_number=normalized,
            community_id=getattr(checked_by, "community_id", None),
            checked_by_id=checked_by.pk,
            entrance_id=entrance_id,
        )
        return Verification(PassCheck.Result.INVALID)
    return return_pass_verify(token=token, checked_by=checked_by, entrance_id=entrance_id)
