"""The filing workflow: one transition table, each transition locked, checked, stamped and logged."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify
from accounts.sms import sms_send
from core import excel, rosters, uploads
from core.dates import add_working_days
from core.db import insert_or_lock
from enterprises.standing import standing_changed
from filings.models import Filing, FilingEvent, FilingMaterial, FilingReferenceCounter
from negative_list.models import ResumptionScope
from negative_list.selectors import NegativeListRules, Restriction, negative_list_rules

S = Filing.Status

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "return": (frozenset({S.SUBMITTED}), S.RETURNED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
}

# Every material a complete filing carries, and the formats each may be uploaded in.
MATERIAL_FORMATS: dict[str, tuple[str, ...]] = {
    FilingMaterial.Kind.PREVENTION_PLAN: ("pdf", "docx", "jpg", "png"),
    FilingMaterial.Kind.COMMITMENT_LETTER: ("pdf", "jpg", "png"),
    FilingMaterial.Kind.EMERGENCY_PLAN: ("pdf", "docx", "jpg", "png"),
    FilingMaterial.Kind.ROSTER: ("xlsx",),
    FilingMaterial.Kind.SUPPLIES_LIST: ("pdf", "xlsx", "docx", "jpg", "png"),
}

MSG_NOT_EDITABLE = _("只有草稿或退回修改的备案可以修改。")
MSG_ALREADY_DECIDED = _("该备案已被处理(当前状态: %(status)s), 请刷新页面查看。")
MSG_ILLEGAL = _("当前状态“%(status)s”不能执行此操作。")
MSG_NOT_YOURS = _("只能处理本企业的备案。")
MSG_NOT_YOUR_DISTRICT = _("只有企业所在区镇的工作人员可以审核。")
MSG_NOT_AUTHORITY = _("只有该行业的主管部门可以提出指导意见。")
MSG_REASON_REQUIRED = _("请填写不予通过的理由。")
MSG_RETURN_REASON_REQUIRED = _("请至少填写一条退回修改的原因(总体意见或某项材料)。")
MSG_COMMENT_REQUIRED = _("请填写指导意见。")
MSG_NO_SCOPE = _("请至少选择复工、复产、复市中的一项。")
MSG_FIELD_REQUIRED = _("请填写“%(field)s”。")
MSG_COMMITMENT_REQUIRED = _("请阅读并勾选防控主体责任承诺。")
MSG_MATERIAL_MISSING = _("请上传“%(kind)s”。")
MSG_RESTRICTED_ON_DECISION = _("该企业申请的范围现在属于负面清单, 不能通过, 请选择不予通过并引用清单条目: %(reasons)s")
MSG_NOT_IN_EFFECT = _("只有已备案或审核通过的备案可以登记实际复工日期。")
MSG_DATE_IN_FUTURE = _("实际日期不能晚于今天。")
MSG_SCOPE_NOT_FILED = _("本备案没有申请“%(scope)s”。")
MSG_ROSTER_MATERIAL = _("员工花名册未上传: %(reason)s 请下载本页的花名册模板填写后上传。")
MSG_RETURNED_MATERIAL = _("“%(kind)s”被退回修改(%(reason)s), 请重新上传后再提交。")
MSG_ROSTER_EMPTY = _("平台的员工花名册中还没有员工: 请先登记或导入员工, 或上传花名册文件。")
MSG_RETURN_ANSWER_REQUIRED = _("请答复退回修改的总体意见, 说明已如何修改, 再重新提交。")

ROSTER_FROM_PORTAL_NAME = _("员工花名册(平台生成 %(day)s).xlsx")

NOTICE_SUBMITTED = _("备案 %(reference)s 已提交, 可以按备案范围复工复产")
NOTICE_APPROVED = _("备案 %(reference)s 已审核通过")
NOTICE_RETURNED = _("备案 %(reference)s 被退回修改")
NOTICE_REJECTED = _("备案 %(reference)s 不予通过")
# What the text message says of each decision ("…的复工备案 KSFG-… 已审核通过, 请登录平台查看").
SMS_APPROVED, SMS_RETURNED, SMS_REJECTED = _("已审核通过"), _("被退回修改"), _("未获通过")


class FilingRestricted(ValidationError):
    """A scope asked for is on the negative list; carries the restrictions to show."""

    def __init__(self, restrictions: list[Restriction]):
        self.restrictions = restrictions
        super().__init__([r.message for r in restrictions])


# --- Helpers ------------------------------------------------------------------------------------


def _locked(filing: Filing) -> Filing:
    # Lock the filing row only: locking the joined enterprise, district and industry rows too would make
    # unrelated decisions in the same district or industry wait for each other.
    related = Filing.objects.select_related("enterprise__district", "enterprise__industry")
    return related.select_for_update(of=("self",)).get(pk=filing.pk)


def _transition(filing: Filing, action: str, actor: User, comment: str = "") -> None:
    """Move a locked filing along the table and log it; the caller saves the fields it changed."""
    sources, target = TRANSITIONS[action]
    if filing.status not in sources:
        # A reviewer who finds the filing decided lost a race with a colleague: say so plainly.
        decided = action != "submit" and filing.status in (S.APPROVED, S.REJECTED, S.RETURNED)
        message = MSG_ALREADY_DECIDED if decided else MSG_ILLEGAL
        code = "decided" if decided else "illegal"
        raise ValidationError(message % {"status": filing.get_status_display()}, code=code)
    FilingEvent.objects.create(filing=filing, actor=actor, from_status=filing.status, to_status=target, comment=comment)
    filing.status = target


def _require_enterprise_user(user: User, filing: Filing) -> None:
    if not (user.role == Role.ENTERPRISE and user.enterprise_id == filing.enterprise_id):
        raise PermissionDenied(MSG_NOT_YOURS)


def _require_district_reviewer(user: User, filing: Filing) -> None:
    if not (user.role == Role.DISTRICT_STAFF and user.district_id == filing.enterprise.district_id):
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)


def review_deadline(submitted_at: datetime, working_days: int | None = None) -> datetime:
    """The same local time `working_days` official working days later (holidays and make-up days counted)."""
    return add_working_days(submitted_at, settings.FILING_REVIEW_WORKING_DAYS if working_days is None else working_days)


def _next_reference(day: date) -> str:
    counter, _created = FilingReferenceCounter.objects.select_for_update().get_or_create(day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"KSFG-{day:%Y%m%d}-{counter.last:05d}"


def _notify_enterprise(filing: Filing, title: str, body: str = "", *, decision: str | Promise = "") -> None:
    """A portal notice to each of the enterprise's accounts, and e-mail once the transaction commits; a decision
    also goes to the enterprise's contact by text message."""
    url = reverse("filings:detail", args=[filing.pk])
    notify(
        users=filing.enterprise.users.filter(is_active=True, role=Role.ENTERPRISE),
        title=title,
        body=body,
        url=url,
        email=True,
    )
    if decision and filing.enterprise.contact_mobile:
        sms_send(
            mobile=filing.enterprise.contact_mobile,
            template="filing_decision",
            params={"enterprise": filing.enterprise.name, "reference": filing.reference, "decision": decision},
        )


# --- Enterprise side -----------------------------------------------------------------------------


@transaction.atomic
def filing_start(*, enterprise, started_by: User) -> Filing:
    """The enterprise's open filing, or a new draft pre-filled from the registry."""
    if started_by.role != Role.ENTERPRISE or started_by.enterprise_id != enterprise.pk:
        raise PermissionDenied(MSG_NOT_YOURS)
    draft = Filing(
        enterprise=enterprise,
        created_by=started_by,
        planned_headcount=enterprise.headcount,
        contact_name=enterprise.contact_name,
        contact_mobile=enterprise.contact_mobile,
    )
    # "Start" sent twice at once opens one filing (the constraint allows one open filing per enterprise).
    return insert_or_lock(draft, enterprise=enterprise, status__in=Filing.OPEN_STATUSES)[0]


@transaction.atomic
def filing_update(*, filing: Filing, data: dict, updated_by: User) -> Filing:
    filing = _locked(filing)
    _require_enterprise_user(updated_by, filing)
    if not filing.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    for name, value in data.items():
        setattr(filing, name, value)
    filing.full_clean(exclude=["enterprise", "created_by", "submitted_under", "decided_by", "decided_under"])
    filing.save(update_fields=[*data, "updated_at"])
    return filing


@transaction.atomic
def filing_material_upload(*, filing: Filing, kind: str, upload, uploaded_by: User) -> FilingMaterial:
    """Check the file by its content, store it under a random name, and replace the previous one of its kind."""
    filing = _locked(filing)
    _require_enterprise_user(uploaded_by, filing)
    if not filing.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    file_kind = uploads.validate_upload(upload, allowed=MATERIAL_FORMATS[kind])
    if kind == FilingMaterial.Kind.ROSTER:
        _check_roster_material(upload)
    return _material_replace(filing, kind, upload, file_kind, uploaded_by)


@transaction.atomic
def filing_roster_attach(*, filing: Filing, attached_by: User) -> tuple[FilingMaterial, int]:
    """The roster material in one click: the workbook of the roster template's columns written from the roster
    the portal keeps (core.rosters), instead of an uploaded file. Returns the material and the number of workers."""
    filing = _locked(filing)
    _require_enterprise_user(attached_by, filing)
    if not filing.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    count = 0

    def rows():
        nonlocal count
        for row in rosters.roster_rows(filing.enterprise):
            count += 1
            yield [row[column.key] for column in ROSTER_TEMPLATE_COLUMNS]

    sheet = excel.Sheet(title=str(FilingMaterial.Kind.ROSTER.label), columns=ROSTER_TEMPLATE_COLUMNS, rows=rows())
    content = excel.write_workbook([sheet])
    if not count:
        raise ValidationError(MSG_ROSTER_EMPTY, code="roster_empty")
    name = str(ROSTER_FROM_PORTAL_NAME % {"day": timezone.localdate().isoformat()})
    return _material_replace(
        filing, FilingMaterial.Kind.ROSTER, ContentFile(content, name=name), "xlsx", attached_by
    ), count


def _material_replace(filing: Filing, kind: str, content, file_kind: str, uploaded_by: User) -> FilingMaterial:
    """Store the checked file as the filing's material of its kind (under a random name, see core.uploads),
    replacing the previous one. A material returned for correction keeps its reason, marked replaced."""
    previous = filing.materials.filter(kind=kind).first()
    material = FilingMaterial(
        filing=filing,
        kind=kind,
        file_kind=file_kind,
        original_name=content.name[:255],
        size=content.size,
        uploaded_by=uploaded_by,
    )
    if previous:
        if filing.status == S.RETURNED and previous.return_reason:
            material.return_reason, material.replaced_after_return = previous.return_reason, True
        # The old file goes only once the replacement is committed; a rollback keeps it.
        storage, old_name = previous.file.storage, previous.file.name
        transaction.on_commit(lambda: storage.delete(old_name))
        previous.delete()
    material.file.save(content.name, content, save=False)
    material.save()
    return material


def _check_roster_material(upload) -> None:
    """District staff open the roster in Excel: it is read first as an import would read it (the same
    limits and checks), and must carry the template's columns and at least one worker."""
    try:
        excel.check_sheet(upload, ROSTER_TEMPLATE_COLUMNS)
    except excel.ExcelFileError as error:
        raise ValidationError(MSG_ROSTER_MATERIAL % {"reason": error.message}, code="roster_material") from error
    finally:
        upload.seek(0)


def filing_completeness_errors(filing: Filing) -> list[str]:
    """What still stops the filing from being submitted, in the order the steps ask for it."""
    errors = []
    if not filing.scopes:
        errors.append(str(MSG_NO_SCOPE))
    for name in (
        "planned_resume_on",
        "planned_headcount",
        "masks_in_stock",
        "thermometers_in_stock",
        "canteen",
        "contact_name",
        "contact_mobile",
    ):
        if getattr(filing, name) in (None, ""):
            label = cast(Field, Filing._meta.get_field(name)).verbose_name  # model fields, not relations
            errors.append(str(MSG_FIELD_REQUIRED % {"field": label}))
    if not filing.commitment_accepted:
        errors.append(str(MSG_COMMITMENT_REQUIRED))
    uploaded = {m.kind: m for m in filing.materials.all()}
    for kind in MATERIAL_FORMATS:
        if kind not in uploaded:
            errors.append(str(MSG_MATERIAL_MISSING % {"kind": FilingMaterial.Kind(kind).label}))
    if filing.status == S.RETURNED:
        errors.extend(
            str(MSG_RETURNED_MATERIAL % {"kind": m.get_kind_display(), "reason": m.return_reason})
            for m in uploaded.values()
            if m.awaits_replacement
        )
    return errors


def filing_restrictions(filing: Filing, rules: NegativeListRules) -> list[Restriction]:
    return [r for scope in filing.scopes if (r := rules.restriction(filing.enterprise.industry, scope))]


@transaction.atomic
def filing_submit(*, filing: Filing, submitted_by: User, answer: str = "") -> Filing:
    """Submit (or resubmit) the filing. A filing outside the negative list takes effect at once.

    A returned filing goes back only corrected: every material returned with a reason uploaded again, and
    the general comment of the return, if any, answered (`answer`, kept in the timeline)."""
    filing = _locked(filing)
    _require_enterprise_user(submitted_by, filing)
    if filing.status == S.SUBMITTED:
        return filing  # a double-clicked submit: the first one did the work
    errors = filing_completeness_errors(filing)
    answer = answer.strip()
    if filing.status == S.RETURNED and filing.return_comment and not answer:
        errors.append(str(MSG_RETURN_ANSWER_REQUIRED))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    rules = negative_list_rules(on=timezone.localdate(now))
    restrictions = filing_restrictions(filing, rules)
    if restrictions:
        raise FilingRestricted(restrictions)
    _transition(filing, "submit", submitted_by, answer)
    if not filing.reference:
        filing.reference = _next_reference(timezone.localdate(now))
    filing.submitted_at = now
    filing.review_deadline = review_deadline(now)
    filing.submitted_under = rules.version
    filing.return_comment = ""
    filing.save(
        update_fields=[
            "status",
            "reference",
            "submitted_at",
            "review_deadline",
            "submitted_under",
            "return_comment",
            "updated_at",
        ]
    )
    filing.materials.update(return_reason="", replaced_after_return=False)
    standing_changed([filing.enterprise_id])
    _notify_enterprise(filing, NOTICE_SUBMITTED % {"reference": filing.reference})
    return filing


@transaction.atomic
def filing_record_resumption(*, filing: Filing, recorded_by: User, dates: dict[str, date | None]) -> Filing:
    """The actual date each filed scope resumed (复工/复产/复市), once it has."""
    filing = _locked(filing)
    _require_enterprise_user(recorded_by, filing)
    if not filing.is_in_effect:
        raise ValidationError(MSG_NOT_IN_EFFECT)
    today = timezone.localdate()
    changed = []
    for scope, day in dates.items():
        if day is None:
            continue
        if scope not in filing.scopes:
            raise ValidationError(MSG_SCOPE_NOT_FILED % {"scope": ResumptionScope(scope).label})
        if day > today:
            raise ValidationError(MSG_DATE_IN_FUTURE)
        setattr(filing, f"resumed_{scope}_on", day)
        changed.append(f"resumed_{scope}_on")
    filing.save(update_fields=[*changed, "updated_at"])
    standing_changed([filing.enterprise_id])
    return filing


# --- District side ------------------------------------------------------------------------------


def _decide(filing: Filing, action: str, actor: User, comment: str, rules: NegativeListRules) -> Filing:
    _require_district_reviewer(actor, filing)
    if action == "approve":
        restrictions = filing_restrictions(filing, rules)
        if restrictions and filing.status == S.SUBMITTED:
            raise ValidationError(
                MSG_RESTRICTED_ON_DECISION % {"reasons": " ".join(r.message for r in restrictions)}, code="restricted"
            )
    _transition(filing, action, actor, comment)
    filing.decided_at = timezone.now()
    filing.decided_by = actor
    filing.decision_comment = comment
    filing.decided_under = rules.version
    filing.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "decided_under", "updated_at"])
    if action != "approve":  # approved, a submitted filing stays in effect from the same day: nothing to recount
        standing_changed([filing.enterprise_id])
    return filing


@transaction.atomic
def filing_approve(
    *, filing: Filing, approved_by: User, comment: str = "", rules: NegativeListRules | None = None
) -> Filing:
    filing = _locked(filing)
    rules = rules or negative_list_rules(on=timezone.localdate())
    filing = _decide(filing, "approve", approved_by, comment.strip(), rules)
    _notify_enterprise(filing, NOTICE_APPROVED % {"reference": filing.reference}, comment, decision=SMS_APPROVED)
    return filing


@transaction.atomic
def filing_reject(*, filing: Filing, rejected_by: User, reason: str) -> Filing:
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    filing = _locked(filing)
    filing = _decide(filing, "reject", rejected_by, reason.strip(), negative_list_rules(on=timezone.localdate()))
    _notify_enterprise(filing, NOTICE_REJECTED % {"reference": filing.reference}, reason, decision=SMS_REJECTED)
    return filing


@transaction.atomic
def filing_return(*, filing: Filing, returned_by: User, comment: str, material_reasons: dict[str, str]) -> Filing:
    """Send the filing back for correction, with reasons overall and per material."""
    material_reasons = {kind: reason.strip() for kind, reason in material_reasons.items() if reason.strip()}
    if not comment.strip() and not material_reasons:
        raise ValidationError(MSG_RETURN_REASON_REQUIRED)
    filing = _locked(filing)
    lines = [comment.strip()] + [f"{FilingMaterial.Kind(k).label}: {r}" for k, r in material_reasons.items()]
    filing = _decide(
        filing,
        "return",
        returned_by,
        "\n".join(line for line in lines if line),
        negative_list_rules(on=timezone.localdate()),
    )
    filing.return_comment = comment.strip()
    filing.save(update_fields=["return_comment"])
    for material in filing.materials.filter(kind__in=list(material_reasons)):
        material.return_reason = material_reasons[material.kind][:255]
        material.save(update_fields=["return_reason"])
    _notify_enterprise(
        filing, NOTICE_RETURNED % {"reference": filing.reference}, filing.decision_comment, decision=SMS_RETURNED
    )
    return filing


@dataclass
class BulkApproval:
    approved: list[Filing] = field(default_factory=list)
    refused: list[tuple[Filing, str]] = field(default_factory=list)


@transaction.atomic
def filing_bulk_approve(*, filing_ids: list[int], approved_by: User) -> BulkApproval:
    """Approve each selected filing; one that cannot be approved is reported, not fatal.

    Each approval runs in its own savepoint inside one transaction, so a batch of 500 commits once.
    """
    outcome = BulkApproval()
    rules = negative_list_rules(on=timezone.localdate())  # one rule set for the whole batch
    for filing in Filing.objects.filter(pk__in=filing_ids).select_related("enterprise").order_by("submitted_at"):
        try:
            outcome.approved.append(filing_approve(filing=filing, approved_by=approved_by, rules=rules))
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            outcome.refused.append((filing, " ".join(map(str, messages))))
    return outcome


@transaction.atomic
def filing_guidance_add(*, filing: Filing, author: User, comment: str) -> FilingEvent:
    """Industry authorities guide the filings of their industries; they do not decide."""
    if not comment.strip():
        raise ValidationError(MSG_COMMENT_REQUIRED)
    if author.role != Role.AUTHORITY_STAFF or not Filing.objects.visible_to(author).filter(pk=filing.pk).exists():
        raise PermissionDenied(MSG_NOT_AUTHORITY)
    return FilingEvent.objects.create(
        filing=filing, kind=FilingEvent.Kind.GUIDANCE, actor=author, comment=comment.strip()
    )


# --- Excel: the queue export and the material templates ------------------------------------------

QUEUE_EXPORT_COLUMNS = [
    excel.Column("reference", _("备案编号"), width=22),
    excel.Column("enterprise", _("企业名称"), width=34),
    excel.Column("credit_code", _("统一社会信用代码"), width=22),
    excel.Column("district", _("属地"), width=12),
    excel.Column("industry", _("行业"), width=28),
    excel.Column("scopes", _("申请范围"), width=14),
    excel.Column("submitted_at", _("提交时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("deadline", _("审核期限"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("status", _("审核状态"), width=14),
    excel.Column("decided_at", _("审核时间"), width=18, number_format="yyyy-mm-dd hh:mm"),
    excel.Column("decided_by", _("审核人"), width=12),
    excel.Column("decision", _("审核意见"), width=40),
]


def filing_export_rows(filings):
    for f in filings.iterator(chunk_size=2000):
        yield [
            f.reference,
            f.enterprise.name,
            f.enterprise.credit_code,
            f.enterprise.district.name,
            f"{f.enterprise.industry.code} {f.enterprise.industry.name}",
            "、".join(map(str, f.scope_labels)),
            f.submitted_at,
            f.review_deadline,
            f.get_status_display(),
            f.decided_at,
            f.decided_by.display_name if f.decided_by else "",
            f.decision_comment,
        ]


MSG_ROSTER_ID_INVALID = _("身份证号应为18位, 最后一位可以是 X。")
_ROSTER_ID_RE = re.compile(r"[0-9]{17}[0-9X]")


def _parse_roster_id(value) -> str:
    """The shape of an ID number only: the roster material is read by people, the pass roster checks more."""
    if isinstance(value, int | float):
        raise ValidationError(excel.MSG_ID_NUMBER_AS_NUMBER)
    text = excel.plain_text(value).upper()
    if not _ROSTER_ID_RE.fullmatch(text):
        raise ValidationError(MSG_ROSTER_ID_INVALID)
    return text


ROSTER_TEMPLATE_COLUMNS = [
    excel.Column("name", _("姓名"), parse=excel.parse_text(50), width=12),
    excel.Column("id_number", _("身份证号"), parse=_parse_roster_id, width=22),
    excel.Column("mobile", _("手机号"), parse=excel.parse_mobile, width=14),
    excel.Column("job", _("岗位"), parse=excel.parse_text(50), width=14),
    excel.Column("origin", _("来昆前所在地(省市县)"), parse=excel.parse_text(100), width=24),
    excel.Column(
        "arrived_on", _("返昆日期"), required=False, parse=excel.parse_date, width=12, help_text=_("尚未返昆的留空")
    ),
    excel.Column("address", _("在昆居住地址"), required=False, parse=excel.parse_text(255), width=30),
]

SUPPLIES_TEMPLATE_COLUMNS = [
    excel.Column("item", _("物资名称"), width=20, help_text=_("口罩、体温计、消毒液、防护服等")),
    excel.Column("quantity", _("数量"), width=10),
    excel.Column("unit", _("单位"), width=8),
    excel.Column("days", _("可保障天数"), width=12),
]
