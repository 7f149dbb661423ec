"""Labour disputes (劳资纠纷, clause 10): recorded by district staff or raised by the enterprise, settled by
negotiation (协商) or mediation (调解) at the grass roots, or referred to arbitration (仲裁移交). One transition
table; an open dispute past its deadline (working days) goes up to the district's head, once."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.dates import add_working_days
from labour.models import DistrictHead, LabourDispute, LabourEvent, is_hr_bureau
from labour.services._common import district_staff, enterprise_users, move, tell

S = LabourDispute.Status

DISPUTE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "negotiate": (frozenset({S.REPORTED}), S.NEGOTIATING),
    "mediate": (frozenset({S.REPORTED, S.NEGOTIATING}), S.MEDIATING),
    "settle": (frozenset({S.NEGOTIATING, S.MEDIATING}), S.SETTLED),
    "refer": (frozenset({S.REPORTED, S.NEGOTIATING, S.MEDIATING}), S.REFERRED),
}
DISPUTE_ACTION_LABELS = {
    "negotiate": _("组织协商"),
    "mediate": _("进入调解"),
    "settle": _("登记化解"),
    "refer": _("移交仲裁"),
}
# Actions that end the dispute need the outcome written down.
CLOSING_ACTIONS = frozenset({"settle", "refer"})
DISPUTE_FIELDS = ("kind", "workers_involved", "amount", "description")

MSG_NOT_ALLOWED = _("只有企业本身或企业所在区镇的工作人员可以登记劳资纠纷。")
MSG_NOT_HANDLER = _("只有企业所在区镇的工作人员或人社局可以办理劳资纠纷。")
MSG_OUTCOME_REQUIRED = _("请写明处理结果(化解协议或移交仲裁的情况)。")
MSG_NAMES_EXCEED = _("填写的职工姓名(%(names)s 人)多于涉及人数(%(count)s 人)。")
MSG_DESCRIPTION_REQUIRED = _("请写明纠纷情况。")

EVENT_ESCALATED = _("超过化解期限 %(deadline)s 仍未办结, 已上报属地负责人")
NOTICE_RAISED = _("%(enterprise)s 上报劳资纠纷(%(kind)s, %(count)s 人)")
NOTICE_RECORDED = _("属地登记了贵企业的劳资纠纷(%(kind)s, %(count)s 人)")
NOTICE_MOVED = _("劳资纠纷(%(enterprise)s)%(action)s")
NOTICE_ESCALATED = _("劳资纠纷超期未化解: %(enterprise)s(%(kind)s, %(count)s 人, 期限 %(deadline)s)")

_NAME_SEPARATORS = re.compile(r"[,，、;；\s]+")


def worker_name_list(text: str) -> list[str]:
    return [name for name in _NAME_SEPARATORS.split(text or "") if name]


def _url(dispute: LabourDispute) -> str:
    return reverse("labour:dispute_detail", args=[dispute.pk])


def may_handle(user: User, dispute: LabourDispute) -> bool:
    if is_hr_bureau(user):
        return True
    return user.role == Role.DISTRICT_STAFF and user.district_id == dispute.enterprise.district_id


@transaction.atomic
def dispute_raise(*, enterprise, data: dict, raised_by: User) -> LabourDispute:
    """Recorded by staff of the enterprise's district, or raised by the enterprise itself."""
    if raised_by.role == Role.ENTERPRISE and raised_by.enterprise_id == enterprise.pk:
        source = LabourDispute.Source.ENTERPRISE
    elif raised_by.role == Role.DISTRICT_STAFF and raised_by.district_id == enterprise.district_id:
        source = LabourDispute.Source.DISTRICT
    else:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    names = worker_name_list(data.get("worker_names", ""))
    count = data.get("workers_involved") or 0
    if len(names) > count:
        raise ValidationError({"worker_names": MSG_NAMES_EXCEED % {"names": len(names), "count": count}})
    if not (data.get("description") or "").strip():
        raise ValidationError({"description": MSG_DESCRIPTION_REQUIRED})
    dispute = LabourDispute(
        enterprise=enterprise,
        source=source,
        raised_by=raised_by,
        worker_names="、".join(names),
        deadline=add_working_days(timezone.now(), settings.LABOUR_DISPUTE_WORKING_DAYS),
        **{k: data[k] for k in DISPUTE_FIELDS if k in data},
    )
    dispute.full_clean(exclude=["enterprise", "raised_by"])
    dispute.save()
    LabourEvent.objects.create(dispute=dispute, actor=raised_by, to_status=dispute.status)
    params = {"enterprise": enterprise.name, "kind": dispute.get_kind_display(), "count": dispute.workers_involved}
    if source == LabourDispute.Source.ENTERPRISE:
        tell(district_staff(enterprise.district_id), NOTICE_RAISED % params, url=_url(dispute))
    else:
        tell(enterprise_users(enterprise.pk), NOTICE_RECORDED % params, url=_url(dispute))
    return dispute


@transaction.atomic
def _act(dispute: LabourDispute, action: str, actor: User, comment: str) -> LabourDispute:
    comment = (comment or "").strip()
    if action in CLOSING_ACTIONS and not comment:
        raise ValidationError(MSG_OUTCOME_REQUIRED)
    dispute = LabourDispute.objects.select_related("enterprise").select_for_update(of=("self",)).get(pk=dispute.pk)
    if not may_handle(actor, dispute):
        raise PermissionDenied(MSG_NOT_HANDLER)
    move(dispute, "dispute", DISPUTE_TRANSITIONS, DISPUTE_ACTION_LABELS, action, actor, comment)
    fields = ["status", "updated_at"]
    if action in CLOSING_ACTIONS:
        dispute.outcome, dispute.closed_at = comment, timezone.now()
        fields += ["outcome", "closed_at"]
    dispute.save(update_fields=fields)
    tell(
        enterprise_users(dispute.enterprise_id),
        NOTICE_MOVED % {"enterprise": dispute.enterprise.name, "action": DISPUTE_ACTION_LABELS[action]},
        url=_url(dispute),
        body=comment,
    )
    return dispute


def dispute_negotiate(*, dispute: LabourDispute, actor: User, comment: str = "") -> LabourDispute:
    return _act(dispute, "negotiate", actor, comment)


def dispute_mediate(*, dispute: LabourDispute, actor: User, comment: str = "") -> LabourDispute:
    return _act(dispute, "mediate", actor, comment)


def dispute_settle(*, dispute: LabourDispute, actor: User, outcome: str) -> LabourDispute:
    return _act(dispute, "settle", actor, outcome)


def dispute_refer(*, dispute: LabourDispute, actor: User, outcome: str) -> LabourDispute:
    return _act(dispute, "refer", actor, outcome)


DISPUTE_ACTIONS = {
    "negotiate": lambda dispute, actor, comment: dispute_negotiate(dispute=dispute, actor=actor, comment=comment),
    "mediate": lambda dispute, actor, comment: dispute_mediate(dispute=dispute, actor=actor, comment=comment),
    "settle": lambda dispute, actor, comment: dispute_settle(dispute=dispute, actor=actor, outcome=comment),
    "refer": lambda dispute, actor, comment: dispute_refer(dispute=dispute, actor=actor, outcome=comment),
}


def available_actions(dispute: LabourDispute, user: User) -> list[str]:
    if not may_handle(user, dispute):
        return []
    return [action for action, (sources, _target) in DISPUTE_TRANSITIONS.items() if dispute.status in sources]


def district_heads(district_id: int):
    """Whom an overdue dispute goes up to: the district's heads, or all its staff when none is named."""
    heads = [
        head.user
        for head in DistrictHead.objects.filter(district_id=district_id, user__is_active=True).select_related("user")
    ]
    return heads or list(district_staff(district_id))


@transaction.atomic
def disputes_escalate_overdue(*, now=None) -> int:
    """Every open dispute past its deadline and not yet escalated goes up to its district's head, with an
    event. Idempotent: a second run finds nothing; rows another run holds are skipped."""
    now = now or timezone.now()
    overdue = (
        LabourDispute.objects.filter(
            status__in=LabourDispute.OPEN_STATUSES, deadline__lt=now, escalated_at__isnull=True
        )
        .select_related("enterprise")
        .select_for_update(of=("self",), skip_locked=True)
    )
    count = 0
    for dispute in overdue:
        deadline = timezone.localtime(dispute.deadline).strftime("%Y-%m-%d %H:%M")
        dispute.escalated_at = now
        dispute.save(update_fields=["escalated_at", "updated_at"])
        LabourEvent.objects.create(
            dispute=dispute, kind=LabourEvent.Kind.ESCALATION, comment=EVENT_ESCALATED % {"deadline": deadline}
        )
        tell(
            district_heads(dispute.enterprise.district_id),
            NOTICE_ESCALATED
            % {
                "enterprise": dispute.enterprise.name,
                "kind": dispute.get_kind_display(),
                "count": dispute.workers_involved,
                "deadline": deadline,
            },
            url=_url(dispute),
        )
        count += 1
    return count
