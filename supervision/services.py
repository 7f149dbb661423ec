"""Writes of supervision: training records, checklists, inspection rounds and visits, the findings' workflow
(one transition table), escalation of overdue findings, and the notices' two-person workflow (one transition
table). Each transition locks its row, checks who acts, stamps who and when and writes an event row."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify
from core import excel, uploads
from core.dates import add_working_days
from passes.models import Worker
from supervision.models import (
    Checklist,
    ChecklistItem,
    Finding,
    FindingEvent,
    InspectionRound,
    InspectionVisit,
    Notice,
    NoticeEvent,
    NoticeNumberCounter,
    NoticeRead,
    NoticeSubject,
    TargetKind,
    TrainingAttendance,
    TrainingSession,
    VisitItemResult,
    VisitPhoto,
)

TRAINING_MATERIAL_FORMATS = ("jpg", "png", "pdf")
PHOTO_FORMATS = ("jpg", "png")

MSG_NOT_YOUR_ENTERPRISE = _("只能登记本企业的培训。")
MSG_TRAINING_IN_FUTURE = _("培训日期不能晚于今天。")
MSG_ATTENDEES_NOT_YOURS = _("参训员工必须是本企业花名册中的员工。")
MSG_ATTENDEES_OVER_COUNT = _("参训人数不能少于所选参训员工人数(%(named)s 人)。")

MSG_NOT_CHECKLIST_MANAGER = _("只有指挥部和系统管理员可以维护督查清单。")
MSG_CHECKLIST_READ_ONLY = _("已发布的督查清单不能修改, 请新建草稿。")
MSG_CHECKLIST_EMPTY = _("清单没有任何检查项, 不能发布。")
MSG_CHECKLIST_NUMBER_TAKEN = _("该序号已有检查项。")
MSG_CHECKLIST_DUPLICATE_IN_FILE = _("与第 {row} 行的序号重复。")

MSG_NOT_PLANNER = _("只有指挥部或属地工作人员可以组织专项督导。")
MSG_NO_CHECKLIST = _("%(day)s 没有施行中的督查清单, 请先发布督查清单。")
MSG_DATES_OUT_OF_ORDER = _("结束日期不能早于开始日期。")
MSG_INSPECTOR_NOT_ALLOWED = _("“%(name)s”不能担任本次督导的督导人员(须为指挥部人员或组织区镇的工作人员)。")
MSG_NO_INSPECTORS = _("请至少指定一名督导人员。")
MSG_NO_TARGETS = _("请至少选择一个督导对象。")
MSG_TARGET_OUTSIDE_DISTRICT = _("区镇组织的督导只能检查本区镇的对象: “%(name)s”不在本区镇。")
MSG_TARGET_ALREADY_LISTED = _("“%(name)s”已在本次督导的对象中。")
MSG_ROUND_CLOSED = _("本次督导已结束, 不能再修改或登记。")
MSG_NOT_ROUND_ORGANISER = _("只有本次督导的组织人或指挥部可以修改督导。")

MSG_NOT_INSPECTOR = _("只有本次督导指定的督导人员可以登记督导结果。")
MSG_VISIT_DONE = _("该对象已登记督导结果, 不能重复登记。")
MSG_ITEM_UNANSWERED = _("请逐项填写检查结果: “%(item)s”还没有选择合格或不合格。")
MSG_FAILED_NEEDS_NOTE = _("不合格的检查项须写明问题: “%(item)s”。")

MSG_FINDING_ILLEGAL = _("该问题当前状态“%(status)s”不能执行此操作, 请刷新页面查看。")
MSG_NOT_RESPONSIBLE = _("只有被督导企业或所在区镇的工作人员可以报告整改。")
MSG_NOT_REINSPECTOR = _("只有本次督导的督导人员、组织人或指挥部可以复查。")
MSG_RECTIFICATION_REQUIRED = _("请写明整改情况。")
MSG_REOPEN_REASON_REQUIRED = _("请写明复查不通过的原因。")

MSG_NOT_COMMANDER = _("只有指挥部人员可以起草和审批通报。")
MSG_NOTICE_ILLEGAL = _("该通报当前状态“%(status)s”不能执行此操作, 请刷新页面查看。")
MSG_NOTICE_NOT_DRAFTER = _("只有起草人可以修改或提交通报草稿。")
MSG_TWO_PERSON_RULE = _("通报须由起草人以外的另一名指挥部人员审批, 起草人不能审批自己起草的通报。")
MSG_NOTICE_NO_SUBJECTS = _("请至少列出一个被通报的单位。")
MSG_RETURN_REASON_REQUIRED = _("请写明退回修改的意见。")
MSG_WITHDRAW_REASON_REQUIRED = _("请写明撤回理由。")

NOTICE_OVERDUE = _("%(count)s 项督导问题逾期未整改")
NOTICE_FINDING = _("督导发现问题, 请于 %(deadline)s 前整改")
NOTICE_PUBLISHED = _("通报: %(title)s")
NOTICE_PENDING = _("通报待审批: %(title)s")
NOTICE_NUMBER = "昆防指督通〔{year}〕{serial}号"


def _require(condition: bool, message) -> None:
    if not condition:
        raise PermissionDenied(message)


# --- training (clause 13) ------------------------------------------------------------------------


@transaction.atomic
def training_session_record(
    *,
    enterprise,
    recorded_by: User,
    kind: str,
    held_on: date,
    topic: str,
    trainer: str,
    attendee_count: int,
    attendees=(),
    material=None,
) -> TrainingSession:
    """A session the enterprise held, with the roster workers who attended and a photo or sign-in sheet."""
    _require(
        recorded_by.role == Role.ENTERPRISE and recorded_by.enterprise_id == enterprise.pk, MSG_NOT_YOUR_ENTERPRISE
    )
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": MSG_TRAINING_IN_FUTURE})
    worker_ids = sorted({worker.pk for worker in attendees})
    if worker_ids and Worker.objects.filter(pk__in=worker_ids).exclude(enterprise=enterprise).exists():
        raise ValidationError({"attendees": MSG_ATTENDEES_NOT_YOURS})
    if attendee_count < len(worker_ids):
        raise ValidationError({"attendee_count": MSG_ATTENDEES_OVER_COUNT % {"named": len(worker_ids)}})
    session = TrainingSession(
        enterprise=enterprise,
        kind=kind,
        held_on=held_on,
        topic=topic.strip(),
        trainer=trainer.strip(),
        attendee_count=attendee_count,
        recorded_by=recorded_by,
    )
    if material is not None:
        try:
            session.file_kind = uploads.validate_upload(material, allowed=TRAINING_MATERIAL_FORMATS)
        except ValidationError as error:
            raise ValidationError({"material": error.messages}) from error
        session.original_name = material.name[:255]
        session.material.save(material.name, material, save=False)
    session.full_clean(exclude=["enterprise", "recorded_by"])
    session.save()
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(session=session, worker_id=pk, held_on=held_on) for pk in worker_ids
    )
    return session


TRAINING_EXPORT_COLUMNS = [
    excel.Column("held_on", _("培训日期"), width=12, number_format="yyyy-mm-dd"),
    excel.Column("enterprise", _("企业名称"), width=34),
    excel.Column("district", _("属地"), width=12),
    excel.Column("kind", _("类型"), width=10),
    excel.Column("topic", _("培训主题"), width=34),
    excel.Column("trainer", _("授课人"), width=12),
    excel.Column("count", _("参训人数"), width=10),
    excel.Column("named", _("花名册中的参训员工"), width=10),
    excel.Column("material", _("照片或签到表"), width=10),
]


def training_export_rows(sessions):
    for s in sessions.iterator(chunk_size=2000):
        yield [
            s.held_on,
            s.enterprise.name,
            s.enterprise.district.name,
            s.get_kind_display(),
            s.topic,
            s.trainer,
            s.attendee_count,
            s.named_count,
            excel.FLAG_TEXT[bool(s.material)],
        ]


# --- checklists (versioned data, managed like the rule lists) -------------------------------------


def _require_checklist_manager(user: User) -> None:
    _require(user.role in (Role.COMMANDER, Role.ADMIN), MSG_NOT_CHECKLIST_MANAGER)


def checklist_manager_check(user: User) -> None:
    """The management pages' gate: 403 for everyone but commanders and administrators."""
    _require_checklist_manager(user)


@transaction.atomic
def checklist_draft_create(
    *,
    created_by: User,
    title: str,
    source_document: str,
    effective_from: date,
    copy_from: Checklist | None = None,
    notes: str = "",
) -> Checklist:
    _require_checklist_manager(created_by)
    draft = Checklist.objects.draft_create(
        created_by=created_by, title=title, source_document=source_document, effective_from=effective_from, notes=notes
    )
    if copy_from is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                checklist=draft,
                number=i.number,
                target_kind=i.target_kind,
                text=i.text,
                rectify_working_days=i.rectify_working_days,
            )
            for i in copy_from.items.all()
        )
    return draft


@transaction.atomic
def checklist_item_add(
    *, draft: Checklist, added_by: User, number: int, text: str, target_kind: str = "", rectify_working_days: int = 3
) -> ChecklistItem:
    _require_checklist_manager(added_by)
    draft = Checklist.objects.lock_draft(draft.pk, published_message=MSG_CHECKLIST_READ_ONLY)
    if draft.items.filter(number=number).exists():
        raise ValidationError({"number": MSG_CHECKLIST_NUMBER_TAKEN})
    item = ChecklistItem(
        checklist=draft,
        number=number,
        text=text.strip(),
        target_kind=target_kind,
        rectify_working_days=rectify_working_days,
    )
    item.full_clean(exclude={"checklist"}, validate_unique=False, validate_constraints=False)
    item.save()
    return item


@transaction.atomic
def checklist_item_remove(*, item: ChecklistItem, removed_by: User) -> None:
    _require_checklist_manager(removed_by)
    Checklist.objects.lock_draft(item.checklist_id, published_message=MSG_CHECKLIST_READ_ONLY)
    ChecklistItem.objects.filter(pk=item.pk).delete()


@transaction.atomic
def checklist_publish(*, draft: Checklist, published_by: User) -> Checklist:
    _require_checklist_manager(published_by)
    locked = Checklist.objects.lock_draft(draft.pk, published_message=MSG_CHECKLIST_READ_ONLY)
    if not locked.items.exists():
        raise ValidationError(MSG_CHECKLIST_EMPTY)
    locked.status = Checklist.Status.PUBLISHED
    locked.published_by = published_by
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_by", "published_at"])
    return locked


TARGET_KIND_TEXT = {"": "全部", **{k: str(label) for k, label in TargetKind.choices}}


def _parse_target_kind(value) -> str:
    text = str(value or "").strip()
    by_text = {label: kind for kind, label in TARGET_KIND_TEXT.items()}
    if text in by_text:
        return by_text[text]
    raise ValidationError(_("适用对象请填写: %(kinds)s。") % {"kinds": "、".join(by_text)})


def checklist_columns() -> list[excel.Column]:
    """The import's and the export's columns (headers as plain text: the import matches them)."""
    return [
        excel.Column("number", "序号", parse=excel.parse_count, width=8),
        excel.Column(
            "target_kind",
            "适用对象",
            parse=_parse_target_kind,
            width=14,
            help_text="全部、企业、社区(村)卡口 或 区镇机关",
        ),
        excel.Column("text", "检查内容", parse=excel.parse_text(255), width=60),
        excel.Column("rectify_working_days", "整改期限(工作日)", parse=excel.parse_count, width=14),
    ]


def checklist_template() -> bytes:
    return excel.template_workbook(
        checklist_columns(), title="督查清单导入模板", example_rows=[[1, "企业", "落实员工每日体温检测并登记", 3]]
    )


@dataclass
class ChecklistImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: list[ChecklistItem] = field(default_factory=list)


def checklist_import(*, draft: Checklist, upload, imported_by: User) -> ChecklistImport:
    """All-or-nothing import of items into a draft; on any row error nothing is written."""
    _require_checklist_manager(imported_by)
    with transaction.atomic():
        draft = Checklist.objects.lock_draft(draft.pk, published_message=MSG_CHECKLIST_READ_ONLY)
        columns = checklist_columns()
        result = excel.read_rows(upload, columns)
        outcome = ChecklistImport(result=result, columns=columns)
        taken = set(draft.items.values_list("number", flat=True))
        first_rows = excel.FirstRows()
        for row in result.rows:
            number = row.get("number")
            if number is None:
                continue
            if (earlier := first_rows.earlier(number, row["_row"])) is not None:
                result.add_error(row["_row"], "number", MSG_CHECKLIST_DUPLICATE_IN_FILE.format(row=earlier))
            if number in taken:
                result.add_error(row["_row"], "number", MSG_CHECKLIST_NUMBER_TAKEN)
        if result.ok:
            outcome.created = ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    checklist=draft,
                    number=row["number"],
                    target_kind=row["target_kind"],
                    text=row["text"],
                    rectify_working_days=row["rectify_working_days"] or 3,
                )
                for row in result.rows
            )
        return outcome


def checklist_export(*, checklist: Checklist) -> bytes:
    """A version's items; the sheet imports back into a draft."""
    rows = [
        [i.number, TARGET_KIND_TEXT[i.target_kind], i.text, i.rectify_working_days]
        for i in checklist.items.order_by("number")
    ]
    return excel.write_workbook([excel.Sheet(title="督查清单", columns=checklist_columns(), rows=rows)])


def checklist_items_for(checklist_id: int, target_kind: str) -> list[ChecklistItem]:
    from django.db.models import Q

    return list(
        ChecklistItem.objects.filter(
            Q(target_kind="") | Q(target_kind=target_kind), checklist_id=checklist_id
        ).order_by("number")
    )


# --- inspection rounds ---------------------------------------------------------------------------


def _target_district_id(target_kind: str, target) -> int:
    if target_kind == TargetKind.DISTRICT:
        return target.pk
    return target.district_id


def _target_fields(target_kind: str, target) -> dict:
    if target_kind == TargetKind.ENTERPRISE:
        return {"enterprise": target}
    if target_kind == TargetKind.COMMUNITY:
        return {"community": target}
    return {}


def _add_targets(inspection_round: InspectionRound, targets) -> list[InspectionVisit]:
    kind = inspection_round.target_kind
    listed = set(
        inspection_round.visits.values_list(
            {"enterprise": "enterprise_id", "community": "community_id", "district": "district_id"}[kind], flat=True
        )
    )
    visits = []
    for target in targets:
        district_id = _target_district_id(kind, target)
        if inspection_round.district_id and district_id != inspection_round.district_id:
            raise ValidationError({"targets": MSG_TARGET_OUTSIDE_DISTRICT % {"name": str(target)}})
        if target.pk in listed:
            raise ValidationError({"targets": MSG_TARGET_ALREADY_LISTED % {"name": str(target)}})
        listed.add(target.pk)
        visits.append(
            InspectionVisit(
                round=inspection_round, target_kind=kind, district_id=district_id, **_target_fields(kind, target)
            )
        )
    return InspectionVisit.objects.bulk_create(visits)


def _check_inspectors(district_id: int | None, inspectors) -> None:
    if not inspectors:
        raise ValidationError({"inspectors": MSG_NO_INSPECTORS})
    for user in inspectors:
        allowed = user.role == Role.COMMANDER or (
            user.role == Role.DISTRICT_STAFF and (district_id is None or user.district_id == district_id)
        )
        if not allowed:
            raise ValidationError({"inspectors": MSG_INSPECTOR_NOT_ALLOWED % {"name": user.display_name}})


@transaction.atomic
def inspection_round_plan(
    *, planned_by: User, title: str, target_kind: str, starts_on: date, ends_on: date, inspectors, targets
) -> InspectionRound:
    """A round of the command (city-wide) or of the planner's district, checked against the checklist in force
    on its first day; each target becomes a visit to record."""
    _require(planned_by.role in (Role.COMMANDER, Role.DISTRICT_STAFF), MSG_NOT_PLANNER)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": MSG_DATES_OUT_OF_ORDER})
    checklist = Checklist.objects.in_force(starts_on)
    if checklist is None:
        raise ValidationError({"starts_on": MSG_NO_CHECKLIST % {"day": f"{starts_on:%Y-%m-%d}"}})
    district_id = planned_by.district_id if planned_by.role == Role.DISTRICT_STAFF else None
    inspectors = list(inspectors)
    _check_inspectors(district_id, inspectors)
    targets = list(targets)
    if not targets:
        raise ValidationError({"targets": MSG_NO_TARGETS})
    inspection_round = InspectionRound.objects.create(
        title=title.strip(),
        district_id=district_id,
        target_kind=target_kind,
        checklist=checklist,
        starts_on=starts_on,
        ends_on=ends_on,
        planned_by=planned_by,
    )
    inspection_round.inspectors.set(inspectors)
    _add_targets(inspection_round, targets)
    return inspection_round


def _locked_round(inspection_round: InspectionRound, actor: User) -> InspectionRound:
    locked = InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
    _require(actor.pk == locked.planned_by_id or actor.role == Role.COMMANDER, MSG_NOT_ROUND_ORGANISER)
    if locked.status != InspectionRound.Status.OPEN:
        raise ValidationError(MSG_ROUND_CLOSED)
    return locked


@transaction.atomic
def inspection_round_targets_add(*, inspection_round: InspectionRound, added_by: User, targets) -> list:
    locked = _locked_round(inspection_round, added_by)
    targets = list(targets)
    if not targets:
        raise ValidationError({"targets": MSG_NO_TARGETS})
    return _add_targets(locked, targets)


@transaction.atomic
def inspection_round_close(*, inspection_round: InspectionRound, closed_by: User) -> InspectionRound:
    locked = _locked_round(inspection_round, closed_by)
    locked.status = InspectionRound.Status.CLOSED
    locked.save(update_fields=["status"])
    return locked


# --- visits --------------------------------------------------------------------------------------


def may_record_visit(user: User, visit: InspectionVisit) -> bool:
    return (
        visit.status == InspectionVisit.Status.PLANNED
        and visit.round.status == InspectionRound.Status.OPEN
        and visit.round.inspectors.filter(pk=user.pk).exists()
    )


@dataclass(frozen=True)
class ItemAnswer:
    passed: bool | None
    note: str = ""
    photos: tuple = ()


@transaction.atomic
def inspection_visit_record(
    *, visit: InspectionVisit, inspector: User, answers: dict[int, ItemAnswer], summary: str = "", photos=()
) -> InspectionVisit:
    """The inspector's findings on the spot: every checklist item passed or failed (a failed one with its
    problem, which becomes a finding with a rectification deadline in working days), photos, an overall note."""
    visit = InspectionVisit.objects.select_for_update(of=("self",)).select_related("round").get(pk=visit.pk)
    _require(visit.round.inspectors.filter(pk=inspector.pk).exists(), MSG_NOT_INSPECTOR)
    if visit.round.status != InspectionRound.Status.OPEN:
        raise ValidationError(MSG_ROUND_CLOSED)
    if visit.status != InspectionVisit.Status.PLANNED:
        raise ValidationError(MSG_VISIT_DONE, code="done")
    items = checklist_items_for(visit.round.checklist_id, visit.target_kind)
    for item in items:
        answer = answers.get(item.pk)
        if answer is None or answer.passed is None:
            raise ValidationError(MSG_ITEM_UNANSWERED % {"item": item.text})
        if not answer.passed and not answer.note.strip():
            raise ValidationError(MSG_FAILED_NEEDS_NOTE % {"item": item.text})
    for item in items:
        for upload in answers[item.pk].photos:
            _photo_check(upload)
    for upload in photos:
        _photo_check(upload)

    now = timezone.now()
    visit.status = InspectionVisit.Status.DONE
    visit.visited_at = now
    visit.inspector = inspector
    visit.summary = summary.strip()
    visit.save(update_fields=["status", "visited_at", "inspector", "summary"])
    VisitItemResult.objects.bulk_create(
        # Every answer's `passed` was checked above to be True or False.
        VisitItemResult(
            visit=visit, item=item, passed=bool(answers[item.pk].passed), note=answers[item.pk].note.strip()
        )
        for item in items
    )
    for item in items:
        for upload in answers[item.pk].photos:
            _photo_save(visit, item, upload, inspector)
    for upload in photos:
        _photo_save(visit, None, upload, inspector)
    findings = Finding.objects.bulk_create(
        Finding(
            visit=visit,
            round_id=visit.round_id,
            item=item,
            description=answers[item.pk].note.strip(),
            district_id=visit.district_id,
            enterprise_id=visit.enterprise_id,
            deadline=add_working_days(now, item.rectify_working_days),
        )
        for item in items
        if not answers[item.pk].passed
    )
    if findings and visit.enterprise is not None:
        earliest = min(f.deadline for f in findings)
        notify(
            users=visit.enterprise.users.filter(is_active=True, role=Role.ENTERPRISE),
            title=NOTICE_FINDING % {"deadline": f"{timezone.localtime(earliest):%Y-%m-%d %H:%M}"},
            body="\n".join(f.description for f in findings),
            url=reverse("supervision:finding_list"),
            email=True,
        )
    return visit


def _photo_check(upload) -> None:
    try:
        uploads.validate_upload(upload, allowed=PHOTO_FORMATS)
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from error


def _photo_save(visit, item, upload, user) -> VisitPhoto:
    photo = VisitPhoto(
        visit=visit,
        item=item,
        file_kind=uploads.validate_upload(upload, allowed=PHOTO_FORMATS),
        original_name=upload.name[:255],
        uploaded_by=user,
    )
    photo.file.save(upload.name, upload, save=False)
    photo.save()
    return photo


VISIT_EXPORT_COLUMNS = [
    excel.Column("round", _("专项督导"), width=30),
    excel.Column("organiser", _("组织单位"), width=12),
    excel.Column("target", _("督导对象"), width=34),
    excel.Column("kind", _("对象类型"), width=12),
    excel.Column("district", _("属地"), width=12),
    excel.Column("status", _("状态"), width=10),
    excel.Column("visited_at", _("督导时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("inspector", _("督导人"), width=12),
    excel.Column("failed", _("不合格项"), width=10),
    excel.Column("summary", _("督导意见"), width=40),
]


def visit_export_rows(visits):
    for v in visits.iterator(chunk_size=2000):
        yield [
            v.round.title,
            v.round.district.name if v.round.district_id else str(_("指挥部")),
            v.target_name,
            v.get_target_kind_display(),
            v.district.name,
            v.get_status_display(),
            v.visited_at,
            v.inspector.display_name if v.inspector_id else "",
            v.failed_count,
            v.summary,
        ]


ROUND_EXPORT_COLUMNS = [
    excel.Column("title", _("督导名称"), width=30),
    excel.Column("organiser", _("组织单位"), width=12),
    excel.Column("kind", _("督导对象"), width=12),
    excel.Column("starts_on", _("开始日期"), width=12, number_format="yyyy-mm-dd"),
    excel.Column("ends_on", _("结束日期"), width=12, number_format="yyyy-mm-dd"),
    excel.Column("status", _("状态"), width=10),
    excel.Column("targets", _("对象数"), width=10),
    excel.Column("done", _("已督导"), width=10),
    excel.Column("findings", _("发现问题"), width=10),
]


def round_export_rows(rounds):
    for r in rounds.iterator(chunk_size=2000):
        yield [
            r.title,
            r.district.name if r.district_id else str(_("指挥部")),
            r.get_target_kind_display(),
            r.starts_on,
            r.ends_on,
            r.get_status_display(),
            r.target_count,
            r.done_count,
            r.finding_count,
        ]


# --- findings: one transition table ----------------------------------------------------------------

F = Finding.Status

# action -> (statuses it may start from, status it leads to)
FINDING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "report": (frozenset({F.OPEN}), F.REPORTED),  # the unit reports its rectification
    "accept": (frozenset({F.REPORTED}), F.CLOSED),  # re-inspection passed
    "reopen": (frozenset({F.REPORTED}), F.OPEN),  # re-inspection failed: a new deadline
}


def _locked_finding(finding: Finding) -> Finding:
    return Finding.objects.select_related("visit__round", "item").select_for_update(of=("self",)).get(pk=finding.pk)


def _finding_transition(finding: Finding, action: str, actor: User | None, comment: str = "") -> None:
    sources, target = FINDING_TRANSITIONS[action]
    if finding.status not in sources:
        raise ValidationError(MSG_FINDING_ILLEGAL % {"status": finding.get_status_display()}, code="illegal")
    FindingEvent.objects.create(
        finding=finding, actor=actor, action=action, from_status=finding.status, to_status=target, comment=comment
    )
    finding.status = target


def may_report_rectification(user: User, finding: Finding) -> bool:
    return (
        user.role == Role.ENTERPRISE
        and finding.enterprise_id is not None
        and user.enterprise_id == finding.enterprise_id
    ) or (user.role == Role.DISTRICT_STAFF and user.district_id == finding.district_id)


def may_reinspect(user: User, finding: Finding) -> bool:
    inspection_round = finding.visit.round
    return (
        user.role == Role.COMMANDER
        or user.pk == inspection_round.planned_by_id
        or inspection_round.inspectors.filter(pk=user.pk).exists()
    )


def finding_actions(finding: Finding, user: User) -> list[str]:
    """The transitions this user may take on the finding now."""
    if finding.status == F.OPEN:
        return ["report"] if may_report_rectification(user, finding) else []
    if finding.status == F.REPORTED and may_reinspect(user, finding):
        return ["accept", "reopen"]
    return []


@transaction.atomic
def finding_report_rectification(*, finding: Finding, reported_by: User, rectification: str) -> Finding:
    if not rectification.strip():
        raise ValidationError(MSG_RECTIFICATION_REQUIRED)
    finding = _locked_finding(finding)
    _require(may_report_rectification(reported_by, finding), MSG_NOT_RESPONSIBLE)
    _finding_transition(finding, "report", reported_by, rectification.strip())
    finding.rectification = rectification.strip()
    finding.rectified_at = timezone.now()
    finding.save(update_fields=["status", "rectification", "rectified_at"])
    return finding


@transaction.atomic
def finding_accept(*, finding: Finding, reinspected_by: User, comment: str = "") -> Finding:
    """Re-inspection passed: on time when the rectification was reported by the deadline."""
    finding = _locked_finding(finding)
    _require(may_reinspect(reinspected_by, finding), MSG_NOT_REINSPECTOR)
    _finding_transition(finding, "accept", reinspected_by, comment.strip())
    finding.closed_at = timezone.now()
    if finding.rectified_at is None:  # accepted only once rectified, which stamps it
        raise ValueError(f"finding {finding.pk} accepted without a rectification time")
    finding.on_time = finding.rectified_at <= finding.deadline
    finding.save(update_fields=["status", "closed_at", "on_time"])
    return finding


@transaction.atomic
def finding_reopen(*, finding: Finding, reinspected_by: User, reason: str) -> Finding:
    """Re-inspection failed: back to the unit with a new deadline (escalated again if it is missed)."""
    if not reason.strip():
        raise ValidationError(MSG_REOPEN_REASON_REQUIRED)
    finding = _locked_finding(finding)
    _require(may_reinspect(reinspected_by, finding), MSG_NOT_REINSPECTOR)
    _finding_transition(finding, "reopen", reinspected_by, reason.strip())
    days = finding.item.rectify_working_days if finding.item is not None else 3
    finding.deadline = add_working_days(timezone.now(), days)
    finding.escalated_at = None
    finding.save(update_fields=["status", "deadline", "escalated_at"])
    return finding


@transaction.atomic
def findings_escalate_overdue(*, now=None) -> int:
    """Each open finding past its deadline and not yet escalated is marked, logged and told to the commanders
    once. Running it again escalates nothing twice (the beat task runs hourly)."""
    now = now or timezone.now()
    overdue = list(
        Finding.objects.select_for_update(skip_locked=True)
        .filter(status=F.OPEN, deadline__lt=now, escalated_at__isnull=True)
        .order_by("pk")
    )
    if not overdue:
        return 0
    Finding.objects.filter(pk__in=[f.pk for f in overdue]).update(escalated_at=now)
    FindingEvent.objects.bulk_create(
        FindingEvent(
            finding=f,
            actor=None,
            action="escalate",
            from_status=f.status,
            to_status=f.status,
            comment=str(_("逾期未整改, 已上报指挥部")),
        )
        for f in overdue
    )
    notify(
        users=User.objects.filter(role=Role.COMMANDER, is_active=True),
        title=NOTICE_OVERDUE % {"count": len(overdue)},
        url=reverse("supervision:finding_list") + "?overdue=1",
        email=True,
    )
    return len(overdue)


FINDING_EXPORT_COLUMNS = [
    excel.Column("target", _("督导对象"), width=34),
    excel.Column("district", _("属地"), width=12),
    excel.Column("round", _("专项督导"), width=30),
    excel.Column("description", _("问题描述"), width=40),
    excel.Column("found_at", _("发现时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("deadline", _("整改期限"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("status", _("状态"), width=14),
    excel.Column("rectified_at", _("报告整改时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("on_time", _("按期整改"), width=10),
    excel.Column("escalated", _("逾期上报"), width=10),
]


def finding_export_rows(findings):
    for f in findings.iterator(chunk_size=2000):
        yield [
            f.visit.target_name,
            f.district.name,
            f.visit.round.title,
            f.description,
            f.created_at,
            f.deadline,
            f.get_status_display(),
            f.rectified_at,
            "" if f.on_time is None else excel.FLAG_TEXT[f.on_time],
            excel.FLAG_TEXT[f.escalated_at is not None],
        ]


# --- notices: one transition table, two people ----------------------------------------------------

N = Notice.Status

NOTICE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({N.DRAFT}), N.PENDING),  # the drafter asks for approval
    "return": (frozenset({N.PENDING}), N.DRAFT),  # another commander sends it back
    "publish": (frozenset({N.PENDING}), N.PUBLISHED),  # another commander approves it
    "withdraw": (frozenset({N.PUBLISHED}), N.WITHDRAWN),  # withdrawn with a reason, never edited
}


def _require_commander(user: User) -> None:
    _require(user.role == Role.COMMANDER, MSG_NOT_COMMANDER)


def _locked_notice(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice.pk)


def _notice_transition(notice: Notice, action: str, actor: User, comment: str = "") -> None:
    sources, target = NOTICE_TRANSITIONS[action]
    if notice.status not in sources:
        code = "decided" if notice.status in (N.PUBLISHED, N.WITHDRAWN, N.DRAFT) else "illegal"
        raise ValidationError(MSG_NOTICE_ILLEGAL % {"status": notice.get_status_display()}, code=code)
    NoticeEvent.objects.create(notice=notice, actor=actor, from_status=notice.status, to_status=target, comment=comment)
    notice.status = target


@dataclass(frozen=True)
class SubjectData:
    failing: str
    district: object
    unit_name: str
    facts: str
    person_name: str = ""
    person_title: str = ""


def _write_subjects(notice: Notice, subjects) -> None:
    notice.subjects.all().delete()
    NoticeSubject.objects.bulk_create(
        NoticeSubject(
            notice=notice,
            failing=s.failing,
            district=s.district,
            unit_name=s.unit_name.strip(),
            person_name=s.person_name.strip(),
            person_title=s.person_title.strip(),
            facts=s.facts.strip(),
        )
        for s in subjects
    )


@transaction.atomic
def notice_draft_create(*, drafted_by: User, title: str, body: str, subjects, findings=()) -> Notice:
    _require_commander(drafted_by)
    notice = Notice.objects.create(title=title.strip(), body=body.strip(), drafted_by=drafted_by)
    _write_subjects(notice, subjects)
    notice.findings.set(findings)
    return notice


@transaction.atomic
def notice_draft_update(*, notice: Notice, updated_by: User, title: str, body: str, subjects, findings=()) -> Notice:
    """Only a draft changes, and only by its drafter; a published notice is withdrawn, never edited."""
    notice = _locked_notice(notice)
    _require(updated_by.pk == notice.drafted_by_id, MSG_NOTICE_NOT_DRAFTER)
    if notice.status != N.DRAFT:
        raise ValidationError(MSG_NOTICE_ILLEGAL % {"status": notice.get_status_display()}, code="illegal")
    notice.title, notice.body = title.strip(), body.strip()
    notice.save(update_fields=["title", "body", "updated_at"])
    _write_subjects(notice, subjects)
    notice.findings.set(findings)
    return notice


@transaction.atomic
def notice_submit(*, notice: Notice, submitted_by: User) -> Notice:
    notice = _locked_notice(notice)
    _require(submitted_by.pk == notice.drafted_by_id, MSG_NOTICE_NOT_DRAFTER)
    if not notice.subjects.exists():
        raise ValidationError(MSG_NOTICE_NO_SUBJECTS)
    _notice_transition(notice, "submit", submitted_by)
    notice.save(update_fields=["status", "updated_at"])
    approvers = User.objects.filter(role=Role.COMMANDER, is_active=True).exclude(pk=notice.drafted_by_id)
    notify(
        users=approvers,
        title=NOTICE_PENDING % {"title": notice.title},
        url=reverse("supervision:notice_detail", args=[notice.pk]),
    )
    return notice


def _require_second_commander(user: User, notice: Notice) -> None:
    _require_commander(user)
    _require(user.pk != notice.drafted_by_id, MSG_TWO_PERSON_RULE)


@transaction.atomic
def notice_return(*, notice: Notice, returned_by: User, comment: str) -> Notice:
    if not comment.strip():
        raise ValidationError(MSG_RETURN_REASON_REQUIRED)
    notice = _locked_notice(notice)
    _require_second_commander(returned_by, notice)
    _notice_transition(notice, "return", returned_by, comment.strip())
    notice.save(update_fields=["status", "updated_at"])
    notify(
        users=[notice.drafted_by],
        title=_("通报被退回修改: %(title)s") % {"title": notice.title},
        body=comment,
        url=reverse("supervision:notice_detail", args=[notice.pk]),
    )
    return notice


def _next_notice_number(year: int) -> str:
    counter, _created = NoticeNumberCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return NOTICE_NUMBER.format(year=year, serial=counter.last)


@transaction.atomic
def notice_publish(*, notice: Notice, approved_by: User, comment: str = "") -> Notice:
    """A second commander approves: the notice gets its number and every staff account can read it."""
    notice = _locked_notice(notice)
    _require_second_commander(approved_by, notice)
    _notice_transition(notice, "publish", approved_by, comment.strip())
    now = timezone.now()
    notice.number = _next_notice_number(timezone.localdate(now).year)
    notice.approved_by = approved_by
    notice.published_at = now
    notice.save(update_fields=["status", "number", "approved_by", "published_at", "updated_at"])
    readers = User.objects.filter(is_active=True).exclude(role=Role.ENTERPRISE)
    notify(
        users=readers,
        title=NOTICE_PUBLISHED % {"title": notice.title},
        url=reverse("supervision:notice_detail", args=[notice.pk]),
    )
    return notice


@transaction.atomic
def notice_withdraw(*, notice: Notice, withdrawn_by: User, reason: str) -> Notice:
    if not reason.strip():
        raise ValidationError(MSG_WITHDRAW_REASON_REQUIRED)
    notice = _locked_notice(notice)
    _require_commander(withdrawn_by)
    _notice_transition(notice, "withdraw", withdrawn_by, reason.strip())
    notice.withdrawn_by = withdrawn_by
    notice.withdrawn_at = timezone.now()
    notice.withdrawal_reason = reason.strip()
    notice.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason", "updated_at"])
    return notice


def notice_actions(notice: Notice, user: User) -> list[str]:
    if user.role != Role.COMMANDER:
        return []
    is_drafter = user.pk == notice.drafted_by_id
    if notice.status == N.DRAFT:
        return ["submit"] if is_drafter else []
    if notice.status == N.PENDING:
        return [] if is_drafter else ["publish", "return"]
    if notice.status == N.PUBLISHED:
        return ["withdraw"]
    return []


def notice_mark_read(*, notice: Notice, user: User) -> None:
    """The first reading of a published notice by a staff account other than the commanders'."""
    if notice.status == N.PUBLISHED and user.role not in (Role.COMMANDER, Role.ADMIN):
        NoticeRead.objects.get_or_create(notice=notice, user=user)


NOTICE_EXPORT_COLUMNS = [
    excel.Column("number", _("通报编号"), width=24),
    excel.Column("title", _("标题"), width=40),
    excel.Column("status", _("状态"), width=10),
    excel.Column("published_at", _("发布时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("subjects", _("被通报单位"), width=50),
    excel.Column("drafted_by", _("起草人"), width=12),
    excel.Column("approved_by", _("审批人"), width=12),
    excel.Column("withdrawal", _("撤回理由"), width=30),
]


def notice_export_rows(notices):
    for n in notices:
        subjects = "; ".join(f"{s.unit_name}({s.get_failing_display()})" for s in n.subjects.all())
        yield [
            n.number or "",
            n.title,
            n.get_status_display(),
            n.published_at,
            subjects,
            n.drafted_by.display_name,
            n.approved_by.display_name if n.approved_by_id else "",
            n.withdrawal_reason,
        ]
