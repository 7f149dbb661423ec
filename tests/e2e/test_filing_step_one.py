"""Issue 12, items 4 and 7 in a browser: the negative list is told on the landing page and at step 1 (with the
entry cited, the allowed scopes still open), and step 1's checkboxes are attached to their labels, with one
CSRF input per form."""

import re

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in, open_page, screenshot
from tests.filings.helpers import publish_negative_list

pytestmark = pytest.mark.e2e

SOURCE = "昆防指〔2020〕19号"


def _csrf_inputs_per_post_form(page) -> list[int]:
    return page.evaluate("""() => [...document.querySelectorAll('form[method="post" i]')]
        .map(form => form.querySelectorAll('input[name="csrfmiddlewaretoken"]').length)""")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_restricted_enterprise_is_told_at_once_and_files_what_is_allowed(browser, live_server, seeded, viewport):
    # The demo enterprise makes machine parts (3484): its group is listed for business (复市) only.
    publish_negative_list(("348", ("business",)), effective_from=timezone.localdate(), source=SOURCE)
    context, page = open_page(browser, viewport)
    log_in(page, live_server.url, "demo_enterprise", seeded)

    notice = page.get_by_test_id("industry-restrictions")
    assert notice.is_visible()
    assert SOURCE in notice.inner_text() and "348 通用零部件制造" in notice.inner_text()
    assert "暂不能复市" in notice.inner_text() and "仍可备案申请复工、复产" in notice.inner_text()
    screenshot(page, f"landing-negative-list-{viewport}")

    page.goto(f"{live_server.url}/filings/")
    page.get_by_test_id("start-filing").click()
    page.wait_for_url(re.compile(r"/filings/\d+/scope/$"))
    assert _csrf_inputs_per_post_form(page) and set(_csrf_inputs_per_post_form(page)) == {1}

    # The first checkbox is its label's: clicking the label ticks it, and again unticks it.
    work = page.locator("#id_scope_work")
    page.locator('label[for="id_scope_work"]').click()
    assert work.is_checked()
    page.locator('label[for="id_scope_work"]').click()
    assert not work.is_checked()
    assert page.get_by_role("checkbox", name="复工", exact=True).evaluate("el => el.id") == "id_scope_work"

    business = page.locator("#id_scope_business")
    assert business.is_disabled()
    assert SOURCE in page.locator("#id_scope_business_helptext").inner_text()
    screenshot(page, f"step-one-negative-list-{viewport}")

    page.get_by_role("checkbox", name="复工", exact=True).check()
    page.get_by_role("checkbox", name="复产", exact=True).check()
    page.locator("#id_planned_resume_on").fill(timezone.localdate().isoformat())
    page.locator("#id_planned_headcount").fill("200")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/measures/")
    assert set(_csrf_inputs_per_post_form(page)) == {1}
    assert not page.problems, page.problems
    context.close()
