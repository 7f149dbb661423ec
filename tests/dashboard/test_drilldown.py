"""Every figure links to the enterprises behind it: scoped, filterable and exportable."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dashboard import selectors
from dashboard.drilldown import DRILLS
from dashboard.forms import MSG_UNKNOWN_INDUSTRY_CODE
from dashboard.views import MSG_EXPORT_BAD_FILTER
from tests.dashboard.conftest import DAY, capacity, enterprise, report
from tests.excel_helpers import open_workbook

pytestmark = pytest.mark.django_db

# Figure: the list that holds the enterprises it counts.
COUNTED = {
    "expected": "active",
    "should": "should",
    "filed": "filed",
    "resumed": "resumed",
    "not_filed": "not_filed",
    "above_scale_resumed": "above_scale_resumed",
    "reported": "reported",
    "not_reported": "not_reported",
    "late": "late",
    "above_scale_reporting": "capacity_reported",
    "low_capacity": "low_capacity",
}


def _list(client, user, **params):
    client.force_login(user)
    response = client.get(f"{reverse('dashboard:enterprises')}?{urlencode(params)}")
    assert response.status_code == 200
    return response


def _names(response) -> set[str]:
    return {e.name for e in response.context["page"]}


@pytest.mark.parametrize("figure", sorted(COUNTED))
def test_each_figures_list_holds_exactly_the_enterprises_it_counts(client, known, commander, figure):
    areas = selectors.city_figures(DAY)["areas"]
    for district in (None, known.a, known.b):
        params = {"figure": COUNTED[figure], **({"district": district.pk} if district else {})}
        count = _list(client, commander, **params).context["page"].paginator.count
        assert count == areas[district.pk if district else None]["now"][figure], (figure, district)


def test_not_resumed_lists_those_that_should_resume_and_have_not(client, known, commander):
    assert _names(_list(client, commander, figure="not_resumed")) == {"张浦二号", "张浦食品", "开发区仓储"}


def test_the_industry_views_lists_hold_its_industries_only(client, known, authority_staff, commander):
    theirs = {"张浦一号", "张浦二号", "张浦三号", "张浦食品", "开发区一号"}
    assert _names(_list(client, authority_staff, figure="should")) == theirs
    assert _names(_list(client, commander, figure="should", authority=known.gxj.pk)) == theirs


def test_district_staff_see_only_their_district_whatever_the_link_says(client, known, district_staff_a):
    assert _names(_list(client, district_staff_a, figure="not_reported", district=known.b.pk)) == {
        "张浦三号",
        "张浦食品",
    }


def test_an_industry_code_at_any_level_narrows_the_list(client, known, commander):
    assert _names(_list(client, commander, figure="should", industry="36")) == {"张浦一号", "张浦二号"}
    assert _names(_list(client, commander, figure="should", industry="3484")) == {"张浦三号"}
    assert _names(_list(client, commander, industry="c")) == {
        "张浦一号",
        "张浦二号",
        "张浦三号",
        "张浦食品",
        "张浦待确认",
        "开发区一号",
    }


def test_the_rows_show_filing_report_and_capacity(client, known, commander):
    html = _list(client, commander, figure="above_scale_resumed").content.decode()
    assert "张浦一号" in html and "45.0%" in html and "未报" in html  # a3 has no report today


@pytest.mark.parametrize(
    ("params", "field"),
    [({"industry": "9999"}, "industry"), ({"figure": "nonsense"}, "figure"), ({"district": "999999"}, "district")],
)
def test_a_bad_filter_shows_its_error_and_no_list(client, known, commander, params, field):
    response = _list(client, commander, **params)
    assert response.context["page"] is None
    assert field in response.context["form"].errors
    if field == "industry":
        assert response.context["form"].errors["industry"] == [str(MSG_UNKNOWN_INDUSTRY_CODE)]
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_a_bad_filter_is_not_exported(client, known, commander):
    client.force_login(commander)
    response = client.get(f"{reverse('dashboard:enterprises_export')}?industry=9999", follow=True)
    assert response.redirect_chain[0][1] == 302
    assert str(MSG_EXPORT_BAD_FILTER) in [str(m) for m in response.context["messages"]]


def test_the_export_holds_the_figures_enterprises_in_the_registry_layout(client, known, commander):
    client.force_login(commander)
    response = client.get(f"{reverse('dashboard:enterprises_export')}?figure=not_filed")
    assert response.status_code == 200
    sheet = open_workbook(b"".join(response.streaming_content) if response.streaming else response.content).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == str(DRILLS["not_filed"])
    header = next(i for i, row in enumerate(rows) if row[0] == "统一社会信用代码")
    exported = {row[1] for row in rows[header + 1 :] if row[0]}
    assert exported == {"张浦食品", "开发区仓储"}
    assert {row[2] for row in rows[header + 1 :] if row[0]} == {"张浦镇", "昆山开发区"}


@pytest.mark.parametrize("role_user", ["enterprise_user_a", "checkpoint_staff"])
def test_roles_without_a_dashboard_get_403_for_the_lists(client, known, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(reverse("dashboard:enterprises")).status_code == 403
    assert client.get(reverse("dashboard:enterprises_export")).status_code == 403


def test_the_list_runs_the_same_queries_for_5_and_50_rows(client, known, commander, django_assert_max_num_queries):
    url = f"{reverse('dashboard:enterprises')}?figure=reported"
    client.force_login(commander)
    client.get(url)
    with django_assert_max_num_queries(11):
        assert client.get(url).context["page"].paginator.count == 4
    for _ in range(46):
        owner = enterprise(known.a, "3670", above=True)
        report(owner, known.staff, DAY, 10, 5, 5)
        capacity(owner, known.staff, DAY, "60.0")
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.context["page"].paginator.count == 50 and len(response.context["page"]) == 50
