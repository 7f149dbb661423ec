"""Point-to-point transport: the request's checks, the transition table, and arrival on the roster."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from passes.models import RiskLevel, TransportEvent, TransportRequest, Worker
from passes.services import transport as services
from tests.factories import EnterpriseFactory, UserFactory
from tests.passes.factories import (
    HIGH_RISK_ORIGIN,
    LOW_RISK_ORIGIN,
    MEDIUM_RISK_ORIGIN,
    WorkerFactory,
    division,
    published_risk_list,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2020, 3, 9)
S = TransportRequest.Status


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def risk_list(db):
    return published_risk_list()  # Hubei high, Wenzhou medium, from 2020-02-01 (苏防控〔2020〕7号)


def travellers(enterprise, count=2, **kwargs):
    """Workers of the roster still away from Kunshan."""
    return WorkerFactory.create_batch(
        count, enterprise=enterprise, arrived_on=None, quarantine_started_on=None, **kwargs
    )


def request_trip(
    user, *, origin=LOW_RISK_ORIGIN, departure_on=TODAY + dt.timedelta(days=1), headcount=30, workers=(), **kwargs
):
    return services.transport_request_create(
        enterprise=user.enterprise,
        requested_by=user,
        origin=division(origin),
        departure_on=departure_on,
        headcount=headcount,
        workers=workers,
        contact_name=kwargs.pop("contact_name", "王五"),
        contact_mobile=kwargs.pop("contact_mobile", "13912345678"),
        **kwargs,
    )


def arranged_trip(enterprise_user, staff, **kwargs):
    trip = request_trip(enterprise_user, **kwargs)
    return services.transport_request_arrange(
        transport_request=trip, arranged_by=staff, arrangement="大巴 苏E·A1234, 3月10日8:00 广安汽车站集合"
    )


def messages_of(error) -> list[str]:
    return [str(m) for m in error.value.messages]


# --- Requesting a trip --------------------------------------------------------------------------------


def test_an_enterprise_requests_a_trip_from_a_low_risk_origin(enterprise_user_a, risk_list):
    workers = travellers(enterprise_user_a.enterprise, 3)
    trip = request_trip(enterprise_user_a, workers=workers, headcount=3)
    assert trip.status == S.REQUESTED and trip.risk_list == risk_list
    assert set(trip.workers.all()) == set(workers)
    event = trip.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.REQUESTED, enterprise_user_a)


@pytest.mark.parametrize(
    ("origin", "level"), [(MEDIUM_RISK_ORIGIN, RiskLevel.MEDIUM), (HIGH_RISK_ORIGIN, RiskLevel.HIGH)]
)
def test_an_origin_that_is_not_low_risk_is_refused_naming_the_list(enterprise_user_a, risk_list, origin, level):
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, origin=origin, workers=travellers(enterprise_user_a.enterprise, 1))
    (message,) = messages_of(error)
    assert message == str(
        services.MSG_ORIGIN_NOT_LOW
        % {
            "origin": division(origin).full_name,
            "source": "苏防控〔2020〕7号",
            "title": risk_list.title,
            "effective": "2020-02-01",
            "departure": "2020-03-10",
            "level": RiskLevel(level).label,
        }
    )
    assert not TransportRequest.objects.exists() and not TransportEvent.objects.exists()


def test_the_origin_is_judged_by_the_list_in_force_on_the_departure_date(enterprise_user_a, risk_list):
    published_risk_list(
        effective_from=dt.date(2020, 3, 15), areas={LOW_RISK_ORIGIN: RiskLevel.HIGH}, source="苏防控〔2020〕9号"
    )
    before = request_trip(enterprise_user_a, departure_on=dt.date(2020, 3, 14))
    assert before.risk_list == risk_list
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, departure_on=dt.date(2020, 3, 15))
    assert "苏防控〔2020〕9号" in messages_of(error)[0]


def test_with_no_list_in_force_every_origin_is_low_risk(enterprise_user_a):
    trip = request_trip(enterprise_user_a, origin=HIGH_RISK_ORIGIN)
    assert trip.status == S.REQUESTED and trip.risk_list is None


@pytest.mark.parametrize("origin", ["510000", "511600"])
def test_a_province_or_a_city_with_counties_is_too_broad_an_origin(enterprise_user_a, origin):
    division(LOW_RISK_ORIGIN)  # gives 511600 a county
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, origin=origin)
    assert messages_of(error) == [str(services.MSG_ORIGIN_TOO_BROAD % {"origin": division(origin).full_name})]


def test_a_city_without_counties_is_a_precise_origin(enterprise_user_a):
    assert request_trip(enterprise_user_a, origin="441900").origin_id == "441900"  # 东莞市 has no counties


def test_departure_cannot_be_in_the_past(enterprise_user_a):
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, departure_on=TODAY - dt.timedelta(days=1))
    assert error.value.message_dict == {"departure_on": [str(services.MSG_DEPARTURE_PAST)]}
    assert request_trip(enterprise_user_a, departure_on=TODAY).departure_on == TODAY


def test_headcount_cannot_be_below_the_named_workers(enterprise_user_a):
    workers = travellers(enterprise_user_a.enterprise, 3)
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, workers=workers, headcount=2)
    assert error.value.message_dict == {
        "headcount": [str(services.MSG_HEADCOUNT_BELOW_WORKERS % {"headcount": 2, "workers": 3})]
    }
    assert not TransportRequest.objects.exists()


@pytest.mark.parametrize("headcount", [0, -1])
def test_headcount_must_be_positive(enterprise_user_a, headcount):
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, headcount=headcount)
    assert error.value.message_dict == {"headcount": [str(services.MSG_HEADCOUNT)]}


def test_contact_needs_a_name_and_a_valid_mobile(enterprise_user_a):
    from core.validators import MSG_MOBILE_INVALID

    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, contact_name="  ")
    assert error.value.message_dict == {"contact_name": [str(services.MSG_CONTACT_REQUIRED)]}
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, contact_mobile="1234")
    assert messages_of(error) == [str(MSG_MOBILE_INVALID)]


def test_workers_of_another_enterprise_are_refused(enterprise_user_a, enterprise_b):
    mine, theirs = travellers(enterprise_user_a.enterprise, 1), travellers(enterprise_b, 1)
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, workers=mine + theirs)
    assert messages_of(error) == [str(services.MSG_WORKER_NOT_YOURS)]
    assert not TransportRequest.objects.exists()


def test_workers_back_already_on_another_trip_or_from_a_risky_origin_are_refused(enterprise_user_a, risk_list):
    enterprise = enterprise_user_a.enterprise
    back = WorkerFactory(enterprise=enterprise, name="已返昆")
    (booked,) = travellers(enterprise, 1, name="已订车")
    request_trip(enterprise_user_a, workers=[booked], departure_on=dt.date(2020, 3, 12))
    (risky,) = travellers(enterprise, 1, name="来自武汉", origin=division(HIGH_RISK_ORIGIN))
    (fine,) = travellers(enterprise, 1, name="可乘车")
    with pytest.raises(ValidationError) as error:
        request_trip(enterprise_user_a, workers=[back, booked, risky, fine])
    assert messages_of(error) == [
        str(services.MSG_WORKER_ARRIVED % {"name": "已返昆", "date": back.arrived_on.isoformat()}),
        str(services.MSG_WORKER_ON_TRIP % {"name": "已订车", "date": "2020-03-12"}),
        str(
            services.MSG_WORKER_ORIGIN_NOT_LOW
            % {
                "name": "来自武汉",
                "origin": risky.origin.full_name,
                "source": "苏防控〔2020〕7号",
                "level": RiskLevel.HIGH.label,
            }
        ),
    ]
    assert TransportRequest.objects.count() == 1


def test_a_worker_of_a_declined_trip_may_be_booked_again(enterprise_user_a, district_staff_a):
    workers = travellers(enterprise_user_a.enterprise, 1)
    first = request_trip(enterprise_user_a, workers=workers)
    services.transport_request_decline(transport_request=first, declined_by=district_staff_a, reason="无车")
    assert request_trip(enterprise_user_a, workers=workers).status == S.REQUESTED


@pytest.mark.parametrize("who", ["district_staff_a", "enterprise_user_b", "commander"])
def test_only_the_enterprise_itself_may_request(request, enterprise_user_a, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.transport_request_create(
            enterprise=enterprise_user_a.enterprise,
            requested_by=user,
            origin=division(LOW_RISK_ORIGIN),
            departure_on=TODAY,
            headcount=1,
            contact_name="王五",
            contact_mobile="13912345678",
        )


# --- The district's moves -------------------------------------------------------------------------------


def test_staff_confirm_then_arrange_with_a_timeline_and_notices(
    enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    trip = request_trip(enterprise_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a, comment="安排中")
    with django_capture_on_commit_callbacks(execute=True):
        services.transport_request_arrange(
            transport_request=trip,
            arranged_by=district_staff_a,
            arrangement="  大巴 苏E·A1234, 3月10日8:00 广安汽车站  ",
        )
    trip.refresh_from_db()
    assert trip.status == S.ARRANGED and trip.arrangement == "大巴 苏E·A1234, 3月10日8:00 广安汽车站"
    assert trip.decided_by == district_staff_a
    moves = list(trip.events.values_list("from_status", "to_status", "actor"))
    assert moves == [
        ("", S.REQUESTED, enterprise_user_a.pk),
        (S.REQUESTED, S.CONFIRMED, district_staff_a.pk),
        (S.CONFIRMED, S.ARRANGED, district_staff_a.pk),
    ]
    label = services.trip_label(trip)
    titles = list(Notification.objects.filter(user=enterprise_user_a).order_by("pk").values_list("title", "body"))
    assert titles == [
        (str(services.NOTICE_CONFIRMED % {"trip": label}), "安排中"),
        (str(services.NOTICE_ARRANGED % {"trip": label}), trip.arrangement),
    ]


def test_notices_go_out_only_when_the_move_commits(
    enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    trip = request_trip(enterprise_user_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a)
    assert len(callbacks) == 1 and not Notification.objects.exists()
    callbacks[0]()
    assert Notification.objects.filter(user=enterprise_user_a).count() == 1


def test_staff_may_arrange_without_confirming_first(enterprise_user_a, district_staff_a):
    trip = arranged_trip(enterprise_user_a, district_staff_a)
    assert trip.status == S.ARRANGED
    assert list(trip.events.values_list("to_status", flat=True)) == [S.REQUESTED, S.ARRANGED]


def test_arranging_needs_the_arrangement(enterprise_user_a, district_staff_a):
    trip = request_trip(enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        services.transport_request_arrange(transport_request=trip, arranged_by=district_staff_a, arrangement=" ")
    assert messages_of(error) == [str(services.MSG_ARRANGEMENT_REQUIRED)]
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED and trip.events.count() == 1


@pytest.mark.parametrize("status_before", ["requested", "confirmed", "arranged"])
def test_staff_decline_an_open_request_with_a_reason(
    enterprise_user_a, district_staff_a, status_before, django_capture_on_commit_callbacks
):
    trip = request_trip(enterprise_user_a)
    if status_before == "confirmed":
        services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a)
    elif status_before == "arranged":
        trip = services.transport_request_arrange(
            transport_request=trip, arranged_by=district_staff_a, arrangement="大巴"
        )
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.transport_request_decline(
            transport_request=trip, declined_by=district_staff_a, reason="当日车辆已满, 请改期"
        )
    assert declined.status == S.DECLINED and declined.decision_comment == "当日车辆已满, 请改期"
    assert declined.events.last().from_status == status_before
    notice = Notification.objects.filter(user=enterprise_user_a).last()
    assert notice.title == str(services.NOTICE_DECLINED % {"trip": services.trip_label(declined)})
    assert notice.body == "当日车辆已满, 请改期"


def test_declining_needs_a_reason(enterprise_user_a, district_staff_a):
    trip = request_trip(enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        services.transport_request_decline(transport_request=trip, declined_by=district_staff_a, reason="")
    assert messages_of(error) == [str(services.MSG_REASON_REQUIRED)]
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_confirming_checks_the_origin_again_under_a_newer_list(enterprise_user_a, district_staff_a, risk_list):
    trip = request_trip(enterprise_user_a, departure_on=dt.date(2020, 3, 20))
    newer = published_risk_list(
        effective_from=dt.date(2020, 3, 12), areas={LOW_RISK_ORIGIN: RiskLevel.MEDIUM}, source="苏防控〔2020〕9号"
    )
    for move in (
        lambda: services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a),
        lambda: services.transport_request_arrange(
            transport_request=trip, arranged_by=district_staff_a, arrangement="大巴"
        ),
    ):
        with pytest.raises(ValidationError) as error:
            move()
        assert newer.source_document in messages_of(error)[0]
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED and trip.risk_list == risk_list
    # Declining stays possible: it is what the staff should do now.
    services.transport_request_decline(transport_request=trip, declined_by=district_staff_a, reason="出发地风险升级")


def test_confirming_records_the_list_it_checked_against(enterprise_user_a, district_staff_a, risk_list):
    trip = request_trip(enterprise_user_a, departure_on=dt.date(2020, 3, 20))
    newer = published_risk_list(effective_from=dt.date(2020, 3, 12), areas={})
    confirmed = services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a)
    assert confirmed.risk_list == newer


# Every (status, action) pair outside the table is refused with the same message.
ILLEGAL_MOVES = [
    (status, action)
    for action, (sources, _target) in services.TRANSITIONS.items()
    for status in S.values
    if status not in sources
]


def _force_status(trip: TransportRequest, status: str) -> TransportRequest:
    # Reaching each state through the services is tested above; here only the table is under test.
    fields = {
        "status": status,
        "arrangement": "大巴" if status in (S.ARRANGED, S.ARRIVED) else "",
        "arrived_on": TODAY + dt.timedelta(days=1) if status == S.ARRIVED else None,
    }
    TransportRequest.objects.filter(pk=trip.pk).update(**fields)
    trip.refresh_from_db()
    return trip


@pytest.mark.parametrize(("status", "action"), ILLEGAL_MOVES)
def test_moves_outside_the_transition_table_are_refused(enterprise_user_a, district_staff_a, status, action):
    trip = _force_status(request_trip(enterprise_user_a), status)
    calls = {
        "confirm": lambda: services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a),
        "arrange": lambda: services.transport_request_arrange(
            transport_request=trip, arranged_by=district_staff_a, arrangement="大巴"
        ),
        "decline": lambda: services.transport_request_decline(
            transport_request=trip, declined_by=district_staff_a, reason="无车"
        ),
        "arrive": lambda: services.transport_request_mark_arrived(
            transport_request=trip, marked_by=district_staff_a, arrived_on=TODAY
        ),
        "cancel": lambda: services.transport_request_cancel(transport_request=trip, cancelled_by=enterprise_user_a),
    }
    with pytest.raises(ValidationError) as error:
        calls[action]()
    assert messages_of(error) == [
        str(services.MSG_ILLEGAL % {"status": S(status).label, "action": services.ACTION_LABELS[action]})
    ]
    trip.refresh_from_db()
    assert trip.status == status and trip.events.count() == 1


def test_the_table_covers_every_service():
    assert (
        set(services.TRANSITIONS)
        == set(services.ACTION_LABELS)
        == (services.ENTERPRISE_ACTIONS | services.DISTRICT_ACTIONS)
    )
    assert len(ILLEGAL_MOVES) == 5 * len(S.values) - sum(len(s) for s, _t in services.TRANSITIONS.values())


@pytest.mark.parametrize("who", ["district_staff_b", "enterprise_user_a", "commander", "checkpoint_staff"])
def test_only_staff_of_the_enterprise_s_district_handle_the_request(request, enterprise_user_a, who):
    trip = request_trip(enterprise_user_a)
    user = request.getfixturevalue(who)
    for move in (
        lambda: services.transport_request_confirm(transport_request=trip, confirmed_by=user),
        lambda: services.transport_request_arrange(transport_request=trip, arranged_by=user, arrangement="大巴"),
        lambda: services.transport_request_decline(transport_request=trip, declined_by=user, reason="无车"),
    ):
        with pytest.raises(PermissionDenied):
            move()
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_available_actions_follow_the_table_and_the_actor(
    enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b, commander
):
    trip = request_trip(enterprise_user_a)
    assert services.available_actions(trip, district_staff_a) == ["confirm", "arrange", "decline"]
    assert services.available_actions(trip, enterprise_user_a) == ["cancel"]
    for outsider in (enterprise_user_b, district_staff_b, commander):
        assert services.available_actions(trip, outsider) == []
    trip = arranged_trip(enterprise_user_a, district_staff_a)
    assert services.available_actions(trip, district_staff_a) == ["decline", "arrive"]
    assert services.available_actions(trip, enterprise_user_a) == []


# --- Arrival ----------------------------------------------------------------------------------------------


def test_arrival_sets_the_arrival_date_of_the_trip_s_workers_only(
    enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    enterprise = enterprise_user_a.enterprise
    aboard = travellers(enterprise, 3)
    other_trip = travellers(enterprise, 2)
    request_trip(enterprise_user_a, workers=other_trip)
    not_aboard = travellers(enterprise, 1)
    trip = arranged_trip(enterprise_user_a, district_staff_a, workers=aboard, departure_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        arrival = services.transport_request_mark_arrived(
            transport_request=trip, marked_by=district_staff_a, arrived_on=TODAY
        )
    assert arrival.workers_updated == 3
    assert arrival.transport_request.status == S.ARRIVED and arrival.transport_request.arrived_on == TODAY
    assert {w.arrived_on for w in Worker.objects.filter(pk__in=[w.pk for w in aboard])} == {TODAY}
    assert {w.arrived_on for w in Worker.objects.filter(pk__in=[w.pk for w in other_trip + not_aboard])} == {None}
    event = trip.events.last()
    assert event.to_status == S.ARRIVED
    assert event.comment == str(services.EVENT_ARRIVED % {"date": "2020-03-09", "count": 3})
    assert Notification.objects.filter(
        user=enterprise_user_a, title=str(services.NOTICE_ARRIVED % {"trip": services.trip_label(trip)})
    ).exists()


def test_arrival_keeps_a_later_arrival_already_on_the_roster(enterprise_user_a, district_staff_a):
    enterprise = enterprise_user_a.enterprise
    trip = arranged_trip(enterprise_user_a, district_staff_a, workers=travellers(enterprise, 3), departure_on=TODAY)
    with time_machine.travel(dt.datetime(2020, 3, 12, 9, 0, tzinfo=SHANGHAI), tick=False):
        later, earlier, empty = trip.workers.order_by("pk")
        Worker.objects.filter(pk=later.pk).update(arrived_on=dt.date(2020, 3, 11))
        Worker.objects.filter(pk=earlier.pk).update(arrived_on=dt.date(2020, 2, 1))
        arrival = services.transport_request_mark_arrived(
            transport_request=trip, marked_by=district_staff_a, arrived_on=dt.date(2020, 3, 10)
        )
    assert arrival.workers_updated == 2
    dates = dict(Worker.objects.filter(pk__in=[later.pk, earlier.pk, empty.pk]).values_list("pk", "arrived_on"))
    assert dates == {later.pk: dt.date(2020, 3, 11), earlier.pk: dt.date(2020, 3, 10), empty.pk: dt.date(2020, 3, 10)}


@pytest.mark.parametrize(
    ("arrived_on", "message"),
    [
        (TODAY + dt.timedelta(days=1), services.MSG_ARRIVAL_FUTURE),
        (TODAY - dt.timedelta(days=1), services.MSG_ARRIVAL_BEFORE_DEPARTURE % {"departure": "2020-03-09"}),
        (None, services.MSG_ARRIVAL_REQUIRED),
    ],
)
def test_a_bad_arrival_date_is_refused_and_changes_nothing(enterprise_user_a, district_staff_a, arrived_on, message):
    trip = arranged_trip(
        enterprise_user_a, district_staff_a, departure_on=TODAY, workers=travellers(enterprise_user_a.enterprise, 2)
    )
    with pytest.raises(ValidationError) as error:
        services.transport_request_mark_arrived(
            transport_request=trip, marked_by=district_staff_a, arrived_on=arrived_on
        )
    assert messages_of(error) == [str(message)]
    trip.refresh_from_db()
    assert trip.status == S.ARRANGED and trip.arrived_on is None
    assert not Worker.objects.filter(arrived_on__isnull=False).exists()


def test_arrival_of_a_trip_not_arranged_sets_no_worker_dates(enterprise_user_a, district_staff_a):
    trip = request_trip(enterprise_user_a, departure_on=TODAY, workers=travellers(enterprise_user_a.enterprise, 2))
    with pytest.raises(ValidationError):
        services.transport_request_mark_arrived(transport_request=trip, marked_by=district_staff_a, arrived_on=TODAY)
    assert not Worker.objects.filter(arrived_on__isnull=False).exists()


def test_staff_of_another_district_cannot_mark_arrival(enterprise_user_a, district_staff_a, district_staff_b):
    trip = arranged_trip(
        enterprise_user_a, district_staff_a, departure_on=TODAY, workers=travellers(enterprise_user_a.enterprise, 1)
    )
    with pytest.raises(PermissionDenied):
        services.transport_request_mark_arrived(transport_request=trip, marked_by=district_staff_b, arrived_on=TODAY)
    assert not Worker.objects.filter(arrived_on__isnull=False).exists()


# --- Cancelling -----------------------------------------------------------------------------------------


def test_the_enterprise_cancels_a_requested_trip_and_frees_its_workers(enterprise_user_a):
    workers = travellers(enterprise_user_a.enterprise, 2)
    trip = request_trip(enterprise_user_a, workers=workers)
    cancelled = services.transport_request_cancel(
        transport_request=trip, cancelled_by=enterprise_user_a, reason="员工自行返昆"
    )
    assert cancelled.status == S.CANCELLED
    assert cancelled.events.last().comment == "员工自行返昆"
    assert request_trip(enterprise_user_a, workers=workers).status == S.REQUESTED


def test_cancelling_a_confirmed_trip_tells_the_staff_member_who_confirmed_it(
    enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    colleague = UserFactory(district_staff=True, district=district_staff_a.district)
    trip = request_trip(enterprise_user_a)
    services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.transport_request_cancel(transport_request=trip, cancelled_by=enterprise_user_a, reason="改期")
    notice = Notification.objects.get(user=district_staff_a)
    assert notice.title == str(services.NOTICE_CANCELLED % {"trip": services.trip_label(trip)})
    assert not Notification.objects.filter(user=colleague).exists()


@pytest.mark.parametrize("who", ["enterprise_user_b", "district_staff_a"])
def test_only_the_enterprise_itself_may_cancel(request, enterprise_user_a, who):
    trip = request_trip(enterprise_user_a)
    with pytest.raises(PermissionDenied):
        services.transport_request_cancel(transport_request=trip, cancelled_by=request.getfixturevalue(who))
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_a_colleague_of_the_same_enterprise_may_cancel(enterprise_user_a):
    colleague = UserFactory(enterprise_user=True, enterprise=enterprise_user_a.enterprise)
    trip = request_trip(enterprise_user_a)
    assert services.transport_request_cancel(transport_request=trip, cancelled_by=colleague).status == S.CANCELLED


def test_an_enterprise_of_another_district_is_handled_by_its_own_staff(district_b, district_staff_b):
    user = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_b))
    trip = request_trip(user)
    assert services.transport_request_confirm(transport_request=trip, confirmed_by=district_staff_b).status == (
        S.CONFIRMED
    )
