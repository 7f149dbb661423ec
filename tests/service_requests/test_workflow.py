"""The request workflow: routing by tier, deadlines in working days, the stopped clock, hand-over, the
enterprise's confirmation, and who may do what."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from service_requests import services
from service_requests.models import LinkedOfficial, ServiceRequest, ServiceRequestEvent
from tests.factories import UserFactory
from tests.service_requests.helpers import answered, pdf, raised

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
S = ServiceRequest.Status


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_a_request_goes_to_the_responsible_official_at_tier_one_and_tells_them(enterprise_user_a, official_a):
    request = raised(enterprise_user_a)
    assert (request.tier, request.owner_user, request.status) == (1, official_a, S.SUBMITTED)
    assert request.district_id == enterprise_user_a.enterprise.district_id
    event = request.events.get()
    assert (event.action, event.to_user, event.to_tier) == ("raise", official_a, 1)
    assert Notification.objects.filter(user=official_a, url=f"/requests/{request.pk}/").exists()


def test_without_a_tier_one_official_it_goes_to_the_district_task_force(enterprise_user_a, linkage_a):
    request = raised(enterprise_user_a)
    assert (request.tier, request.owner_user) == (2, linkage_a.task_force_head)


def test_overreach_goes_straight_to_the_industry_authority_at_tier_three(enterprise_user_a, official_a):
    request = raised(enterprise_user_a, category="overreach", title="村里要求再隔离", text="超出全市规定。")
    assert (request.tier, request.owner_user, request.owner_authority.code) == (3, None, "gxj")
    assert request.department.code == "gxj"


def test_an_enterprise_own_official_at_a_tier_replaces_the_default(enterprise_user_a, official_a):
    own = UserFactory(authority_staff=True)
    LinkedOfficial.objects.create(enterprise=enterprise_user_a.enterprise, level=3, user=own)
    request = raised(enterprise_user_a, category="overreach")
    assert (request.tier, request.owner_user) == (3, own)


@time_machine.travel(at(2020, 4, 30, 10, 0), tick=False)
def test_the_deadline_counts_working_days_on_the_official_calendar(enterprise_user_a, official_a, settings):
    # 1 to 5 May 2020 is the Labour Day holiday: three working days after Thursday 30 April is Friday 8 May.
    assert services.working_days_for("labour", "normal") == 3
    assert raised(enterprise_user_a).due_at == at(2020, 5, 8, 10, 0)
    # Urgent: one working day, Wednesday 6 May.
    assert raised(enterprise_user_a, urgency="urgent").due_at == at(2020, 5, 6, 10, 0)
    # Five: 6, 7, 8, Saturday 9 May (a make-up working day) and Monday 11 May.
    settings.SERVICE_REQUEST_WORKING_DAYS = {**settings.SERVICE_REQUEST_WORKING_DAYS, "labour": (5, 2)}
    assert raised(enterprise_user_a).due_at == at(2020, 5, 11, 10, 0)


def test_an_answer_does_not_close_the_request_the_enterprise_confirms_and_rates(enterprise_user_a, official_a):
    request = answered(enterprise_user_a, official_a)
    assert request.status == S.ANSWERED and request.closed_at is None
    assert request.answered_on_time is True and request.confirm_due_at is not None
    assert Notification.objects.filter(user=enterprise_user_a, title__contains="已答复").exists()
    closed = services.service_request_confirm(request=request, confirmed_by=enterprise_user_a, rating="basic")
    assert (closed.status, closed.rating, closed.deemed_satisfied) == (S.CLOSED, "basic", False)
    assert [e.action for e in closed.events.all()] == ["raise", "answer", "confirm"]


def test_the_enterprise_reopens_with_a_reason_and_the_same_owner_handles_it_again(enterprise_user_a, official_a):
    request = answered(enterprise_user_a, official_a)
    with pytest.raises(ValidationError) as error:
        services.service_request_reopen(request=request, reopened_by=enterprise_user_a, reason=" ")
    assert error.value.messages == [str(services.MSG_REASON_REQUIRED)]
    reopened = services.service_request_reopen(request=request, reopened_by=enterprise_user_a, reason="没有解决")
    assert (reopened.status, reopened.owner_user, reopened.reopen_count) == (S.REOPENED, official_a, 1)
    assert reopened.due_at is not None and reopened.confirm_due_at is None
    again = services.service_request_answer(request=reopened, answered_by=official_a, answer="已再次协调。")
    assert again.status == S.ANSWERED and again.first_answered_at == request.first_answered_at


def test_asking_for_information_stops_the_clock_and_the_reply_resumes_it_with_the_time_left(
    enterprise_user_a, official_a
):
    with time_machine.travel(at(2020, 3, 9, 9, 0), tick=False):  # Monday
        request = raised(enterprise_user_a)  # due Thursday 12 March 09:00
        assert request.due_at == at(2020, 3, 12, 9, 0)
    with time_machine.travel(at(2020, 3, 10, 9, 0), tick=False):  # a day used, two left
        paused = services.service_request_ask_for_information(
            request=request, asked_by=official_a, question="请补充用工缺口明细。"
        )
        assert (paused.status, paused.due_at, paused.paused_remaining) == (S.INFO_REQUESTED, None, dt.timedelta(days=2))
    with time_machine.travel(at(2020, 3, 13, 15, 0), tick=False):  # Friday: the weekend does not count
        resumed = services.service_request_supply_information(
            request=paused, supplied_by=enterprise_user_a, reply="明细见附件。", attachments=[pdf()]
        )
    assert (resumed.status, resumed.due_at, resumed.paused_remaining) == (S.ACCEPTED, at(2020, 3, 17, 15, 0), None)
    assert resumed.attachments.count() == 1


def test_a_paused_request_is_not_escalated(enterprise_user_a, official_a, linkage_a):
    request = raised(enterprise_user_a)
    services.service_request_ask_for_information(request=request, asked_by=official_a, question="补充")
    assert services.service_requests_escalate_overdue(now=request.due_at + dt.timedelta(days=30)) == 0


def test_hand_over_keeps_one_owner_and_is_an_event(enterprise_user_a, official_a, gxj_staff):
    from reference.models import IndustryAuthority

    request = raised(enterprise_user_a)
    gxj = IndustryAuthority.objects.get(code="gxj")
    handed = services.service_request_hand_over(
        request=request, handed_over_by=official_a, to_authority=gxj, comment="涉及供应链, 请工信局办理。"
    )
    assert (handed.owner_user, handed.owner_authority, handed.department, handed.status) == (
        None,
        gxj,
        gxj,
        S.SUBMITTED,
    )
    assert handed.due_at == request.due_at and handed.tier == 1
    event = handed.events.get(action="hand_over")
    assert (event.actor, event.to_authority) == (official_a, gxj)
    with pytest.raises(PermissionDenied):  # no longer theirs
        services.service_request_answer(request=handed, answered_by=official_a, answer="已办")
    # Any staff member of the department may act on it now.
    assert services.service_request_accept(request=handed, accepted_by=gxj_staff).status == S.ACCEPTED


def test_only_the_current_owner_may_handle_and_commanders_only_read(
    enterprise_user_a, official_a, commander, district_staff_a, enterprise_user_b
):
    request = raised(enterprise_user_a)
    for outsider in (district_staff_a, commander, enterprise_user_a):
        with pytest.raises(PermissionDenied) as error:
            services.service_request_answer(request=request, answered_by=outsider, answer="答复")
        assert str(error.value) == str(services.MSG_NOT_HANDLER)
    answered_request = services.service_request_answer(request=request, answered_by=official_a, answer="答复")
    with pytest.raises(PermissionDenied) as error:
        services.service_request_confirm(request=answered_request, confirmed_by=enterprise_user_b, rating="satisfied")
    assert str(error.value) == str(services.MSG_NOT_YOURS)


def test_answering_twice_says_the_request_was_handled(enterprise_user_a, official_a):
    request = answered(enterprise_user_a, official_a)
    with pytest.raises(ValidationError) as error:
        services.service_request_answer(request=request, answered_by=official_a, answer="再答复")
    assert error.value.code == "handled"
    assert error.value.messages == [str(services.MSG_ALREADY_HANDLED % {"status": S.ANSWERED.label})]


def test_staff_raise_on_behalf_of_enterprises_in_their_scope_only(
    enterprise_a, enterprise_b, district_staff_a, official_a, commander
):
    request = services.service_request_raise(
        enterprise=enterprise_a,
        raised_by=district_staff_a,
        category="finance",
        title="电话反映",
        text="企业电话反映资金困难。",
        channel="phone",
    )
    assert (request.channel, request.raised_by) == ("phone", district_staff_a)
    for user, enterprise in ((district_staff_a, enterprise_b), (commander, enterprise_a)):
        with pytest.raises(PermissionDenied) as error:
            services.service_request_raise(
                enterprise=enterprise, raised_by=user, category="finance", title="x", text="y"
            )
        assert str(error.value) == str(services.MSG_CANNOT_RAISE)


def test_a_bad_attachment_refuses_the_whole_request(enterprise_user_a, official_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import MSG_EMPTY

    with pytest.raises(ValidationError) as error:
        raised(enterprise_user_a, attachments=[pdf(), SimpleUploadedFile("空.pdf", b"")])
    assert error.value.messages == [str(MSG_EMPTY)]
    assert not ServiceRequest.objects.exists()


def test_a_capacity_report_blocker_prefills_the_request(enterprise_user_a):
    from django.utils import timezone

    from workforce.models import CapacityReport

    report = CapacityReport.objects.create(
        enterprise=enterprise_user_a.enterprise,
        day=timezone.localdate(),
        capacity_percent=60,
        staff_on_site=50,
        electricity_kwh=100,
        orders_on_hand=10,
        blockers="外地配件供应商尚未复工。",
        submitted_by=enterprise_user_a,
        submitted_at=timezone.now(),
    )
    prefill = services.capacity_blocker_prefill(report)
    assert prefill["text"] == "外地配件供应商尚未复工。"
    request = raised(enterprise_user_a, capacity_report=report, **prefill)
    assert (request.channel, request.source_capacity_report) == ("capacity", report)
    report.blockers = ""
    with pytest.raises(ValidationError) as error:
        services.capacity_blocker_prefill(report)
    assert error.value.messages == [str(services.MSG_NO_CAPACITY_BLOCKER)]


def test_events_are_written_for_every_step(enterprise_user_a, official_a):
    request = raised(enterprise_user_a)
    services.service_request_accept(request=request, accepted_by=official_a)
    services.service_request_answer(request=request, answered_by=official_a, answer="已办")
    steps = list(ServiceRequestEvent.objects.filter(request=request).values_list("action", "from_status", "to_status"))
    assert steps == [
        ("raise", "", "submitted"),
        ("accept", "submitted", "accepted"),
        ("answer", "accepted", "answered"),
    ]
