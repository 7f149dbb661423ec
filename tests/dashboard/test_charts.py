"""The chart endpoints' data against values computed by hand from the city in conftest.py."""

import datetime as dt

import pytest
from django.urls import reverse

from reference.models import District
from tests.dashboard.conftest import enterprise

pytestmark = pytest.mark.django_db

DAYS = 30  # 9 February … 9 March
MARCH_1 = DAYS - 1 - 8


def _chart(client, user, name, chart, **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"chart": chart, **kwargs}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_resumption_rate_over_time_per_district_and_city(client, known, commander):
    data = _chart(client, commander, "dashboard:city_data", "resumption")
    assert (data["kind"], data["unit"], len(data["x"]), data["x"][-1]) == ("line", "%", DAYS, "3/9")
    lines = {series["name"]: series for series in data["series"]}
    assert list(lines) == ["全市", "昆山开发区", "张浦镇"]  # the city first, then districts in their order
    assert lines["全市"]["total"] and lines["全市"]["data"][-2:] == [33.3, 50.0]  # 2/6 then 3/6
    assert lines["张浦镇"]["data"][-2:] == [25.0, 50.0]  # a1 resumed on the 8th, a3 today
    assert lines["昆山开发区"]["data"][MARCH_1 - 1 : MARCH_1 + 1] == [0.0, 50.0]  # b1 on 1 March


def test_workforce_rates_come_from_the_summaries_and_todays_live_figures(client, known, commander):
    data = _chart(client, commander, "dashboard:city_data", "workforce")
    lines = {series["name"]: series["data"] for series in data["series"]}
    assert lines["返岗率"][-3:] == [None, 70.0, 75.0]  # no summary on the 7th; 210/300; 270/360
    assert lines["在岗率"][-2:] == [50.0, 55.6]
    assert lines["报送率"][-2:] == [28.6, 57.1]  # 2/7 and 4/7
    assert lines["规上平均产能利用率"][-2:] == [62.5, 71.8]


def test_capacity_distribution_counts_todays_above_scale_reports(client, known, commander, district_staff_a):
    city = _chart(client, commander, "dashboard:city_data", "capacity")
    assert city["x"][0] == "0–10%" and city["x"][-1] == "≥100%"
    assert city["series"][0]["data"] == [0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0]
    own = _chart(client, district_staff_a, "dashboard:district_data", "capacity", pk=known.a.pk)
    assert own["series"][0]["data"] == [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]


def test_checks_per_hour_today(client, known, commander, district_staff_a):
    city = _chart(client, commander, "dashboard:city_data", "checks")
    (series,) = city["series"]
    assert (city["x"][8], series["data"][8], series["data"][9], sum(series["data"])) == ("8时", 4, 1, 5)
    own = _chart(client, district_staff_a, "dashboard:district_data", "checks", pk=known.a.pk)
    assert (own["series"][0]["data"][8], own["series"][0]["data"][9], sum(own["series"][0]["data"])) == (3, 1, 4)


def test_the_ranking_highlights_the_last_place_and_nobody_when_all_tie(client, known, commander):
    tied = _chart(client, commander, "dashboard:city_data", "ranking")
    assert tied["series"][0]["data"] == [50.0, 50.0] and tied["highlight"] == []
    from django.core.cache import cache

    cache.clear()
    enterprise(District.objects.get(code="zhoushi"), "3670")  # should resume, has not
    ranked = _chart(client, commander, "dashboard:city_data", "ranking")
    assert ranked["x"][-1] == "周市镇" and ranked["series"][0]["data"][-1] == 0.0
    assert ranked["highlight"] == [2]


def test_the_industry_views_charts_cover_its_industries(client, known, authority_staff):
    data = _chart(client, authority_staff, "dashboard:industry_data", "resumption", pk=known.gxj.pk)
    assert data["series"][0]["name"] == "合计" and data["series"][0]["data"][-1] == 60.0  # 3 of 5
    ranking = _chart(client, authority_staff, "dashboard:industry_data", "ranking", pk=known.gxj.pk)
    assert dict(zip(ranking["x"], ranking["series"][0]["data"], strict=True)) == {"昆山开发区": 100.0, "张浦镇": 50.0}
    assert ranking["highlight"] == [1]


def test_an_enterprise_with_two_filings_in_effect_counts_once_from_its_first_resumption(client, known, commander):
    from filings.models import Filing
    from tests.dashboard.conftest import YESTERDAY, at, filing

    # a1's approved filing says it resumed on the 8th; its later filing, also in effect, says the 6th.
    filing(
        known.a1,
        known.staff,
        Filing.Status.SUBMITTED,
        submitted=at(YESTERDAY, 9),
        resumed=YESTERDAY - dt.timedelta(days=2),
    )
    lines = {s["name"]: s["data"] for s in _chart(client, commander, "dashboard:city_data", "resumption")["series"]}
    assert lines["张浦镇"][-5:] == [0.0, 25.0, 25.0, 25.0, 50.0]  # a1 once, from the 6th; a3 today
