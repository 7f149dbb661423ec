"""The peak-hour flow on the dashboards: the district's chart and the city's table, agreeing with the check log."""

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from tests.passes.test_flow import log_checks, make_gates, now, recount

pytestmark = pytest.mark.django_db


@pytest.fixture
def gates():
    with time_machine.travel(now(), tick=False):
        yield make_gates()


def test_the_district_chart_draws_its_busiest_entrances_from_the_log(client, gates, district_staff_a):
    log_checks(gates, seed=11, per_day=5)
    district = gates["east"].community.district
    client.force_login(district_staff_a)
    data = client.get(reverse("dashboard:district_data", kwargs={"pk": district.pk, "chart": "flow"})).json()
    _total, _hours, expected = recount(district.pk)
    assert data["kind"] == "line" and len(data["x"]) == 96 and data["x"][29] == "07:15"
    names = {gates[k].pk: f"{gates[k].community.name} · {gates[k].name}" for k in ("east", "south", "village")}
    assert {s["name"] for s in data["series"]} == set(names.values())  # not 开发区's gate
    by_name = {s["name"]: sum(s["data"]) for s in data["series"]}
    assert by_name == {names[pk]: expected[pk][0] for pk in names}


def test_the_city_has_no_flow_chart_but_a_table(client, gates, commander):
    log_checks(gates, seed=12, per_day=3)
    client.force_login(commander)
    assert client.get(reverse("dashboard:city_data", kwargs={"chart": "flow"})).status_code == 404
    html = client.get(reverse("dashboard:city")).content.decode()
    assert 'data-testid="flow-table"' in html
    _total, _hours, expected = recount(None)
    for key in ("east", "kfq"):
        assert f'data-entrance="{gates[key].pk}"' in html
    east_total = expected[gates["east"].pk][0]
    row = html.split(f'data-entrance="{gates["east"].pk}"')[1].split("</tr>")[0]
    assert f">{east_total}<" in row


def test_the_district_page_shows_its_own_entrances_only(client, gates, district_staff_a):
    log_checks(gates, seed=13, per_day=3)
    client.force_login(district_staff_a)
    html = client.get(
        reverse("dashboard:district", kwargs={"pk": gates["east"].community.district_id})
    ).content.decode()
    assert f'data-entrance="{gates["east"].pk}"' in html and f'data-entrance="{gates["kfq"].pk}"' not in html


@pytest.mark.parametrize("per_day", [2, 30])
def test_the_flow_chart_runs_the_same_queries_whatever_the_volume(
    client, gates, district_staff_a, per_day, django_assert_max_num_queries
):
    log_checks(gates, seed=14, per_day=per_day)
    url = reverse("dashboard:district_data", kwargs={"pk": gates["east"].community.district_id, "chart": "flow"})
    client.force_login(district_staff_a)
    client.get(url)
    cache.clear()
    # session, user, the district, the nine flow queries (passes.selectors.flow)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_another_districts_flow_chart_is_404(client, gates, district_staff_b, checkpoint_staff):
    url = reverse("dashboard:district_data", kwargs={"pk": gates["east"].community.district_id, "chart": "flow"})
    client.force_login(district_staff_b)
    assert client.get(url).status_code == 404
    client.force_login(checkpoint_staff)
    assert client.get(url).status_code == 404
