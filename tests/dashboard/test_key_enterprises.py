"""Clause 6: key enterprises and chain leaders carry their own returnees, on-duty counts and capacity in the daily
summary, the workbook and the dashboards, each equal to a recount of their reports."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard import selectors
from enterprises.models import Enterprise
from reference.models import District
from tests.dashboard.conftest import DAY, YESTERDAY, capacity, enterprise, report
from tests.excel_helpers import open_workbook
from tests.factories import UserFactory
from tests.workforce.test_workbook import figures as workbook_figures
from workforce.models import CapacityReport, DailySummary, WorkforceReport
from workforce.services import daily_summary_build
from workforce.workbook import daily_summary_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db, clock):
    a, b = District.objects.get(code="zhangpu"), District.objects.get(code="kfq")
    staff = UserFactory(district_staff=True, district=a)
    key = enterprise(a, "3670", above=True, name="张浦重点")
    leader = enterprise(a, "3484", name="张浦龙头")  # not above scale: no capacity report
    both = enterprise(b, "3982", above=True, name="开发区重点龙头")
    plain = enterprise(a, "3670", above=True, name="张浦普通")
    silent = enterprise(b, "3670", above=True, name="开发区未报重点")
    pending = enterprise(a, "3670", above=True, status=Enterprise.Status.PENDING, name="张浦待确认重点")
    Enterprise.objects.filter(pk__in=[key.pk, both.pk, silent.pk, pending.pk]).update(is_key=True)
    Enterprise.objects.filter(pk__in=[leader.pk, both.pk]).update(is_chain_leader=True)
    report(key, staff, YESTERDAY, 100, 60, 40)
    daily_summary_build(day=YESTERDAY)
    report(key, staff, DAY, 100, 80, 70, today=5)
    report(leader, staff, DAY, 40, 30, 20, today=2)
    report(both, staff, DAY, 300, 250, 240, today=9)
    report(plain, staff, DAY, 500, 100, 90)
    report(pending, staff, DAY, 900, 900, 900)
    capacity(key, staff, DAY, "70.0")
    capacity(both, staff, DAY, "91.5")
    capacity(plain, staff, DAY, "30.0")
    capacity(pending, staff, DAY, "99.0")
    daily_summary_build(day=DAY)
    return {"a": a, "b": b}


def _recount(district: District | None) -> dict:
    """The key figures counted one report at a time, as a person would with the reports in hand."""
    reports = [
        r
        for r in WorkforceReport.objects.filter(day=DAY).select_related("enterprise")
        if r.enterprise.status == Enterprise.Status.ACTIVE
        and (r.enterprise.is_key or r.enterprise.is_chain_leader)
        and (district is None or r.enterprise.district_id == district.pk)
    ]
    percents = [
        c.capacity_percent
        for c in CapacityReport.objects.filter(day=DAY).select_related("enterprise")
        if c.enterprise.status == Enterprise.Status.ACTIVE
        and c.enterprise.is_above_scale
        and (c.enterprise.is_key or c.enterprise.is_chain_leader)
        and (district is None or c.enterprise.district_id == district.pk)
    ]
    watched = [
        e
        for e in Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
        if (e.is_key or e.is_chain_leader) and (district is None or e.district_id == district.pk)
    ]
    return {
        "key_expected": len(watched),
        "key_reported": len(reports),
        "key_employees": sum(r.total_employees for r in reports),
        "key_returned": sum(r.returned for r in reports),
        "key_on_duty": sum(r.on_duty for r in reports),
        "key_returned_today": sum(r.returned_today for r in reports),
        "key_capacity_reporting": len(percents),
        "key_capacity_mean": (sum(percents) / len(percents)).quantize(Decimal("0.1")) if percents else None,
    }


@pytest.mark.parametrize("area", ["a", "b", None])
def test_the_summary_key_figures_equal_a_recount(city, area):
    district = city[area] if area else None
    row = DailySummary.objects.get(day=DAY, district=district)
    recount = _recount(district)
    assert {name: getattr(row, name) for name in recount} == recount


def test_the_recount_is_not_trivial(city):
    row = DailySummary.objects.get(day=DAY, district=None)
    # key + leader + both (once), not the pending one nor the plain one.
    assert (row.key_expected, row.key_reported, row.key_returned, row.key_on_duty) == (4, 3, 360, 330)
    assert (row.key_capacity_reporting, row.key_capacity_mean) == (2, Decimal("80.8"))
    assert row.returned == 460  # everyone's figure still counts the plain enterprise


@pytest.mark.parametrize(("sheet", "area"), [("全市", None), ("张浦镇", "a"), ("昆山开发区", "b")])
def test_the_workbook_and_the_dashboard_show_the_same_key_figures(city, sheet, area):
    district = city[area] if area else None
    recount = _recount(district)
    cells = workbook_figures(open_workbook(daily_summary_workbook(day=DAY))[sheet])
    now = selectors.city_figures(DAY)["areas"][district.pk if district else None]["now"]
    assert cells["重点企业: 已报"][0].value == now["key_reported"] == recount["key_reported"]
    assert cells["重点企业: 累计返昆"][0].value == now["key_returned"] == recount["key_returned"]
    assert cells["重点企业: 今日在岗"][0].value == now["key_on_duty"] == recount["key_on_duty"]
    mean = recount["key_capacity_mean"]
    assert now["key_capacity_mean"] == mean
    assert cells["重点企业: 平均产能利用率 (%)"][0].value == (
        None if mean is None else pytest.approx(float(mean) / 100)
    )
    rate = recount["key_on_duty"] / recount["key_employees"] if recount["key_employees"] else None
    assert now["key_on_duty_rate"] == rate
    assert cells["重点企业: 在岗率 (%)"][0].value == (None if rate is None else pytest.approx(rate))


def test_the_change_on_the_day_compares_with_yesterdays_summary(city):
    cells = workbook_figures(open_workbook(daily_summary_workbook(day=DAY))["全市"])
    area = selectors.city_figures(DAY)["areas"][None]
    assert cells["重点企业: 累计返昆"][1].value == 360 - 60
    assert area["now"]["key_returned"] - area["before"]["key_returned"] == 360 - 60


def test_the_city_dashboard_shows_the_key_group_and_its_drill_down_lists_them(client, city):
    commander = UserFactory(role="commander")
    client.force_login(commander)
    page = client.get(reverse("dashboard:city")).content.decode()
    assert "重点企业和产业链龙头企业" in page and "重点企业累计返昆" in page
    drill = client.get(reverse("dashboard:enterprises") + "?figure=key_reported").content.decode()
    assert "张浦重点" in drill and "开发区重点龙头" in drill and "张浦龙头" in drill
    assert "张浦普通" not in drill and "开发区未报重点" not in drill


def test_the_dashboard_query_count_does_not_grow_with_key_enterprises(city):
    """The key figures ride on the queries that already run: the compute costs the same with more of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        selectors.city_figures_refresh(DAY)
    staff = UserFactory(district_staff=True, district=city["a"])
    for n in range(5):
        e = enterprise(city["a"], "3670", above=True, name=f"张浦新重点{n}")
        Enterprise.objects.filter(pk=e.pk).update(is_key=True)
        report(e, staff, DAY, 10, 5, 5)
        capacity(e, staff, DAY, "50.0")
    with CaptureQueriesContext(connection) as after:
        selectors.city_figures_refresh(DAY)
    assert len(after) == len(before)
