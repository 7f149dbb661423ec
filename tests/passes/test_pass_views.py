"""The return-pass pages: the enterprise applies, the issuing district decides and manages passes,
the home district and the community read them; each page's status codes, messages and rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from passes.forms_passes import MSG_CHOOSE_PASSES
from passes.models import PassBatch, PassEvent, ReturnPass
from passes.services import return_passes as services
from passes.views import return_passes as views
from tests.factories import UserFactory
from tests.passes.factories import WorkerFactory, applied_passes, issued_pass

pytestmark = pytest.mark.django_db
S = ReturnPass.Status


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _followed_messages(client, response) -> list[str]:
    return _messages(client.get(response["Location"]))


def _fever(worker) -> None:
    worker.temperature = Decimal("38.5")
    worker.temperature_taken_at = timezone.now() - timedelta(minutes=5)
    worker.save(update_fields=["temperature", "temperature_taken_at"])


@pytest.fixture
def home_community_staff(district_b):
    """Checkpoint staff of the community where the factory's workers live (开发区's first)."""
    return UserFactory(checkpoint_staff=True, community=district_b.communities.first())


# --- the enterprise applies ---------------------------------------------------------------------------------


def test_apply_page_lists_only_workers_who_may_have_a_pass(client, enterprise_user_a, district_a):
    enterprise = enterprise_user_a.enterprise
    eligible = WorkerFactory(enterprise=enterprise, name="可申请")
    WorkerFactory(enterprise=enterprise, name="本镇居住", residence_district=district_a)
    feverish = WorkerFactory(enterprise=enterprise, name="发热者")
    _fever(feverish)
    applied_passes(enterprise_user_a, name="已申请")
    WorkerFactory(name="别家员工")
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:apply"))
    assert response.status_code == 200
    assert [w.name for w in response.context["page"]] == [eligible.name]
    assert [(w.name, "37.3" in reason) for w, reason in response.context["left_out"]] == [("发热者", True)]
    html = response.content.decode()
    assert f'value="{eligible.pk}"' in html and "本镇居住" not in html and "别家员工" not in html


def test_applying_creates_a_batch_and_goes_to_its_page(client, enterprise_user_a):
    workers = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:apply"), {"workers": [w.pk for w in workers], "note": "返岗第一批"})
    batch = PassBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("passes:batch_detail", args=[batch.pk])
    assert batch.note == "返岗第一批" and batch.passes.filter(status=S.APPLIED).count() == 2
    district = enterprise_user_a.enterprise.district.name
    assert _followed_messages(client, response) == [str(views.MSG_APPLIED % {"count": 2, "district": district})]


def test_applying_shows_each_worker_s_problem_and_creates_nothing(client, enterprise_user_a, district_a):
    enterprise = enterprise_user_a.enterprise
    ok = WorkerFactory(enterprise=enterprise)
    local = WorkerFactory(enterprise=enterprise, name="李四", residence_district=district_a)
    feverish = WorkerFactory(enterprise=enterprise, name="王五")
    _fever(feverish)
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:apply"), {"workers": [ok.pk, local.pk, feverish.pk]})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert str(services.MSG_SAME_DISTRICT % {"name": "李四"}) in errors
    assert any(e.startswith("王五") for e in errors) and len(errors) == 2
    html = response.content.decode()
    assert "李四" in html and "王五" in html
    assert f'value="{ok.pk}" id="worker-{ok.pk}" checked' in html  # the choice is kept
    assert not PassBatch.objects.exists() and not ReturnPass.objects.exists()


def test_a_worker_whose_pass_was_revoked_is_not_offered_again(client, enterprise_user_a, district_staff_a):
    """Issue 12: revoked as 员工已离职, the worker was offered for a new pass the next minute."""
    revoked = issued_pass(enterprise_user_a, district_staff_a, name="马超")
    services.return_pass_revoke(return_pass=revoked, revoked_by=district_staff_a, reason="员工已离职")
    other = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="何静")
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:apply"))
    assert [w.name for w in response.context["page"]] == ["何静"]
    reason = str(
        services.MSG_WORKER_LEFT % {"number": revoked.number, "district": enterprise_user_a.enterprise.district.name}
    )
    assert [(w.name, r) for w, r in response.context["left_out"]] == [("马超", reason)]
    response = client.post(reverse("passes:apply"), {"workers": [revoked.worker_id, other.pk]})
    assert response.context["form"].non_field_errors() == [
        str(services.MSG_CANNOT_APPLY % {"name": "马超", "reason": reason})
    ]
    assert not ReturnPass.objects.filter(status=S.APPLIED).exists()
    # The district reissues if the worker does come back: then the worker holds a pass again.
    services.return_pass_reissue(return_pass=revoked, reissued_by=district_staff_a)
    assert "马超" not in [w.name for w, _reason in client.get(reverse("passes:apply")).context["left_out"]]


def test_a_pass_revoked_for_another_reason_may_be_applied_for_again(client, enterprise_user_a, district_staff_a):
    revoked = issued_pass(enterprise_user_a, district_staff_a, name="孙七")
    services.return_pass_revoke(return_pass=revoked, revoked_by=district_staff_a, reason="居住社区填写有误")
    client.force_login(enterprise_user_a)
    assert [w.name for w in client.get(reverse("passes:apply")).context["page"]] == ["孙七"]


def test_applying_without_choosing_anyone_says_so(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:apply"), {"note": "空"})
    assert response.status_code == 200
    assert response.context["form"].errors["workers"] == [str(services.MSG_NO_WORKERS)]
    assert not PassBatch.objects.exists()


def test_applying_for_another_enterprise_s_worker_is_an_invalid_choice(client, enterprise_user_a, enterprise_b):
    stranger = WorkerFactory(enterprise=enterprise_b)
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:apply"), {"workers": [stranger.pk]})
    assert response.status_code == 200 and "workers" in response.context["form"].errors
    assert not PassBatch.objects.exists()


@pytest.mark.parametrize("role", ["district_staff_a", "checkpoint_staff", "commander"])
def test_only_enterprises_apply(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("passes:apply")).status_code == 403
    assert client.post(reverse("passes:apply"), {}).status_code == 403


# --- lists ------------------------------------------------------------------------------------------------------


def test_the_enterprise_lists_its_own_passes_and_filters_by_status(
    client, district_a, enterprise_user_a, enterprise_user_b, district_staff_a
):
    valid = issued_pass(enterprise_user_a, district_staff_a)
    (applied,) = applied_passes(enterprise_user_a)
    applied_passes(enterprise_user_b, residence_district=district_a)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:list"))
    assert response.status_code == 200
    assert {p.pk for p in response.context["page"]} == {valid.pk, applied.pk}
    response = client.get(reverse("passes:list"), {"status": S.VALID})
    assert [p.pk for p in response.context["page"]] == [valid.pk]
    response = client.get(reverse("passes:list"), {"q": applied.number.lower()})
    assert [p.pk for p in response.context["page"]] == [applied.pk]


def test_home_district_and_community_see_the_passes_of_workers_living_there(
    client, enterprise_user_a, district_staff_a, district_staff_b, home_community_staff, checkpoint_staff
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    for user in (district_staff_b, home_community_staff):
        client.force_login(user)
        assert [p.pk for p in client.get(reverse("passes:list")).context["page"]] == [return_pass.pk]
    # The community's checkpoint sees the masked name; the other community nothing.
    client.force_login(home_community_staff)
    html = client.get(reverse("passes:list")).content.decode()
    assert "张*三" in html and "张小三" not in html
    # Nor can it search by the full name; the pass number finds it.
    assert list(client.get(reverse("passes:list"), {"q": "张小三"}).context["page"]) == []
    found = client.get(reverse("passes:list"), {"q": return_pass.number.lower()}).context["page"]
    assert [p.pk for p in found] == [return_pass.pk]
    client.force_login(checkpoint_staff)
    assert list(client.get(reverse("passes:list")).context["page"]) == []


def test_authorities_have_no_pass_pages(client, authority_staff):
    client.force_login(authority_staff)
    assert client.get(reverse("passes:list")).status_code == 403
    assert client.get(reverse("passes:batch_list")).status_code == 403


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pass_list_costs_the_same_queries_for_5_and_50_passes(
    client, enterprise_user_a, district_staff_a, home_community_staff
):
    applied_passes(enterprise_user_a, count=5)
    users = (enterprise_user_a, district_staff_a, home_community_staff)
    counts = []
    for user in users:
        client.force_login(user)
        client.get(reverse("passes:list"))  # the first request after a login also saves the session
        counts.append(_query_count(client, reverse("passes:list")))
    applied_passes(enterprise_user_a, count=45)
    for user, small in zip(users, counts, strict=True):
        client.force_login(user)
        client.get(reverse("passes:list"))
        assert _query_count(client, reverse("passes:list")) == small <= 5, user.role


def test_batch_pages_cost_the_same_queries_for_5_and_50_rows(client, enterprise_user_a, district_staff_a):
    small = applied_passes(enterprise_user_a, count=5)
    big = applied_passes(enterprise_user_a, count=50)
    client.force_login(district_staff_a)
    client.get(reverse("passes:list"))  # the first request after a login also saves the session
    urls = [reverse("passes:queue"), reverse("passes:batch_list")]
    before = [_query_count(client, url) for url in urls]
    before.append(_query_count(client, reverse("passes:batch_detail", args=[small[0].batch_id])))
    for _ in range(45):
        applied_passes(enterprise_user_a, count=1)
    after = [_query_count(client, url) for url in urls]
    after.append(_query_count(client, reverse("passes:batch_detail", args=[big[0].batch_id])))
    assert before == after and max(after) <= 6


def test_the_queue_shows_batches_waiting_oldest_first_with_their_count(
    client, district_a, enterprise_user_a, district_staff_a, district_staff_b, enterprise_user_b
):
    first = applied_passes(enterprise_user_a, count=3)
    second = applied_passes(enterprise_user_a, count=1)
    services.return_pass_issue(pass_ids=[first[0].pk], issued_by=district_staff_a)
    done = applied_passes(enterprise_user_a, count=1)
    services.return_pass_refuse(pass_ids=[done[0].pk], refused_by=district_staff_a, reason="不符合")
    # 开发区's own enterprise, its workers living in 张浦: 开发区's queue, not 张浦's.
    applied_passes(enterprise_user_b, count=2, residence_district=district_a)
    client.force_login(district_staff_a)
    page = client.get(reverse("passes:queue")).context["page"]
    assert [(b.pk, b.applied) for b in page] == [(first[0].batch_id, 2), (second[0].batch_id, 1)]
    client.force_login(district_staff_b)
    assert [b.applied for b in client.get(reverse("passes:queue")).context["page"]] == [2]


def test_the_enterprise_s_batch_list_counts_each_state(client, enterprise_user_a, district_staff_a):
    passes = applied_passes(enterprise_user_a, count=3)
    services.return_pass_issue(pass_ids=[passes[0].pk], issued_by=district_staff_a)
    services.return_pass_refuse(pass_ids=[passes[1].pk], refused_by=district_staff_a, reason="不符合")
    client.force_login(enterprise_user_a)
    (batch,) = client.get(reverse("passes:batch_list")).context["page"]
    assert (batch.total, batch.n_applied, batch.n_valid, batch.n_refused) == (3, 1, 1, 1)


# --- the district decides a batch -----------------------------------------------------------------------------


def test_issuing_selected_passes_reports_issued_and_skipped(client, enterprise_user_a, district_staff_a):
    ok, feverish, untouched = applied_passes(enterprise_user_a, count=3)
    _fever(feverish.worker)
    client.force_login(district_staff_a)
    page = client.get(reverse("passes:batch_detail", args=[ok.batch_id]))
    assert page.status_code == 200 and page.context["can_decide"]
    assert 'data-testid="not-eligible"' in page.content.decode()  # the fever shows before deciding
    start = timezone.localdate()
    until = start + timedelta(days=6)
    response = client.post(
        reverse("passes:batch_decide", args=[ok.batch_id]),
        {
            "passes": [ok.pk, feverish.pk],
            "action": "issue",
            "valid_from": start.isoformat(),
            "valid_until": until.isoformat(),
        },
    )
    assert response.status_code == 302
    messages = _followed_messages(client, response)
    assert messages[0] == str(views.MSG_ISSUED % {"count": 1, "numbers": ok.number})
    assert messages[1].startswith(str(views.MSG_SKIPPED % {"number": feverish.number, "reason": ""}))
    assert "37.3" in messages[1]
    ok.refresh_from_db()
    feverish.refresh_from_db()
    untouched.refresh_from_db()
    assert (ok.status, ok.valid_from, ok.valid_until) == (S.VALID, start, until)
    assert feverish.status == S.APPLIED and untouched.status == S.APPLIED


def test_refusing_needs_a_reason_and_changes_nothing_without_one(client, enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    client.force_login(district_staff_a)
    url = reverse("passes:batch_decide", args=[return_pass.batch_id])
    response = client.post(url, {"passes": [return_pass.pk], "action": "refuse", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [str(services.MSG_REASON_REQUIRED)]
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED
    response = client.post(url, {"passes": [return_pass.pk], "action": "refuse", "reason": "非本企业员工"})
    assert _followed_messages(client, response) == [str(views.MSG_REFUSED % {"count": 1})]
    return_pass.refresh_from_db()
    assert (return_pass.status, return_pass.status_reason) == (S.REFUSED, "非本企业员工")


def test_deciding_without_choosing_passes_says_so(client, enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:batch_decide", args=[return_pass.batch_id]), {"action": "issue"})
    assert response.status_code == 200
    assert response.context["form"].errors["passes"] == [str(MSG_CHOOSE_PASSES)]
    assert not PassEvent.objects.filter(to_status=S.VALID).exists()


def test_a_validity_beyond_the_maximum_is_refused_on_the_page(client, enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    client.force_login(district_staff_a)
    start = timezone.localdate()
    response = client.post(
        reverse("passes:batch_decide", args=[return_pass.batch_id]),
        {
            "passes": [return_pass.pk],
            "action": "issue",
            "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(days=settings.PASS_VALIDITY_MAX_DAYS)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        str(services.MSG_VALIDITY % {"days": settings.PASS_VALIDITY_MAX_DAYS})
    ]
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED


def test_a_pass_of_another_batch_cannot_be_slipped_into_a_decision(client, enterprise_user_a, district_staff_a):
    (first,) = applied_passes(enterprise_user_a)
    (other,) = applied_passes(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(
        reverse("passes:batch_decide", args=[first.batch_id]), {"passes": [other.pk], "action": "issue"}
    )
    assert response.status_code == 200 and "passes" in response.context["form"].errors
    other.refresh_from_db()
    assert other.status == S.APPLIED


def test_deciding_twice_reports_the_passes_already_decided(client, enterprise_user_a, district_staff_a):
    (return_pass,) = applied_passes(enterprise_user_a)
    colleague = UserFactory(district_staff=True, district=district_staff_a.district)
    services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=colleague)
    return_pass.refresh_from_db()
    client.force_login(district_staff_a)
    response = client.post(
        reverse("passes:batch_decide", args=[return_pass.batch_id]), {"passes": [return_pass.pk], "action": "issue"}
    )
    illegal = services.MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()}
    assert _followed_messages(client, response) == [
        str(views.MSG_SKIPPED % {"number": return_pass.number, "reason": illegal})
    ]
    assert PassEvent.objects.filter(return_pass=return_pass, to_status=S.VALID).count() == 1


def test_only_the_issuing_district_decides(client, enterprise_user_a, district_staff_a, commander, enterprise_user_b):
    (return_pass,) = applied_passes(enterprise_user_a)
    url = reverse("passes:batch_decide", args=[return_pass.batch_id])
    data = {"passes": [return_pass.pk], "action": "issue"}
    for user in (enterprise_user_a, commander):
        client.force_login(user)
        page = client.get(reverse("passes:batch_detail", args=[return_pass.batch_id]))
        assert page.status_code == 200 and page.context["form"] is None
        assert client.post(url, data).status_code == 403
    return_pass.refresh_from_db()
    assert return_pass.status == S.APPLIED


# --- one pass: detail and actions ------------------------------------------------------------------------------


def test_the_pass_page_shows_the_timeline_and_the_issuer_s_actions(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    response = client.get(reverse("passes:detail", args=[return_pass.pk]))
    assert response.status_code == 200
    assert [(e.from_label, e.to_label) for e in response.context["events"]] == [
        ("", str(S.APPLIED.label)),
        (str(S.APPLIED.label), str(S.VALID.label)),
    ]
    for name in ("suspend_form", "revoke_form", "reissue_form"):
        assert name in response.context
    assert "reinstate_form" not in response.context


def test_the_home_district_and_community_read_the_pass_without_actions(
    client, enterprise_user_a, district_staff_a, district_staff_b, home_community_staff, commander
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    for user in (district_staff_b, home_community_staff, commander, enterprise_user_a):
        client.force_login(user)
        response = client.get(reverse("passes:detail", args=[return_pass.pk]))
        assert response.status_code == 200
        assert not any(name in response.context for name in ("suspend_form", "revoke_form", "reissue_form"))


@pytest.mark.parametrize("action", ["revoke", "suspend", "reinstate", "reissue"])
def test_the_home_district_staff_cannot_act_on_a_pass_403(
    client, enterprise_user_a, district_staff_a, district_staff_b, action
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_b)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse(f"passes:{action}", args=[return_pass.pk]),
        {f"{action}-reason": "越权", f"{action}-valid_from": today, f"{action}-valid_until": today},
    )
    assert response.status_code == 403
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID and ReturnPass.objects.count() == 1


@pytest.mark.parametrize("user", ["enterprise_user_a", "commander", "home_community_staff"])
def test_other_roles_cannot_act_on_a_pass_403(client, request, enterprise_user_a, district_staff_a, user):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(request.getfixturevalue(user))
    assert client.post(reverse("passes:revoke", args=[return_pass.pk]), {"revoke-reason": "x"}).status_code == 403
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID


def test_revoking_needs_a_reason(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    url = reverse("passes:revoke", args=[return_pass.pk])
    response = client.post(url, {"revoke-reason": ""})
    assert response["Location"] == reverse("passes:detail", args=[return_pass.pk])
    assert _followed_messages(client, response) == [str(services.MSG_REASON_REQUIRED)]
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID
    response = client.post(url, {"revoke-reason": "员工已离职"})
    assert _followed_messages(client, response) == [str(views.MSG_REVOKED % {"number": return_pass.number})]
    return_pass.refresh_from_db()
    assert (return_pass.status, return_pass.status_reason) == (S.REVOKED, "员工已离职")


def test_suspend_and_reinstate_through_the_page(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:suspend", args=[return_pass.pk]), {"suspend-reason": ""})
    assert _followed_messages(client, response) == [str(services.MSG_REASON_REQUIRED)]
    response = client.post(reverse("passes:suspend", args=[return_pass.pk]), {"suspend-reason": "待复核"})
    assert _followed_messages(client, response) == [str(views.MSG_SUSPENDED % {"number": return_pass.number})]
    page = client.get(reverse("passes:detail", args=[return_pass.pk]))
    assert "reinstate_form" in page.context and "suspend_form" not in page.context
    response = client.post(reverse("passes:reinstate", args=[return_pass.pk]), {"reinstate-reason": ""})
    assert _followed_messages(client, response) == [str(views.MSG_REINSTATED % {"number": return_pass.number})]
    return_pass.refresh_from_db()
    assert return_pass.status == S.VALID
    # Reinstating a valid pass is an illegal move, said with the service's message.
    response = client.post(reverse("passes:reinstate", args=[return_pass.pk]), {})
    assert _followed_messages(client, response) == [
        str(services.MSG_ILLEGAL % {"number": return_pass.number, "status": return_pass.get_status_display()})
    ]


def test_reissue_through_the_page_leads_to_the_new_pass(client, enterprise_user_a, district_staff_a):
    old = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    start = timezone.localdate()
    response = client.post(
        reverse("passes:reissue", args=[old.pk]),
        {"reissue-valid_from": start.isoformat(), "reissue-valid_until": (start + timedelta(days=3)).isoformat()},
    )
    new = ReturnPass.objects.get(reissue_of=old)
    assert response["Location"] == reverse("passes:detail", args=[new.pk])
    assert _followed_messages(client, response) == [str(views.MSG_REISSUED % {"number": new.number, "old": old.number})]
    assert new.valid_until == start + timedelta(days=3)
    page = client.get(reverse("passes:detail", args=[old.pk]))
    assert page.context["reissued_as"].pk == new.pk and "reissue_form" not in page.context


def test_notices_to_the_enterprise_open_its_pass_list(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    client.post(reverse("passes:revoke", args=[return_pass.pk]), {"revoke-reason": "离职"})
    notices = list(Notification.objects.filter(user=enterprise_user_a))
    assert {n.title for n in notices} == {
        str(services.NOTICE_ISSUED % {"count": 1}),
        str(services.NOTICE_REVOKED % {"number": return_pass.number}),
    }
    client.force_login(enterprise_user_a)
    inbox = client.get(reverse("accounts:notifications")).content.decode()
    assert f'href="{reverse("passes:list")}"' in inbox
    response = client.get(notices[0].url)
    assert response.status_code == 200 and return_pass.number in response.content.decode()


def test_navigation_shows_the_pass_pages_to_their_roles(
    client, enterprise_user_a, district_staff_a, checkpoint_staff, authority_staff
):
    for user, expected in (
        (enterprise_user_a, {"passes:list"}),
        (district_staff_a, {"passes:list", "passes:queue"}),
        (checkpoint_staff, {"passes:list"}),
        (authority_staff, set()),
    ):
        client.force_login(user)
        html = client.get(reverse("portal:home")).content.decode()
        shown = {name for name in ("passes:list", "passes:queue") if f'href="{reverse(name)}"' in html}
        assert shown == expected, user.role
