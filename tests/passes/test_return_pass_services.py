"""The return-pass workflow (passes/services/return_passes.py): each transition, who may make it,
what it writes, and what it refuses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from passes import revocations, signing
from passes.eligibility import REASON_FEVER, REASON_HIGH_RISK
from passes.models import PassBatch, PassEvent, ReturnPass, RiskLevel
from passes.services import return_passes as services
from passes.services.suspensions import return_passes_follow_risk_list
from reference.models import Division
from tests.factories import UserFactory
from tests.passes.factories import (
    HIGH_RISK_ORIGIN,
    WorkerFactory,
    applied_passes,
    division,
    issued_pass,
    published_risk_list,
)

pytestmark = pytest.mark.django_db
S = ReturnPass.Status


def _illegal(return_pass: ReturnPass) -> str:
    return str(services.MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()})


def _events(return_pass: ReturnPass) -> list[tuple[str, str]]:
    return list(PassEvent.objects.filter(return_pass=return_pass).values_list("from_status", "to_status"))


def _fever(worker) -> None:
    worker.temperature = Decimal("38.2")
    worker.temperature_taken_at = timezone.now() - timedelta(minutes=10)
    worker.save(update_fields=["temperature", "temperature_taken_at"])


@pytest.fixture
def other_staff_a(district_a):
    """A second reviewer of the issuing district."""
    return UserFactory(district_staff=True, district=district_a)


# --- applying -----------------------------------------------------------------------------------------


def test_apply_creates_one_applied_pass_per_worker_with_an_event_each(enterprise_user_a, district_a, district_b):
    workers = WorkerFactory.create_batch(3, enterprise=enterprise_user_a.enterprise)
    batch = services.return_pass_apply(
        enterprise=enterprise_user_a.enterprise, workers=workers, applied_by=enterprise_user_a, note="第一批"
    )
    passes = list(batch.passes.order_by("worker_id"))
    assert [p.worker_id for p in passes] == sorted(w.pk for w in workers)
    assert {p.status for p in passes} == {S.APPLIED}
    assert {p.issuing_district_id for p in passes} == {district_a.pk}
    assert {p.residence_district_id for p in passes} == {district_b.pk}
    assert all(p.number.startswith("KS") and len(p.number) == 10 for p in passes)
    assert batch.note == "第一批" and batch.applied_by == enterprise_user_a
    for return_pass in passes:
        assert _events(return_pass) == [("", S.APPLIED)]
        assert not return_pass.token


def test_apply_lists_every_worker_who_cannot_have_a_pass_and_creates_nothing(enterprise_user_a, district_a):
    ok = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="张三")
    local = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="李四", residence_district=district_a)
    feverish = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="王五")
    _fever(feverish)
    (held,) = applied_passes(enterprise_user_a, name="赵六")
    with pytest.raises(ValidationError) as caught:
        services.return_pass_apply(
            enterprise=enterprise_user_a.enterprise,
            workers=[ok, local, feverish, held.worker],
            applied_by=enterprise_user_a,
        )
    messages = caught.value.messages
    assert str(services.MSG_SAME_DISTRICT % {"name": "李四"}) in messages
    assert str(services.MSG_HAS_OPEN_PASS % {"name": "赵六", "number": held.number}) in messages
    assert any(m.startswith("王五") and "37.3" in m for m in messages)
    assert len(messages) == 3
    assert PassBatch.objects.count() == 1 and ReturnPass.objects.count() == 1  # only the earlier application


def test_apply_needs_at_least_one_worker(enterprise_user_a):
    with pytest.raises(ValidationError) as caught:
        services.return_pass_apply(enterprise=enterprise_user_a.enterprise, workers=[], applied_by=enterprise_user_a)
    assert caught.value.messages == [str(services.MSG_NO_WORKERS)]


def test_only_the_enterprise_s_own_users_may_apply(enterprise_user_a, enterprise_user_b, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    for outsider in (enterprise_user_b, district_staff_a):
        with pytest.raises(PermissionDenied):
            services.return_pass_apply(enterprise=enterprise_user_a.enterprise, workers=[worker], applied_by=outsider)
    assert not ReturnPass.objects.exists()


def test_cannot_apply_for_another_enterprise_s_worker(enterprise_user_a, enterprise_b):
    stranger = WorkerFactory(enterprise=enterprise_b)
    with pytest.raises(PermissionDenied):
        services.return_pass_apply(
            enterprise=enterprise_user_a.enterprise, workers=[stranger], applied_by=enterprise_user_a
        )
    assert not PassBatch.objects.exists()


# --- issuing and refusing -------------------------------------------------------------------------------


def test_issue_signs_the_pass_with_the_default_validity(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a, name="张小三")
    result = services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff_a)
    assert [p.pk for p in result.done] == [return_pass.pk] and result.skipped == []
    return_pass.refresh_from_db()
    today = timezone.localdate()
    assert return_pass.status == S.VALID
    assert (return_pass.valid_from, return_pass.valid_until) == (
        today,
        today + timedelta(days=settings.PASS_VALIDITY_DAYS - 1),
    )
    assert return_pass.decided_by == district_staff_a and return_pass.issued_at is not None
    claims = signing.verify(return_pass.token)
    assert claims["n"] == return_pass.number and claims["nm"] == "张*三"
    assert (
        claims["i4"] == return_pass.worker.id_number_masked[-4:] and claims["vu"] == return_pass.valid_until.isoformat()
    )
    # Only what the guard needs travels in the (readable) token: no employer.
    assert set(claims) == {"n", "nm", "i4", "c", "ci", "vf", "vu", "iat"}
    assert return_pass.key_id == signing.keyring().signing_kid
    assert _events(return_pass) == [("", S.APPLIED), (S.APPLIED, S.VALID)]
    assert PassEvent.objects.get(return_pass=return_pass, to_status=S.VALID).actor == district_staff_a


def test_issue_uses_the_chosen_validity(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    start = timezone.localdate() + timedelta(days=2)
    until = start + timedelta(days=settings.PASS_VALIDITY_MAX_DAYS - 1)  # the longest allowed
    services.return_pass_issue(
        pass_ids=[return_pass.pk], issued_by=district_staff_a, valid_from=start, valid_until=until
    )
    return_pass.refresh_from_db()
    assert (return_pass.valid_from, return_pass.valid_until) == (start, until)


def test_a_chosen_start_without_an_end_runs_the_default_length_from_that_start(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    start = timezone.localdate() + timedelta(days=5)
    services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff_a, valid_from=start)
    return_pass.refresh_from_db()
    assert return_pass.valid_until == start + timedelta(days=settings.PASS_VALIDITY_DAYS - 1)


@pytest.mark.parametrize(
    ("start_days", "length_days"),
    [
        (-1, 5),  # starts yesterday
        (0, -1),  # ends before it starts
        (0, settings.PASS_VALIDITY_MAX_DAYS),  # one day longer than the maximum
    ],
)
def test_validity_outside_the_limits_is_refused(enterprise_user_a, district_staff_a, start_days, length_days):
    (return_pass,) = applied_passes(enterprise_user_a)
    start = timezone.localdate() + timedelta(days=start_days)
    with pytest.raises(ValidationError) as caught:
        services.return_pass_issue(
            pass_ids=[return_pass.pk],
            issued_by=district_staff_a,
            valid_from=start,
            valid_until=start + timedelta(days=length_days),
        )
    assert caught.value.messages == [str(services.MSG_VALIDITY % {"days": settings.PASS_VALIDITY_MAX_DAYS})]
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED and not return_pass.token


def test_only_the_issuing_district_may_issue(enterprise_user_a, district_staff_b, commander):
    # district_staff_b works in 开发区, where the worker lives: it sees the pass but does not issue it.
    (return_pass,) = applied_passes(enterprise_user_a)
    for outsider in (district_staff_b, enterprise_user_a, commander):
        with pytest.raises(PermissionDenied):
            services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=outsider)
        with pytest.raises(PermissionDenied):
            services.return_pass_refuse(pass_ids=[return_pass.pk], refused_by=outsider, reason="不符合")
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED
    assert _events(return_pass) == [("", S.APPLIED)]


def test_eligibility_is_checked_again_at_issue_a_fever_since_applying_is_skipped(enterprise_user_a, district_staff_a):
    healthy, feverish = applied_passes(enterprise_user_a, count=2)
    _fever(feverish.worker)
    result = services.return_pass_issue(pass_ids=[healthy.pk, feverish.pk], issued_by=district_staff_a)
    assert [p.pk for p in result.done] == [healthy.pk]
    ((skipped, why),) = result.skipped
    assert skipped.pk == feverish.pk
    assert why == str(REASON_FEVER % {"temperature": Decimal("38.2"), "threshold": Decimal("37.3")})
    feverish.refresh_from_db()
    assert feverish.status == S.APPLIED and not feverish.token
    assert _events(feverish) == [("", S.APPLIED)]


def test_issuing_an_issued_pass_again_skips_it_and_writes_no_second_event(
    enterprise_user_a, district_staff_a, other_staff_a
):
    (return_pass,) = applied_passes(enterprise_user_a)
    services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff_a)
    return_pass.refresh_from_db()
    token = return_pass.token
    again = services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=other_staff_a)
    assert again.done == [] and again.skipped == [(again.skipped[0][0], _illegal(return_pass))]
    return_pass.refresh_from_db()
    assert return_pass.token == token and return_pass.decided_by == district_staff_a
    assert PassEvent.objects.filter(return_pass=return_pass, to_status=S.VALID).count() == 1


def test_refuse_requires_a_reason(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    with pytest.raises(ValidationError) as caught:
        services.return_pass_refuse(pass_ids=[return_pass.pk], refused_by=district_staff_a, reason="  ")
    assert caught.value.messages == [str(services.MSG_REASON_REQUIRED)]
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED


def test_refuse_records_the_reason_and_the_event(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    result = services.return_pass_refuse(pass_ids=[return_pass.pk], refused_by=district_staff_a, reason="居住地址不详")
    assert len(result.done) == 1
    return_pass.refresh_from_db()
    assert return_pass.status == S.REFUSED and return_pass.status_reason == "居住地址不详"
    event = PassEvent.objects.get(return_pass=return_pass, to_status=S.REFUSED)
    assert (event.from_status, event.actor, event.comment) == (S.APPLIED, district_staff_a, "居住地址不详")


def test_cannot_issue_a_refused_pass(enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    services.return_pass_refuse(pass_ids=[return_pass.pk], refused_by=district_staff_a, reason="不符合")
    return_pass.refresh_from_db()
    result = services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff_a)
    assert result.done == [] and result.skipped[0][1] == _illegal(return_pass)
    return_pass.refresh_from_db()
    assert return_pass.status == S.REFUSED


# --- suspend, reinstate, revoke -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_suspending_and_revoking_require_a_reason(enterprise_user_a, district_staff_a, action):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    call = {
        "suspend": lambda: services.return_pass_suspend(
            return_pass=return_pass, suspended_by=district_staff_a, reason=""
        ),
        "revoke": lambda: services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason=" "),
    }[action]
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.messages == [str(services.MSG_REASON_REQUIRED)]
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID


def test_suspend_then_reinstate_then_revoke_each_write_an_event(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="密切接触者排查")
    return_pass.refresh_from_db()
    assert return_pass.status == S.SUSPENDED and return_pass.status_reason == "密切接触者排查"
    assert revocations.blocked_status(return_pass.number) == S.SUSPENDED
    services.return_pass_reinstate(return_pass=return_pass, reinstated_by=district_staff_a)
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID and return_pass.status_reason == ""
    assert revocations.blocked_status(return_pass.number) is None
    services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason="已离职")
    return_pass.refresh_from_db()
    assert return_pass.status == S.REVOKED
    assert revocations.blocked_status(return_pass.number) == S.REVOKED
    assert _events(return_pass)[2:] == [(S.VALID, S.SUSPENDED), (S.SUSPENDED, S.VALID), (S.VALID, S.REVOKED)]
    comments = list(PassEvent.objects.filter(return_pass=return_pass).values_list("comment", flat=True))
    assert comments[2:] == ["密切接触者排查", "", "已离职"]


def test_a_suspended_pass_can_be_revoked(enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="排查")
    services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason="确诊密接")
    return_pass.refresh_from_db()
    assert return_pass.status == S.REVOKED


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("applied", "suspend"),
        ("applied", "revoke"),
        ("applied", "reinstate"),
        ("valid", "reinstate"),
        ("suspended", "suspend"),
        ("revoked", "revoke"),
        ("revoked", "reinstate"),
        ("revoked", "suspend"),
        ("expired", "revoke"),
        ("expired", "suspend"),
    ],
)
def test_illegal_moves_are_refused_with_the_illegal_message(enterprise_user_a, district_staff_a, setup, action):
    if setup == "applied":
        (return_pass,) = applied_passes(enterprise_user_a)
    else:
        return_pass = issued_pass(enterprise_user_a, district_staff_a)
    if setup == "suspended":
        services.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="排查")
    if setup == "revoked":
        services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason="离职")
    if setup == "expired":
        services.return_passes_expire(today=return_pass.valid_until + timedelta(days=1))
    return_pass.refresh_from_db()
    before = _events(return_pass)
    calls = {
        "suspend": lambda: services.return_pass_suspend(
            return_pass=return_pass, suspended_by=district_staff_a, reason="再次"
        ),
        "revoke": lambda: services.return_pass_revoke(
            return_pass=return_pass, revoked_by=district_staff_a, reason="再次"
        ),
        "reinstate": lambda: services.return_pass_reinstate(return_pass=return_pass, reinstated_by=district_staff_a),
    }
    with pytest.raises(ValidationError) as caught:
        calls[action]()
    assert caught.value.messages == [_illegal(return_pass)]
    assert _events(return_pass) == before


@pytest.mark.parametrize("action", ["suspend", "revoke", "reinstate", "reissue"])
def test_only_the_issuing_district_may_change_an_issued_pass(
    enterprise_user_a, district_staff_a, district_staff_b, checkpoint_staff, action
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    if action == "reinstate":
        services.return_pass_suspend(return_pass=return_pass, suspended_by=district_staff_a, reason="排查")
    return_pass.refresh_from_db()
    status = return_pass.status
    for outsider in (district_staff_b, enterprise_user_a, checkpoint_staff):
        with pytest.raises(PermissionDenied):
            {
                "suspend": lambda u: services.return_pass_suspend(
                    return_pass=return_pass, suspended_by=u, reason="排查"
                ),
                "revoke": lambda u: services.return_pass_revoke(return_pass=return_pass, revoked_by=u, reason="离职"),
                "reinstate": lambda u: services.return_pass_reinstate(return_pass=return_pass, reinstated_by=u),
                "reissue": lambda u: services.return_pass_reissue(return_pass=return_pass, reissued_by=u),
            }[action](outsider)
    return_pass.refresh_from_db()
    assert return_pass.status == status
    assert ReturnPass.objects.count() == 1


# --- re-issue ---------------------------------------------------------------------------------------------


def test_reissue_revokes_the_old_pass_and_issues_a_new_number_with_a_new_token(enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    new = services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    old.refresh_from_db()
    assert old.status == S.REVOKED
    assert old.status_reason == str(services.REASON_REISSUED % {"number": new.number})
    assert revocations.blocked_status(old.number) == S.REVOKED
    assert new.status == S.VALID and new.reissue_of_id == old.pk and new.worker_id == old.worker_id
    assert new.number != old.number and new.token and new.token != old.token
    assert signing.verify(new.token)["n"] == new.number
    assert _events(new) == [("", S.APPLIED), (S.APPLIED, S.VALID)]
    assert _events(old)[-1] == (S.VALID, S.REVOKED)


def test_reissue_of_an_expired_pass_leaves_it_expired(enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    services.return_passes_expire(today=old.valid_until + timedelta(days=1))
    new = services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    old.refresh_from_db()
    assert old.status == S.EXPIRED and new.status == S.VALID


def test_a_pass_is_reissued_only_once(enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    old.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    assert caught.value.messages == [str(services.MSG_REISSUE_STATUS)]
    assert ReturnPass.objects.count() == 2


def test_cannot_reissue_an_applied_or_refused_pass(enterprise_user_a, district_staff_a):
    applied, refused = applied_passes(enterprise_user_a, count=2)
    services.return_pass_refuse(pass_ids=[refused.pk], refused_by=district_staff_a, reason="不符合")
    for return_pass in (applied, refused):
        with pytest.raises(ValidationError) as caught:
            services.return_pass_reissue(return_pass=return_pass, reissued_by=district_staff_a)
        assert caught.value.messages == [str(services.MSG_REISSUE_STATUS)]
    assert ReturnPass.objects.count() == 2


def test_reissue_for_a_worker_no_longer_eligible_changes_nothing(enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    _fever(old.worker)
    with pytest.raises(ValidationError) as caught:
        services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    assert "37.3" in caught.value.messages[0]
    old.refresh_from_db()
    assert old.status == S.VALID and ReturnPass.objects.count() == 1


def test_reissue_of_a_revoked_pass_is_refused_when_the_worker_holds_another_open_pass(
    enterprise_user_a, district_staff_a
):
    old = issued_pass(enterprise_user_a, district_staff_a, name="孙七")
    services.return_pass_revoke(return_pass=old, revoked_by=district_staff_a, reason="信息有误")
    batch = services.return_pass_apply(
        enterprise=enterprise_user_a.enterprise, workers=[old.worker], applied_by=enterprise_user_a
    )
    newer = batch.passes.get()
    old.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.return_pass_reissue(return_pass=old, reissued_by=district_staff_a)
    assert caught.value.messages == [str(services.MSG_HAS_OPEN_PASS % {"name": "孙七", "number": newer.number})]
    assert ReturnPass.objects.count() == 2


# --- jobs: expiry and the risk list -------------------------------------------------------------------------


def test_expiry_expires_passes_past_their_last_day_and_is_idempotent(enterprise_user_a, district_staff_a):
    first = issued_pass(enterprise_user_a, district_staff_a)
    second = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_suspend(return_pass=second, suspended_by=district_staff_a, reason="排查")
    last_day = first.valid_until
    assert services.return_passes_expire(today=last_day) == 0  # the last day is still valid
    assert services.return_passes_expire(today=last_day + timedelta(days=1)) == 2
    assert services.return_passes_expire(today=last_day + timedelta(days=1)) == 0
    for return_pass in (first, second):
        return_pass.refresh_from_db()
        assert return_pass.status == S.EXPIRED
        event = PassEvent.objects.filter(return_pass=return_pass).last()
        assert event.to_status == S.EXPIRED and event.actor is None
        assert PassEvent.objects.filter(return_pass=return_pass, to_status=S.EXPIRED).count() == 1
    # An expired pass is no longer in the revocation set: the checkpoint reads its dates and says EXPIRED.
    assert revocations.blocked_status(second.number) is None


def test_expiry_task_calls_the_service(enterprise_user_a, district_staff_a):
    from passes.tasks import expire_return_passes

    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    ReturnPass.objects.filter(pk=return_pass.pk).update(
        valid_from=timezone.localdate() - timedelta(days=5), valid_until=timezone.localdate() - timedelta(days=1)
    )
    assert expire_return_passes.delay().get() == 1
    return_pass.refresh_from_db()
    assert return_pass.status == S.EXPIRED
    assert settings.CELERY_BEAT_SCHEDULE["passes-expire-return-passes"]["task"] == "passes.tasks.expire_return_passes"


def test_a_new_risk_list_suspends_the_pass_of_a_worker_whose_origin_became_high_risk(
    enterprise_user_a, district_staff_a
):
    wuhan = issued_pass(enterprise_user_a, district_staff_a, origin=division(HIGH_RISK_ORIGIN, "武汉市江岸区"))
    sichuan = issued_pass(enterprise_user_a, district_staff_a)  # origin stays low risk
    risk_list = published_risk_list(effective_from=timezone.localdate(), areas={"420000": RiskLevel.HIGH})
    assert return_passes_follow_risk_list(risk_list=risk_list).suspended == 1
    wuhan.refresh_from_db()
    sichuan.refresh_from_db()
    assert wuhan.status == S.SUSPENDED and sichuan.status == S.VALID
    reason = str(REASON_HIGH_RISK % {"area": Division.objects.get(code="420000").full_name})
    assert wuhan.status_reason == str(
        services.REASON_RISK_LIST % {"source": risk_list.source_document, "reason": reason}
    )
    event = PassEvent.objects.filter(return_pass=wuhan).last()
    assert (event.from_status, event.to_status, event.actor) == (S.VALID, S.SUSPENDED, None)
    assert revocations.blocked_status(wuhan.number) == S.SUSPENDED
    notice = Notification.objects.filter(user=enterprise_user_a).first()
    assert notice.title == str(services.NOTICE_SUSPENDED % {"count": 1}) and wuhan.number in notice.body
    assert return_passes_follow_risk_list(risk_list=risk_list).suspended == 0  # already suspended


# --- notices --------------------------------------------------------------------------------------------------


def test_each_decision_tells_the_enterprise_with_a_link_to_its_passes(enterprise_user_a, district_staff_a):
    issued = issued_pass(enterprise_user_a, district_staff_a)
    (refused,) = applied_passes(enterprise_user_a)
    services.return_pass_refuse(pass_ids=[refused.pk], refused_by=district_staff_a, reason="地址不详")
    suspended = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_suspend(return_pass=suspended, suspended_by=district_staff_a, reason="排查")
    services.return_pass_revoke(return_pass=issued, revoked_by=district_staff_a, reason="已离职")
    expiring = issued_pass(enterprise_user_a, district_staff_a)
    services.return_passes_expire(today=expiring.valid_until + timedelta(days=1))
    notices = list(Notification.objects.filter(user=enterprise_user_a).order_by("pk"))
    titles = [n.title for n in notices]
    assert titles == [
        str(services.NOTICE_ISSUED % {"count": 1}),
        str(services.NOTICE_REFUSED % {"count": 1}),
        str(services.NOTICE_ISSUED % {"count": 1}),
        str(services.NOTICE_SUSPENDED % {"count": 1}),
        str(services.NOTICE_REVOKED % {"number": issued.number}),
        str(services.NOTICE_ISSUED % {"count": 1}),
        str(services.NOTICE_EXPIRED % {"count": 2}),  # the suspended one expires as well
    ]
    assert {n.url for n in notices} == {reverse("passes:list")}
    assert str(services.MSG_NOTICE_REASON % {"reason": "地址不详"}) in notices[1].body
    assert str(services.MSG_NOTICE_REASON % {"reason": "已离职"}) in notices[4].body
    assert not Notification.objects.exclude(user=enterprise_user_a).exists()
