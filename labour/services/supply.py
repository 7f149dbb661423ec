"""Labour supply (clause 8): an enterprise's open positions, the hires that fill them, the HR agency registry
and the pairings (结对) a district makes between agencies and its enterprises."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from labour.models import (
    MSG_WAGE_RANGE,
    HRAgency,
    LabourEvent,
    LabourHire,
    LabourNeed,
    Pairing,
    RecruitmentDrive,
    is_hr_bureau,
)
from labour.services._common import enterprise_users, move, tell

N = LabourNeed.Status

NEED_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "close": (frozenset({N.OPEN}), N.CLOSED),
    "reopen": (frozenset({N.CLOSED}), N.OPEN),
}
NEED_ACTION_LABELS = {"close": _("关闭"), "reopen": _("重新开放")}
NEED_FIELDS = ("job", "positions", "wage_min", "wage_max", "skills", "start_on", "housing_offered")
AGENCY_FIELDS = ("name", "credit_code", "licence_number", "contact_name", "contact_mobile", "address", "is_active")

MSG_NOT_YOUR_ENTERPRISE = _("只能登记或修改本企业的招聘岗位。")
MSG_NOT_OPEN = _("岗位已关闭, 不能修改或登记到岗。")
MSG_POSITIONS_BELOW_HIRED = _("招聘人数不能少于已到岗的 %(hired)s 人。")
MSG_HIRE_TOO_MANY = _("到岗人数不能超过尚缺的 %(open)s 人。")
MSG_HIRE_COUNT = _("到岗人数至少为 1 人。")
MSG_HIRE_FUTURE = _("到岗日期不能晚于今天。")
MSG_HIRE_NOT_ALLOWED = _("只有本企业或企业所在区镇的工作人员可以登记到岗。")
MSG_PAIRING_NOT_FOR_NEED = _("所选结对没有对接这个岗位。")
MSG_DRIVE_NOT_FOR_ENTERPRISE = _("本企业没有参加所选的招聘活动。")
MSG_CLOSE_REASON_REQUIRED = _("请填写关闭原因。")
MSG_AGENCY_NOT_ALLOWED = _("只有人社局或属地工作人员可以登记人力资源机构。")
MSG_AGENCY_NOT_YOURS = _("只能修改本区镇登记的机构; 全市机构由人社局维护。")
MSG_PAIRING_NOT_DISTRICT = _("只有企业所在区镇的工作人员可以结对。")
MSG_PAIRING_AGENCY = _("请选择本区镇可用的有效机构。")
MSG_PAIRING_NEEDS = _("请至少选择该企业一个招聘中的岗位。")
MSG_PAIRING_EXISTS = _("该机构已与该企业结对, 请在原结对上补充岗位。")
MSG_PAIRING_ENDED = _("结对已结束。")

EVENT_FILLED = _("岗位已招满, 自动关闭")
EVENT_HIRED = _("到岗 %(count)s 人(%(day)s)%(via)s")
VIA_PAIRING = _(", 由 %(agency)s 输送")
VIA_DRIVE = _(", 来自招聘活动 %(drive)s")
CLOSE_FILLED = _("已招满")
NOTICE_PAIRED = _("属地已为贵企业结对人力资源机构: %(agency)s")


def _locked_need(need: LabourNeed) -> LabourNeed:
    return LabourNeed.objects.select_related("enterprise").select_for_update(of=("self",)).get(pk=need.pk)


def _require_enterprise_user(user: User, enterprise_id: int) -> None:
    if not (user.role == Role.ENTERPRISE and user.enterprise_id == enterprise_id):
        raise PermissionDenied(MSG_NOT_YOUR_ENTERPRISE)


def _clean_need(need: LabourNeed) -> None:
    if need.wage_min > need.wage_max:
        raise ValidationError({"wage_max": MSG_WAGE_RANGE})
    if need.positions < need.hired:
        raise ValidationError({"positions": MSG_POSITIONS_BELOW_HIRED % {"hired": need.hired}})
    need.full_clean(exclude=["enterprise", "created_by"])


# --- Shortages ----------------------------------------------------------------------------------------


@transaction.atomic
def labour_need_create(*, enterprise, data: dict, created_by: User) -> LabourNeed:
    _require_enterprise_user(created_by, enterprise.pk)
    need = LabourNeed(enterprise=enterprise, created_by=created_by, **{k: data[k] for k in NEED_FIELDS if k in data})
    _clean_need(need)
    need.save()
    LabourEvent.objects.create(need=need, actor=created_by, to_status=need.status)
    return need


@transaction.atomic
def labour_need_update(*, need: LabourNeed, data: dict, updated_by: User) -> LabourNeed:
    need = _locked_need(need)
    _require_enterprise_user(updated_by, need.enterprise_id)
    if need.status != N.OPEN:
        raise ValidationError(MSG_NOT_OPEN)
    changed = [k for k in NEED_FIELDS if k in data and getattr(need, k) != data[k]]
    for name in changed:
        setattr(need, name, data[name])
    _clean_need(need)
    need.save(update_fields=[*changed, "updated_at"])
    return need


@transaction.atomic
def labour_need_close(*, need: LabourNeed, closed_by: User, reason: str) -> LabourNeed:
    if not reason.strip():
        raise ValidationError(MSG_CLOSE_REASON_REQUIRED)
    need = _locked_need(need)
    _require_enterprise_user(closed_by, need.enterprise_id)
    move(need, "need", NEED_TRANSITIONS, NEED_ACTION_LABELS, "close", closed_by, reason.strip())
    need.closed_at, need.close_reason = timezone.now(), reason.strip()[:200]
    need.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    return need


@transaction.atomic
def labour_need_reopen(*, need: LabourNeed, reopened_by: User) -> LabourNeed:
    need = _locked_need(need)
    _require_enterprise_user(reopened_by, need.enterprise_id)
    if need.hired >= need.positions:
        raise ValidationError(MSG_POSITIONS_BELOW_HIRED % {"hired": need.hired})
    move(need, "need", NEED_TRANSITIONS, NEED_ACTION_LABELS, "reopen", reopened_by)
    need.closed_at, need.close_reason = None, ""
    need.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    return need


def may_record_hires(user: User, need: LabourNeed) -> bool:
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == need.enterprise_id
    return user.role == Role.DISTRICT_STAFF and user.district_id == need.enterprise.district_id


@transaction.atomic
def labour_hire_record(
    *,
    need: LabourNeed,
    count: int,
    hired_on: date,
    recorded_by: User,
    pairing: Pairing | None = None,
    drive: RecruitmentDrive | None = None,
) -> LabourHire:
    """People who arrived for a need; each counts for the pairing or drive that brought them. The need
    closes by itself once every position is filled."""
    need = _locked_need(need)
    if not may_record_hires(recorded_by, need):
        raise PermissionDenied(MSG_HIRE_NOT_ALLOWED)
    if need.status != N.OPEN:
        raise ValidationError(MSG_NOT_OPEN)
    if count < 1:
        raise ValidationError(MSG_HIRE_COUNT)
    if count > need.positions - need.hired:
        raise ValidationError(MSG_HIRE_TOO_MANY % {"open": need.positions - need.hired})
    if hired_on > timezone.localdate():
        raise ValidationError(MSG_HIRE_FUTURE)
    via = ""
    if pairing is not None:
        if pairing.status != Pairing.Status.ACTIVE or not pairing.needs.filter(pk=need.pk).exists():
            raise ValidationError(MSG_PAIRING_NOT_FOR_NEED)
        Pairing.objects.filter(pk=pairing.pk).update(hires_delivered=F("hires_delivered") + count)
        via = VIA_PAIRING % {"agency": pairing.agency.name}
    if drive is not None:
        if not drive.participants.filter(enterprise_id=need.enterprise_id).exists():
            raise ValidationError(MSG_DRIVE_NOT_FOR_ENTERPRISE)
        via += VIA_DRIVE % {"drive": drive.title}
    hire = LabourHire.objects.create(
        need=need, count=count, hired_on=hired_on, pairing=pairing, drive=drive, recorded_by=recorded_by
    )
    LabourEvent.objects.create(
        need=need,
        kind=LabourEvent.Kind.HIRE,
        actor=recorded_by,
        comment=EVENT_HIRED % {"count": count, "day": hired_on.isoformat(), "via": via},
    )
    need.hired += count
    fields = ["hired", "updated_at"]
    if need.hired == need.positions:
        move(need, "need", NEED_TRANSITIONS, NEED_ACTION_LABELS, "close", recorded_by, EVENT_FILLED)
        need.closed_at, need.close_reason = timezone.now(), str(CLOSE_FILLED)
        fields += ["status", "closed_at", "close_reason"]
    need.save(update_fields=fields)
    return hire


# --- HR agencies ----------------------------------------------------------------------------------


def may_register_agencies(user: User) -> bool:
    return is_hr_bureau(user) or user.role == Role.DISTRICT_STAFF


def may_edit_agency(user: User, agency: HRAgency) -> bool:
    if is_hr_bureau(user):
        return True
    own = agency.district_id is not None and agency.district_id == user.district_id
    return user.role == Role.DISTRICT_STAFF and own


@transaction.atomic
def hr_agency_create(*, data: dict, regions, created_by: User) -> HRAgency:
    """The bureau's agencies are city-wide; a district's belong to it."""
    if not may_register_agencies(created_by):
        raise PermissionDenied(MSG_AGENCY_NOT_ALLOWED)
    district_id = None if is_hr_bureau(created_by) else created_by.district_id
    agency = HRAgency(
        district_id=district_id, created_by=created_by, **{k: data[k] for k in AGENCY_FIELDS if k in data}
    )
    agency.full_clean(exclude=["created_by", "district"])
    agency.save()
    agency.regions.set(regions)
    return agency


@transaction.atomic
def hr_agency_update(*, agency: HRAgency, data: dict, regions, updated_by: User) -> HRAgency:
    agency = HRAgency.objects.select_for_update().get(pk=agency.pk)
    if not may_edit_agency(updated_by, agency):
        raise PermissionDenied(MSG_AGENCY_NOT_YOURS)
    changed = [k for k in AGENCY_FIELDS if k in data and getattr(agency, k) != data[k]]
    for name in changed:
        setattr(agency, name, data[name])
    agency.full_clean(exclude=["created_by", "district"])
    agency.save(update_fields=[*changed, "updated_at"])
    agency.regions.set(regions)
    return agency


# --- Pairings --------------------------------------------------------------------------------------


def may_pair(user: User, enterprise) -> bool:
    return user.role == Role.DISTRICT_STAFF and user.district_id == enterprise.district_id


@transaction.atomic
def pairing_create(*, agency: HRAgency, enterprise, needs, note: str = "", created_by: User) -> Pairing:
    """A district pairs an agency it may use with one of its enterprises, for some of its open positions."""
    if not may_pair(created_by, enterprise):
        raise PermissionDenied(MSG_PAIRING_NOT_DISTRICT)
    if not agency.is_active or not HRAgency.objects.visible_to(created_by).filter(pk=agency.pk).exists():
        raise ValidationError(MSG_PAIRING_AGENCY)
    needs = list(LabourNeed.objects.filter(pk__in=[n.pk for n in needs], enterprise=enterprise, status=N.OPEN))
    if not needs:
        raise ValidationError(MSG_PAIRING_NEEDS)
    if Pairing.objects.filter(agency=agency, enterprise=enterprise, status=Pairing.Status.ACTIVE).exists():
        raise ValidationError(MSG_PAIRING_EXISTS)
    pairing = Pairing.objects.create(
        agency=agency,
        enterprise=enterprise,
        note=note.strip()[:255],
        started_on=timezone.localdate(),
        positions_covered=sum(n.positions - n.hired for n in needs),
        created_by=created_by,
    )
    pairing.needs.set(needs)
    tell(
        enterprise_users(enterprise.pk),
        NOTICE_PAIRED % {"agency": agency.name},
        url=reverse("labour:pairing_detail", args=[pairing.pk]),
        body=f"{agency.contact_name} {agency.contact_mobile}",
    )
    return pairing


@transaction.atomic
def pairing_end(*, pairing: Pairing, ended_by: User) -> Pairing:
    pairing = Pairing.objects.select_related("enterprise").select_for_update(of=("self",)).get(pk=pairing.pk)
    if not may_pair(ended_by, pairing.enterprise):
        raise PermissionDenied(MSG_PAIRING_NOT_DISTRICT)
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError(MSG_PAIRING_ENDED)
    pairing.status, pairing.ended_at = Pairing.Status.ENDED, timezone.now()
    pairing.save(update_fields=["status", "ended_at"])
    return pairing
