"""The enterprises without a daily report on a day, as a workbook for district staff: scoped, streamed."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EnterpriseFactory
from workforce.models import WorkforceReport
from workforce.views import MSG_EXPORT_DAY

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2020, 3, 9)
URL = reverse("workforce:not_reported_export")


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _report(enterprise, user, day=DAY):
    return WorkforceReport.objects.create(
        enterprise=enterprise,
        day=day,
        submitted_by=user,
        submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI),
        total_employees=100,
        returned=80,
        on_duty=70,
        away_high=2,
        away_medium=8,
        away_low=10,
        in_quarantine=5,
        returned_today=6,
        returned_today_high=0,
        returned_today_medium=1,
    )


def _names(response) -> list[str]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]


def test_district_staff_export_their_enterprises_without_a_report_that_day(
    client, enterprise_a, enterprise_user_a, enterprise_b, district_a, district_staff_a
):
    silent = EnterpriseFactory(district=district_a, name="=张浦未报企业")
    _report(enterprise_a, enterprise_user_a)
    _report(silent, enterprise_user_a, day=DAY + dt.timedelta(days=1))  # reported the next day only
    client.force_login(district_staff_a)
    status_page = client.get(reverse("workforce:status")).content.decode()
    assert URL in status_page and 'data-testid="not-reported-export"' in status_page
    names = _names(client.get(URL, {"day": DAY.isoformat()}))
    # enterprise_b is another district's; the name that looks like a formula stays text.
    assert names == ["'=张浦未报企业"]
    assert _names(client.get(URL)) == [enterprise_a.name]  # today (10 March) by default


def test_a_commander_exports_the_city_or_one_district(client, enterprise_a, enterprise_b, commander, district_a):
    client.force_login(commander)
    assert sorted(_names(client.get(URL, {"day": DAY.isoformat()}))) == sorted([enterprise_a.name, enterprise_b.name])
    assert _names(client.get(URL, {"day": DAY.isoformat(), "district": district_a.pk})) == [enterprise_a.name]


@pytest.mark.parametrize("day", ["2020-03-11", "2020-13-01", "yesterday"])
def test_a_future_or_unreadable_day_is_refused_with_the_reason(client, district_staff_a, day):
    client.force_login(district_staff_a)
    response = client.get(URL, {"day": day}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("workforce:status")
    assert str(MSG_EXPORT_DAY) in response.content.decode()


def test_the_export_is_for_district_staff_and_headquarters(client, enterprise_user_a, checkpoint_staff):
    for user in (enterprise_user_a, checkpoint_staff):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_the_export_costs_the_same_queries_at_any_length(
    client, district_a, district_staff_a, django_assert_max_num_queries
):
    EnterpriseFactory(district=district_a)
    client.force_login(district_staff_a)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    EnterpriseFactory.create_batch(8, district=district_a)
    with django_assert_max_num_queries(len(one)):
        assert len(_names(client.get(URL))) == 9
