"""The dashboard's figures against values computed by hand from the city in conftest.py."""

from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.figures import ranks
from tests.dashboard.conftest import DAY
from workforce.resumption import resumption_progress

pytestmark = pytest.mark.django_db


def _pick(figures: dict, *keys) -> dict:
    return {key: figures[key] for key in keys}


def test_resumption_figures_by_hand(known):
    areas = selectors.city_figures(DAY)["areas"]
    keys = ("total", "should", "filed", "resumed", "not_filed", "above_scale_should", "above_scale_resumed")
    # a4 is a cinema (restricted), a5 has only a draft, a6 is not confirmed (not counted at all).
    assert _pick(areas[known.a.pk]["now"], *keys) == {
        "total": 5,
        "should": 4,
        "filed": 3,
        "resumed": 2,
        "not_filed": 1,
        "above_scale_should": 2,
        "above_scale_resumed": 2,
    }
    assert _pick(areas[known.b.pk]["now"], *keys) == {
        "total": 2,
        "should": 2,
        "filed": 1,
        "resumed": 1,
        "not_filed": 1,
        "above_scale_should": 1,
        "above_scale_resumed": 1,
    }
    assert _pick(areas[None]["now"], *keys) == {
        "total": 7,
        "should": 6,
        "filed": 4,
        "resumed": 3,
        "not_filed": 2,
        "above_scale_should": 3,
        "above_scale_resumed": 3,
    }
    assert areas[known.a.pk]["now"]["resumption_rate"] == 2 / 4
    assert areas[None]["now"]["resumption_rate"] == 3 / 6


def test_yesterday_counts_filings_sent_before_today_and_resumptions_up_to_yesterday(known):
    areas = selectors.city_figures(DAY)["areas"]
    # a3 was filed and resumed today; a2 was filed yesterday.
    assert _pick(areas[known.a.pk]["before"], "should", "filed", "resumed", "above_scale_resumed") == {
        "should": 4,
        "filed": 2,
        "resumed": 1,
        "above_scale_resumed": 1,
    }
    assert areas[None]["before"]["resumption_rate"] == 2 / 6


def test_resumption_figures_equal_the_landing_pages_progress(known, commander):
    progress = resumption_progress(commander, DAY)
    areas = selectors.city_figures(DAY)["areas"]
    for row in progress["rows"]:
        mine = areas[row["district"].pk]["now"]
        assert (mine["should"], mine["filed"], mine["resumed"]) == (row["should"], row["filed"], row["resumed"])
    assert areas[None]["now"]["should"] == progress["totals"]["should"]


def test_workforce_figures_by_hand(known):
    areas = selectors.city_figures(DAY)["areas"]
    keys = (
        "expected",
        "reported",
        "not_reported",
        "late",
        "employees",
        "returned",
        "on_duty",
        "in_quarantine",
        "returned_today",
    )
    assert _pick(areas[known.a.pk]["now"], *keys) == {
        "expected": 5,
        "reported": 3,
        "not_reported": 2,
        "late": 1,
        "employees": 160,
        "returned": 120,
        "on_duty": 80,
        "in_quarantine": 4,
        "returned_today": 3,
    }
    assert _pick(areas[None]["now"], *keys) == {
        "expected": 7,
        "reported": 4,
        "not_reported": 3,
        "late": 1,
        "employees": 360,
        "returned": 270,
        "on_duty": 200,
        "in_quarantine": 14,
        "returned_today": 8,
    }
    city = areas[None]["now"]
    assert (city["return_rate"], city["on_duty_rate"], city["report_rate"]) == (270 / 360, 200 / 360, 4 / 7)


def test_capacity_figures_by_hand(known):
    areas = selectors.city_figures(DAY)["areas"]
    a, city = areas[known.a.pk], areas[None]
    assert _pick(a["now"], "above_scale_reporting", "capacity_mean", "capacity_median", "low_capacity") == {
        "above_scale_reporting": 2,
        "capacity_mean": Decimal("62.5"),
        "capacity_median": Decimal("62.5"),
        "low_capacity": 1,
    }
    # (45 + 80 + 90.5) / 3 = 71.83…
    assert (city["now"]["capacity_mean"], city["now"]["capacity_median"]) == (Decimal("71.8"), Decimal("80.0"))
    assert a["before"]["low_capacity"] == 1 and city["before"]["low_capacity"] == 1
    # 40-50: a1; 80-90: a3; 90-100: b1.
    assert city["buckets"] == [0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0]


def test_yesterdays_workforce_figures_come_from_yesterdays_summary(known):
    a = selectors.city_figures(DAY)["areas"][known.a.pk]
    assert _pick(a["before"], "expected", "reported", "employees", "returned", "on_duty") == {
        "expected": 5,
        "reported": 1,
        "employees": 100,
        "returned": 70,
        "on_duty": 50,
    }
    assert a["before"]["capacity_mean"] == Decimal("40.0")


def test_pass_and_check_figures_by_hand(known):
    areas = selectors.city_figures(DAY)["areas"]
    a, b, city = areas[known.a.pk], areas[known.b.pk], areas[None]
    # A: p1, p2 valid, p3 revoked, p4 only applied. B: p5 past its last day, not yet expired by the job.
    assert _pick(a["now"], "passes_issued", "passes_valid", "passes_issued_today") == {
        "passes_issued": 3,
        "passes_valid": 2,
        "passes_issued_today": 1,
    }
    assert _pick(b["now"], "passes_issued", "passes_valid") == {"passes_issued": 1, "passes_valid": 0}
    assert (city["now"]["passes_issued"], city["before"]["passes_issued"]) == (4, 3)
    # Checks: 4 in A today (2 yesterday), 1 in B; 1 scanned without a checkpoint counts nowhere.
    assert (a["now"]["checks_today"], a["before"]["checks_today"]) == (4, 2)
    assert (b["now"]["checks_today"], city["now"]["checks_today"], city["before"]["checks_today"]) == (1, 5, 2)


def test_industry_view_counts_only_the_authoritys_industries(known):
    """工信局 guides sections B, C, D and I: a1–a3, a5 and b1 (not the cinema, not the warehouse)."""
    data = selectors.industry_figures(known.gxj, DAY)
    total, a = data["areas"][None]["now"], data["areas"][known.a.pk]["now"]
    assert _pick(total, "total", "should", "filed", "resumed", "expected", "reported", "employees") == {
        "total": 5,
        "should": 5,
        "filed": 4,
        "resumed": 3,
        "expected": 5,
        "reported": 3,
        "employees": 350,
    }
    assert _pick(a, "should", "filed", "resumed", "reported", "employees", "returned", "on_duty") == {
        "should": 4,
        "filed": 3,
        "resumed": 2,
        "reported": 2,
        "employees": 150,
        "returned": 110,
        "on_duty": 80,
    }
    # No summary rows per industry: yesterday is computed from yesterday's reports.
    before = data["areas"][None]["before"]
    assert _pick(before, "reported", "employees", "returned", "capacity_mean") == {
        "reported": 2,
        "employees": 300,
        "returned": 210,
        "capacity_mean": Decimal("62.5"),
    }


def test_industry_view_covers_what_the_authoritys_staff_may_see(known, authority_staff):
    from enterprises.models import Enterprise

    data = selectors.industry_figures(authority_staff.industry_authority, DAY)
    visible = Enterprise.objects.visible_to(authority_staff).filter(status=Enterprise.Status.ACTIVE).count()
    assert data["areas"][None]["now"]["total"] == visible


def test_division_rows_group_by_industry_division(known):
    rows = {row["code"]: row for row in selectors.city_figures(DAY)["divisions"][known.a.pk]}
    assert _pick(rows["36"], "total", "should", "filed", "resumed", "above_scale_reporting") == {
        "total": 2,
        "should": 2,
        "filed": 2,
        "resumed": 1,
        "above_scale_reporting": 1,
    }
    assert rows["87"]["should"] == 0  # the cinema's division (87 文化艺术业… 8760) is restricted
    assert rows["36"]["name"] == "汽车制造业"


def test_equal_shown_rates_share_a_rank_and_missing_ones_are_unranked():
    assert ranks([(1, 0.5), (2, 0.5004), (3, 0.25), (4, None)], "return_rate") == {1: 1, 2: 1, 3: 3}


def test_district_ranks_place_the_district_among_all_districts(known):
    found = {item["key"]: item for item in selectors.district_ranks(known.a.pk, selectors.city_figures(DAY))}
    # Both districts: 50 % resumed; A reports 3/5 = 60 % against B's 1/2 = 50 %; on duty 50 % vs 60 %.
    assert (found["resumption_rate"]["rank"], found["resumption_rate"]["of"]) == (1, 2)
    assert found["report_rate"]["rank"] == 1 and found["on_duty_rate"]["rank"] == 2
    assert found["capacity_mean"]["shown"] == "62.5%"


def test_the_figures_are_cached_per_day_until_they_expire(known, django_assert_num_queries):
    selectors.city_figures(DAY)
    with django_assert_num_queries(0):
        selectors.city_figures(DAY)


def test_a_district_added_within_the_cached_minute_gets_its_figures(known, commander, client):
    from django.urls import reverse

    from reference.models import District

    selectors.city_figures(DAY)
    new = District.objects.create(code="new-town", name="新设镇", kind=District.Kind.TOWN, sort_order=99)
    client.force_login(commander)
    assert client.get(reverse("dashboard:district", kwargs={"pk": new.pk})).status_code == 200


def test_the_minute_refresh_keeps_the_city_figures_ready_and_current(
    known, client, commander, django_assert_max_num_queries
):
    from django.urls import reverse

    from dashboard.tasks import refresh_city_figures
    from tests.dashboard.conftest import report

    refresh_city_figures.delay()
    client.force_login(commander)
    client.get(reverse("portal:home"))  # the first request after logging in also saves the session
    with django_assert_max_num_queries(3):  # session, user, notifications: no figure computed
        assert client.get(reverse("dashboard:city")).status_code == 200
    report(known.a3, known.staff, DAY, 20, 10, 5)
    assert selectors.city_figures(DAY)["areas"][None]["now"]["reported"] == 4  # cached for the minute
    refresh_city_figures.delay()
    assert selectors.city_figures(DAY)["areas"][None]["now"]["reported"] == 5
