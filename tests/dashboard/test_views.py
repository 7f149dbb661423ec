"""Who opens which dashboard, what the pages show, their JSON, their query counts and their CSP hygiene."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reference.models import IndustryAuthority
from tests.dashboard.conftest import DAY, YESTERDAY, capacity, enterprise, filing, make_pass, report

pytestmark = pytest.mark.django_db

# Cold cache: every figure computed; the same number at any size of the data.
# Issue 14 adds the request figures (件件有答复) to the city and district pages, cached like the others: the totals,
# one grouping and its names, and the medians where the database has no percentile function (SQLite).
REQUEST_FIGURE_QUERIES = 4
# Issue 17 adds the peak-hour flow at the entrances (passes.selectors.flow), cached the same way: at most nine queries.
FLOW_QUERIES = 9
CITY_PAGE_QUERIES = 19 + REQUEST_FIGURE_QUERIES + FLOW_QUERIES
DISTRICT_PAGE_QUERIES = 26 + REQUEST_FIGURE_QUERIES + FLOW_QUERIES
INDUSTRY_PAGE_QUERIES = 15


def _get(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


# --- Who may open what --------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["commander", "admin_user"])
def test_commanders_and_administrators_open_the_city_dashboard(client, known, request, role_user):
    response = _get(client, request.getfixturevalue(role_user), reverse("dashboard:city"))
    assert "全市复工复产看板" in response.content.decode()


@pytest.mark.parametrize("role_user", ["district_staff_a", "authority_staff", "enterprise_user_a", "checkpoint_staff"])
def test_other_roles_get_403_for_the_city_dashboard_and_its_data(client, known, request, role_user):
    user = request.getfixturevalue(role_user)
    _get(client, user, reverse("dashboard:city"), 403)
    _get(client, user, reverse("dashboard:city_screen"), 403)
    _get(client, user, reverse("dashboard:city_data", kwargs={"chart": "resumption"}), 403)


def test_the_dashboard_link_takes_each_role_to_its_own_dashboard(
    client, known, commander, district_staff_a, authority_staff, enterprise_user_a
):
    home = reverse("dashboard:home")
    assert _get(client, commander, home, 302)["Location"] == reverse("dashboard:city")
    assert _get(client, district_staff_a, home, 302)["Location"] == reverse(
        "dashboard:district", kwargs={"pk": district_staff_a.district_id}
    )
    assert _get(client, authority_staff, home, 302)["Location"] == reverse(
        "dashboard:industry", kwargs={"pk": authority_staff.industry_authority_id}
    )
    _get(client, enterprise_user_a, home, 403)


def test_district_staff_open_their_own_district_but_not_another(client, known, district_staff_a):
    own = {"pk": known.a.pk}
    other = {"pk": known.b.pk}
    _get(client, district_staff_a, reverse("dashboard:district", kwargs=own))
    for name in ("dashboard:district", "dashboard:district_screen"):
        _get(client, district_staff_a, reverse(name, kwargs=other), 404)
    for chart in ("figures", "resumption", "workforce", "capacity", "checks"):
        _get(client, district_staff_a, reverse("dashboard:district_data", kwargs={**own, "chart": chart}))
        _get(client, district_staff_a, reverse("dashboard:district_data", kwargs={**other, "chart": chart}), 404)


def test_commanders_open_any_district_and_any_authoritys_view(client, known, commander):
    _get(client, commander, reverse("dashboard:district", kwargs={"pk": known.b.pk}))
    _get(client, commander, reverse("dashboard:industry", kwargs={"pk": known.gxj.pk}))


def test_authority_staff_open_their_own_view_but_not_another_authoritys(client, known, authority_staff):
    other = IndustryAuthority.objects.get(code="wjw")
    _get(client, authority_staff, reverse("dashboard:industry", kwargs={"pk": known.gxj.pk}))
    _get(client, authority_staff, reverse("dashboard:industry", kwargs={"pk": other.pk}), 404)
    _get(client, authority_staff, reverse("dashboard:industry_data", kwargs={"pk": other.pk, "chart": "capacity"}), 404)
    _get(client, authority_staff, reverse("dashboard:district", kwargs={"pk": known.a.pk}), 404)


def test_a_chart_the_scope_does_not_have_is_404(client, known, district_staff_a, commander):
    _get(
        client, district_staff_a, reverse("dashboard:district_data", kwargs={"pk": known.a.pk, "chart": "ranking"}), 404
    )
    _get(client, commander, reverse("dashboard:city_data", kwargs={"chart": "nonsense"}), 404)


# --- What the pages show ------------------------------------------------------------------------


def test_the_city_page_shows_headlines_with_changes_links_and_the_countdown(client, known, commander):
    html = _get(client, commander, reverse("dashboard:city")).content.decode()
    resumption = re.search(r'data-testid="figure-resumption_rate".*?</div>\s*</div>', html, re.S).group(0)
    assert "50.0%" in resumption and "+16.7 个百分点" in resumption  # 2/6 yesterday, 3/6 today
    assert "figure=not_resumed" in resumption
    assert "距 3月20日 目标还有 11 天" in html
    for slug in ("resumption", "workforce", "capacity", "checks", "ranking"):
        assert f'data-testid="chart-{slug}"' in html
        assert reverse("dashboard:city_data", kwargs={"chart": slug}) in html
    assert html.count('data-testid="ranking-row"') == 2  # only the districts with enterprises


def test_the_city_ranking_marks_the_last_place_on_the_default_rate_only_when_there_is_one(client, known, commander):
    html = _get(client, commander, reverse("dashboard:city")).content.decode()
    # Both districts have resumed 50 %: a shared first place, no last place.
    assert "dash-last" not in html.split('data-testid="ranking-table"')[1].split("</tbody>")[0]


def test_the_district_page_shows_its_ranks_blockers_and_queues(client, known, district_staff_a):
    html = _get(client, district_staff_a, reverse("dashboard:district", kwargs={"pk": known.a.pk})).content.decode()
    ranks = html.split('data-testid="district-ranks"')[1].split("</section>")[0]
    assert "并列第 1 名" in ranks and "第 2 名" in ranks and ranks.count("共 2 个属地") == 5
    blocking = html.split('data-testid="blocking"')[1]
    assert "张浦食品" in blocking.split('data-testid="blocking-not_filed"')[1].split("</ol>")[0]
    not_reported = blocking.split('data-testid="blocking-not_reported"')[1].split("</ol>")[0]
    assert "张浦三号" in not_reported and "张浦食品" in not_reported and "张浦一号" not in not_reported
    assert "张浦一号" in blocking.split('data-testid="blocking-low_capacity"')[1].split("</ol>")[0]
    assert re.search(r'data-testid="queue-waiting">2<', html)  # a2 and a3 wait for review
    assert re.search(r'data-testid="queue-pending">1<', html)  # a6
    assert re.search(r'data-testid="queue-passes">1<', html)  # p4
    assert re.search(r'data-testid="queue-not-reported">2<', html)
    assert "开发区一号" not in html  # nothing of another district


def test_the_industry_page_shows_the_authoritys_districts_and_divisions(client, known, authority_staff):
    html = _get(client, authority_staff, reverse("dashboard:industry", kwargs={"pk": known.gxj.pk})).content.decode()
    assert "工信局 · 主管行业看板" in html
    divisions = html.split('data-testid="division-table"')[1].split("</table>")[0]
    assert "汽车制造业" in divisions and "文化艺术业" not in divisions
    assert f"authority={known.gxj.pk}" in html
    assert 'data-testid="group-passes"' not in html


def test_the_big_screen_is_dark_refreshes_itself_and_links_back(client, known, commander):
    html = _get(client, commander, reverse("dashboard:city_screen")).content.decode()
    assert 'class="dash-screen"' in html and 'data-bs-theme="dark"' in html
    assert 'data-refresh="60"' in html
    assert reverse("dashboard:city_data", kwargs={"chart": "figures"}) in html
    assert f'href="{reverse("dashboard:city")}"' in html


def test_the_pages_have_a_print_button_and_a_print_header(client, known, commander):
    html = _get(client, commander, reverse("dashboard:city")).content.decode()
    assert "data-print" in html and "dash-print-only" in html


@pytest.mark.parametrize(
    "url_name",
    [
        "dashboard:city",
        "dashboard:city_screen",
        "dashboard:district",
        "dashboard:district_screen",
        "dashboard:industry",
        "dashboard:industry_screen",
    ],
)
def test_no_inline_script_or_style_on_any_dashboard_page(client, known, commander, url_name):
    kwargs = {"pk": known.a.pk} if "district" in url_name else {"pk": known.gxj.pk} if "industry" in url_name else {}
    html = _get(client, commander, reverse(url_name, kwargs=kwargs)).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html) and "<style" not in html


def test_the_landing_pages_link_to_the_dashboards(client, known, commander, district_staff_a, authority_staff):
    assert reverse("dashboard:city") in _get(client, commander, reverse("portal:home")).content.decode()
    assert (
        reverse("dashboard:district", kwargs={"pk": known.a.pk})
        in _get(client, district_staff_a, reverse("portal:home")).content.decode()
    )
    assert (
        reverse("dashboard:industry", kwargs={"pk": known.gxj.pk})
        in _get(client, authority_staff, reverse("portal:home")).content.decode()
    )


# --- JSON ---------------------------------------------------------------------------------------


def test_the_figures_json_carries_each_headline(client, known, commander):
    data = _get(client, commander, reverse("dashboard:city_data", kwargs={"chart": "figures"})).json()
    assert data["day"] == "2020-03-09"
    assert data["figures"]["not_reported"]["value"] == 3
    assert data["figures"]["passes_issued"]["change"] == 1
    assert data["figures"]["checks_today"]["shown_change"] == "+3"
    assert data["days_to_target"] == 11


def test_a_district_users_json_holds_only_its_own_district(client, known, district_staff_a):
    data = _get(
        client, district_staff_a, reverse("dashboard:district_data", kwargs={"pk": known.a.pk, "chart": "resumption"})
    ).json()
    assert [series["name"] for series in data["series"]] == ["张浦镇"]


# --- Query counts -------------------------------------------------------------------------------


def _more_data(known):
    """Ten more enterprises of each kind in both districts, with filings, reports, capacity and passes."""
    for district in (known.a, known.b):
        for n in range(10):
            owner = enterprise(district, "3670", above=n % 2 == 0)
            filing(
                owner,
                known.staff,
                "approved",
                submitted=dt.datetime(2020, 3, 2, 9, tzinfo=dt.UTC),
                resumed=YESTERDAY if n % 3 else None,
            )
            report(owner, known.staff, DAY, 40, 30, 20)
            report(owner, known.staff, YESTERDAY, 40, 25, 15)
            if owner.is_above_scale:
                capacity(owner, known.staff, DAY, "55.5")
            make_pass(owner, known.staff, "valid", issued=dt.datetime(2020, 3, 9, 1, tzinfo=dt.UTC))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "who", "limit"),
    [
        ("dashboard:city", "commander", CITY_PAGE_QUERIES),
        ("dashboard:district", "district_staff_a", DISTRICT_PAGE_QUERIES),
        ("dashboard:industry", "authority_staff", INDUSTRY_PAGE_QUERIES),
    ],
)
def test_a_dashboard_page_runs_the_same_queries_for_more_data(
    client, known, request, django_assert_max_num_queries, url_name, who, limit
):
    from django.core.cache import cache

    user = request.getfixturevalue(who)
    kwargs = {"city": {}, "district": {"pk": known.a.pk}, "industry": {"pk": known.gxj.pk}}[url_name.split(":")[1]]
    url = reverse(url_name, kwargs=kwargs)
    client.force_login(user)
    client.get(url)  # the first request after logging in also saves the session
    cache.clear()
    with django_assert_max_num_queries(limit):
        client.get(url)
    cache.clear()
    small = _queries(client, url)
    cache.clear()
    _more_data(known)
    assert _queries(client, url) == small
    # Within the minute the figures come from the cache: most of the page's queries are gone.
    assert _queries(client, url) < small / 2


@pytest.mark.parametrize("chart", ["resumption", "workforce", "capacity", "checks", "ranking"])
def test_each_chart_runs_the_same_queries_for_more_data(client, known, commander, chart):
    from django.core.cache import cache

    client.force_login(commander)
    url = reverse("dashboard:city_data", kwargs={"chart": chart})
    client.get(url)  # the first request after logging in also saves the session
    cache.clear()
    small = _queries(client, url)
    cache.clear()
    _more_data(known)
    assert _queries(client, url) == small


def _between(html: str, start: str, end: str) -> str:
    return html.split(start)[1].split(end)[0]


def test_tied_districts_read_tied_and_every_rank_is_out_of_the_same_districts(
    client, known, district_staff_a, commander
):
    """A and B both resume 50 %: 并列第 1; A's reporting rate is first, its on-duty rate second; all of 2."""
    html = _get(client, district_staff_a, reverse("dashboard:district", kwargs={"pk": known.a.pk})).content.decode()
    ranks = _between(html, 'data-testid="district-ranks"', "</section>")

    def rank(key):
        return _between(ranks, f'data-testid="rank-value-{key}">', "</div>")

    assert (rank("resumption_rate"), rank("report_rate"), rank("on_duty_rate")) == ("并列第 1 名", "第 1 名", "第 2 名")
    assert " / " not in ranks and ranks.count("共 2 个属地") == 5
    table = _between(
        _get(client, commander, reverse("dashboard:city")).content.decode(), 'data-testid="ranking-table"', "</tbody>"
    )
    rows = table.split('data-testid="ranking-row"')[1:]
    assert all("并列第1</small>" in row.split("</td>")[0] for row in rows)  # the first rate: resumption
