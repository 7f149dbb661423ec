"""A double submit of any form that creates a row: every answer is the normal page or its message, one row.

`select_for_update` on a row that does not exist yet locks nothing, so the same POST sent by several
browsers at once used to let every one of them try the INSERT, and answer the losers of the unique
constraint with a 500. Each test fires PARALLEL identical POSTs (tests/concurrency.py) on PostgreSQL.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from filings.models import Filing, FilingEvent
from passes.models import PassBatch, ReturnPass, TransportRequest, Worker
from passes.services import roster as roster_services
from passes.views import return_passes as pass_views
from passes.views import transport as transport_views
from tests.concurrency import PARALLEL, messages_of, post_at_once, statuses
from tests.enterprises.test_registry import _registration
from tests.factories import credit_code
from tests.filings.helpers import complete_draft
from tests.markers import postgres_only
from tests.passes.factories import LOW_RISK_ORIGIN, WorkerFactory, division, id_number
from workforce import views as workforce_views
from workforce.models import CapacityReport, WorkforceReport

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

REPORT = {
    "total_employees": 100,
    "returned": 80,
    "on_duty": 70,
    "away_high": 2,
    "away_medium": 8,
    "away_low": 10,
    "in_quarantine": 5,
    "returned_today": 6,
    "returned_today_high": 0,
    "returned_today_medium": 1,
}
CAPACITY = {
    "capacity_percent": "85.5",
    "staff_on_site": "70",
    "electricity_kwh": "12000",
    "electricity_kwh_last_year": "15000",
    "orders_on_hand": "3200",
    "blockers": "",
}


def submission_key(client, url: str) -> str:
    """The one-time key the form page hands out, as the browser posts it back."""
    found = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', client.get(url).content.decode())
    assert found, "the form carries no submission key"
    return found.group(1)


def test_the_first_daily_report_sent_twice_at_once_is_saved_once(enterprise_user_a):
    responses = post_at_once(reverse("workforce:report"), REPORT, user=enterprise_user_a)
    assert statuses(responses) == [302] * PARALLEL
    assert all(messages_of(r) == [str(workforce_views.MSG_REPORT_SAVED)] for r in responses)
    report = WorkforceReport.objects.get(enterprise=enterprise_user_a.enterprise)
    assert (report.day, report.on_duty) == (timezone.localdate(), 70)


def test_the_first_capacity_report_sent_twice_at_once_is_saved_once(enterprise_user_a):
    Enterprise.objects.filter(pk=enterprise_user_a.enterprise_id).update(is_above_scale=True)
    responses = post_at_once(reverse("workforce:capacity"), CAPACITY, user=enterprise_user_a)
    assert statuses(responses) == [302] * PARALLEL
    assert all(messages_of(r) == [str(workforce_views.MSG_CAPACITY_SAVED)] for r in responses)
    report = CapacityReport.objects.get(enterprise=enterprise_user_a.enterprise)
    assert report.capacity_percent == Decimal("85.5")


def test_a_registration_sent_twice_at_once_registers_once_and_tells_the_others(district_a):
    data = _registration(district=district_a.pk)
    responses = post_at_once(reverse("enterprises:register"), data)
    assert statuses(responses) == [200] * PARALLEL
    pages = [r.content.decode() for r in responses]
    assert sum("已提交张浦镇工作人员确认" in page for page in pages) == 1
    assert sum(str(enterprise_services.MSG_CREDIT_CODE_PENDING) in page for page in pages) == PARALLEL - 1
    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert enterprise.status == Enterprise.Status.PENDING
    assert User.objects.get(username=data["username"]).enterprise == enterprise


def test_two_registrations_taking_the_same_username_at_once_one_is_told(district_a):
    """Different enterprises, one username: the constraint on the account decides, and the loser is told."""
    responses = post_at_once(
        reverse("enterprises:register"),
        [
            _registration(district=district_a.pk, credit_code=credit_code(900100 + serial), name=f"企业{serial}")
            for serial in (1, 2)
        ],
    )
    assert statuses(responses) == [200, 200]
    pages = [r.content.decode() for r in responses]
    assert sum(str(enterprise_services.MSG_USERNAME_TAKEN) in page for page in pages) == 1
    assert User.objects.filter(username="new_enterprise").count() == 1
    assert Enterprise.objects.filter(name__in=["企业1", "企业2"]).count() == 1


def test_a_new_worker_sent_twice_at_once_is_registered_once(enterprise_user_a, district_b):
    division(LOW_RISK_ORIGIN, "四川省广安市广安区")
    today = timezone.localdate()
    data = {
        "name": "张三",
        "id_number": id_number(1),
        "mobile": "13912345678",
        "origin": LOW_RISK_ORIGIN,
        "arrived_on": (today - timedelta(days=7)).isoformat(),
        "quarantine_status": "home",
        "quarantine_started_on": (today - timedelta(days=7)).isoformat(),
        "test_result": "none",
        "residence_district": district_b.pk,
        "residence_community": district_b.communities.first().pk,
        "residence_address": "昆山市前进路100号",
        "housing_331_compliant": "on",
        "job": "操作工",
    }
    responses = post_at_once(reverse("passes:roster_create"), data, user=enterprise_user_a)
    assert Worker.objects.filter(enterprise=enterprise_user_a.enterprise).count() == 1
    assert statuses(responses) == [200] * (PARALLEL - 1) + [302]
    refused = [r for r in responses if r.status_code == 200]
    assert all(
        r.context["form"].errors["id_number"] == [str(roster_services.MSG_DUPLICATE_ID % {"name": "张三"})]
        for r in refused
    )


def test_a_transport_request_sent_twice_at_once_is_stored_once(enterprise_user_a):
    division(LOW_RISK_ORIGIN, "四川省广安市广安区")
    url = reverse("passes:transport_new")
    browser = Client()
    browser.force_login(enterprise_user_a)
    data = {
        "origin": f"{LOW_RISK_ORIGIN} 四川省广安市广安区",
        "departure_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "headcount": "20",
        "contact_name": "王五",
        "contact_mobile": "13912345678",
        "submission_key": submission_key(browser, url),
    }
    responses = post_at_once(url, data, user=enterprise_user_a)
    trip = TransportRequest.objects.get(enterprise=enterprise_user_a.enterprise)
    assert statuses(responses) == [302] * PARALLEL
    assert {r["Location"] for r in responses} == {reverse("passes:transport_detail", args=[trip.pk])}
    assert all(messages_of(r) == [str(transport_views.MSG_REQUESTED)] for r in responses)
    assert trip.events.count() == 1


def test_a_pass_application_sent_twice_at_once_is_stored_once(enterprise_user_a):
    workers = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    url = reverse("passes:apply")
    browser = Client()
    browser.force_login(enterprise_user_a)
    data = {"workers": [w.pk for w in workers], "note": "返岗第一批", "submission_key": submission_key(browser, url)}
    responses = post_at_once(url, data, user=enterprise_user_a)
    batch = PassBatch.objects.get(enterprise=enterprise_user_a.enterprise)
    assert statuses(responses) == [302] * PARALLEL
    assert {r["Location"] for r in responses} == {reverse("passes:batch_detail", args=[batch.pk])}
    district = enterprise_user_a.enterprise.district.name
    assert all(messages_of(r) == [str(pass_views.MSG_APPLIED % {"count": 2, "district": district})] for r in responses)
    assert ReturnPass.objects.filter(worker__in=workers).count() == 2


def test_starting_a_filing_twice_at_once_opens_one(enterprise_user_a):
    responses = post_at_once(reverse("filings:start"), {}, user=enterprise_user_a)
    filing = Filing.objects.get(enterprise=enterprise_user_a.enterprise)
    assert statuses(responses) == [302] * PARALLEL
    assert {r["Location"] for r in responses} == {reverse("filings:step_scope", args=[filing.pk])}


def test_a_filing_submitted_twice_at_once_is_submitted_once(enterprise_user_a):
    draft = complete_draft(enterprise_user_a)
    responses = post_at_once(reverse("filings:step_check", args=[draft.pk]), {}, user=enterprise_user_a)
    assert statuses(responses) == [302] * PARALLEL
    receipt = reverse("filings:receipt", args=[draft.pk])
    assert {r["Location"] for r in responses} <= {receipt, reverse("filings:detail", args=[draft.pk])}
    draft.refresh_from_db()
    assert draft.status == Filing.Status.SUBMITTED and draft.reference
    assert FilingEvent.objects.filter(filing=draft, to_status=Filing.Status.SUBMITTED).count() == 1


def test_an_entrance_added_twice_at_once_is_stored_once(district_staff_a):
    from passes.models import Entrance
    from passes.services.entrances import MSG_EXISTS
    from passes.views.entrances import MSG_ADDED
    from reference.models import Community

    community = Community.objects.get(code="zhangpu-demo-1")
    data = {"community": community.pk, "name": "东门"}
    responses = post_at_once(reverse("passes:entrances"), data, user=district_staff_a)
    assert statuses(responses) == [302] * PARALLEL
    assert Entrance.objects.filter(community=community).count() == 1
    told = sorted(messages_of(r)[0] for r in responses)
    assert told.count(str(MSG_ADDED % {"name": "东门"})) == 1
    assert told.count(str(MSG_EXISTS % {"name": "东门"})) == PARALLEL - 1
