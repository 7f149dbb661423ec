"""Escalation past the deadline, deemed satisfaction, and the weekly look-back draw."""

import datetime as dt

import pytest

from accounts.models import Notification
from service_requests import lookback, services
from service_requests.models import LookBack, LookBackDraw, ServiceRequest, ServiceRequestEvent
from tests.service_requests.helpers import answered, closed, raised

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status


def test_a_request_past_its_deadline_moves_up_one_tier_and_everyone_on_the_way_is_told(
    enterprise_user_a, official_a, linkage_a
):
    request = raised(enterprise_user_a)
    later = request.due_at + dt.timedelta(minutes=1)
    assert services.service_requests_escalate_overdue(now=later) == 1
    request.refresh_from_db()
    assert (request.tier, request.owner_user, request.status) == (2, linkage_a.task_force_head, S.SUBMITTED)
    assert request.escalation_count == 1 and request.first_escalated_at == later and request.due_at > later
    event = request.events.get(action="escalate")
    assert (event.actor, event.from_tier, event.to_tier, event.to_user) == (None, 1, 2, linkage_a.task_force_head)
    told = set(Notification.objects.filter(title__contains="升级").values_list("user", flat=True))
    assert {official_a.pk, linkage_a.task_force_head.pk, enterprise_user_a.pk} <= told


def test_a_second_sweep_for_the_same_lapse_moves_nothing(enterprise_user_a, official_a, linkage_a):
    request = raised(enterprise_user_a)
    later = request.due_at + dt.timedelta(minutes=1)
    assert services.service_requests_escalate_overdue(now=later) == 1
    assert services.service_requests_escalate_overdue(now=later) == 0  # a duplicated beat
    request.refresh_from_db()
    assert request.tier == 2 and request.events.filter(action="escalate").count() == 1


def test_each_lapse_moves_one_tier_up_to_the_top_then_is_recorded_once(enterprise_user_a, official_a, linkage_a):
    request = raised(enterprise_user_a)
    for expected_tier in (2, 3, 4):
        request.refresh_from_db()
        services.service_requests_escalate_overdue(now=request.due_at + dt.timedelta(minutes=1))
        request.refresh_from_db()
        assert request.tier == expected_tier
    assert (request.owner_user, request.owner_authority) == (linkage_a.city_leader, None)
    top_lapse = request.due_at + dt.timedelta(minutes=1)
    assert services.service_requests_escalate_overdue(now=top_lapse) == 0
    assert services.service_requests_escalate_overdue(now=top_lapse + dt.timedelta(hours=1)) == 0
    assert request.events.filter(action="lapse_top").count() == 1
    assert Notification.objects.filter(user=linkage_a.city_leader, title__contains="最高层级").count() == 1
    # The city leader, a commander, may act on the request they own.
    assert (
        services.service_request_answer(
            request=request, answered_by=linkage_a.city_leader, answer="市里已协调。"
        ).status
        == S.ANSWERED
    )


def test_a_handler_escalates_by_hand_and_the_top_tier_refuses(enterprise_user_a, official_a, linkage_a):
    request = raised(enterprise_user_a, category="overreach")  # tier 3, 工信局
    from tests.factories import UserFactory

    staff = UserFactory(authority_staff=True)
    moved = services.service_request_escalate(request=request, escalated_by=staff, comment="需市领导协调")
    assert (moved.tier, moved.owner_user) == (4, linkage_a.city_leader)
    with pytest.raises(services.ValidationError) as error:
        services.service_request_escalate(request=moved, escalated_by=linkage_a.city_leader)
    assert error.value.messages == [str(services.MSG_TOP_TIER)]


def test_an_unconfirmed_answer_closes_as_deemed_satisfied_and_says_so(enterprise_user_a, official_a):
    request = answered(enterprise_user_a, official_a)
    assert services.service_requests_close_unconfirmed(now=request.confirm_due_at - dt.timedelta(minutes=1)) == 0
    assert services.service_requests_close_unconfirmed(now=request.confirm_due_at + dt.timedelta(minutes=1)) == 1
    assert services.service_requests_close_unconfirmed(now=request.confirm_due_at + dt.timedelta(days=1)) == 0
    request.refresh_from_db()
    assert (request.status, request.rating, request.deemed_satisfied) == (S.CLOSED, "satisfied", True)
    event = request.events.get(action="deem_satisfied")
    assert event.comment == str(services.DEEMED_COMMENT % {"days": 3})
    assert Notification.objects.filter(user=enterprise_user_a, title__contains="视为满意").exists()


def test_the_look_back_draws_every_unsatisfied_request_and_a_seeded_sample_of_the_rest(
    enterprise_user_a, official_a, district_staff_a
):
    unhappy = closed(enterprise_user_a, official_a, rating="unsatisfied")
    others = [closed(enterprise_user_a, official_a) for _ in range(6)]
    week = lookback.week_start(unhappy.closed_at.date())
    draw = lookback.look_back_draw(week=week, seed=42, share=0.5)
    assert (draw.closed_count, draw.unsatisfied_count, draw.sampled_count, draw.seed) == (7, 1, 3, 42)
    drawn = dict(LookBack.objects.values_list("request_id", "reason"))
    assert drawn[unhappy.pk] == "unsatisfied"
    sampled = sorted(pk for pk, reason in drawn.items() if reason == "sample")
    assert sampled == lookback.look_back_sample([r.pk for r in others], seed=42, share=0.5)  # reproducible
    assert lookback.look_back_draw(week=week, seed=7).pk == draw.pk  # a week is drawn once
    assert LookBackDraw.objects.count() == 1 and LookBack.objects.count() == 4
    assert Notification.objects.filter(user=district_staff_a, title__contains="回头看").exists()


def test_the_district_records_the_follow_up_call(enterprise_user_a, official_a, district_staff_a, district_staff_b):
    unhappy = closed(enterprise_user_a, official_a, rating="unsatisfied")
    lookback.look_back_draw(week=unhappy.closed_at.date(), seed=1)
    found = LookBack.objects.get()
    with pytest.raises(lookback.PermissionDenied):
        lookback.look_back_record(look_back=found, called_by=district_staff_b, outcome="resolved", note="好")
    with pytest.raises(lookback.ValidationError) as error:
        lookback.look_back_record(look_back=found, called_by=district_staff_a, outcome="resolved", note=" ")
    assert error.value.messages == [str(lookback.MSG_NOTE_REQUIRED)]
    done = lookback.look_back_record(
        look_back=found, called_by=district_staff_a, outcome="persists", note="企业反映问题仍未解决。"
    )
    assert (done.outcome, done.called_by) == ("persists", district_staff_a) and done.called_at is not None


def test_the_beat_tasks_call_the_services(enterprise_user_a, official_a, linkage_a, time_machine):
    from service_requests import tasks

    request = raised(enterprise_user_a)
    time_machine.move_to(request.due_at + dt.timedelta(minutes=1))
    assert tasks.escalate_overdue_requests.delay().get() == 1
    assert ServiceRequestEvent.objects.filter(action="escalate").count() == 1
