"""Point-to-point transport pages: what the enterprise and the district staff see and do."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from passes.forms_transport import MSG_ORIGIN_UNKNOWN
from passes.models import TransportRequest, Worker
from passes.services import transport as services
from passes.views import transport as views
from portal.navigation import menu_links
from tests.factories import EnterpriseFactory, UserFactory
from tests.passes.factories import LOW_RISK_ORIGIN, MEDIUM_RISK_ORIGIN, WorkerFactory, division, published_risk_list

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2020, 3, 9)
S = TransportRequest.Status
LIST, NEW, QUEUE = reverse("passes:transport_list"), reverse("passes:transport_new"), reverse("passes:transport_queue")


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def origin(db):
    return division(LOW_RISK_ORIGIN, "四川省广安市广安区")


def trip_of(user, *, departure_on=TODAY, workers=(), headcount=10):
    return services.transport_request_create(
        enterprise=user.enterprise,
        requested_by=user,
        origin=division(LOW_RISK_ORIGIN),
        departure_on=departure_on,
        headcount=headcount,
        workers=workers,
        contact_name="王五",
        contact_mobile="13912345678",
    )


def detail(trip):
    return reverse("passes:transport_detail", args=[trip.pk])


def act(trip, action):
    return reverse("passes:transport_act", args=[trip.pk, action])


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_data(**overrides):
    data = {
        "origin": f"{LOW_RISK_ORIGIN} 四川省广安市广安区",
        "departure_on": "2020-03-10",
        "headcount": "20",
        "contact_name": "王五",
        "contact_mobile": "13912345678",
    }
    return {**data, **overrides}


# --- Enterprise -------------------------------------------------------------------------------------------


def test_an_enterprise_requests_a_trip_with_workers_from_its_roster(client, enterprise_user_a, origin):
    away = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise, arrived_on=None)
    WorkerFactory(enterprise=enterprise_user_a.enterprise, name="已返昆员工")  # arrived: not offered
    client.force_login(enterprise_user_a)
    page = client.get(NEW)
    assert set(page.context["form"].fields["workers"].queryset) == set(away)
    assert page.context["form"]["contact_mobile"].value() == enterprise_user_a.enterprise.contact_mobile
    response = client.post(NEW, form_data(workers=[w.pk for w in away]), follow=True)
    trip = TransportRequest.objects.get()
    assert response.redirect_chain == [(detail(trip), 302)]
    assert shown_messages(response) == [str(views.MSG_REQUESTED)]
    assert (trip.origin_id, trip.departure_on, trip.headcount) == (LOW_RISK_ORIGIN, dt.date(2020, 3, 10), 20)
    assert set(trip.workers.all()) == set(away)
    assert "四川省广安市广安区" in response.content.decode()


def test_the_origin_may_be_typed_as_its_full_name(client, enterprise_user_a, origin):
    client.force_login(enterprise_user_a)
    client.post(NEW, form_data(origin="四川省广安市广安区"))
    assert TransportRequest.objects.get().origin == origin


def test_an_unknown_origin_is_an_error_on_its_field(client, enterprise_user_a, origin):
    client.force_login(enterprise_user_a)
    response = client.post(NEW, form_data(origin="火星"))
    assert response.status_code == 200
    assert response.context["form"].errors["origin"] == [str(MSG_ORIGIN_UNKNOWN)]
    assert not TransportRequest.objects.exists()


def test_a_medium_risk_origin_is_refused_on_the_form_naming_the_list(client, enterprise_user_a, origin):
    published_risk_list()
    division(MEDIUM_RISK_ORIGIN, "浙江省温州市鹿城区")
    client.force_login(enterprise_user_a)
    response = client.post(NEW, form_data(origin=MEDIUM_RISK_ORIGIN))
    (error,) = response.context["form"].non_field_errors()
    assert "苏防控〔2020〕7号" in error and "浙江省温州市鹿城区" in error
    assert "苏防控〔2020〕7号" in response.content.decode()
    assert not TransportRequest.objects.exists()


def test_service_errors_land_on_the_right_field(client, enterprise_user_a, origin):
    workers = WorkerFactory.create_batch(3, enterprise=enterprise_user_a.enterprise, arrived_on=None)
    client.force_login(enterprise_user_a)
    response = client.post(NEW, form_data(headcount="2", workers=[w.pk for w in workers]))
    assert response.context["form"].errors["headcount"] == [
        str(services.MSG_HEADCOUNT_BELOW_WORKERS % {"headcount": 2, "workers": 3})
    ]
    response = client.post(NEW, form_data(departure_on="2020-03-08"))
    assert response.context["form"].errors["departure_on"] == [str(services.MSG_DEPARTURE_PAST)]
    assert not TransportRequest.objects.exists()


def test_workers_of_another_enterprise_cannot_be_posted(client, enterprise_user_a, enterprise_b, origin):
    theirs = WorkerFactory(enterprise=enterprise_b, arrived_on=None)
    client.force_login(enterprise_user_a)
    response = client.post(NEW, form_data(workers=[theirs.pk]))
    assert "workers" in response.context["form"].errors
    assert not TransportRequest.objects.exists()


def test_origin_suggestions_fill_the_datalist(client, enterprise_user_a, origin):
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:transport_origins"), {"origin": "广安区"}).content.decode()
    assert f'value="{LOW_RISK_ORIGIN} 四川省广安市广安区"' in html
    html = client.get(reverse("passes:transport_origins"), {"origin": "5116"}).content.decode()
    assert LOW_RISK_ORIGIN in html
    assert client.get(reverse("passes:transport_origins"), {"origin": "x"}).content.decode().strip() == ""


def test_the_enterprise_sees_its_own_trips_only(client, enterprise_user_a, enterprise_user_b, origin):
    mine, theirs = trip_of(enterprise_user_a), trip_of(enterprise_user_b)
    client.force_login(enterprise_user_a)
    page = client.get(LIST).context["page"]
    assert [t.pk for t in page] == [mine.pk]
    assert theirs.pk not in [t.pk for t in page]


def test_the_enterprise_cancels_from_the_detail_page(client, enterprise_user_a, origin):
    trip = trip_of(enterprise_user_a)
    client.force_login(enterprise_user_a)
    page = client.get(detail(trip))
    assert list(page.context["forms"]) == ["cancel"]
    response = client.post(act(trip, "cancel"), {"cancel-reason": "员工自行返昆"}, follow=True)
    trip.refresh_from_db()
    assert trip.status == S.CANCELLED and shown_messages(response) == [str(views.MSG_CANCELLED)]
    assert "员工自行返昆" in response.content.decode()  # in the timeline


def test_the_enterprise_cannot_take_staff_actions(client, enterprise_user_a, origin):
    trip = trip_of(enterprise_user_a)
    client.force_login(enterprise_user_a)
    assert client.post(act(trip, "confirm")).status_code == 403
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_an_unknown_action_is_404(client, district_staff_a, enterprise_user_a, origin):
    trip = trip_of(enterprise_user_a)
    client.force_login(district_staff_a)
    assert client.post(act(trip, "teleport")).status_code == 404
    assert client.get(act(trip, "confirm")).status_code == 405


# --- District staff ---------------------------------------------------------------------------------------


def test_the_queue_shows_open_requests_of_the_district_oldest_first(
    client, district_staff_a, district_a, enterprise_user_a, enterprise_user_b, origin
):
    colleague = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    first = trip_of(enterprise_user_a)
    with time_machine.travel(dt.datetime(2020, 3, 9, 11, 0, tzinfo=SHANGHAI), tick=False):
        second = trip_of(colleague, departure_on=dt.date(2020, 3, 12))
        done = trip_of(enterprise_user_a)
        services.transport_request_decline(transport_request=done, declined_by=district_staff_a, reason="无车")
    trip_of(enterprise_user_b)  # another district
    client.force_login(district_staff_a)
    assert [t.pk for t in client.get(QUEUE).context["page"]] == [first.pk, second.pk]
    assert [t.pk for t in client.get(QUEUE, {"status": "declined"}).context["page"]] == [done.pk]
    assert [t.pk for t in client.get(QUEUE, {"status": "all"}).context["page"]] == [first.pk, second.pk, done.pk]
    dated = client.get(QUEUE, {"status": "open", "departure_from": "2020-03-10", "departure_to": "2020-03-12"})
    assert [t.pk for t in dated.context["page"]] == [second.pk]


def test_staff_confirm_arrange_and_mark_arrival_through_the_pages(client, district_staff_a, enterprise_user_a, origin):
    workers = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise, arrived_on=None)
    trip = trip_of(enterprise_user_a, workers=workers)
    client.force_login(district_staff_a)
    assert list(client.get(detail(trip)).context["forms"]) == ["confirm", "arrange", "decline"]
    client.post(act(trip, "confirm"), {"confirm-comment": "正在联系车辆"})
    response = client.post(
        act(trip, "arrange"), {"arrange-arrangement": "大巴 苏E·A1234, 3月9日8:00 广安站"}, follow=True
    )
    assert "大巴 苏E·A1234" in response.content.decode()
    response = client.post(act(trip, "arrive"), {"arrive-arrived_on": "2020-03-09"}, follow=True)
    assert shown_messages(response) == [str(views.MSG_ARRIVED % {"count": 2})]
    trip.refresh_from_db()
    assert trip.status == S.ARRIVED
    assert set(Worker.objects.filter(pk__in=[w.pk for w in workers]).values_list("arrived_on", flat=True)) == {TODAY}
    assert [e.to_status for e in response.context["events"]] == [S.REQUESTED, S.CONFIRMED, S.ARRANGED, S.ARRIVED]


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("arrange", {"arrange-arrangement": ""}, services.MSG_ARRANGEMENT_REQUIRED),
        ("decline", {"decline-reason": ""}, services.MSG_REASON_REQUIRED),
    ],
)
def test_missing_text_is_refused_with_the_service_message(
    client, district_staff_a, enterprise_user_a, origin, action, data, message
):
    trip = trip_of(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(act(trip, action), data, follow=True)
    assert shown_messages(response) == [str(message)]
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_an_illegal_move_shows_the_message_and_changes_nothing(client, district_staff_a, enterprise_user_a, origin):
    trip = trip_of(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(act(trip, "arrive"), {"arrive-arrived_on": "2020-03-09"}, follow=True)
    assert shown_messages(response) == [
        str(services.MSG_ILLEGAL % {"status": S.REQUESTED.label, "action": services.ACTION_LABELS["arrive"]})
    ]
    trip.refresh_from_db()
    assert trip.status == S.REQUESTED


def test_a_future_arrival_date_is_refused(client, district_staff_a, enterprise_user_a, origin):
    trip = services.transport_request_arrange(
        transport_request=trip_of(enterprise_user_a), arranged_by=district_staff_a, arrangement="大巴"
    )
    client.force_login(district_staff_a)
    response = client.post(act(trip, "arrive"), {"arrive-arrived_on": "2020-03-10"}, follow=True)
    assert shown_messages(response) == [str(services.MSG_ARRIVAL_FUTURE)]


def test_commanders_read_every_trip_but_take_no_action(client, commander, enterprise_user_a, enterprise_user_b, origin):
    trips = [trip_of(enterprise_user_a), trip_of(enterprise_user_b)]
    client.force_login(commander)
    assert len(client.get(QUEUE).context["page"]) == 2
    page = client.get(detail(trips[0]))
    assert page.status_code == 200 and page.context["forms"] == {}
    assert client.post(act(trips[0], "confirm")).status_code == 403


def test_checkpoint_staff_have_no_transport_pages(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    assert client.get(QUEUE).status_code == 403
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_the_menu_offers_transport_to_enterprises_and_district_staff(
    enterprise_user_a, district_staff_a, checkpoint_staff
):
    def urls(user):
        return {item["url"] for item in menu_links(user) if item["label"] == "点对点包车"}

    assert urls(enterprise_user_a) == {LIST}
    assert urls(district_staff_a) == {QUEUE}
    assert urls(checkpoint_staff) == set()


# --- Query counts ---------------------------------------------------------------------------------------------


def _trips(user, count):
    workers = WorkerFactory.create_batch(count, enterprise=user.enterprise, arrived_on=None)
    for worker in workers:
        trip_of(user, workers=[worker])


@pytest.mark.parametrize(("who", "url"), [("enterprise_user_a", LIST), ("district_staff_a", QUEUE)])
def test_lists_do_not_grow_with_the_data(
    client, request, enterprise_user_a, origin, who, url, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    _trips(enterprise_user_a, 5)
    # session, user, unread notices, count, page (+ savepoints on PostgreSQL)
    with django_assert_max_num_queries(8):
        assert len(client.get(url).context["page"]) == 5
    _trips(enterprise_user_a, 45)
    with django_assert_max_num_queries(8):
        assert len(client.get(url).context["page"]) == 50


def test_the_detail_page_does_not_grow_with_the_workers(
    client, district_staff_a, enterprise_user_a, origin, django_assert_max_num_queries
):
    workers = WorkerFactory.create_batch(40, enterprise=enterprise_user_a.enterprise, arrived_on=None)
    trip = trip_of(enterprise_user_a, workers=workers, headcount=40)
    client.force_login(district_staff_a)
    with django_assert_max_num_queries(9):
        assert len(client.get(detail(trip)).context["workers"]) == 40
