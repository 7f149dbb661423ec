"""axe-core on every role's main pages, desktop and 360 px phone: no serious or critical violation (issue 18, item 6).

axe-core is vendored under static/vendor/axe-core-* but served to no user: the test adds it to each page of its
own browser context (an init script, which the pages' Content-Security-Policy does not apply to)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.e2e.conftest import log_in, open_page

pytestmark = pytest.mark.e2e

AXE = next((Path(settings.BASE_DIR) / "static" / "vendor").glob("axe-core-*/axe.min.js"))
FAILING_IMPACTS = ("serious", "critical")

# Each role's landing page and the lists it works in every day.
MAIN_PAGES = {
    None: ["accounts:login", "negative_list:public", "passes:risk_areas"],
    "demo_enterprise": [
        "portal:home",
        "filings:mine",
        "passes:roster",
        "passes:list",
        "workforce:report",
        "service_requests:list",
        "policies:catalogue",
    ],
    "demo_district": [
        "portal:home",
        "enterprises:list",
        "filings:queue",
        "passes:queue",
        "passes:list",
        "workforce:status",
        "service_requests:queue",
        "dashboard:home",
    ],
    "demo_authority": ["portal:home", "enterprises:list", "service_requests:queue", "labour:needs"],
    "demo_checkpoint": ["portal:home", "passes:check", "passes:checks"],
    "demo_commander": [
        "portal:home",
        "dashboard:home",
        "enterprises:list",
        "workforce:summaries",
        "labour:figures",
        "supervision:round_list",
    ],
    "admin": ["portal:home", "portal:audit", "negative_list:manage", "passes:risk_area_manage"],
}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary.split("\\n")[1])
  }));
}"""


def _violations(page, url: str, viewport: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return [
        f"{viewport} {url} [{v['impact']}] {v['id']}: {v['help']} -> {v['nodes']}"
        for v in page.evaluate(RUN_AXE)
        if v["impact"] in FAILING_IMPACTS
    ]


def test_the_main_pages_have_no_serious_accessibility_violations(browser, live_server, seeded):
    # Both screens in one test: the demo city is seeded once (it is most of the cost).
    found = []
    for viewport in ("desktop", "phone"):
        for username, url_names in MAIN_PAGES.items():
            context, page = open_page(browser, viewport)
            context.add_init_script(path=str(AXE))
            if username:
                log_in(page, live_server.url, username, seeded)
            for url_name in url_names:
                found += _violations(page, live_server.url + reverse(url_name), viewport)
            assert not page.problems, page.problems
            context.close()
    assert found == [], "\n".join(found)
