"""件件有答复: the figures equal a recount from the request rows, on the dashboards and in the daily workbook."""

import datetime as dt
from statistics import median

import pytest
from django.urls import reverse
from django.utils import timezone

from service_requests import services
from service_requests.models import ServiceRequest
from service_requests.selectors import COUNTED, DIMENSIONS, request_figures
from tests.excel_helpers import open_workbook
from tests.factories import EnterpriseFactory, UserFactory
from tests.service_requests.helpers import answered, closed, raised

pytestmark = pytest.mark.django_db


@pytest.fixture
def mix(enterprise_user_a, official_a, linkage_a, district_b):
    """Requests in every state in two districts."""
    other = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_b))
    raised(enterprise_user_a)
    raised(enterprise_user_a, category="overreach")
    lapsed = raised(enterprise_user_a, category="finance")
    services.service_requests_escalate_overdue(now=lapsed.due_at + dt.timedelta(minutes=1))
    answered(enterprise_user_a, official_a, category="policy")
    closed(enterprise_user_a, official_a, rating="unsatisfied")
    closed(enterprise_user_a, official_a, rating="basic", category="supply")
    deemed = answered(enterprise_user_a, official_a, category="other")
    services.service_requests_close_unconfirmed(now=deemed.confirm_due_at + dt.timedelta(minutes=1))
    raised(other)  # nobody at any tier in 开发区: the district handles it
    return other


def recount(rows, key_of, now):
    """The figures, counted row by row in Python."""
    groups = {}
    for r in rows:
        g = groups.setdefault(key_of(r), dict.fromkeys(COUNTED, 0) | {"minutes": []})
        g["received"] += 1
        g["answered"] += r.first_answered_at is not None
        g["on_time"] += r.first_answered_at is not None and r.answered_on_time
        g["escalated"] += r.first_escalated_at is not None
        g["closed"] += r.closed_at is not None
        g["satisfied"] += r.closed_at is not None and r.rating == "satisfied" and not r.deemed_satisfied
        g["basic"] += r.rating == "basic"
        g["unsatisfied"] += r.rating == "unsatisfied"
        g["deemed"] += r.deemed_satisfied
        g["overdue"] += r.status in ("submitted", "accepted", "reopened") and r.due_at < now
        if r.minutes_to_answer is not None:
            g["minutes"].append(r.minutes_to_answer)
    for g in groups.values():
        minutes = g.pop("minutes")
        g["median_minutes"] = float(median(minutes)) if minutes else None
    return groups


def test_the_figures_equal_a_recount_from_the_rows(mix):
    now = timezone.now() + dt.timedelta(days=60)  # everything has happened, the open ones are past deadline
    figures = request_figures(ServiceRequest.objects.all(), until=now)
    rows = list(ServiceRequest.objects.all())
    for name, field in DIMENSIONS.items():
        expected = recount([r for r in rows if getattr(r, field) is not None], lambda r, f=field: getattr(r, f), now)
        got = {row["key"]: {k: row[k] for k in (*COUNTED, "median_minutes")} for row in figures[name]}
        assert got == expected, name
    total = recount(rows, lambda r: None, now)[None]
    assert {k: figures["totals"][k] for k in COUNTED} == {k: total[k] for k in COUNTED}
    assert figures["totals"]["received"] == 8 and figures["totals"]["deemed"] == 2
    assert figures["totals"]["satisfaction_rate"] == 3 / 4  # basic and two deemed of four closed


def test_a_district_sees_its_own_figures_and_the_daily_workbook_has_the_same(client, mix, district_staff_a, zhangpu):
    from workforce.services import daily_summary_build
    from workforce.workbook import daily_summary_workbook

    today = timezone.localdate()
    daily_summary_build(day=today)
    figures = request_figures(ServiceRequest.objects.all(), district_id=zhangpu.pk)
    assert figures["totals"]["received"] == 7
    book = open_workbook(daily_summary_workbook(day=today, district=zhangpu))
    assert book.sheetnames[-1] == "企业诉求"
    sheet = book["企业诉求"]
    line = next(r for r in sheet.iter_rows(values_only=True) if r[0] == zhangpu.name)
    assert list(line[1:10]) == [
        figures["totals"][k]
        for k in (
            "received",
            "answered",
            "on_time",
            "escalated",
            "closed",
            "satisfied",
            "basic",
            "unsatisfied",
            "deemed",
        )
    ]
    client.force_login(district_staff_a)
    page = client.get(reverse("dashboard:district", kwargs={"pk": zhangpu.pk})).content.decode()
    assert 'data-testid="request-figures"' in page
    city = open_workbook(daily_summary_workbook(day=today))
    assert "企业诉求" in city.sheetnames


def test_the_figures_run_the_same_queries_at_any_scale(mix, enterprise_user_a, official_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            request_figures(ServiceRequest.objects.all())
        return len(captured.captured_queries)

    before = count()
    for category in ("labour", "supply", "logistics", "access"):
        closed(enterprise_user_a, official_a, category=category)
    assert count() == before
