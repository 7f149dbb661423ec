"""The request workflow: one transition table; each transition locked, checked, stamped and logged.

The clock: a request is routed with a deadline in working days (by category and urgency, from settings,
on the official calendar of core.dates). Asking the enterprise for more information stops the clock and keeps
the working time left; the enterprise's reply starts it again with that time. A request past its deadline
moves up one tier (the sweep below, run by Celery beat); the enterprise confirms an answer or reopens it, and
an answer it leaves unconfirmed closes as 视为满意.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify, notify_each
from core import uploads
from core.dates import add_working_days, add_working_time, working_time_between
from enterprises.models import Enterprise
from policies.selectors import policy_answers_published
from reference.models import IndustryAuthority
from service_requests.linkage import Assignee, LinkageResolver
from service_requests.models import (
    Category,
    Channel,
    Rating,
    ServiceRequest,
    ServiceRequestAttachment,
    ServiceRequestEvent,
)

S = ServiceRequest.Status

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({S.SUBMITTED, S.REOPENED}), S.ACCEPTED),
    "answer": (frozenset({S.SUBMITTED, S.ACCEPTED, S.REOPENED}), S.ANSWERED),
    "hand_over": (frozenset({S.SUBMITTED, S.ACCEPTED, S.REOPENED}), S.SUBMITTED),
    "request_info": (frozenset({S.SUBMITTED, S.ACCEPTED, S.REOPENED}), S.INFO_REQUESTED),
    "supply_info": (frozenset({S.INFO_REQUESTED}), S.ACCEPTED),
    "escalate": (frozenset({S.SUBMITTED, S.ACCEPTED, S.REOPENED}), S.SUBMITTED),
    "confirm": (frozenset({S.ANSWERED}), S.CLOSED),
    "reopen": (frozenset({S.ANSWERED}), S.REOPENED),
    "deem_satisfied": (frozenset({S.ANSWERED}), S.CLOSED),
}
ACTION_LABELS = {
    "raise": _("提出诉求"),
    "accept": _("受理"),
    "answer": _("答复"),
    "hand_over": _("转交部门"),
    "request_info": _("请企业补充材料"),
    "supply_info": _("企业补充"),
    "escalate": _("升级"),
    "confirm": _("企业确认"),
    "reopen": _("企业不认可, 重新办理"),
    "deem_satisfied": _("逾期未确认, 视为满意"),
    "lapse_top": _("最高层级逾期"),
}
ATTACHMENT_FORMATS = ("pdf", "docx", "xlsx", "jpg", "png")
MAX_ATTACHMENTS = 10

MSG_ALREADY_HANDLED = _("该诉求已被处理(当前状态: %(status)s), 请刷新页面查看。")
MSG_ILLEGAL = _("当前状态“%(status)s”不能执行此操作。")
MSG_NOT_HANDLER = _("只有当前承办人(或承办部门的工作人员)可以办理该诉求。")
MSG_NOT_YOURS = _("只能处理本企业的诉求。")
MSG_CANNOT_RAISE = _("只能为本企业, 或本人工作范围内的企业提出诉求。")
MSG_TEXT_REQUIRED = _("请填写诉求内容。")
MSG_TITLE_REQUIRED = _("请填写标题。")
MSG_ANSWER_REQUIRED = _("请填写答复内容。")
MSG_CITED_ANSWER_UNPUBLISHED = _("只能引用已发布且未撤回的政策问答。")
MSG_REASON_REQUIRED = _("请填写不认可的理由。")
MSG_QUESTION_REQUIRED = _("请写明需要企业补充的内容。")
MSG_REPLY_REQUIRED = _("请填写补充说明。")
MSG_SAME_DEPARTMENT = _("请选择另一个部门。")
MSG_HAND_OVER_COMMENT = _("请写明转交理由。")
MSG_TOP_TIER = _("已是最高层级, 不能再升级。")
MSG_RATING_REQUIRED = _("请选择满意度。")
MSG_TOO_MANY_ATTACHMENTS = _("每件诉求最多 %(max)d 个附件。")
MSG_CLOSED = _("诉求已办结, 不能再添加附件。")
MSG_NO_CAPACITY_BLOCKER = _("该产能日报没有填写影响达产满产的问题。")

NOTICE_ROUTED = _("企业诉求 %(reference)s 请您办理(第%(tier)d级), 期限 %(due)s")
NOTICE_ESCALATED_TO_YOU = _("%(count)d 件企业诉求逾期未办, 已升级至您处办理")
NOTICE_ESCALATED_AWAY = _("%(count)d 件您承办的企业诉求逾期未办, 已升级至上一级")
NOTICE_ESCALATED_ENTERPRISE = _("您的诉求 %(reference)s 已升级至第%(tier)d级(%(owner)s)办理")
NOTICE_TOP_LAPSED = _("%(count)d 件企业诉求在最高层级逾期未办, 请尽快答复")
NOTICE_ANSWERED = _("您的诉求 %(reference)s 已答复, 请确认是否解决")
NOTICE_INFO_REQUESTED = _("您的诉求 %(reference)s 需要补充: %(question)s")
NOTICE_INFO_SUPPLIED = _("企业已补充诉求 %(reference)s 的材料, 办理计时继续")
NOTICE_CONFIRMED = _("企业已确认诉求 %(reference)s 解决(%(rating)s)")
NOTICE_REOPENED = _("企业不认可诉求 %(reference)s 的答复, 请重新办理")
NOTICE_HANDED_OVER = _("诉求 %(reference)s 已转交 %(owner)s 办理")
NOTICE_DEEMED = _("诉求 %(reference)s 答复后 %(days)d 个工作日未确认, 视为满意并办结")
DEEMED_COMMENT = _("答复后 %(days)d 个工作日内企业未确认, 视为满意。")
ESCALATED_COMMENT = _("办理期限 %(due)s 已过, 自动升级。")
TOP_LAPSED_COMMENT = _("办理期限 %(due)s 已过, 已是最高层级。")


# --- Helpers ------------------------------------------------------------------------------------


def working_days_for(category: str, urgency: str) -> int:
    default: tuple[int, int] = settings.SERVICE_REQUEST_WORKING_DAYS["other"]
    normal, urgent = settings.SERVICE_REQUEST_WORKING_DAYS.get(category, default)
    return urgent if urgency == "urgent" else normal


def request_deadline(request: ServiceRequest, start: datetime) -> datetime:
    return add_working_days(start, working_days_for(request.category, request.urgency))


def _url(request: ServiceRequest) -> str:
    return reverse("service_requests:detail", args=[request.pk])


def _locked(request: ServiceRequest) -> ServiceRequest:
    related = ServiceRequest.objects.select_related("enterprise", "owner_user", "owner_authority")
    return related.select_for_update(of=("self",)).get(pk=request.pk)


def _check_transition(request: ServiceRequest, action: str) -> None:
    if request.status not in TRANSITIONS[action][0]:
        # A handler who finds the request answered or moved on lost a race with a colleague: say so plainly.
        handled = request.status in (S.ANSWERED, S.CLOSED) or action in ("accept", "escalate", "answer")
        message = MSG_ALREADY_HANDLED if handled else MSG_ILLEGAL
        raise ValidationError(
            message % {"status": request.get_status_display()}, code="handled" if handled else "illegal"
        )


def _transition(request: ServiceRequest, action: str, actor: User | None, comment: str = "", **event) -> None:
    """Move a locked request along the table and log it; the caller saves the fields it changed."""
    _check_transition(request, action)
    target = TRANSITIONS[action][1]
    ServiceRequestEvent.objects.create(
        request=request,
        action=action,
        actor=actor,
        from_status=request.status,
        to_status=target,
        from_tier=request.tier,
        to_tier=event.pop("to_tier", None),
        comment=comment,
        **event,
    )
    request.status = target


def may_handle(user: User, request: ServiceRequest) -> bool:
    """The current owner: the official, a staff member of the owning department, or, while nobody stands at
    any tier, staff of the request's district. Commanders are read-only unless they own it (a city leader)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if request.owner_user_id:
        return request.owner_user_id == user.pk
    if request.owner_authority_id:
        return user.role == Role.AUTHORITY_STAFF and user.industry_authority_id == request.owner_authority_id
    return user.role == Role.DISTRICT_STAFF and user.district_id == request.district_id


def _require_handler(user: User, request: ServiceRequest) -> None:
    if not may_handle(user, request):
        raise PermissionDenied(MSG_NOT_HANDLER)


def _require_enterprise(user: User, request: ServiceRequest) -> None:
    if not (user.role == Role.ENTERPRISE and user.enterprise_id == request.enterprise_id):
        raise PermissionDenied(MSG_NOT_YOURS)


def owner_users(request: ServiceRequest) -> list[User]:
    """Everyone who holds the request now (the official, or the department's staff)."""
    if request.owner_user is not None:
        return [request.owner_user]
    if request.owner_authority_id:
        return list(
            User.objects.filter(
                is_active=True, role=Role.AUTHORITY_STAFF, industry_authority_id=request.owner_authority_id
            )
        )
    return list(User.objects.filter(is_active=True, role=Role.DISTRICT_STAFF, district_id=request.district_id))


def enterprise_users(request: ServiceRequest):
    return User.objects.filter(is_active=True, role=Role.ENTERPRISE, enterprise_id=request.enterprise_id)


def _set_owner(request: ServiceRequest, assignee: Assignee | None) -> None:
    request.owner_user = assignee.user if assignee else None
    request.owner_authority = assignee.authority if assignee else None
    request.department_id = assignee.department_id if assignee else None


def _check_attachments(files) -> None:
    for upload in files:
        uploads.validate_upload(upload, allowed=ATTACHMENT_FORMATS)


def _store_attachment(request: ServiceRequest, upload, uploaded_by: User) -> ServiceRequestAttachment:
    attachment = ServiceRequestAttachment(
        request=request,
        file_kind=uploads.validate_upload(upload, allowed=ATTACHMENT_FORMATS),
        original_name=upload.name[:255],
        size=upload.size,
        uploaded_by=uploaded_by,
    )
    attachment.file.save(upload.name, upload, save=False)  # stored under a random name, see core.uploads
    attachment.save()
    return attachment


# --- Raising --------------------------------------------------------------------------------------


def may_raise_for(user: User, enterprise: Enterprise) -> bool:
    """An enterprise for itself; district or industry staff for an enterprise in their scope (a phone call, a
    visit). Commanders read only."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    if user.role in (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF):
        return Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()
    return False


@transaction.atomic
def service_request_raise(
    *,
    enterprise: Enterprise,
    raised_by: User,
    category: str,
    title: str,
    text: str,
    urgency: str = "normal",
    channel: str | None = None,
    capacity_report=None,
    attachments=(),
) -> ServiceRequest:
    """Raise a request and route it: to the first tier with someone, or, for 层层加码, straight to the
    industry authority's tier."""
    if not may_raise_for(raised_by, enterprise):
        raise PermissionDenied(MSG_CANNOT_RAISE)
    if not title.strip():
        raise ValidationError(MSG_TITLE_REQUIRED)
    if not text.strip():
        raise ValidationError(MSG_TEXT_REQUIRED)
    attachments = list(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError(MSG_TOO_MANY_ATTACHMENTS % {"max": MAX_ATTACHMENTS})
    _check_attachments(attachments)  # before anything is written
    if channel is None:
        channel = (
            Channel.CAPACITY_REPORT
            if capacity_report
            else (Channel.ENTERPRISE if raised_by.role == Role.ENTERPRISE else Channel.PHONE)
        )
    enterprise = Enterprise.objects.select_related("district", "industry", "responsible_official").get(pk=enterprise.pk)
    resolver = LinkageResolver([enterprise])
    now = timezone.now()
    request = ServiceRequest(
        enterprise=enterprise,
        district_id=enterprise.district_id,
        category=category,
        urgency=urgency,
        title=title.strip()[:100],
        text=text.strip(),
        channel=channel,
        raised_by=raised_by,
        source_capacity_report=capacity_report,
    )
    assignee = resolver.first_from(enterprise, resolver.start_level(category == Category.OVERREACH))
    request.tier = assignee.level if assignee else resolver.start_level(category == Category.OVERREACH)
    _set_owner(request, assignee)
    request.due_at = request_deadline(request, now)
    request.save()
    ServiceRequestEvent.objects.create(
        request=request,
        action="raise",
        actor=raised_by,
        to_status=S.SUBMITTED,
        to_tier=request.tier,
        to_user=request.owner_user,
        to_authority=request.owner_authority,
        comment=str(Channel(channel).label),
    )
    for upload in attachments:
        _store_attachment(request, upload, raised_by)
    _notify_routed(request)
    return request


def capacity_blocker_prefill(report) -> dict:
    """What a capacity report's blocker gives the raise form."""
    if not report.blockers.strip():
        raise ValidationError(MSG_NO_CAPACITY_BLOCKER)
    return {
        "title": str(_("影响达产满产的问题(%(day)s 产能日报)") % {"day": report.day.isoformat()}),
        "text": report.blockers.strip(),
    }


def _notify_routed(request: ServiceRequest) -> None:
    title = NOTICE_ROUTED % {
        "reference": request.reference,
        "tier": request.tier,
        "due": timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    notify(users=owner_users(request), title=title, body=request.title, url=_url(request))


# --- Handling -------------------------------------------------------------------------------------


@transaction.atomic
def service_request_accept(*, request: ServiceRequest, accepted_by: User) -> ServiceRequest:
    request = _locked(request)
    _require_handler(accepted_by, request)
    _transition(request, "accept", accepted_by)
    request.accepted_at = timezone.now()
    request.save(update_fields=["status", "accepted_at", "updated_at"])
    return request


@transaction.atomic
def service_request_answer(
    *, request: ServiceRequest, answered_by: User, answer: str, cited_answer_id: int | None = None
) -> ServiceRequest:
    """The handler's answer. It does not close the request: the enterprise confirms it, or reopens it. It may cite
    a published official answer (政策问答), so that a policy question gets the city's one reading."""
    if not answer.strip():
        raise ValidationError(MSG_ANSWER_REQUIRED)
    if cited_answer_id is not None and not policy_answers_published().filter(pk=cited_answer_id).exists():
        raise ValidationError(MSG_CITED_ANSWER_UNPUBLISHED)
    request = _locked(request)
    _require_handler(answered_by, request)
    _transition(request, "answer", answered_by, answer.strip())
    now = timezone.now()
    request.answer, request.answered_at, request.answered_by = answer.strip(), now, answered_by
    request.cited_answer_id = cited_answer_id
    fields = ["status", "answer", "cited_answer", "answered_at", "answered_by", "confirm_due_at", "updated_at"]
    if request.first_answered_at is None:
        request.first_answered_at = now
        request.answered_on_time = request.due_at is None or now <= request.due_at
        request.minutes_to_answer = int((now - request.created_at).total_seconds() // 60)
        fields += ["first_answered_at", "answered_on_time", "minutes_to_answer"]
    request.confirm_due_at = add_working_days(now, settings.SERVICE_REQUEST_CONFIRM_DAYS)
    request.save(update_fields=fields)
    notify(
        users=enterprise_users(request),
        title=NOTICE_ANSWERED % {"reference": request.reference},
        body=request.answer,
        url=_url(request),
        email=True,
    )
    return request


@transaction.atomic
def service_request_hand_over(
    *, request: ServiceRequest, handed_over_by: User, to_authority: IndustryAuthority, comment: str
) -> ServiceRequest:
    """Hand the request to another department: it keeps its tier and deadline, and the department accepts it."""
    if not comment.strip():
        raise ValidationError(MSG_HAND_OVER_COMMENT)
    request = _locked(request)
    _require_handler(handed_over_by, request)
    if request.owner_authority_id == to_authority.pk:
        raise ValidationError(MSG_SAME_DEPARTMENT)
    _transition(request, "hand_over", handed_over_by, comment.strip(), to_tier=request.tier, to_authority=to_authority)
    _set_owner(request, Assignee(request.tier, authority=to_authority))
    request.save(update_fields=["status", "owner_user", "owner_authority", "department", "updated_at"])
    notify(
        users=owner_users(request),
        title=NOTICE_HANDED_OVER % {"reference": request.reference, "owner": to_authority.name},
        body=comment.strip(),
        url=_url(request),
    )
    return request


@transaction.atomic
def service_request_ask_for_information(*, request: ServiceRequest, asked_by: User, question: str) -> ServiceRequest:
    """Ask the enterprise for more: the clock stops and keeps the working time left."""
    if not question.strip():
        raise ValidationError(MSG_QUESTION_REQUIRED)
    request = _locked(request)
    _require_handler(asked_by, request)
    _transition(request, "request_info", asked_by, question.strip())
    now = timezone.now()
    request.paused_remaining = working_time_between(now, request.due_at) if request.due_at else timedelta()
    request.due_at = None
    request.save(update_fields=["status", "paused_remaining", "due_at", "updated_at"])
    notify(
        users=enterprise_users(request),
        title=NOTICE_INFO_REQUESTED % {"reference": request.reference, "question": question.strip()[:80]},
        body=question.strip(),
        url=_url(request),
        email=True,
    )
    return request


@transaction.atomic
def service_request_supply_information(
    *, request: ServiceRequest, supplied_by: User, reply: str, attachments=()
) -> ServiceRequest:
    """The enterprise's reply: the clock starts again with the working time it had left."""
    if not reply.strip():
        raise ValidationError(MSG_REPLY_REQUIRED)
    request = _locked(request)
    _require_enterprise(supplied_by, request)
    attachments = list(attachments)
    _check_attachments(attachments)
    _transition(request, "supply_info", supplied_by, reply.strip())
    request.due_at = add_working_time(timezone.now(), request.paused_remaining or timedelta())
    request.paused_remaining = None
    request.save(update_fields=["status", "due_at", "paused_remaining", "updated_at"])
    for upload in attachments:
        _store_attachment(request, upload, supplied_by)
    notify(
        users=owner_users(request),
        title=NOTICE_INFO_SUPPLIED % {"reference": request.reference},
        body=reply.strip(),
        url=_url(request),
    )
    return request


@transaction.atomic
def service_request_escalate(*, request: ServiceRequest, escalated_by: User, comment: str = "") -> ServiceRequest:
    """The handler passes the request up a tier now (it needs a higher level to decide)."""
    request = _locked(request)
    _require_handler(escalated_by, request)
    _check_transition(request, "escalate")
    enterprise = Enterprise.objects.select_related("district", "industry", "responsible_official").get(
        pk=request.enterprise_id
    )
    resolver = LinkageResolver([enterprise])
    assignee = resolver.first_from(enterprise, request.tier + 1)
    if assignee is None:
        raise ValidationError(MSG_TOP_TIER, code="top")
    previous = owner_users(request)
    now = timezone.now()
    _move_up(request, assignee, now, request_deadline(request, now), escalated_by, comment.strip())
    request.save(update_fields=ESCALATION_FIELDS)
    notify_each(_escalation_notices([(request, previous)], now))
    return request


ESCALATION_FIELDS = [
    "status",
    "tier",
    "owner_user",
    "owner_authority",
    "department",
    "due_at",
    "last_lapse_due_at",
    "escalation_count",
    "first_escalated_at",
    "updated_at",
]


def _move_up(
    request: ServiceRequest,
    assignee: Assignee,
    now: datetime,
    due_at: datetime,
    actor: User | None,
    comment: str,
    events: list | None = None,
) -> None:
    """Route a request to the next tier; the event goes to `events` (a sweep's bulk insert) or is written now."""
    event = ServiceRequestEvent(
        request=request,
        action="escalate",
        actor=actor,
        from_status=request.status,
        to_status=S.SUBMITTED,
        from_tier=request.tier,
        to_tier=assignee.level,
        to_user=assignee.user,
        to_authority=assignee.authority,
        comment=comment,
    )
    if events is None:
        event.save()
    else:
        events.append(event)
    request.status = S.SUBMITTED
    request.tier = assignee.level
    _set_owner(request, assignee)
    request.last_lapse_due_at = request.due_at
    request.due_at = due_at
    request.escalation_count += 1
    request.first_escalated_at = request.first_escalated_at or now
    request.updated_at = now


def _escalation_notices(moved: list[tuple[ServiceRequest, list[User]]], now) -> list[tuple]:
    """Everyone on the way: the new owners, the previous ones (one notice each, counting their requests), and
    each enterprise."""
    to_new: dict[User, int] = defaultdict(int)
    to_previous: dict[User, int] = defaultdict(int)
    authority_staff = _authority_staff({r.owner_authority_id for r, _p in moved if r.owner_authority_id})
    unrouted = {r.district_id for r, _p in moved if not (r.owner_user_id or r.owner_authority_id)}
    district_staff = _district_staff(unrouted)
    for request, previous in moved:
        for user in _owners_from(request, authority_staff, district_staff):
            to_new[user] += 1
        for user in previous:
            to_previous[user] += 1
    queue = reverse("service_requests:queue")
    notices = [(user, NOTICE_ESCALATED_TO_YOU % {"count": n}, "", queue) for user, n in to_new.items()]
    notices += [(user, NOTICE_ESCALATED_AWAY % {"count": n}, "", queue) for user, n in to_previous.items()]
    enterprise_accounts = defaultdict(list)
    for user in User.objects.filter(
        is_active=True, role=Role.ENTERPRISE, enterprise_id__in={r.enterprise_id for r, _p in moved}
    ):
        enterprise_accounts[user.enterprise_id].append(user)
    for request, _previous in moved:
        title = NOTICE_ESCALATED_ENTERPRISE % {
            "reference": request.reference,
            "tier": request.tier,
            "owner": request.owner_label,
        }
        notices += [(user, title, "", _url(request)) for user in enterprise_accounts[request.enterprise_id]]
    return notices


def _authority_staff(authority_ids) -> dict[int | None, list[User]]:
    found: dict[int | None, list[User]] = defaultdict(list)
    for user in User.objects.filter(is_active=True, role=Role.AUTHORITY_STAFF, industry_authority_id__in=authority_ids):
        found[user.industry_authority_id].append(user)
    return found


def _district_staff(district_ids) -> dict[int | None, list[User]]:
    found: dict[int | None, list[User]] = defaultdict(list)
    for user in User.objects.filter(is_active=True, role=Role.DISTRICT_STAFF, district_id__in=district_ids):
        found[user.district_id].append(user)
    return found


def _owners_from(request, authority_staff, district_staff) -> list[User]:
    if request.owner_user_id:
        return [request.owner_user]
    if request.owner_authority_id:
        return authority_staff[request.owner_authority_id]
    return district_staff[request.district_id]


# --- The sweeps (Celery beat) ---------------------------------------------------------------------


def _lapsed(now: datetime):
    """Requests whose clock runs, past their deadline, whose lapse nobody has acted on yet."""
    return ServiceRequest.objects.filter(status__in=ServiceRequest.CLOCK_RUNNING, due_at__lt=now).filter(
        Q(last_lapse_due_at__isnull=True) | Q(last_lapse_due_at__lt=F("due_at"))
    )


def service_requests_escalate_overdue(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Move every request past its deadline up one tier; returns how many moved.

    Idempotent under a duplicated beat: each batch locks its rows with SELECT … FOR UPDATE SKIP LOCKED, and
    PostgreSQL re-checks the lapse condition against a row's newest version before locking it, so a row a
    concurrent sweep has moved (new tier, new deadline, its lapse recorded) no longer matches and a row it is
    moving is skipped. A lapse at the top tier is recorded once (last_lapse_due_at) and told to its owner.
    """
    now = now or timezone.now()
    moved_total = 0
    while True:
        with transaction.atomic():
            batch = list(
                _lapsed(now)
                .select_related("owner_user", "owner_authority")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("due_at", "pk")[:batch_size]
            )
            if not batch:
                return moved_total
            moved_total += _escalate_batch(batch, now)


def _escalate_batch(batch: list[ServiceRequest], now: datetime) -> int:
    enterprises = {
        e.pk: e
        for e in Enterprise.objects.filter(pk__in={r.enterprise_id for r in batch}).select_related(
            "district", "industry", "responsible_official"
        )
    }
    resolver = LinkageResolver(enterprises.values())
    deadlines: dict[int, datetime] = {}
    authority_staff = _authority_staff({r.owner_authority_id for r in batch if r.owner_authority_id})
    district_staff = _district_staff({r.district_id for r in batch})
    events, moved, top = [], [], []
    for request in batch:
        previous = _owners_from(request, authority_staff, district_staff)
        due = timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M")
        assignee = resolver.first_from(enterprises[request.enterprise_id], request.tier + 1)
        if assignee is None:
            events.append(
                ServiceRequestEvent(
                    request=request,
                    action="lapse_top",
                    from_status=request.status,
                    to_status=request.status,
                    from_tier=request.tier,
                    to_tier=request.tier,
                    comment=TOP_LAPSED_COMMENT % {"due": due},
                )
            )
            request.last_lapse_due_at = request.due_at
            request.updated_at = now
            top.append((request, previous))
            continue
        days = working_days_for(request.category, request.urgency)
        if days not in deadlines:
            deadlines[days] = add_working_days(now, days)
        _move_up(request, assignee, now, deadlines[days], None, str(ESCALATED_COMMENT % {"due": due}), events)
        moved.append((request, previous))
    _save_escalations(batch)
    ServiceRequestEvent.objects.bulk_create(events, batch_size=2000)
    notices = _escalation_notices(moved, now) if moved else []
    lapsed_at_top: dict[User, int] = defaultdict(int)
    for _request, owners in top:
        for user in owners:
            lapsed_at_top[user] += 1
    queue = reverse("service_requests:queue")
    notices += [(user, NOTICE_TOP_LAPSED % {"count": n}, "", queue) for user, n in lapsed_at_top.items()]
    notify_each(notices)
    return len(moved)


def _save_escalations(batch: list[ServiceRequest]) -> None:
    """One UPDATE … FROM (VALUES …) per batch on PostgreSQL: Django's bulk_update writes a CASE per field and
    row, which took most of a 10,000-request sweep. The rows are locked by the caller."""
    if connection.vendor != "postgresql":
        ServiceRequest.objects.bulk_update(batch, ESCALATION_FIELDS, batch_size=500)
        return
    from psycopg2.extras import execute_values

    rows = [
        (
            r.pk,
            r.status,
            r.tier,
            r.owner_user_id,
            r.owner_authority_id,
            r.department_id,
            r.due_at,
            r.last_lapse_due_at,
            r.escalation_count,
            r.first_escalated_at,
            r.updated_at,
        )
        for r in batch
    ]
    table = connection.ops.quote_name(ServiceRequest._meta.db_table)
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            f"UPDATE {table} AS t SET status = v.status, tier = v.tier, owner_user_id = v.owner_user, "  # noqa: S608 - our own table; values are parameters
            "owner_authority_id = v.owner_authority, department_id = v.department, due_at = v.due_at, "
            "last_lapse_due_at = v.lapse, escalation_count = v.escalations, first_escalated_at = v.first, "
            "updated_at = v.updated FROM (VALUES %s) AS v(id, status, tier, owner_user, owner_authority, department, "
            "due_at, lapse, escalations, first, updated) WHERE t.id = v.id",
            rows,
            template="(%s, %s, %s::smallint, %s::bigint, %s::bigint, %s::bigint, %s::timestamptz, %s::timestamptz, "
            "%s::smallint, %s::timestamptz, %s::timestamptz)",
            page_size=1000,
        )


def service_requests_close_unconfirmed(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Answers left unconfirmed past their confirmation deadline close as 视为满意, and say so."""
    now = now or timezone.now()
    days = settings.SERVICE_REQUEST_CONFIRM_DAYS
    closed = 0
    while True:
        with transaction.atomic():
            batch = list(
                ServiceRequest.objects.filter(status=S.ANSWERED, confirm_due_at__lt=now)
                .select_related("owner_user")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("confirm_due_at", "pk")[:batch_size]
            )
            if not batch:
                return closed
            comment = str(DEEMED_COMMENT % {"days": days})
            events = [
                ServiceRequestEvent(
                    request=r,
                    action="deem_satisfied",
                    from_status=r.status,
                    to_status=S.CLOSED,
                    from_tier=r.tier,
                    to_tier=r.tier,
                    comment=comment,
                )
                for r in batch
            ]
            authority_staff = _authority_staff({r.owner_authority_id for r in batch if r.owner_authority_id})
            district_staff = _district_staff({r.district_id for r in batch})
            notices = []
            accounts = defaultdict(list)
            for user in User.objects.filter(
                is_active=True, role=Role.ENTERPRISE, enterprise_id__in={r.enterprise_id for r in batch}
            ):
                accounts[user.enterprise_id].append(user)
            for request in batch:
                request.status, request.closed_at, request.updated_at = S.CLOSED, now, now
                request.rating, request.deemed_satisfied = Rating.SATISFIED, True
                title = NOTICE_DEEMED % {"reference": request.reference, "days": days}
                recipients = accounts[request.enterprise_id] + _owners_from(request, authority_staff, district_staff)
                notices += [(user, title, "", _url(request)) for user in recipients]
            ServiceRequest.objects.bulk_update(
                batch, ["status", "closed_at", "rating", "deemed_satisfied", "updated_at"], batch_size=500
            )
            ServiceRequestEvent.objects.bulk_create(events, batch_size=2000)
            notify_each(notices)
            closed += len(batch)


# --- The enterprise closes the loop ---------------------------------------------------------------


@transaction.atomic
def service_request_confirm(
    *, request: ServiceRequest, confirmed_by: User, rating: str, comment: str = ""
) -> ServiceRequest:
    if rating not in Rating.values:
        raise ValidationError(MSG_RATING_REQUIRED)
    request = _locked(request)
    _require_enterprise(confirmed_by, request)
    _transition(request, "confirm", confirmed_by, comment.strip() or str(Rating(rating).label))
    request.rating, request.closed_at = rating, timezone.now()
    request.save(update_fields=["status", "rating", "closed_at", "updated_at"])
    notify(
        users=owner_users(request),
        title=NOTICE_CONFIRMED % {"reference": request.reference, "rating": Rating(rating).label},
        body=comment.strip(),
        url=_url(request),
    )
    return request


@transaction.atomic
def service_request_reopen(*, request: ServiceRequest, reopened_by: User, reason: str) -> ServiceRequest:
    """The enterprise does not accept the answer: the same owner handles it again, with a fresh deadline."""
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    request = _locked(request)
    _require_enterprise(reopened_by, request)
    _transition(request, "reopen", reopened_by, reason.strip())
    now = timezone.now()
    request.due_at = request_deadline(request, now)
    request.confirm_due_at = None
    request.reopen_count += 1
    request.save(update_fields=["status", "due_at", "confirm_due_at", "reopen_count", "updated_at"])
    notify(
        users=owner_users(request),
        title=NOTICE_REOPENED % {"reference": request.reference},
        body=reason.strip(),
        url=_url(request),
    )
    return request


@transaction.atomic
def service_request_attach(*, request: ServiceRequest, upload, uploaded_by: User) -> ServiceRequestAttachment:
    """More material while the request is open, from the enterprise or the handler."""
    request = _locked(request)
    if not (uploaded_by.role == Role.ENTERPRISE and uploaded_by.enterprise_id == request.enterprise_id):
        _require_handler(uploaded_by, request)
    if request.status == S.CLOSED:
        raise ValidationError(MSG_CLOSED)
    if request.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(MSG_TOO_MANY_ATTACHMENTS % {"max": MAX_ATTACHMENTS})
    return _store_attachment(request, upload, uploaded_by)
