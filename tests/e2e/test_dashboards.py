"""Each dashboard opened by its role on a desktop and a 360 px phone: the charts draw, nothing errs."""

import pytest

from tests.e2e.conftest import VIEWPORTS, open_page, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_figures():
    """The dashboards cache a minute of figures; each test seeds a new database."""
    from django.core.cache import cache

    cache.clear()


# username: (the dashboard /dashboard/ leads to, its title, its charts)
DASHBOARDS = {
    "demo_commander": (
        "/dashboard/city/",
        "全市复工复产看板",
        ("resumption", "workforce", "capacity", "checks", "ranking"),
    ),
    "demo_district": (
        "/dashboard/district/",
        "张浦镇 · 复工复产看板",
        ("resumption", "workforce", "capacity", "checks", "flow"),
    ),
    "demo_authority": ("/dashboard/industry/", "工信局 · 主管行业看板", ("resumption", "capacity", "ranking")),
}


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def _charts_drawn(page, charts) -> None:
    for slug in charts:
        chart = page.locator(f'[data-testid="chart-{slug}"]')
        chart.and_(page.locator('[data-rendered="true"]')).wait_for(timeout=15_000)
        assert chart.locator("canvas").count() >= 1, slug
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 200, (slug, box)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("username", sorted(DASHBOARDS))
def test_each_role_opens_its_dashboard_and_the_charts_draw(browser, live_server, seeded, viewport, username):
    path, title, charts = DASHBOARDS[username]
    context, page = open_page(browser, viewport)
    _log_in(page, live_server, username, seeded)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_load_state("networkidle")
    assert path in page.url
    assert page.get_by_test_id("dashboard-title").inner_text() == title
    _charts_drawn(page, charts)
    # A tooltip is drawn on the canvas, not as HTML with inline styles the CSP would refuse.
    page.locator(f'[data-testid="chart-{charts[0]}"] canvas').first.hover()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{username} on {viewport}: {overflow}px too wide"
    screenshot(page, f"dashboard-{username}-{viewport}")
    assert not page.problems, page.problems
    context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_big_screen_draws_dark_and_refreshes_its_figures(browser, live_server, seeded, viewport):
    context, page = open_page(browser, viewport)
    _log_in(page, live_server, "demo_commander", seeded)
    page.goto(f"{live_server.url}/dashboard/city/screen/")
    _charts_drawn(page, DASHBOARDS["demo_commander"][2])
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(10, 18, 32)"
    # The first refresh of the figures has run: the page knows its day.
    page.wait_for_function("document.body.getAttribute('data-day') !== ''")
    page.wait_for_function("/\\d\\d:\\d\\d:\\d\\d/.test(document.querySelector('[data-clock]').textContent)")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"big screen on {viewport}: {overflow}px too wide"
    screenshot(page, f"dashboard-screen-{viewport}")
    assert not page.problems, page.problems
    context.close()


def test_the_ranking_sorts_by_a_rate_and_the_print_layout_drops_the_navigation(browser, live_server, seeded):
    context, page = open_page(browser, "desktop")
    _log_in(page, live_server, "demo_commander", seeded)
    page.goto(f"{live_server.url}/dashboard/city/")
    _charts_drawn(page, DASHBOARDS["demo_commander"][2])
    table = page.get_by_test_id("ranking-table")
    table.get_by_role("button", name="在岗率").click()
    assert table.locator("th[aria-sort]").inner_text().strip() == "在岗率"
    values = table.locator("tbody tr td:nth-child(5)").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-value')).filter(v => v !== '').map(parseFloat)"
    )
    assert values == sorted(values, reverse=True)
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert page.locator(".dash-print-only").is_visible()
    screenshot(page, "dashboard-city-print")
    assert not page.problems, page.problems
    context.close()


def test_a_figure_leads_to_its_enterprises_on_a_phone(browser, live_server, seeded):
    context, page = open_page(browser, "phone")
    _log_in(page, live_server, "demo_district", seeded)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_test_id("figure-not_reported").locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("drilldown-title").inner_text() == "今日未报日报"
    shown = page.get_by_test_id("figure-not_reported")
    assert page.get_by_test_id("drilldown-table").is_visible() and shown.count() == 0
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "dashboard-drilldown-phone")
    assert not page.problems, page.problems
    context.close()


# Every element of the wall inside the screen and inside its own box; each figure's text on one line.
_WALL_CHECK = """() => {
  const width = window.innerWidth, height = window.innerHeight, problems = [];
  const name = el => (el.getAttribute("data-testid") || el.getAttribute("data-figure") || el.className || el.tagName)
    + " '" + (el.textContent || "").trim().slice(0, 30) + "'";
  const root = document.documentElement, body = document.body;
  if (root.scrollWidth !== width || root.scrollHeight !== height || body.scrollHeight > height)
    problems.push(`page ${root.scrollWidth}x${root.scrollHeight}, screen ${width}x${height}`);
  for (const el of body.querySelectorAll("*")) {
    if (el.closest("[hidden]") || el.closest("[_echarts_instance_]") && !el.matches("[_echarts_instance_]")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.top < -0.5 || box.right > width + 0.5 || box.bottom > height + 0.5)
      problems.push(`outside the screen: ${name(el)} ${JSON.stringify(box)}`);
    const style = getComputedStyle(el);
    const [sw, sh, cw, ch] = [el.scrollWidth, el.scrollHeight, el.clientWidth, el.clientHeight];
    if (style.display !== "inline" && (sw > cw + 1 || sh > ch + 1))
      problems.push(`overflows its box: ${name(el)} ${sw}x${sh} in ${cw}x${ch}`);
  }
  for (const el of body.querySelectorAll(".dash-figure > *, .dash-screen-header h1, .dash-screen-meta > *")) {
    const range = document.createRange();
    range.selectNodeContents(el);
    // A new line starts below the previous one (pieces in other fonts on one line overlap vertically).
    let lines = 0, bottom = -Infinity;
    for (const r of [...range.getClientRects()].sort((a, b) => a.top - b.top)) {
      if (r.top >= bottom - 1) lines += 1;
      bottom = Math.max(bottom, r.bottom);
    }
    if (lines > 1) problems.push(`wraps over ${lines} lines: ${name(el)}`);
  }
  return problems;
}"""


@pytest.fixture
def seeded_city(seeded):
    """The demo accounts and the demo city: a month of data in every district, figures in the thousands. Built as
    at 11:30 of today, so that today's reports are in whatever the hour the test runs (just after midnight, too)."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from portal.demo_city import demo_city_seed

    late_morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(11, 30)))
    with time_machine.travel(late_morning, tick=False):
        demo_city_seed()
    return seeded


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def test_the_big_screen_fills_one_wall_screen_exactly_and_no_figure_wraps(browser, live_server, seeded_city, size):
    """No scrolling, every element inside the screen and its box, each figure on one line; Beijing time
    although the browser is in New York."""
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    _log_in(page, live_server, "demo_commander", seeded_city)
    page.goto(f"{live_server.url}/dashboard/city/screen/")
    _charts_drawn(page, DASHBOARDS["demo_commander"][2])
    page.wait_for_function("document.body.getAttribute('data-day') !== ''")
    page.wait_for_function("/\\d\\d:\\d\\d:\\d\\d/.test(document.querySelector('[data-clock]').textContent)")
    assert len(page.locator('[data-figure="on_duty"] [data-figure-value]').inner_text()) >= 5  # e.g. "55,371"
    problems = page.evaluate(_WALL_CHECK)
    screenshot(page, f"dashboard-screen-{width}x{height}")
    assert not problems, problems
    clock = page.locator("[data-clock]").inner_text()
    beijing = page.evaluate("""() => new Intl.DateTimeFormat("en-GB", {timeZone: "Asia/Shanghai", hour: "2-digit",
        minute: "2-digit", second: "2-digit", hourCycle: "h23"}).format(new Date())""")
    new_york = page.evaluate("() => new Date().getHours()")
    assert clock[:2] == beijing[:2] != f"{new_york:02d}", (clock, beijing, new_york)
    assert not page.problems, page.problems
    context.close()
