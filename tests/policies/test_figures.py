"""The figures per policy and district equal a recount from the rows, on the page and in the workbook."""

import datetime as dt
import random
import statistics
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from policies import services
from policies.models import PolicyApplication
from policies.selectors import policy_figures
from reference.models import District, IndustryAuthority
from tests.excel_helpers import open_workbook
from tests.factories import EnterpriseFactory, UserFactory
from tests.policies.helpers import make_policy, submitted

pytestmark = pytest.mark.django_db
S = PolicyApplication.Status


def _world(seed: int = 7):
    """Applications of two policies in two districts, in every state, submitted and paid on varied days."""
    rng = random.Random(seed)
    districts = [District.objects.get(code="zhangpu"), District.objects.get(code="kfq")]
    reviewers = {d.pk: UserFactory(district_staff=True, district=d) for d in districts}
    policies = [
        make_policy(title="甲政策", scheduled=dt.date(2020, 4, 15)),
        make_policy(title="乙政策", scheduled=dt.date(2020, 3, 20), amount_value="5000"),
    ]
    for n in range(40):
        district = districts[n % 2]
        owner = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district))
        policy = policies[rng.randrange(2)]
        submitted_day = dt.date(2020, 3, 1) + dt.timedelta(days=rng.randrange(10))
        with time_machine.travel(dt.datetime.combine(submitted_day, dt.time(2, 0), tzinfo=dt.UTC)):
            application = submitted(owner, policy)
        outcome = rng.choice(["submitted", "returned", "rejected", "approved", "paid", "paid"])
        reviewer = reviewers[district.pk]
        with time_machine.travel(dt.datetime(2020, 5, 10, 2, 0, tzinfo=dt.UTC)):
            if outcome == "returned":
                services.policy_application_return(application=application, returned_by=reviewer, reason="补充")
            elif outcome == "rejected":
                services.policy_application_reject(application=application, rejected_by=reviewer, reason="不符合")
            elif outcome in ("approved", "paid"):
                amount = Decimal(rng.randrange(1000, 5000))
                services.policy_application_approve(application=application, approved_by=reviewer, amount=amount)
                if outcome == "paid":
                    services.payout_record(
                        application=application,
                        recorded_by=reviewer,
                        paid_on=submitted_day + dt.timedelta(days=rng.randrange(3, 50)),
                        amount=amount - rng.randrange(0, 2),
                        voucher_number=f"V{n}",
                    )
    return policies, districts


def _recount(rows) -> dict:
    paid_days = [r.payout.days_to_payout for r in rows if r.status == S.PAID]
    return {
        "applications": len(rows),
        "approved": sum(r.status in (S.APPROVED, S.PAID) for r in rows),
        "rejected": sum(r.status == S.REJECTED for r in rows),
        "waiting": sum(r.status == S.SUBMITTED for r in rows),
        "amount_approved": sum((r.approved_amount for r in rows if r.status in (S.APPROVED, S.PAID)), Decimal(0)),
        "paid": len(paid_days),
        "paid_early": sum(r.status == S.PAID and r.payout.paid_on < r.policy.scheduled_payout_on for r in rows),
        "amount_paid": sum((r.payout.amount for r in rows if r.status == S.PAID), Decimal(0)),
        "median_days": statistics.median(paid_days) if paid_days else None,
    }


def _as_dict(row) -> dict:
    return {
        name: getattr(row, name)
        for name in (
            "applications",
            "approved",
            "rejected",
            "waiting",
            "amount_approved",
            "paid",
            "paid_early",
            "amount_paid",
            "median_days",
        )
    }


def _rows(**filters):
    return list(PolicyApplication.objects.filter(**filters).select_related("payout", "policy"))


def test_the_figures_equal_a_recount_per_policy_per_district_and_in_total(commander):
    policies, districts = _world()
    figures = policy_figures(commander)
    assert _as_dict(figures["total"]) == _recount(_rows())
    assert figures["total"].paid_early > 0 and figures["total"].paid > figures["total"].paid_early
    for policy, row in figures["policies"]:
        assert _as_dict(row) == _recount(_rows(policy=policy)), policy
    for district, row in figures["districts"]:
        assert _as_dict(row) == _recount(_rows(district=district)), district
    for policy, district, row in figures["cells"]:
        assert _as_dict(row) == _recount(_rows(policy=policy, district=district))
    assert {p for p, _row in figures["policies"]} == set(policies)


def test_a_district_sees_its_own_figures_and_an_authority_those_routed_to_it(commander):
    _policies, districts = _world()
    staff = UserFactory(district_staff=True, district=districts[0])
    figures = policy_figures(staff)
    assert [d for d, _row in figures["districts"]] == [districts[0]]
    assert _as_dict(figures["total"]) == _recount(_rows(district=districts[0]))
    health = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))
    assert policy_figures(health)["total"].applications == 0


def test_the_workbook_holds_the_page_figures(client, commander):
    _world()
    client.force_login(commander)
    figures = client.get(reverse("policies:figures")).context["figures"]
    response = client.get(reverse("policies:figures_export"))
    assert response.status_code == 200
    book = open_workbook(response.content)
    assert book.sheetnames == ["按政策", "按属地", "政策分属地"]
    sheet = book["按政策"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["政策", "申请(件)", "批准(件)", "不予支持(件)"]
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    by_title = {row[0]: row for row in body}
    for policy, row in figures["policies"]:
        line = by_title[policy.title]
        assert line[1:4] == [row.applications, row.approved, row.rejected]
        assert Decimal(str(line[5])) == row.amount_approved and Decimal(str(line[8])) == row.amount_paid
        assert line[7] == row.paid_early and line[9] == row.median_days
    total = by_title["合计"]
    assert total[1] == figures["total"].applications and total[6] == figures["total"].paid


def test_the_figures_page_keeps_its_query_count(client, commander):
    _world(seed=1)
    client.force_login(commander)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("policies:figures"))
    _world(seed=2)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("policies:figures"))
    assert len(after) == len(before), "\n".join(q["sql"] for q in after.captured_queries)


def test_enterprises_have_no_figures_page(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    assert client.get(reverse("policies:figures")).status_code == 403
    assert client.get(reverse("policies:figures_export")).status_code == 403


def test_the_figures_are_kept_until_an_application_changes(commander, enterprise_user_a, district_staff_a):
    application = submitted(enterprise_user_a)
    assert policy_figures(commander)["total"].waiting == 1
    with CaptureQueriesContext(connection) as cached:
        assert policy_figures(commander)["total"].waiting == 1
    assert not any("policies_policyapplication" in q["sql"] for q in cached.captured_queries)
    services.policy_application_approve(application=application, approved_by=district_staff_a, amount=Decimal("1000"))
    total = policy_figures(commander)["total"]
    assert (total.waiting, total.approved, total.amount_approved) == (0, 1, Decimal("1000"))


@given(st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=60))
def test_the_median_read_from_a_histogram_is_the_median_of_the_values(values):
    from collections import Counter

    from policies.selectors import _histogram_median

    assert _histogram_median(Counter(values)) == statistics.median(values)
