"""Complaints about the HR market (违法违规经营, 哄抬价格): anyone signed in, or the public through a
rate-limited form, reports an agency or enterprise; the human-resources bureau handles it by a deadline in
working days and records the outcome."""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.dates import add_working_days
from labour.models import LabourEvent, MarketComplaint, is_hr_bureau
from labour.services._common import hr_bureau_users, move, tell

C = MarketComplaint.Status

COMPLAINT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({C.RECEIVED}), C.HANDLING),
    "close": (frozenset({C.RECEIVED, C.HANDLING}), C.CLOSED),
}
COMPLAINT_ACTION_LABELS = {"accept": _("受理"), "close": _("办结")}
COMPLAINT_FIELDS = (
    "kind",
    "agency",
    "enterprise",
    "target_name",
    "description",
    "complainant_name",
    "complainant_mobile",
)

MSG_TARGET_REQUIRED = _("请填写被投诉的机构或企业名称。")
MSG_DESCRIPTION_REQUIRED = _("请写明投诉的具体情况。")
MSG_NOT_BUREAU = _("投诉由人社局办理。")
MSG_OUTCOME_REQUIRED = _("请选择处理结果并写明处理情况。")

NOTICE_RECEIVED = _("新的人力资源市场投诉 %(reference)s: %(target)s(%(kind)s)")
NOTICE_CLOSED = _("您的投诉 %(reference)s 已办结: %(outcome)s")


def _reference() -> str:
    return f"RSTS-{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


@transaction.atomic
def complaint_submit(*, data: dict, reported_by: User | None = None) -> MarketComplaint:
    """A complaint from a signed-in user or (reported_by None) from the public; the bureau is told."""
    values = {k: data.get(k) for k in COMPLAINT_FIELDS}
    target = values["agency"] or values["enterprise"]
    values["target_name"] = (values["target_name"] or "").strip() or (target.name if target else "")
    if not values["target_name"]:
        raise ValidationError({"target_name": MSG_TARGET_REQUIRED})
    if not (values["description"] or "").strip():
        raise ValidationError({"description": MSG_DESCRIPTION_REQUIRED})
    now = timezone.now()
    complaint = MarketComplaint(
        reference=_reference(),
        reported_by=reported_by,
        deadline=add_working_days(now, settings.LABOUR_COMPLAINT_WORKING_DAYS),
        **values,
    )
    complaint.full_clean(exclude=["agency", "enterprise", "reported_by", "handled_by"])
    complaint.save()
    LabourEvent.objects.create(complaint=complaint, actor=reported_by, to_status=complaint.status)
    tell(
        hr_bureau_users(),
        NOTICE_RECEIVED
        % {"reference": complaint.reference, "target": complaint.target_name, "kind": complaint.get_kind_display()},
        url=reverse("labour:complaint_detail", args=[complaint.pk]),
        body=complaint.description,
    )
    return complaint


def _locked(complaint: MarketComplaint) -> MarketComplaint:
    return MarketComplaint.objects.select_for_update().get(pk=complaint.pk)


@transaction.atomic
def complaint_accept(*, complaint: MarketComplaint, accepted_by: User, comment: str = "") -> MarketComplaint:
    complaint = _locked(complaint)
    if not is_hr_bureau(accepted_by):
        raise PermissionDenied(MSG_NOT_BUREAU)
    move(complaint, "complaint", COMPLAINT_TRANSITIONS, COMPLAINT_ACTION_LABELS, "accept", accepted_by, comment)
    complaint.handled_by = accepted_by
    complaint.save(update_fields=["status", "handled_by"])
    return complaint


@transaction.atomic
def complaint_close(*, complaint: MarketComplaint, closed_by: User, outcome: str, note: str) -> MarketComplaint:
    if outcome not in MarketComplaint.Outcome.values or not note.strip():
        raise ValidationError(MSG_OUTCOME_REQUIRED)
    complaint = _locked(complaint)
    if not is_hr_bureau(closed_by):
        raise PermissionDenied(MSG_NOT_BUREAU)
    move(complaint, "complaint", COMPLAINT_TRANSITIONS, COMPLAINT_ACTION_LABELS, "close", closed_by, note.strip())
    complaint.outcome, complaint.outcome_note = outcome, note.strip()
    complaint.handled_by, complaint.closed_at = closed_by, timezone.now()
    complaint.save(update_fields=["status", "outcome", "outcome_note", "handled_by", "closed_at"])
    if complaint.reported_by_id:
        tell(
            [complaint.reported_by],
            NOTICE_CLOSED % {"reference": complaint.reference, "outcome": complaint.get_outcome_display()},
            url=reverse("labour:complaint_detail", args=[complaint.pk]),
            body=complaint.outcome_note,
        )
    return complaint
