"""The application workflow: routing, the transition table, events, payouts and 提前兑付."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from policies import services
from policies.models import AmountRule, Payout, PolicyApplication, PolicyApplicationEvent
from reference.models import District, IndustryAuthority
from tests.factories import EnterpriseFactory, UserFactory
from tests.policies.helpers import ACCOUNT, application_data, approved, make_policy, pdf_upload, submitted

pytestmark = pytest.mark.django_db
S = PolicyApplication.Status


@pytest.fixture
def gxj_staff(db):
    return UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj"))


def test_an_application_is_routed_to_the_authority_guiding_the_industry_and_the_district(enterprise_user_a):
    policy = make_policy(authorities=("swj", "gxj"), by_district=True)  # car parts (3670) are 工信局's
    application = submitted(enterprise_user_a, policy)
    assert application.status == S.SUBMITTED
    assert application.reviewing_authority.code == "gxj"
    assert application.routed_to_district and application.district == enterprise_user_a.enterprise.district
    assert application.materials.count() == 1
    event = application.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.SUBMITTED, enterprise_user_a)


def test_an_authority_not_guiding_the_industry_gets_it_when_it_is_the_policys_only_one(enterprise_user_a):
    application = submitted(enterprise_user_a, make_policy(authorities=("jrjgj",), by_district=False))
    assert application.reviewing_authority.code == "jrjgj" and not application.routed_to_district


def test_the_review_deadline_counts_official_working_days(enterprise_user_a, settings):
    settings.POLICY_REVIEW_WORKING_DAYS = 5
    # Thursday 30 April 2020: 1-5 May is the Labour Day holiday, Saturday 9 May a make-up working day.
    with time_machine.travel(dt.datetime(2020, 4, 30, 10, 0, tzinfo=dt.UTC)):
        application = submitted(enterprise_user_a)
    assert timezone.localdate(application.review_deadline) == dt.date(2020, 5, 11)


@pytest.mark.parametrize(
    ("rule", "value", "cap", "data", "expected"),
    [
        (AmountRule.FIXED, "20000", None, {}, Decimal("20000.00")),
        (AmountRule.PER_EMPLOYEE, "1000", "200000", {"stated_headcount": 150}, Decimal("150000.00")),
        (AmountRule.PER_EMPLOYEE, "1000", "200000", {"stated_headcount": 320}, Decimal("200000.00")),
        (AmountRule.PERCENTAGE, "5", None, {"stated_figure": Decimal("123456.78")}, Decimal("6172.84")),
    ],
)
def test_the_amount_rule_gives_the_requested_amount(enterprise_user_a, rule, value, cap, data, expected):
    policy = make_policy(amount_rule=rule, amount_value=value, amount_cap=cap)
    assert submitted(enterprise_user_a, policy, **data).requested_amount == expected


def test_a_percentage_policy_needs_the_figure_and_a_money_policy_the_bank_account(enterprise_user_a):
    policy = make_policy(amount_rule=AmountRule.PERCENTAGE, amount_value="5")
    with pytest.raises(ValidationError) as error:
        submitted(enterprise_user_a, policy, stated_figure=None, account_number="12ab")
    assert str(services.MSG_FIGURE_REQUIRED % {"label": "电费(元)"}) in error.value.messages
    assert str(services.MSG_ACCOUNT_NUMBER) in error.value.messages
    assert not PolicyApplication.objects.exists()


def test_the_account_number_is_stored_without_spaces_and_masked_in_lists(enterprise_user_a):
    application = submitted(enterprise_user_a, account_number="6216 6101 0000 1234 567")
    assert application.account_number == ACCOUNT
    assert application.account_masked == "**** 4567"


def test_an_ineligible_enterprise_cannot_apply_and_is_told_why(enterprise_user_a):
    policy = make_policy(above_scale_only=True, districts=[District.objects.get(code="kfq")])
    with pytest.raises(ValidationError) as error:
        submitted(enterprise_user_a, policy)
    assert "仅限规上企业" in error.value.messages[0] and "所在区镇不在适用范围内" in error.value.messages[0]


def test_a_policy_with_materials_needs_at_least_one_file(enterprise_user_a):
    with pytest.raises(ValidationError) as error:
        services.policy_application_submit(
            policy=make_policy(),
            enterprise=enterprise_user_a.enterprise,
            submitted_by=enterprise_user_a,
            data=application_data(),
        )
    assert error.value.messages == [str(services.MSG_MATERIALS_REQUIRED)]


def test_a_second_submit_while_open_returns_the_same_application(enterprise_user_a):
    policy = make_policy()
    first = submitted(enterprise_user_a, policy)
    again = submitted(enterprise_user_a, policy)
    assert again.pk == first.pk
    assert PolicyApplication.objects.count() == 1 and first.materials.count() == 1


def test_another_enterprise_user_cannot_apply_for_this_enterprise(enterprise_user_a, enterprise_user_b):
    with pytest.raises(PermissionDenied):
        services.policy_application_submit(
            policy=make_policy(),
            enterprise=enterprise_user_a.enterprise,
            submitted_by=enterprise_user_b,
            data=application_data(),
            files=[pdf_upload()],
        )


def test_the_authority_approves_with_an_amount_and_the_enterprise_is_told(enterprise_user_a, gxj_staff):
    application = approved(enterprise_user_a, gxj_staff, amount=Decimal("80000"))
    assert application.status == S.APPROVED and application.approved_amount == Decimal("80000")
    assert application.decided_by == gxj_staff
    assert application.events.last().to_status == S.APPROVED
    notice = Notification.objects.filter(user=enterprise_user_a).first()
    assert notice.title == str(services.NOTICE_APPROVED % {"policy": "稳产奖励", "amount": Decimal("80000")})


def test_the_district_reviews_when_the_policy_routes_to_districts(enterprise_user_a, district_staff_a):
    application = approved(enterprise_user_a, district_staff_a)
    assert application.status == S.APPROVED


def test_a_district_that_is_not_routed_to_cannot_decide(enterprise_user_a, district_staff_a):
    application = submitted(enterprise_user_a, make_policy(by_district=False))
    with pytest.raises(PermissionDenied):
        services.policy_application_approve(application=application, approved_by=district_staff_a, amount=Decimal(1))


@pytest.mark.parametrize("who", ["district_staff_b", "commander", "enterprise_user_a", "health_staff"])
def test_only_the_reviewing_departments_decide(enterprise_user_a, who, request):
    application = submitted(enterprise_user_a)
    user = (
        UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))
        if who == "health_staff"
        else request.getfixturevalue(who)
    )
    with pytest.raises(PermissionDenied):
        services.policy_application_reject(application=application, rejected_by=user, reason="不符合")
    assert PolicyApplication.objects.get().status == S.SUBMITTED


def test_approval_needs_an_amount_within_the_cap(enterprise_user_a, gxj_staff):
    application = submitted(enterprise_user_a, make_policy(amount_cap="50000"))
    with pytest.raises(ValidationError) as error:
        services.policy_application_approve(application=application, approved_by=gxj_staff, amount=None)
    assert error.value.messages == [str(services.MSG_AMOUNT_REQUIRED)]
    with pytest.raises(ValidationError) as error:
        services.policy_application_approve(application=application, approved_by=gxj_staff, amount=Decimal("50000.01"))
    assert error.value.messages == [str(services.MSG_AMOUNT_OVER_CAP % {"cap": Decimal("50000.00")})]


def test_return_and_reject_need_a_reason(enterprise_user_a, gxj_staff):
    application = submitted(enterprise_user_a)
    for call in (services.policy_application_return, services.policy_application_reject):
        kwargs = {"returned_by" if call is services.policy_application_return else "rejected_by": gxj_staff}
        with pytest.raises(ValidationError) as error:
            call(application=application, reason=" ", **kwargs)
        assert error.value.messages == [str(services.MSG_REASON_REQUIRED)]


def test_a_returned_application_is_corrected_and_resubmitted(enterprise_user_a, gxj_staff):
    application = services.policy_application_return(
        application=submitted(enterprise_user_a), returned_by=gxj_staff, reason="请补充产值报表"
    )
    assert application.status == S.RETURNED
    application = services.policy_application_resubmit(
        application=application,
        resubmitted_by=enterprise_user_a,
        data=application_data(statement="已补充"),
        files=[pdf_upload("产值报表.pdf")],
    )
    assert application.status == S.SUBMITTED and application.statement == "已补充"
    assert application.materials.count() == 2
    assert [e.to_status for e in application.events.all()] == [S.SUBMITTED, S.RETURNED, S.SUBMITTED]


def test_a_decided_application_cannot_be_decided_again(enterprise_user_a, gxj_staff, district_staff_a):
    application = approved(enterprise_user_a, gxj_staff)
    with pytest.raises(ValidationError) as error:
        services.policy_application_reject(application=application, rejected_by=district_staff_a, reason="晚了")
    assert error.value.code == "decided"
    assert error.value.messages == [str(services.MSG_ALREADY_DECIDED % {"status": "已批准"})]


def test_a_payout_before_the_scheduled_date_is_early(enterprise_user_a, gxj_staff):
    with time_machine.travel(dt.datetime(2020, 3, 2, 2, 0, tzinfo=dt.UTC)):
        application = approved(enterprise_user_a, gxj_staff, make_policy(scheduled=dt.date(2020, 6, 30)))
    with time_machine.travel(dt.datetime(2020, 3, 20, 2, 0, tzinfo=dt.UTC)):
        payout = services.payout_record(
            application=application,
            recorded_by=gxj_staff,
            paid_on=dt.date(2020, 3, 18),
            amount=Decimal("80000"),
            voucher_number="KS-2020-001",
        )
    assert payout.is_early and payout.scheduled_on == dt.date(2020, 6, 30) and payout.days_to_payout == 16
    application.refresh_from_db()
    assert application.status == S.PAID
    assert application.events.last().to_status == S.PAID


def test_a_payout_on_or_after_the_scheduled_date_is_not_early(enterprise_user_a, gxj_staff):
    with time_machine.travel(dt.datetime(2020, 6, 1, 2, 0, tzinfo=dt.UTC)):
        application = approved(enterprise_user_a, gxj_staff, make_policy(scheduled=dt.date(2020, 6, 30)))
    with time_machine.travel(dt.datetime(2020, 7, 1, 2, 0, tzinfo=dt.UTC)):
        payout = services.payout_record(
            application=application,
            recorded_by=gxj_staff,
            paid_on=dt.date(2020, 6, 30),
            amount=Decimal("80000"),
            voucher_number="KS-2020-002",
        )
    assert not payout.is_early


def test_a_payout_cannot_exceed_the_approved_amount_nor_come_twice(enterprise_user_a, gxj_staff):
    application = approved(enterprise_user_a, gxj_staff, amount=Decimal("80000"))
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.payout_record(
            application=application, recorded_by=gxj_staff, paid_on=today, amount=Decimal("80000.01"), voucher_number=""
        )
    assert set(error.value.messages) == {
        str(services.MSG_PAYOUT_AMOUNT % {"amount": Decimal("80000.00")}),
        str(services.MSG_VOUCHER_REQUIRED),
    }
    services.payout_record(
        application=application, recorded_by=gxj_staff, paid_on=today, amount=Decimal("80000"), voucher_number="KS-1"
    )
    with pytest.raises(ValidationError) as error:
        services.payout_record(
            application=application,
            recorded_by=gxj_staff,
            paid_on=today,
            amount=Decimal("80000"),
            voucher_number="KS-2",
        )
    assert error.value.code == "decided"
    assert Payout.objects.count() == 1


def test_a_payout_date_before_the_application_or_in_the_future_is_refused(enterprise_user_a, gxj_staff):
    application = approved(enterprise_user_a, gxj_staff)
    today = timezone.localdate()
    for day in (today - dt.timedelta(days=1), today + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            services.payout_record(
                application=application, recorded_by=gxj_staff, paid_on=day, amount=Decimal(1), voucher_number="KS-1"
            )
        assert error.value.messages == [str(services.MSG_PAYOUT_DATE)]


def test_a_service_measure_pays_no_money_and_needs_no_bank_account(enterprise_user_a, gxj_staff):
    policy = make_policy(amount_rule=AmountRule.NONE, amount_value="0")
    application = submitted(enterprise_user_a, policy, bank_name="", account_name="", account_number="")
    application = services.policy_application_approve(application=application, approved_by=gxj_staff, amount=None)
    assert application.approved_amount == 0
    with pytest.raises(ValidationError) as error:
        services.payout_record(
            application=application,
            recorded_by=gxj_staff,
            paid_on=timezone.localdate(),
            amount=Decimal(1),
            voucher_number="X",
        )
    assert error.value.messages == [str(services.MSG_NOT_MONEY)]


def test_after_payout_the_enterprise_may_apply_again(enterprise_user_a, gxj_staff):
    policy = make_policy()
    application = approved(enterprise_user_a, gxj_staff, policy)
    services.payout_record(
        application=application,
        recorded_by=gxj_staff,
        paid_on=timezone.localdate(),
        amount=Decimal(1),
        voucher_number="KS-1",
    )
    assert submitted(enterprise_user_a, policy).pk != application.pk


def test_events_are_one_per_transition(enterprise_user_a, gxj_staff):
    application = approved(enterprise_user_a, gxj_staff)
    assert PolicyApplicationEvent.objects.filter(application=application).count() == 2


def test_reviewers_are_told_of_a_new_application(enterprise_user_a, gxj_staff, district_staff_a):
    other_district = UserFactory(district_staff=True, district=District.objects.get(code="kfq"))
    submitted(enterprise_user_a)
    assert Notification.objects.filter(user=gxj_staff).count() == 1
    assert Notification.objects.filter(user=district_staff_a).count() == 1
    assert not Notification.objects.filter(user=other_district).exists()


def test_a_pending_enterprise_cannot_apply(district_a):
    from enterprises.models import Enterprise

    user = UserFactory(
        enterprise_user=True, enterprise=EnterpriseFactory(district=district_a, status=Enterprise.Status.PENDING)
    )
    with pytest.raises(ValidationError) as error:
        submitted(user)
    assert error.value.messages == [str(services.MSG_NOT_ACTIVE)]


@pytest.mark.parametrize(
    ("fields", "reasons"),
    [
        ({"min_headcount": 100, "max_headcount": 300}, []),
        ({"min_headcount": 101}, ["职工人数少于 101 人"]),
        ({"max_headcount": 99}, ["职工人数多于 99 人"]),
        ({"industries": ("36",)}, []),  # the division of car parts (3670)
        ({"industries": ("3620",)}, ["所属行业不在适用范围内"]),
    ],
)
def test_eligibility_by_size_and_industry(enterprise_a, fields, reasons):
    from policies.selectors import policy_is_eligible

    assert enterprise_a.headcount == 100 and enterprise_a.industry_id == "3670"
    assert [str(r) for r in policy_is_eligible(make_policy(**fields), enterprise_a)] == reasons
