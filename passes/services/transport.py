"""Point-to-point transport (点对点一站式直达): an enterprise asks for a chartered trip from a low-risk
origin, the staff of its district confirm, arrange or decline it, and mark the arrival, which sets the
arrival date of the workers on board. One transition table; each move locks the request, checks the
actor, writes an event and tells the other side once the transaction commits."""

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple
from uuid import UUID, uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, Role, User
from core.db import insert_or_lock
from core.validators import validate_mobile
from enterprises.models import Enterprise
from passes.eligibility import risk_area_rules
from passes.models import RiskAreaList, RiskLevel, TransportEvent, TransportRequest, Worker
from reference.models import Division

S = TransportRequest.Status

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "confirm": (frozenset({S.REQUESTED}), S.CONFIRMED),
    "arrange": (frozenset({S.REQUESTED, S.CONFIRMED}), S.ARRANGED),
    "decline": (frozenset({S.REQUESTED, S.CONFIRMED, S.ARRANGED}), S.DECLINED),
    "arrive": (frozenset({S.ARRANGED}), S.ARRIVED),
    "cancel": (frozenset({S.REQUESTED, S.CONFIRMED}), S.CANCELLED),
}
# Who may take each action: the enterprise that asked, or the staff of its district.
ENTERPRISE_ACTIONS = frozenset({"cancel"})
DISTRICT_ACTIONS = frozenset({"confirm", "arrange", "decline", "arrive"})

ACTION_LABELS = {
    "confirm": _("确认"),
    "arrange": _("安排车辆"),
    "decline": _("不予安排"),
    "arrive": _("登记抵昆"),
    "cancel": _("撤回"),
}

MSG_NOT_YOURS = _("只能为本企业申请或撤回点对点包车。")
MSG_NOT_DISTRICT = _("只有企业所在区镇的工作人员可以处理该包车申请。")
MSG_ILLEGAL = _("该包车申请当前状态为“%(status)s”, 不能%(action)s。")
MSG_DEPARTURE_PAST = _("出发日期不能早于今天。")
MSG_HEADCOUNT = _("人数至少为 1 人。")
MSG_HEADCOUNT_BELOW_WORKERS = _("人数(%(headcount)s)不能少于所选乘车员工的人数(%(workers)s)。")
MSG_CONTACT_REQUIRED = _("请填写联系人。")
MSG_ORIGIN_TOO_BROAD = _("出发地 %(origin)s 范围太大, 请选到县(市、区)一级。")
MSG_ORIGIN_NOT_LOW = _(
    "出发地 %(origin)s 按 %(source)s(%(title)s, %(effective)s 起施行)在出发日期 %(departure)s 属于%(level)s, "
    "点对点包车只从低风险地区出发。"
)
MSG_WORKER_NOT_YOURS = _("只能选择本企业花名册中的员工。")
MSG_WORKER_ARRIVED = _("%(name)s 已登记抵昆(%(date)s), 不需要乘坐包车。")
MSG_WORKER_ON_TRIP = _("%(name)s 已在另一趟包车申请中(出发日期 %(date)s)。")
MSG_WORKER_ORIGIN_NOT_LOW = _("%(name)s 的来源地 %(origin)s 按 %(source)s 属于%(level)s, 不能乘坐点对点包车。")
MSG_ARRANGEMENT_REQUIRED = _("请填写车辆安排: 车型、车牌、集合地点和时间。")
MSG_REASON_REQUIRED = _("请填写不予安排的原因。")
MSG_ARRIVAL_REQUIRED = _("请填写抵昆日期。")
MSG_ARRIVAL_FUTURE = _("抵昆日期不能晚于今天。")
MSG_ARRIVAL_BEFORE_DEPARTURE = _("抵昆日期不能早于出发日期 %(departure)s。")

TRIP_LABEL = _("%(origin)s, %(date)s 出发, %(headcount)s 人")
EVENT_ARRIVED = _("抵昆日期 %(date)s, 更新了 %(count)s 名员工的抵昆日期")
NOTICE_CONFIRMED = _("点对点包车申请已确认: %(trip)s")
NOTICE_ARRANGED = _("点对点包车已安排车辆: %(trip)s")
NOTICE_DECLINED = _("点对点包车申请未予安排: %(trip)s")
NOTICE_ARRIVED = _("点对点包车已抵昆: %(trip)s")
NOTICE_CANCELLED = _("企业已撤回点对点包车申请: %(trip)s")


class Arrival(NamedTuple):
    transport_request: TransportRequest
    workers_updated: int


# --- helpers --------------------------------------------------------------------------------------


def trip_label(transport_request: TransportRequest) -> str:
    return str(
        TRIP_LABEL
        % {
            "origin": transport_request.origin.full_name,
            "date": transport_request.departure_on.isoformat(),
            "headcount": transport_request.headcount,
        }
    )


def _locked(transport_request: TransportRequest) -> TransportRequest:
    # Lock the request row only, so that trips of other enterprises in the district never wait on it.
    return (
        TransportRequest.objects.select_related("enterprise", "origin")
        .select_for_update(of=("self",))
        .get(pk=transport_request.pk)
    )


def _require_legal(transport_request: TransportRequest, action: str) -> None:
    sources, _target = TRANSITIONS[action]
    if transport_request.status not in sources:
        raise ValidationError(
            MSG_ILLEGAL % {"status": transport_request.get_status_display(), "action": ACTION_LABELS[action]},
            code="illegal",
        )


def _move(transport_request: TransportRequest, action: str, actor: User, comment: str = "") -> TransportEvent:
    """Move a locked request along the table and log it; the caller saves the fields it changed."""
    _require_legal(transport_request, action)
    target = TRANSITIONS[action][1]
    event = TransportEvent.objects.create(
        transport_request=transport_request,
        actor=actor,
        from_status=transport_request.status,
        to_status=target,
        comment=str(comment)[:255],
    )
    transport_request.status = target
    return event


def _require_enterprise_user(user: User, enterprise_id: int) -> None:
    if not (user.role == Role.ENTERPRISE and user.enterprise_id == enterprise_id):
        raise PermissionDenied(MSG_NOT_YOURS)


def _require_district_staff(user: User, transport_request: TransportRequest) -> None:
    if not (user.role == Role.DISTRICT_STAFF and user.district_id == transport_request.enterprise.district_id):
        raise PermissionDenied(MSG_NOT_DISTRICT)


def _notify_on_commit(users, transport_request: TransportRequest, title, body: str = "") -> None:
    """A portal notice to these users once the move is committed; a rolled-back move tells nobody."""
    text = str(title % {"trip": trip_label(transport_request)})[:200]
    url = reverse("passes:transport_detail", args=[transport_request.pk])
    body = str(body)

    def send() -> None:
        Notification.objects.bulk_create([Notification(user=user, title=text, body=body, url=url) for user in users])

    transaction.on_commit(send)


def _notify_enterprise(transport_request: TransportRequest, title, body: str = "") -> None:
    users = User.objects.filter(enterprise_id=transport_request.enterprise_id, role=Role.ENTERPRISE, is_active=True)
    _notify_on_commit(users, transport_request, title, body)


def available_actions(transport_request: TransportRequest, user: User) -> list[str]:
    """The actions this user may take on the request now (for the buttons of its page)."""
    if user.role == Role.ENTERPRISE and user.enterprise_id == transport_request.enterprise_id:
        allowed = ENTERPRISE_ACTIONS
    elif user.role == Role.DISTRICT_STAFF and user.district_id == transport_request.enterprise.district_id:
        allowed = DISTRICT_ACTIONS
    else:
        return []
    return [
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if action in allowed and transport_request.status in sources
    ]


# --- the origin and the workers on board -----------------------------------------------------------


def origin_check(*, origin: Division, departure_on: date) -> RiskAreaList | None:
    """Refuse an origin that is too broad to judge or not low risk under the list in force on the
    departure date; returns that list (None when no list is in force: everywhere is low risk)."""
    if origin.level == Division.Level.PROVINCE or (origin.level == Division.Level.CITY and origin.children.exists()):
        raise ValidationError(MSG_ORIGIN_TOO_BROAD % {"origin": origin.full_name}, code="origin_too_broad")
    rules = risk_area_rules(departure_on)
    risk = rules.assess(origin.code)
    if risk.level != RiskLevel.LOW:
        risk_list = risk.listed_by
        raise ValidationError(
            MSG_ORIGIN_NOT_LOW
            % {
                "origin": origin.full_name,
                "source": risk_list.source_document,
                "title": risk_list.title,
                "effective": risk_list.effective_from.isoformat(),
                "departure": departure_on.isoformat(),
                "level": RiskLevel(risk.level).label,
            },
            code="origin_not_low",
        )
    return rules.risk_list


def _worker_errors(workers: list[Worker], *, enterprise: Enterprise, departure_on: date) -> list[str]:
    """Why these workers cannot ride this trip (empty when all can)."""
    rules = risk_area_rules(departure_on)
    on_trips = dict(
        TransportRequest.workers.through.objects.filter(
            worker__in=workers, transportrequest__status__in=TransportRequest.OPEN_STATUSES
        ).values_list("worker_id", "transportrequest__departure_on")
    )
    errors = []
    for worker in workers:
        if worker.enterprise_id != enterprise.pk:
            raise ValidationError(MSG_WORKER_NOT_YOURS, code="worker_not_yours")
        risk = rules.assess(worker.origin_id)
        if worker.arrived_on is not None:
            errors.append(str(MSG_WORKER_ARRIVED % {"name": worker.name, "date": worker.arrived_on.isoformat()}))
        elif worker.pk in on_trips:
            errors.append(str(MSG_WORKER_ON_TRIP % {"name": worker.name, "date": on_trips[worker.pk].isoformat()}))
        elif risk.level != RiskLevel.LOW:
            errors.append(
                str(
                    MSG_WORKER_ORIGIN_NOT_LOW
                    % {
                        "name": worker.name,
                        "origin": worker.origin.full_name,
                        "source": risk.listed_by.source_document,
                        "level": RiskLevel(risk.level).label,
                    }
                )
            )
    return errors


# --- enterprise side -------------------------------------------------------------------------------


@transaction.atomic
def transport_request_create(
    *,
    enterprise: Enterprise,
    requested_by: User,
    origin: Division,
    departure_on: date,
    headcount: int,
    contact_name: str,
    contact_mobile: str,
    workers: Iterable[Worker] = (),
    submission_key: UUID | None = None,
) -> TransportRequest:
    """Ask the district for a chartered trip, all or nothing: the origin low risk on the departure day,
    the workers (if named) from the roster, not yet back and on no other open trip. The same form sent
    again (its `submission_key`) answers with the trip the first one asked for."""
    _require_enterprise_user(requested_by, enterprise.pk)
    if departure_on < timezone.localdate():
        raise ValidationError({"departure_on": MSG_DEPARTURE_PAST})
    if headcount is None or headcount < 1:
        raise ValidationError({"headcount": MSG_HEADCOUNT})
    if not contact_name.strip():
        raise ValidationError({"contact_name": MSG_CONTACT_REQUIRED})
    validate_mobile(contact_mobile)
    risk_list = origin_check(origin=origin, departure_on=departure_on)
    # Lock the workers so that two requests naming the same person cannot both pass the checks.
    ids = sorted({worker.pk for worker in workers})
    locked = list(
        Worker.objects.filter(pk__in=ids).select_related("origin").select_for_update(of=("self",)).order_by("pk")
    )
    if len(locked) < len(ids):
        raise ValidationError(MSG_WORKER_NOT_YOURS, code="worker_not_yours")
    # Behind the workers' locks a repeated form finds its trip (its workers would now read as on a trip).
    submission_key = submission_key or uuid4()
    repeated = enterprise.transport_requests.filter(submission_key=submission_key).first()
    if repeated:
        return repeated
    if headcount < len(locked):
        raise ValidationError(
            {"headcount": MSG_HEADCOUNT_BELOW_WORKERS % {"headcount": headcount, "workers": len(locked)}}
        )
    errors = _worker_errors(locked, enterprise=enterprise, departure_on=departure_on)
    if errors:
        raise ValidationError(errors, code="workers")
    transport_request, created = insert_or_lock(
        TransportRequest(
            enterprise=enterprise,
            origin=origin,
            departure_on=departure_on,
            headcount=headcount,
            contact_name=contact_name.strip(),
            contact_mobile=contact_mobile,
            requested_by=requested_by,
            risk_list=risk_list,
            submission_key=submission_key,
        ),
        enterprise=enterprise,
        submission_key=submission_key,
    )
    if not created:
        return transport_request
    transport_request.workers.set(locked)
    TransportEvent.objects.create(
        transport_request=transport_request, actor=requested_by, from_status="", to_status=S.REQUESTED
    )
    return transport_request


@transaction.atomic
def transport_request_cancel(
    *, transport_request: TransportRequest, cancelled_by: User, reason: str = ""
) -> TransportRequest:
    """The enterprise withdraws a trip not yet arranged; a staff member who confirmed it is told."""
    transport_request = _locked(transport_request)
    _require_enterprise_user(cancelled_by, transport_request.enterprise_id)
    _move(transport_request, "cancel", cancelled_by, reason.strip())
    transport_request.save(update_fields=["status", "updated_at"])
    if transport_request.decided_by_id:
        staff = User.objects.filter(pk=transport_request.decided_by_id, is_active=True)
        _notify_on_commit(staff, transport_request, NOTICE_CANCELLED, reason.strip())
    return transport_request


# --- district side ---------------------------------------------------------------------------------


def _recheck_origin(transport_request: TransportRequest) -> None:
    # A list published since the request may have raised the origin's level for the departure day.
    transport_request.risk_list = origin_check(
        origin=transport_request.origin, departure_on=transport_request.departure_on
    )


@transaction.atomic
def transport_request_confirm(
    *, transport_request: TransportRequest, confirmed_by: User, comment: str = ""
) -> TransportRequest:
    transport_request = _locked(transport_request)
    _require_district_staff(confirmed_by, transport_request)
    _recheck_origin(transport_request)
    _move(transport_request, "confirm", confirmed_by, comment.strip())
    transport_request.decided_by = confirmed_by
    transport_request.decision_comment = comment.strip()[:255]
    transport_request.save(update_fields=["status", "decided_by", "decision_comment", "risk_list", "updated_at"])
    _notify_enterprise(transport_request, NOTICE_CONFIRMED, comment.strip())
    return transport_request


@transaction.atomic
def transport_request_arrange(
    *, transport_request: TransportRequest, arranged_by: User, arrangement: str
) -> TransportRequest:
    """Record the vehicle, plate, meeting point and time; the enterprise sees them at once."""
    arrangement = arrangement.strip()
    if not arrangement:
        raise ValidationError(MSG_ARRANGEMENT_REQUIRED, code="arrangement_required")
    transport_request = _locked(transport_request)
    _require_district_staff(arranged_by, transport_request)
    _recheck_origin(transport_request)
    _move(transport_request, "arrange", arranged_by, arrangement)
    transport_request.arrangement = arrangement[:255]
    transport_request.decided_by = arranged_by
    transport_request.save(update_fields=["status", "arrangement", "decided_by", "risk_list", "updated_at"])
    _notify_enterprise(transport_request, NOTICE_ARRANGED, arrangement)
    return transport_request


@transaction.atomic
def transport_request_decline(
    *, transport_request: TransportRequest, declined_by: User, reason: str
) -> TransportRequest:
    reason = reason.strip()
    if not reason:
        raise ValidationError(MSG_REASON_REQUIRED, code="reason_required")
    transport_request = _locked(transport_request)
    _require_district_staff(declined_by, transport_request)
    _move(transport_request, "decline", declined_by, reason)
    transport_request.decided_by = declined_by
    transport_request.decision_comment = reason[:255]
    transport_request.save(update_fields=["status", "decided_by", "decision_comment", "updated_at"])
    _notify_enterprise(transport_request, NOTICE_DECLINED, reason)
    return transport_request


@transaction.atomic
def transport_request_mark_arrived(
    *, transport_request: TransportRequest, marked_by: User, arrived_on: date | None
) -> Arrival:
    """The trip reached Kunshan: its workers' arrival date is set in the same transaction, except for
    a worker whose roster already holds a later arrival."""
    if arrived_on is None:
        raise ValidationError(MSG_ARRIVAL_REQUIRED, code="arrival_required")
    if arrived_on > timezone.localdate():
        raise ValidationError(MSG_ARRIVAL_FUTURE, code="arrival_future")
    transport_request = _locked(transport_request)
    _require_district_staff(marked_by, transport_request)
    _require_legal(transport_request, "arrive")
    if arrived_on < transport_request.departure_on:
        raise ValidationError(
            MSG_ARRIVAL_BEFORE_DEPARTURE % {"departure": transport_request.departure_on.isoformat()},
            code="arrival_before_departure",
        )
    count = transport_request.workers.filter(Q(arrived_on__isnull=True) | Q(arrived_on__lt=arrived_on)).update(
        arrived_on=arrived_on,
        updated_at=timezone.now(),  # update() does not stamp auto_now fields
    )
    _move(transport_request, "arrive", marked_by, str(EVENT_ARRIVED % {"date": arrived_on.isoformat(), "count": count}))
    transport_request.arrived_on = arrived_on
    transport_request.save(update_fields=["status", "arrived_on", "updated_at"])
    _notify_enterprise(
        transport_request, NOTICE_ARRIVED, str(EVENT_ARRIVED % {"date": arrived_on.isoformat(), "count": count})
    )
    return Arrival(transport_request, count)
