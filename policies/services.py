"""Writes to support policies: the application workflow (one transition table, each transition locked,
checked, stamped and logged), payouts, the demo catalogue, and the official policy answers."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify
from core import uploads
from core.dates import add_working_days
from core.validators import validate_mobile
from enterprises.models import Enterprise
from policies.models import (
    AmountRule,
    Payout,
    PolicyAnswer,
    PolicyAnswerVersion,
    PolicyApplication,
    PolicyApplicationEvent,
    PolicyApplicationMaterial,
    SupportPolicy,
)
from policies.selectors import policy_figures_changed, policy_is_eligible, policy_routing
from reference.models import Industry, IndustryAuthority

S = PolicyApplication.Status

# action -> (statuses it may start from, status it leads to). A new application starts as SUBMITTED.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "resubmit": (frozenset({S.RETURNED}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "return": (frozenset({S.SUBMITTED}), S.RETURNED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "pay": (frozenset({S.APPROVED}), S.PAID),
}

MATERIAL_FORMATS = ("pdf", "jpg", "png", "docx", "xlsx")
MAX_MATERIALS = 10

MSG_NOT_ACCEPTING = _("该政策目前不受理申请。")
MSG_NOT_ELIGIBLE = _("本企业不符合该政策的申报条件: %(reasons)s")
MSG_NOT_YOURS = _("只能处理本企业的申请。")
MSG_NOT_ACTIVE = _("企业注册尚未经属地确认, 暂不能申请。")
MSG_NOT_REVIEWER = _("只有该申请的审核部门可以审核或登记兑付。")
MSG_ALREADY_DECIDED = _("该申请已被处理(当前状态: %(status)s), 请刷新页面查看。")
MSG_ILLEGAL = _("当前状态“%(status)s”不能执行此操作。")
MSG_FIGURE_REQUIRED = _("请填写“%(label)s”。")
MSG_HEADCOUNT_REQUIRED = _("请填写职工人数。")
MSG_BANK_REQUIRED = _("请填写收款的开户银行、账户名称和银行账号。")
MSG_ACCOUNT_NUMBER = _("银行账号应为 8 至 32 位数字。")
MSG_MATERIALS_REQUIRED = _("请上传申报材料。")
MSG_TOO_MANY_MATERIALS = _("一次最多上传 %(max)d 个文件。")
MSG_AMOUNT_REQUIRED = _("请填写核定金额(大于 0)。")
MSG_AMOUNT_OVER_CAP = _("核定金额不能超过政策规定的每户上限 %(cap)s 元。")
MSG_REASON_REQUIRED = _("请填写理由。")
MSG_PAYOUT_AMOUNT = _("兑付金额应大于 0 且不超过核定金额 %(amount)s 元。")
MSG_VOUCHER_REQUIRED = _("请填写兑付凭证号。")
MSG_PAYOUT_DATE = _("兑付日期不能早于申请日期, 也不能晚于今天。")
MSG_NOT_MONEY = _("该政策不涉及资金, 无需登记兑付。")
MSG_ANSWER_EDITORS = _("只有系统管理员和指挥部可以发布或修订政策问答。")
MSG_ANSWER_WITHDRAWN = _("该问答已撤回, 不能再修订。")
MSG_ANSWER_UNCHANGED = _("修订内容与现行版本相同。")

NOTICE_SUBMITTED = _("惠企政策“%(policy)s”的申请已提交")
NOTICE_TO_REVIEW = _("%(enterprise)s 申请惠企政策“%(policy)s”, 请审核")
NOTICE_APPROVED = _("惠企政策“%(policy)s”的申请已批准, 核定金额 %(amount)s 元")
NOTICE_APPROVED_NO_MONEY = _("惠企政策“%(policy)s”的申请已批准")
NOTICE_RETURNED = _("惠企政策“%(policy)s”的申请被退回补正")
NOTICE_REJECTED = _("惠企政策“%(policy)s”的申请不予支持")
NOTICE_PAID = _("惠企政策“%(policy)s”已兑付 %(amount)s 元")


@dataclass(frozen=True)
class ApplicationData:
    """What the enterprise states in an application (and again when it resubmits)."""

    contact_name: str
    contact_mobile: str
    stated_headcount: int | None = None
    stated_figure: Decimal | None = None
    statement: str = ""
    bank_name: str = ""
    account_name: str = ""
    account_number: str = ""


# --- Helpers -----------------------------------------------------------------------------------


def _locked(application: PolicyApplication) -> PolicyApplication:
    related = PolicyApplication.objects.select_related("policy", "enterprise")
    return related.select_for_update(of=("self",)).get(pk=application.pk)


def _transition(application: PolicyApplication, action: str, actor: User, comment: str = "") -> None:
    """Move a locked application along the table and log it; the caller saves the fields it changed."""
    sources, target = TRANSITIONS[action]
    if application.status not in sources:
        decided = action in ("approve", "return", "reject") and application.status != S.SUBMITTED
        decided = decided or (action == "pay" and application.status == S.PAID)
        message = MSG_ALREADY_DECIDED if decided else MSG_ILLEGAL
        raise ValidationError(
            message % {"status": application.get_status_display()}, code="decided" if decided else "illegal"
        )
    PolicyApplicationEvent.objects.create(
        application=application, actor=actor, from_status=application.status, to_status=target, comment=comment
    )
    application.status = target
    _figures_changed()


def _figures_changed() -> None:
    policy_figures_changed()
    transaction.on_commit(policy_figures_changed)


def may_review(user: User, application: PolicyApplication) -> bool:
    """Staff of a department the application was routed to: its industry authority, or its district when the
    policy has districts review."""
    if user.role == Role.AUTHORITY_STAFF:
        return (
            application.reviewing_authority_id is not None
            and user.industry_authority_id == application.reviewing_authority_id
        )
    if user.role == Role.DISTRICT_STAFF:
        return application.routed_to_district and user.district_id == application.district_id
    return False


def _require_reviewer(user: User, application: PolicyApplication) -> None:
    if not may_review(user, application):
        raise PermissionDenied(MSG_NOT_REVIEWER)


def _require_owner(user: User, application: PolicyApplication) -> None:
    if not (user.role == Role.ENTERPRISE and user.enterprise_id == application.enterprise_id):
        raise PermissionDenied(MSG_NOT_YOURS)


def _application_url(application: PolicyApplication) -> str:
    return reverse("policies:application", args=[application.pk])


def _notify_enterprise(application: PolicyApplication, title: str, body: str = "") -> None:
    notify(
        users=application.enterprise.users.filter(is_active=True, role=Role.ENTERPRISE),
        title=title,
        body=body,
        url=_application_url(application),
        email=True,
    )


def _notify_reviewers(application: PolicyApplication) -> None:
    reviewers = User.objects.none()
    if application.reviewing_authority_id:
        reviewers |= User.objects.filter(
            role=Role.AUTHORITY_STAFF, industry_authority_id=application.reviewing_authority_id
        )
    if application.routed_to_district:
        reviewers |= User.objects.filter(role=Role.DISTRICT_STAFF, district_id=application.district_id)
    notify(
        users=reviewers.filter(is_active=True),
        title=NOTICE_TO_REVIEW % {"enterprise": application.enterprise.name, "policy": application.policy.title},
        url=_application_url(application),
    )


def _clean_data(policy: SupportPolicy, data: ApplicationData) -> ApplicationData:
    errors: list[str | Promise] = []
    if policy.amount_rule == AmountRule.PER_EMPLOYEE and not data.stated_headcount:
        errors.append(MSG_HEADCOUNT_REQUIRED)
    if policy.amount_rule == AmountRule.PERCENTAGE and data.stated_figure is None:
        errors.append(MSG_FIGURE_REQUIRED % {"label": policy.figure_label or _("填报数额")})
    number = "".join(data.account_number.split())
    if policy.pays_money:
        if not (data.bank_name.strip() and data.account_name.strip() and number):
            errors.append(MSG_BANK_REQUIRED)
        elif not (number.isdigit() and 8 <= len(number) <= 32):
            errors.append(MSG_ACCOUNT_NUMBER)
    try:
        validate_mobile(data.contact_mobile)
    except ValidationError as error:
        errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return ApplicationData(
        contact_name=data.contact_name.strip(),
        contact_mobile=data.contact_mobile.strip(),
        stated_headcount=data.stated_headcount,
        stated_figure=data.stated_figure,
        statement=data.statement.strip(),
        bank_name=data.bank_name.strip(),
        account_name=data.account_name.strip(),
        account_number=number,
    )


def _checked_uploads(files) -> list[tuple[object, str]]:
    """Every file checked by its content before anything is written."""
    files = list(files)
    if len(files) > MAX_MATERIALS:
        raise ValidationError(MSG_TOO_MANY_MATERIALS % {"max": MAX_MATERIALS})
    return [(upload, uploads.validate_upload(upload, allowed=MATERIAL_FORMATS)) for upload in files]


def _store_materials(application: PolicyApplication, checked, uploaded_by: User) -> None:
    for upload, kind in checked:
        material = PolicyApplicationMaterial(
            application=application,
            file_kind=kind,
            original_name=upload.name[:255],
            size=upload.size,
            uploaded_by=uploaded_by,
        )
        material.file.save(upload.name, upload, save=False)  # stored under a random name, see core.uploads
        material.save()


# --- Enterprise side ---------------------------------------------------------------------------


def policy_application_submit(
    *, policy: SupportPolicy, enterprise: Enterprise, submitted_by: User, data: ApplicationData, files=()
) -> PolicyApplication:
    """Apply for a policy. While the enterprise has an open application for it, that one is returned
    unchanged: a double submit (two tabs, a double click, two requests at once) makes one application."""
    if submitted_by.role != Role.ENTERPRISE or submitted_by.enterprise_id != enterprise.pk:
        raise PermissionDenied(MSG_NOT_YOURS)
    existing = _open_application(policy, enterprise)
    if existing is not None:
        return existing
    if enterprise.status != Enterprise.Status.ACTIVE:
        raise ValidationError(MSG_NOT_ACTIVE)
    if not policy.accepts_applications:
        raise ValidationError(MSG_NOT_ACCEPTING)
    reasons = policy_is_eligible(policy, enterprise)
    if reasons:
        raise ValidationError(MSG_NOT_ELIGIBLE % {"reasons": "; ".join(map(str, reasons))})
    data = _clean_data(policy, data)
    checked = _checked_uploads(files)
    if policy.materials_list and not checked:
        raise ValidationError(MSG_MATERIALS_REQUIRED)
    authority, to_district = policy_routing(policy, enterprise)
    now = timezone.now()
    try:
        with transaction.atomic():
            application = PolicyApplication.objects.create(
                policy=policy,
                enterprise=enterprise,
                district_id=enterprise.district_id,
                reviewing_authority=authority,
                routed_to_district=to_district,
                submitted_at=now,
                review_deadline=add_working_days(now, settings.POLICY_REVIEW_WORKING_DAYS),
                requested_amount=policy.amount_for(headcount=data.stated_headcount, figure=data.stated_figure),
                submitted_by=submitted_by,
                **data.__dict__,
            )
            PolicyApplicationEvent.objects.create(
                application=application, actor=submitted_by, from_status="", to_status=S.SUBMITTED
            )
            _figures_changed()
            _store_materials(application, checked, submitted_by)
            _notify_enterprise(application, NOTICE_SUBMITTED % {"policy": policy.title})
            _notify_reviewers(application)
    except IntegrityError:
        # Another request of the same enterprise created it a moment ago (the partial unique constraint).
        existing = _open_application(policy, enterprise)
        if existing is None:
            raise
        return existing
    return application


def _open_application(policy: SupportPolicy, enterprise: Enterprise) -> PolicyApplication | None:
    return PolicyApplication.objects.filter(
        policy=policy, enterprise=enterprise, status__in=PolicyApplication.OPEN_STATUSES
    ).first()


@transaction.atomic
def policy_application_resubmit(
    *, application: PolicyApplication, resubmitted_by: User, data: ApplicationData, files=()
) -> PolicyApplication:
    """Correct a returned application and send it back to its reviewers."""
    application = _locked(application)
    _require_owner(resubmitted_by, application)
    if application.status == S.SUBMITTED:
        return application  # a double-clicked resubmit: the first one did the work
    data = _clean_data(application.policy, data)
    checked = _checked_uploads(files)
    _transition(application, "resubmit", resubmitted_by)
    for name, value in data.__dict__.items():
        setattr(application, name, value)
    now = timezone.now()
    application.requested_amount = application.policy.amount_for(
        headcount=data.stated_headcount, figure=data.stated_figure
    )
    application.resubmitted_at = now
    application.review_deadline = add_working_days(now, settings.POLICY_REVIEW_WORKING_DAYS)
    application.save(
        update_fields=[*data.__dict__, "status", "requested_amount", "resubmitted_at", "review_deadline", "updated_at"]
    )
    _store_materials(application, checked, resubmitted_by)
    _notify_reviewers(application)
    return application


# --- Reviewing department ----------------------------------------------------------------------


def _decide(application: PolicyApplication, action: str, actor: User, comment: str) -> PolicyApplication:
    _require_reviewer(actor, application)
    _transition(application, action, actor, comment)
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_comment = comment
    return application


@transaction.atomic
def policy_application_approve(
    *, application: PolicyApplication, approved_by: User, amount: Decimal | None, comment: str = ""
) -> PolicyApplication:
    """Approve with the amount the department grants (0 for a policy that pays no money)."""
    application = _locked(application)
    policy = application.policy
    if policy.pays_money:
        if amount is None or amount <= 0:
            raise ValidationError(MSG_AMOUNT_REQUIRED)
        if policy.amount_cap is not None and amount > policy.amount_cap:
            raise ValidationError(MSG_AMOUNT_OVER_CAP % {"cap": policy.amount_cap})
    else:
        amount = Decimal(0)
    application = _decide(application, "approve", approved_by, comment.strip())
    application.approved_amount = amount
    application.save(
        update_fields=["status", "decided_at", "decided_by", "decision_comment", "approved_amount", "updated_at"]
    )
    title = (
        NOTICE_APPROVED % {"policy": policy.title, "amount": amount}
        if policy.pays_money
        else NOTICE_APPROVED_NO_MONEY % {"policy": policy.title}
    )
    _notify_enterprise(application, title, comment)
    return application


@transaction.atomic
def policy_application_return(*, application: PolicyApplication, returned_by: User, reason: str) -> PolicyApplication:
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    application = _decide(_locked(application), "return", returned_by, reason.strip())
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"])
    _notify_enterprise(application, NOTICE_RETURNED % {"policy": application.policy.title}, reason)
    return application


@transaction.atomic
def policy_application_reject(*, application: PolicyApplication, rejected_by: User, reason: str) -> PolicyApplication:
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    application = _decide(_locked(application), "reject", rejected_by, reason.strip())
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"])
    _notify_enterprise(application, NOTICE_REJECTED % {"policy": application.policy.title}, reason)
    return application


@transaction.atomic
def payout_record(
    *, application: PolicyApplication, recorded_by: User, paid_on: date, amount: Decimal, voucher_number: str
) -> Payout:
    """The payout of an approved application; before the policy's scheduled date it is 提前兑付."""
    application = _locked(application)
    _require_reviewer(recorded_by, application)
    policy = application.policy
    if application.status == S.APPROVED and not policy.pays_money:
        raise ValidationError(MSG_NOT_MONEY)
    submitted_on = timezone.localdate(application.submitted_at)
    errors: list[str | Promise] = []
    if application.status == S.APPROVED:
        approved_amount = application.approved_amount
        if approved_amount is None:  # a check constraint of approved applications
            raise ValueError(f"application {application.pk} approved without an amount")
        if amount is None or amount <= 0 or amount > approved_amount:
            errors.append(MSG_PAYOUT_AMOUNT % {"amount": application.approved_amount})
        if not voucher_number.strip():
            errors.append(MSG_VOUCHER_REQUIRED)
        if paid_on is None or paid_on < submitted_on or paid_on > timezone.localdate():
            errors.append(MSG_PAYOUT_DATE)
    if errors:
        raise ValidationError(errors)
    _transition(application, "pay", recorded_by, voucher_number.strip())
    application.save(update_fields=["status", "updated_at"])
    scheduled = policy.scheduled_payout_on
    payout = Payout.objects.create(
        application=application,
        paid_on=paid_on,
        amount=amount,
        voucher_number=voucher_number.strip(),
        scheduled_on=scheduled,
        is_early=scheduled is not None and paid_on < scheduled,
        days_to_payout=(paid_on - submitted_on).days,
        recorded_by=recorded_by,
    )
    _notify_enterprise(application, NOTICE_PAID % {"policy": policy.title, "amount": amount})
    return payout


# --- Official policy answers (统一政策解读口径) ---------------------------------------------


def _require_answer_editor(user: User | None) -> None:
    if user is None or user.role not in (Role.ADMIN, Role.COMMANDER):
        raise PermissionDenied(MSG_ANSWER_EDITORS)


def _version(
    answer: PolicyAnswer,
    number: int,
    *,
    question: str,
    body: str,
    source_document: str,
    change_note: str,
    published_by: User | None,
) -> PolicyAnswerVersion:
    version = PolicyAnswerVersion(
        answer=answer,
        number=number,
        question=question.strip(),
        body=body.strip(),
        source_document=source_document.strip(),
        change_note=change_note.strip(),
        published_by=published_by,
    )
    version.full_clean(exclude=["answer", "published_by"], validate_unique=False, validate_constraints=False)
    version.save()
    return version


@transaction.atomic
def policy_answer_publish(
    *, topic: str, question: str, body: str, source_document: str, published_by: User | None, is_demo: bool = False
) -> PolicyAnswer:
    """A new official answer, in force at once (version 1). The demo answers of load_reference have no author."""
    if not (is_demo and published_by is None):
        _require_answer_editor(published_by)
    answer = PolicyAnswer(topic=topic, is_demo=is_demo)
    answer.full_clean(exclude=["current"])
    answer.save()
    answer.current = _version(
        answer,
        1,
        question=question,
        body=body,
        source_document=source_document,
        change_note="",
        published_by=published_by,
    )
    answer.save(update_fields=["current"])
    return answer


@transaction.atomic
def policy_answer_revise(
    *, answer: PolicyAnswer, question: str, body: str, source_document: str, change_note: str, revised_by: User
) -> PolicyAnswer:
    """A new version replaces the current one; the earlier versions stay readable."""
    _require_answer_editor(revised_by)
    answer = PolicyAnswer.objects.select_for_update(of=("self",)).select_related("current").get(pk=answer.pk)
    if answer.is_withdrawn:
        raise ValidationError(MSG_ANSWER_WITHDRAWN)
    current = answer.current
    if current is None:  # every answer is published with its first version
        raise ValueError(f"policy answer {answer.pk} has no current version")
    if (question.strip(), body.strip(), source_document.strip()) == (
        current.question,
        current.body,
        current.source_document,
    ):
        raise ValidationError(MSG_ANSWER_UNCHANGED)
    answer.current = _version(
        answer,
        current.number + 1,
        question=question,
        body=body,
        source_document=source_document,
        change_note=change_note,
        published_by=revised_by,
    )
    answer.save(update_fields=["current"])
    return answer


@transaction.atomic
def policy_answer_withdraw(*, answer: PolicyAnswer, withdrawn_by: User, reason: str) -> PolicyAnswer:
    _require_answer_editor(withdrawn_by)
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    answer = PolicyAnswer.objects.select_for_update().get(pk=answer.pk)
    if answer.is_withdrawn:
        return answer
    answer.status = PolicyAnswer.Status.WITHDRAWN
    answer.withdrawn_at = timezone.now()
    answer.withdrawn_by = withdrawn_by
    answer.withdrawn_reason = reason.strip()
    answer.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return answer


# --- The demo catalogue and answers (manage.py load_reference) ---------------------------------


@transaction.atomic
def policy_catalogue_demo_load() -> int | None:
    """The demo "15条政策" and "20项服务举措" (marked 演示数据), only while no policy exists; returns how many
    were loaded, or None when skipped. Also the demo answers while there is no answer. Needs the reference
    data (industries_load, reference_load) first."""
    from policies import demo_catalogue as demo

    if not PolicyAnswer.objects.exists():
        for topic, question, body, source in demo.DEMO_ANSWERS:
            policy_answer_publish(
                topic=topic, question=question, body=body, source_document=source, published_by=None, is_demo=True
            )
    if SupportPolicy.objects.exists():
        return None
    authorities = {a.code: a for a in IndustryAuthority.objects.all()}
    scheduled = timezone.localdate() + timedelta(days=demo.DEMO_SCHEDULED_PAYOUT_AFTER_DAYS)
    entries = demo.FIFTEEN_POLICIES + demo.TWENTY_MEASURES
    for order, entry in enumerate(entries, start=1):
        policy = SupportPolicy.objects.create(
            title=entry.title,
            issuing_body=demo.DEMO_ISSUER,
            document_number=entry.document,
            benefit_type=entry.benefit_type,
            summary=f"{demo.DEMO_NOTE}{entry.summary}",
            eligibility=entry.eligibility,
            materials_required="\n".join(entry.materials),
            amount_rule=entry.amount_rule,
            amount_value=Decimal(entry.amount_value),
            amount_cap=Decimal(entry.amount_cap) if entry.amount_cap else None,
            figure_label=entry.figure_label,
            min_headcount=entry.min_headcount,
            max_headcount=entry.max_headcount,
            above_scale_only=entry.above_scale_only,
            reviewed_by_district=entry.reviewed_by_district,
            scheduled_payout_on=scheduled if entry.scheduled_payout_on else None,
            is_demo=True,
            sort_order=order,
        )
        policy.industries.set(Industry.objects.filter(code__in=entry.industries))
        policy.reviewing_authorities.set([authorities[code] for code in entry.authorities])
    return len(entries)
