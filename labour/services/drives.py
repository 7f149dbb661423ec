"""Recruitment drives (组织企业赴低风险地区招聘) and the "20+20" partner regions.

A drive can only be scheduled to a region that is low risk on the risk-area list in force (today, and on
its first day when a later list will be in force by then); a beat job flags a scheduled drive once a newly
published list makes its region risky, and tells its organisers and the enterprises taking part."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from labour.models import DriveParticipant, LabourEvent, PartnerRegion, RecruitmentDrive, is_hr_bureau
from labour.services._common import district_staff, enterprise_users, hr_bureau_users, move, tell
from passes.eligibility import RiskAssessment, risk_area_rules
from passes.models import RiskLevel, Worker
from reference.models import Division

D = RecruitmentDrive.Status

DRIVE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "complete": (frozenset({D.SCHEDULED}), D.DONE),
    "cancel": (frozenset({D.SCHEDULED}), D.CANCELLED),
}
DRIVE_ACTION_LABELS = {"complete": _("完成"), "cancel": _("取消")}

MSG_NOT_ORGANISER = _("只有人社局或属地工作人员可以组织招聘活动。")
MSG_NOT_THIS_ORGANISER = _("只有活动的组织单位可以修改该招聘活动。")
MSG_DATES = _("结束日期不能早于开始日期。")
MSG_START_PAST = _("开始日期不能早于今天。")
MSG_TITLE_REQUIRED = _("请填写活动名称。")
MSG_REGION_NOT_LOW = _("%(region)s 按 %(source)s(%(title)s)在 %(day)s 属于%(level)s, 只能组织企业赴低风险地区招聘。")
MSG_ENTERPRISE_NOT_IN_DISTRICT = _("只能邀请本区镇的企业参加本区镇组织的活动。")
MSG_ALREADY_PARTICIPATING = _("该企业已参加本次活动。")
MSG_POSITIONS = _("提供岗位数至少为 1。")
MSG_NOT_SCHEDULED = _("活动已%(status)s, 不能再修改。")
MSG_RESULT_NOT_ALLOWED = _("只有活动组织单位或参加企业本身可以登记招聘结果。")
MSG_ARRIVED_GT_SIGNED = _("已抵昆人数不能多于签约人数。")
MSG_ARRIVED_LT_WORKERS = _("已抵昆人数不能少于所选的花名册员工人数(%(count)s)。")
MSG_WORKER_NOT_ARRIVED = _("%(name)s 在花名册中还没有抵昆日期, 请先登记抵昆。")
MSG_WORKER_NOT_YOURS = _("只能选择参加企业花名册中的员工。")
MSG_CANCEL_REASON = _("请填写取消原因。")

FLAG_TEXT = _("%(region)s 按 %(source)s(%(effective)s 起施行)已列为%(level)s, 请暂停或取消本次招聘活动。")
NOTICE_FLAGGED = _("招聘活动“%(title)s”的目的地已不是低风险地区")
NOTICE_INVITED = _("贵企业已列入招聘活动“%(title)s”(%(region)s, %(starts)s 起)")


def _region_level(region: Division, on: date) -> tuple[RiskAssessment, date]:
    """The highest risk the region has on the list in force today or on the drive's first day."""
    today = timezone.localdate()
    worst: tuple[RiskAssessment, date] | None = None
    for day in dict.fromkeys((today, max(today, on))):
        assessment = risk_area_rules(day).assess(region.code)
        if worst is None or _rank(assessment.level) > _rank(worst[0].level):
            worst = (assessment, day)
    if worst is None:  # the loop above runs at least once
        raise ValueError("no day assessed")
    return worst


def _rank(level: str) -> int:
    ranks: dict[str, int] = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
    return ranks[level]


def _not_low_message(region: Division, assessment: RiskAssessment, day: date, text=MSG_REGION_NOT_LOW) -> str:
    risk_list = assessment.listed_by
    return str(
        text
        % {
            "region": region.full_name,
            "source": risk_list.source_document,
            "title": risk_list.title,
            "effective": risk_list.effective_from.isoformat(),
            "day": day.isoformat(),
            "level": RiskLevel(assessment.level).label,
        }
    )


def may_organise(user: User) -> bool:
    return is_hr_bureau(user) or user.role == Role.DISTRICT_STAFF


def is_organiser(user: User, drive: RecruitmentDrive) -> bool:
    if is_hr_bureau(user):
        return drive.district_id is None
    return user.role == Role.DISTRICT_STAFF and drive.district_id == user.district_id


def _locked(drive: RecruitmentDrive) -> RecruitmentDrive:
    return RecruitmentDrive.objects.select_related("region").select_for_update(of=("self",)).get(pk=drive.pk)


@transaction.atomic
def drive_schedule(
    *, title: str, region: Division, starts_on: date, ends_on: date, agencies=(), note: str = "", scheduled_by: User
) -> RecruitmentDrive:
    if not may_organise(scheduled_by):
        raise PermissionDenied(MSG_NOT_ORGANISER)
    if not title.strip():
        raise ValidationError(MSG_TITLE_REQUIRED)
    if ends_on < starts_on:
        raise ValidationError(MSG_DATES)
    if starts_on < timezone.localdate():
        raise ValidationError(MSG_START_PAST)
    assessment, day = _region_level(region, starts_on)
    if assessment.level != RiskLevel.LOW:
        raise ValidationError(_not_low_message(region, assessment, day), code="region_not_low")
    drive = RecruitmentDrive.objects.create(
        title=title.strip()[:100],
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip()[:255],
        district_id=None if is_hr_bureau(scheduled_by) else scheduled_by.district_id,
        scheduled_under=assessment.risk_list,
        created_by=scheduled_by,
    )
    drive.agencies.set(agencies)
    LabourEvent.objects.create(drive=drive, actor=scheduled_by, to_status=drive.status)
    return drive


@transaction.atomic
def drive_participant_add(
    *, drive: RecruitmentDrive, enterprise, positions_offered: int, added_by: User
) -> DriveParticipant:
    drive = _locked(drive)
    if not is_organiser(added_by, drive):
        raise PermissionDenied(MSG_NOT_THIS_ORGANISER)
    if drive.status != D.SCHEDULED:
        raise ValidationError(MSG_NOT_SCHEDULED % {"status": drive.get_status_display()})
    if drive.district_id is not None and enterprise.district_id != drive.district_id:
        raise ValidationError(MSG_ENTERPRISE_NOT_IN_DISTRICT)
    if positions_offered < 1:
        raise ValidationError(MSG_POSITIONS)
    if drive.participants.filter(enterprise=enterprise).exists():
        raise ValidationError(MSG_ALREADY_PARTICIPATING)
    participant = DriveParticipant.objects.create(
        drive=drive, enterprise=enterprise, positions_offered=positions_offered
    )
    tell(
        enterprise_users(enterprise.pk),
        NOTICE_INVITED
        % {"title": drive.title, "region": drive.region.full_name, "starts": drive.starts_on.isoformat()},
        url=reverse("labour:drive_detail", args=[drive.pk]),
    )
    return participant


def may_record_result(user: User, participant: DriveParticipant) -> bool:
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == participant.enterprise_id
    return is_organiser(user, participant.drive)


@transaction.atomic
def drive_result_record(
    *, participant: DriveParticipant, signed: int, arrived: int, workers=(), recorded_by: User
) -> DriveParticipant:
    """People signed and arrived in Kunshan; arrivals on the enterprise's roster are linked to their rows."""
    participant = (
        DriveParticipant.objects.select_related("drive").select_for_update(of=("self",)).get(pk=participant.pk)
    )
    if not may_record_result(recorded_by, participant):
        raise PermissionDenied(MSG_RESULT_NOT_ALLOWED)
    if participant.drive.status == D.CANCELLED:
        raise ValidationError(MSG_NOT_SCHEDULED % {"status": participant.drive.get_status_display()})
    workers = list(workers)
    if any(w.enterprise_id != participant.enterprise_id for w in workers):
        raise ValidationError(MSG_WORKER_NOT_YOURS)
    for worker in workers:
        if worker.arrived_on is None:
            raise ValidationError(MSG_WORKER_NOT_ARRIVED % {"name": worker.name})
    if arrived > signed:
        raise ValidationError(MSG_ARRIVED_GT_SIGNED)
    if arrived < len(workers):
        raise ValidationError(MSG_ARRIVED_LT_WORKERS % {"count": len(workers)})
    participant.signed, participant.arrived = signed, arrived
    participant.save(update_fields=["signed", "arrived"])
    participant.arrived_workers.set(workers)
    return participant


def arrivable_workers(participant: DriveParticipant):
    """The participant's roster workers who have arrived in Kunshan, to link as arrivals."""
    return Worker.objects.filter(enterprise_id=participant.enterprise_id, arrived_on__isnull=False).order_by("name")


@transaction.atomic
def drive_complete(*, drive: RecruitmentDrive, completed_by: User) -> RecruitmentDrive:
    drive = _locked(drive)
    if not is_organiser(completed_by, drive):
        raise PermissionDenied(MSG_NOT_THIS_ORGANISER)
    move(drive, "drive", DRIVE_TRANSITIONS, DRIVE_ACTION_LABELS, "complete", completed_by)
    drive.save(update_fields=["status"])
    return drive


@transaction.atomic
def drive_cancel(*, drive: RecruitmentDrive, cancelled_by: User, reason: str) -> RecruitmentDrive:
    if not reason.strip():
        raise ValidationError(MSG_CANCEL_REASON)
    drive = _locked(drive)
    if not is_organiser(cancelled_by, drive):
        raise PermissionDenied(MSG_NOT_THIS_ORGANISER)
    move(drive, "drive", DRIVE_TRANSITIONS, DRIVE_ACTION_LABELS, "cancel", cancelled_by, reason.strip())
    drive.save(update_fields=["status"])
    return drive


@transaction.atomic
def drives_flag_risky(*, today: date | None = None) -> int:
    """Flag every scheduled drive not yet over whose region the list in force (today, or on its first day)
    no longer rates low risk. Idempotent: a drive is flagged once; returns how many were flagged now."""
    today = today or timezone.localdate()
    flagged = 0
    drives = (
        RecruitmentDrive.objects.filter(status=D.SCHEDULED, ends_on__gte=today, risk_flagged_at__isnull=True)
        .select_related("region")
        .select_for_update(of=("self",), skip_locked=True)
    )
    rules = {}
    for drive in drives:
        worst = None
        for day in dict.fromkeys((today, max(today, drive.starts_on))):
            if day not in rules:
                rules[day] = risk_area_rules(day)
            assessment = rules[day].assess(drive.region_id)
            if assessment.level != RiskLevel.LOW and (worst is None or _rank(assessment.level) > _rank(worst.level)):
                worst = assessment
        if worst is None:
            continue
        text = _not_low_message(drive.region, worst, today, FLAG_TEXT)
        drive.risk_flagged_at, drive.risk_flag = timezone.now(), text[:255]
        drive.save(update_fields=["risk_flagged_at", "risk_flag"])
        LabourEvent.objects.create(drive=drive, kind=LabourEvent.Kind.RISK_FLAG, comment=text)
        organisers = hr_bureau_users() if drive.district_id is None else district_staff(drive.district_id)
        url = reverse("labour:drive_detail", args=[drive.pk])
        users = [*organisers]
        for participant in drive.participants.all():
            users += list(enterprise_users(participant.enterprise_id))
        tell(users, NOTICE_FLAGGED % {"title": drive.title}, url=url, body=text)
        flagged += 1
    return flagged


# --- Partner regions ----------------------------------------------------------------------------------

# A demonstration list, marked as such, until administrators enter the city's real "20+20" partner regions:
# counties the city's enterprises have long recruited in (codes of GB/T 2260).
DEMO_PARTNER_REGION_NOTE = _("演示数据, 不是官方“20+20”合作地区")
DEMO_PARTNER_REGIONS = [
    "511602",
    "511623",
    "520624",
    "341221",
    "411524",
    "431122",
    "530621",
    "360731",
]


@transaction.atomic
def partner_region_demo_load() -> int:
    """The demo list, only while no partner region exists (administrators replace it); returns rows added."""
    if PartnerRegion.objects.exists():
        return 0
    known = set(Division.objects.filter(code__in=DEMO_PARTNER_REGIONS).values_list("code", flat=True))
    PartnerRegion.objects.bulk_create(
        [
            PartnerRegion(division_id=code, note=str(DEMO_PARTNER_REGION_NOTE), is_demo=True)
            for code in DEMO_PARTNER_REGIONS
            if code in known
        ]
    )
    return len(known)
