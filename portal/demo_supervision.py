"""Demo data of training and supervision (clauses 13 and 14), made through the services. Idempotent: each part is
written only while it is missing. Called from portal.demo.demo_seed."""

import datetime as dt

from django.utils import timezone

from accounts.models import Role, User
from enterprises.models import Enterprise
from reference.models import District
from supervision import services
from supervision.models import Checklist, InspectionRound, Notice, TargetKind, TrainingSession

DEMO_CHECKLIST_TITLE = "复工复产疫情防控专项督查清单(演示)"
DEMO_CHECKLIST_SOURCE = "昆防指〔2020〕20号(演示, 非官方文本)"
DEMO_CHECKLIST_ITEMS = [
    (1, "", "防控责任落实到人, 有专人负责并公示", 3),
    (2, TargetKind.ENTERPRISE, "员工每日两次体温检测并登记", 2),
    (3, TargetKind.ENTERPRISE, "返岗员工经过岗前培训和安全教育", 3),
    (4, TargetKind.ENTERPRISE, "食堂错峰分餐, 公共区域每日消毒", 2),
    (5, TargetKind.COMMUNITY, "卡口二十四小时值守, 进出人员逐一核验登记", 1),
    (6, TargetKind.DISTRICT, "复工复产情况按时汇总上报, 企业诉求件件有答复", 3),
]


def demo_supervision(users: list[User], *, password: str) -> None:
    by_name = {user.username: user for user in users}
    commander, district_staff = by_name["demo_commander"], by_name["demo_district"]
    second = _second_commander(password)
    checklist = _demo_checklist(by_name["admin"])
    _demo_training(by_name["demo_enterprise"])
    _demo_rounds(commander, district_staff, by_name["demo_district2"], checklist)
    _demo_notice(second, commander)


def _second_commander(password: str) -> User:
    """A notice needs two commanders: one drafts, another approves."""
    user = User.objects.filter(username="demo_commander2").first()
    if user is None:
        user = User(username="demo_commander2", full_name="林指挥", role=Role.COMMANDER)
        user.set_password(password)
        user.save()
    return user


def _demo_checklist(admin: User) -> Checklist:
    existing = Checklist.objects.published().first()
    if existing:
        return existing
    draft = services.checklist_draft_create(
        created_by=admin,
        title=DEMO_CHECKLIST_TITLE,
        source_document=DEMO_CHECKLIST_SOURCE,
        effective_from=dt.date(2020, 3, 1),
        notes="演示数据: 示意的检查项, 不是任何正式文件的内容。",
    )
    Checklist.objects.filter(pk=draft.pk).update(is_demo=True)
    for number, kind, text, days in DEMO_CHECKLIST_ITEMS:
        services.checklist_item_add(
            draft=draft, added_by=admin, number=number, text=text, target_kind=kind, rectify_working_days=days
        )
    return services.checklist_publish(draft=draft, published_by=admin)


def _demo_training(owner: User) -> None:
    enterprise = owner.enterprise
    if TrainingSession.objects.filter(enterprise=enterprise).exists():
        return
    returnees = list(enterprise.workers.filter(arrived_on__isnull=False).order_by("pk")[:4])
    services.training_session_record(
        enterprise=enterprise,
        recorded_by=owner,
        kind=TrainingSession.Kind.PRE_JOB,
        held_on=timezone.localdate(),
        topic="复工岗前疫情防控与安全生产培训",
        trainer="安全主管",
        attendee_count=max(len(returnees), 1) + 20,
        attendees=returnees,
    )


def _demo_rounds(commander: User, district_staff: User, district_staff2: User, checklist: Checklist) -> None:
    if InspectionRound.objects.exists():
        return
    today = timezone.localdate()
    zhangpu = list(
        Enterprise.objects.filter(district=district_staff.district, status=Enterprise.Status.ACTIVE).order_by(
            "credit_code"
        )[:3]
    )
    inspection_round = services.inspection_round_plan(
        planned_by=district_staff,
        title="张浦镇复工企业防控措施专项督导",
        target_kind=TargetKind.ENTERPRISE,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        inspectors=[district_staff],
        targets=zhangpu,
    )
    first = inspection_round.visits.order_by("pk").first()
    problem = "体温登记表缺 3 月 8 日下午的记录"
    answers = {
        item.pk: services.ItemAnswer(passed=item.number != 2, note=problem if item.number == 2 else "")
        for item in services.checklist_items_for(checklist.pk, TargetKind.ENTERPRISE)
    }
    services.inspection_visit_record(
        visit=first, inspector=district_staff, answers=answers, summary="总体落实较好, 体温登记须补齐。"
    )
    services.inspection_round_plan(
        planned_by=commander,
        title="指挥部对各区镇复工复产工作专项督导",
        target_kind=TargetKind.DISTRICT,
        starts_on=today,
        ends_on=today + dt.timedelta(days=5),
        inspectors=[commander, district_staff2],
        targets=list(District.objects.filter(code__in=["zhangpu", "kfq"])),
    )


def _demo_notice(drafter: User, approver: User) -> None:
    if Notice.objects.exists():
        return
    district = District.objects.get(code="zhangpu")
    notice = services.notice_draft_create(
        drafted_by=drafter,
        title="关于部分单位疫情防控措施落实不力的通报(演示)",
        body="近日, 市指挥部组织专项督导, 发现个别单位防控措施落实不到位。现予通报, 请各单位引以为戒, 立即整改。",
        subjects=[
            services.SubjectData(
                failing="perfunctory",
                district=district,
                unit_name="张浦镇演示社区卡口",
                person_name="演示人员",
                person_title="卡口负责人",
                facts="夜间卡口无人值守, 进出人员未登记。",
            )
        ],
    )
    services.notice_submit(notice=notice, submitted_by=drafter)
    services.notice_publish(notice=notice, approved_by=approver, comment="同意发布。")
