import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Notification
from filings import services
from filings.models import Filing, FilingEvent
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import complete_draft, material_upload, publish_negative_list, submitted

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Filing.Status


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


# --- Submission --------------------------------------------------------------------------------


def test_a_complete_filing_outside_the_negative_list_takes_effect_on_submission(enterprise_user_a):
    filing = submitted(enterprise_user_a)
    assert filing.status == S.SUBMITTED and filing.is_in_effect
    assert filing.reference == "KSFG-20200309-00001"
    assert filing.review_deadline == dt.datetime(2020, 3, 10, 10, 0, tzinfo=SHANGHAI)
    event = filing.events.get()
    assert (event.from_status, event.to_status, event.actor) == (S.DRAFT, S.SUBMITTED, enterprise_user_a)
    assert Notification.objects.filter(user=enterprise_user_a, title__contains=filing.reference).exists()


def test_reference_numbers_count_up_within_a_day(enterprise_user_a, district_a):
    other = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    first, second = submitted(enterprise_user_a), submitted(other)
    assert (first.reference, second.reference) == ("KSFG-20200309-00001", "KSFG-20200309-00002")


def test_friday_submission_is_due_on_monday(enterprise_user_a):
    with time_machine.travel(dt.datetime(2020, 3, 13, 17, 0, tzinfo=SHANGHAI), tick=False):
        filing = submitted(enterprise_user_a)
    assert filing.review_deadline == dt.datetime(2020, 3, 16, 17, 0, tzinfo=SHANGHAI)


def test_an_incomplete_filing_cannot_be_submitted(enterprise_user_a):
    filing = services.filing_start(enterprise=enterprise_user_a.enterprise, started_by=enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    assert str(services.MSG_NO_SCOPE) in error.value.messages
    assert str(services.MSG_COMMITMENT_REQUIRED) in error.value.messages
    filing.refresh_from_db()
    assert filing.status == S.DRAFT and filing.reference is None


def test_a_restricted_scope_cannot_be_submitted_and_the_entry_is_cited(enterprise_user_a):
    publish_negative_list(("367", ("business",)))  # the car-parts group, business only
    draft = complete_draft(enterprise_user_a, scope_business=True)
    with pytest.raises(services.FilingRestricted) as error:
        services.filing_submit(filing=draft, submitted_by=enterprise_user_a)
    assert "昆防指〔2020〕19号" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    # Without the restricted scope the same filing goes through.
    services.filing_update(filing=draft, data={"scope_business": False}, updated_by=enterprise_user_a)
    assert services.filing_submit(filing=draft, submitted_by=enterprise_user_a).status == S.SUBMITTED


def test_a_double_submit_creates_one_filing_and_one_event(enterprise_user_a):
    draft = complete_draft(enterprise_user_a)
    services.filing_submit(filing=draft, submitted_by=enterprise_user_a)
    again = services.filing_submit(filing=draft, submitted_by=enterprise_user_a)
    assert again.status == S.SUBMITTED
    assert Filing.objects.count() == 1 and FilingEvent.objects.count() == 1


def test_only_one_open_filing_per_enterprise(enterprise_user_a):
    draft = services.filing_start(enterprise=enterprise_user_a.enterprise, started_by=enterprise_user_a)
    assert services.filing_start(enterprise=enterprise_user_a.enterprise, started_by=enterprise_user_a) == draft
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.create(enterprise=enterprise_user_a.enterprise, created_by=enterprise_user_a)


def test_another_enterprise_cannot_touch_the_filing(enterprise_user_a, enterprise_user_b):
    draft = complete_draft(enterprise_user_a)
    with pytest.raises(PermissionDenied):
        services.filing_submit(filing=draft, submitted_by=enterprise_user_b)
    with pytest.raises(PermissionDenied):
        services.filing_update(filing=draft, data={"planned_headcount": 1}, updated_by=enterprise_user_b)


# --- Decisions ----------------------------------------------------------------------------------


def test_district_staff_approve_and_the_enterprise_is_told(
    enterprise_user_a, district_staff_a, django_capture_on_commit_callbacks
):
    enterprise_user_a.email = "boss@example.cn"
    enterprise_user_a.save()
    version = publish_negative_list(("8760",))
    filing = submitted(enterprise_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.filing_approve(filing=filing, approved_by=district_staff_a, comment="材料齐全")
    filing.refresh_from_db()
    assert (filing.status, filing.decided_by, filing.decided_under) == (S.APPROVED, district_staff_a, version)
    assert filing.events.last().to_status == S.APPROVED
    assert mail.outbox[-1].to == ["boss@example.cn"] and filing.reference in mail.outbox[-1].subject


def test_return_for_correction_with_reasons_per_material_then_resubmit(enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    services.filing_return(
        filing=filing, returned_by=district_staff_a, comment="", material_reasons={"commitment_letter": "未盖公章"}
    )
    filing.refresh_from_db()
    assert filing.status == S.RETURNED and filing.is_editable
    assert filing.materials.get(kind="commitment_letter").return_reason == "未盖公章"
    _upload_again(filing, "commitment_letter", enterprise_user_a)  # issue 12: no resubmission unchanged
    resubmitted = services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    assert resubmitted.status == S.SUBMITTED and resubmitted.reference == filing.reference
    assert not resubmitted.materials.exclude(return_reason="").exists()


def _upload_again(filing, kind, user):
    return services.filing_material_upload(filing=filing, kind=kind, upload=material_upload(kind), uploaded_by=user)


def _returned(enterprise_user, reviewer, comment="", **material_reasons) -> Filing:
    filing = submitted(enterprise_user)
    services.filing_return(filing=filing, returned_by=reviewer, comment=comment, material_reasons=material_reasons)
    filing.refresh_from_db()
    return filing


def test_a_returned_filing_cannot_be_resubmitted_until_each_returned_material_is_uploaded_again(
    enterprise_user_a, district_staff_a
):
    filing = _returned(enterprise_user_a, district_staff_a, commitment_letter="未盖公章", roster="缺少岗位")
    with pytest.raises(ValidationError) as error:
        services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    assert error.value.messages == [
        str(services.MSG_RETURNED_MATERIAL % {"kind": "复工复产承诺书(签字盖章)", "reason": "未盖公章"}),
        str(services.MSG_RETURNED_MATERIAL % {"kind": "员工花名册", "reason": "缺少岗位"}),
    ]
    replaced = _upload_again(filing, "commitment_letter", enterprise_user_a)
    # The reason stays beside the new file, marked answered, until the filing goes back.
    assert (replaced.return_reason, replaced.replaced_after_return) == ("未盖公章", True)
    assert services.filing_completeness_errors(filing) == [
        str(services.MSG_RETURNED_MATERIAL % {"kind": "员工花名册", "reason": "缺少岗位"})
    ]
    _upload_again(filing, "roster", enterprise_user_a)
    assert services.filing_submit(filing=filing, submitted_by=enterprise_user_a).status == S.SUBMITTED
    assert not filing.materials.filter(replaced_after_return=True).exists()


def test_a_general_comment_must_be_answered_before_resubmission(enterprise_user_a, district_staff_a):
    filing = _returned(enterprise_user_a, district_staff_a, comment="计划到岗人数与职工总数不符")
    assert filing.return_comment == "计划到岗人数与职工总数不符"
    for answer in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.filing_submit(filing=filing, submitted_by=enterprise_user_a, answer=answer)
        assert error.value.messages == [str(services.MSG_RETURN_ANSWER_REQUIRED)]
    filing.refresh_from_db()
    assert filing.status == S.RETURNED
    services.filing_submit(filing=filing, submitted_by=enterprise_user_a, answer="已改为 80 人, 其余员工暂不返岗")
    filing.refresh_from_db()
    assert (filing.status, filing.return_comment) == (S.SUBMITTED, "")
    event = filing.events.last()
    assert (event.from_status, event.to_status, event.comment) == (
        S.RETURNED,
        S.SUBMITTED,
        "已改为 80 人, 其余员工暂不返岗",
    )


def test_a_return_with_both_needs_the_material_and_the_answer(enterprise_user_a, district_staff_a):
    filing = _returned(enterprise_user_a, district_staff_a, comment="请补充", emergency_plan="缺少联系人")
    _upload_again(filing, "emergency_plan", enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    assert error.value.messages == [str(services.MSG_RETURN_ANSWER_REQUIRED)]
    assert services.filing_submit(filing=filing, submitted_by=enterprise_user_a, answer="已补充").status == S.SUBMITTED


def test_a_second_return_asks_again(enterprise_user_a, district_staff_a):
    filing = _returned(enterprise_user_a, district_staff_a, roster="缺少岗位")
    _upload_again(filing, "roster", enterprise_user_a)
    services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    services.filing_return(
        filing=filing, returned_by=district_staff_a, comment="", material_reasons={"roster": "仍缺少岗位"}
    )
    filing.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
    assert error.value.messages == [
        str(services.MSG_RETURNED_MATERIAL % {"kind": "员工花名册", "reason": "仍缺少岗位"})
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda f, u: services.filing_reject(filing=f, rejected_by=u, reason="  "),
        lambda f, u: services.filing_return(filing=f, returned_by=u, comment="", material_reasons={"roster": " "}),
    ],
)
def test_reject_and_return_need_a_reason(enterprise_user_a, district_staff_a, call):
    filing = submitted(enterprise_user_a)
    with pytest.raises(ValidationError):
        call(filing, district_staff_a)
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


ILLEGAL = [
    (S.DRAFT, "approve"),
    (S.DRAFT, "reject"),
    (S.DRAFT, "return"),
    (S.APPROVED, "approve"),
    (S.APPROVED, "reject"),
    (S.APPROVED, "return"),
    (S.APPROVED, "submit"),
    (S.REJECTED, "approve"),
    (S.REJECTED, "submit"),
    (S.RETURNED, "approve"),
    (S.RETURNED, "reject"),
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_refused_transition(enterprise_user_a, district_staff_a, status, action):
    filing = complete_draft(enterprise_user_a)
    if status != S.DRAFT:
        services.filing_submit(filing=filing, submitted_by=enterprise_user_a)
        {
            S.APPROVED: lambda: services.filing_approve(filing=filing, approved_by=district_staff_a),
            S.REJECTED: lambda: services.filing_reject(filing=filing, rejected_by=district_staff_a, reason="不符合"),
            S.RETURNED: lambda: services.filing_return(
                filing=filing, returned_by=district_staff_a, comment="补充", material_reasons={}
            ),
        }[status]()
    events = FilingEvent.objects.count()
    run = {
        "approve": lambda: services.filing_approve(filing=filing, approved_by=district_staff_a),
        "reject": lambda: services.filing_reject(filing=filing, rejected_by=district_staff_a, reason="x"),
        "return": lambda: services.filing_return(
            filing=filing, returned_by=district_staff_a, comment="x", material_reasons={}
        ),
        "submit": lambda: services.filing_submit(filing=filing, submitted_by=enterprise_user_a),
    }[action]
    with pytest.raises(ValidationError):
        run()
    filing.refresh_from_db()
    assert filing.status == status and FilingEvent.objects.count() == events


def test_the_allowed_transitions_are_exactly_the_table():
    assert {a: (set(src), dst) for a, (src, dst) in services.TRANSITIONS.items()} == {
        "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
        "approve": ({S.SUBMITTED}, S.APPROVED),
        "return": ({S.SUBMITTED}, S.RETURNED),
        "reject": ({S.SUBMITTED}, S.REJECTED),
    }


def test_a_second_decision_is_told_it_is_already_decided(enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    services.filing_approve(filing=filing, approved_by=district_staff_a)
    with pytest.raises(ValidationError) as error:
        services.filing_reject(filing=filing, rejected_by=district_staff_a, reason="晚了")
    assert error.value.code == "decided"
    assert "已被处理" in error.value.messages[0]


def test_only_the_enterprise_district_decides(enterprise_user_a, district_staff_b, commander, authority_staff):
    filing = submitted(enterprise_user_a)
    for user in (district_staff_b, commander, authority_staff):
        with pytest.raises(PermissionDenied):
            services.filing_approve(filing=filing, approved_by=user)
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_the_negative_list_changing_between_submission_and_decision(enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    assert filing.submitted_under is None
    later = publish_negative_list(("C",), effective_from=dt.date(2020, 3, 9))  # all manufacturing, from today
    with pytest.raises(ValidationError) as error:
        services.filing_approve(filing=filing, approved_by=district_staff_a)
    assert error.value.code == "restricted" and "昆防指〔2020〕19号" in error.value.messages[0]
    rejected = services.filing_reject(filing=filing, rejected_by=district_staff_a, reason="已列入负面清单")
    assert rejected.decided_under == later


def test_a_list_effective_tomorrow_does_not_apply_today(enterprise_user_a):
    publish_negative_list(("C",), effective_from=dt.date(2020, 3, 10))
    assert submitted(enterprise_user_a).status == S.SUBMITTED


def test_bulk_approve_reports_what_it_could_not_approve(
    enterprise_user_a, district_a, district_staff_a, django_assert_max_num_queries
):
    ok = submitted(enterprise_user_a)
    decided = submitted(UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a)))
    services.filing_reject(filing=decided, rejected_by=district_staff_a, reason="不符合")
    outcome = services.filing_bulk_approve(filing_ids=[ok.pk, decided.pk], approved_by=district_staff_a)
    assert [f.pk for f in outcome.approved] == [ok.pk]
    assert [f.pk for f, _ in outcome.refused] == [decided.pk]


def test_authorities_add_guidance_but_cannot_decide(enterprise_user_a, authority_staff):
    filing = submitted(enterprise_user_a)
    event = services.filing_guidance_add(filing=filing, author=authority_staff, comment="注意车间通风")
    assert event.kind == FilingEvent.Kind.GUIDANCE
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_an_authority_of_other_industries_cannot_comment(enterprise_user_a):
    from reference.models import IndustryAuthority

    health = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))
    with pytest.raises(PermissionDenied):
        services.filing_guidance_add(filing=submitted(enterprise_user_a), author=health, comment="x")


# --- Actual resumption ------------------------------------------------------------------------


def test_the_enterprise_records_its_actual_resumption_dates(enterprise_user_a):
    filing = submitted(enterprise_user_a)
    services.filing_record_resumption(
        filing=filing, recorded_by=enterprise_user_a, dates={"work": dt.date(2020, 3, 9), "production": None}
    )
    filing.refresh_from_db()
    assert filing.resumed_work_on == dt.date(2020, 3, 9) and filing.resumed_production_on is None


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"work": dt.date(2020, 3, 10)}, services.MSG_DATE_IN_FUTURE),
        ({"business": dt.date(2020, 3, 9)}, "没有申请"),
    ],
)
def test_resumption_dates_must_be_past_and_for_filed_scopes(enterprise_user_a, dates, message):
    filing = submitted(enterprise_user_a)
    with pytest.raises(ValidationError, match=str(message)):
        services.filing_record_resumption(filing=filing, recorded_by=enterprise_user_a, dates=dates)


def test_a_draft_cannot_record_resumption(enterprise_user_a):
    with pytest.raises(ValidationError):
        services.filing_record_resumption(
            filing=complete_draft(enterprise_user_a), recorded_by=enterprise_user_a, dates={"work": dt.date(2020, 3, 9)}
        )
