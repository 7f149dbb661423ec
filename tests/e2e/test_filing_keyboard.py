"""A filing from the login page to its receipt with the keyboard alone (issue 18, item 6): every field and button
is reached with Tab in the page's order and worked with typing, Space and Enter; no mouse click anywhere."""

import re

import pytest
from django.utils import timezone

from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import REFERENCE, _material_files

pytestmark = pytest.mark.e2e

MAX_TABS = 120  # the longest page (the enterprise's menu, then the form) is well under this


def _tab_to(page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus; fail if Tab never reaches it."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            assert page.locator(":focus").is_visible(), f"{selector} has the focus but cannot be seen"
            return
    raise AssertionError(f"Tab never reaches {selector} on {page.url}")


def _type_into(page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _press_on(page, selector: str, key: str) -> None:
    _tab_to(page, selector)
    page.keyboard.press(key)


def _follow(page, selector: str) -> None:
    """Enter on a link or submit button, and wait for the page it leads to."""
    _tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def _type_date(page, selector: str, day) -> None:
    """Type a date into the browser's date field, segment by segment. The segments' order is the browser's
    locale's (y-m-d, m-d-y or d-m-y), so each order is tried from the first segment until the value is right.
    Month and day move on after two digits; the year (up to six digits) with ArrowRight."""
    _tab_to(page, selector)
    for keys in ([f"{day:%Y}", "ArrowRight", f"{day:%m%d}"], [f"{day:%m%d%Y}"], [f"{day:%d%m%Y}"]):
        for key in keys:
            page.keyboard.press(key) if key == "ArrowRight" else page.keyboard.type(key)
        if page.locator(selector).input_value() == day.isoformat():
            return
        while page.evaluate("s => document.activeElement.matches(s)", selector):
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # back on the first segment
    raise AssertionError(f"{selector} does not take {day} from the keyboard")


def test_an_enterprise_files_with_the_keyboard_alone(browser, live_server, seeded, tmp_path):
    files = _material_files(tmp_path / "materials")
    context, page = open_page(browser, "desktop")
    page.goto(f"{live_server.url}/login/")
    _type_into(page, "#id_username", "demo_enterprise")
    _type_into(page, "#id_password", seeded)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    _follow(page, '#nav-main a[href="/filings/"]')
    page.wait_for_url("**/filings/")
    _follow(page, '[data-testid="start-filing"]')

    # Step 1: scope, planned date, headcount.
    page.wait_for_url(re.compile(r"/filings/\d+/scope/$"))
    _press_on(page, "#id_scope_work", "Space")
    _press_on(page, "#id_scope_production", "Space")
    today = timezone.localdate()
    _type_date(page, "#id_planned_resume_on", today)
    _type_into(page, "#id_planned_headcount", "280")
    _follow(page, 'main button[type="submit"]:not([name])')

    # Step 2: measures; the canteen choice is made with the arrow keys.
    page.wait_for_url("**/measures/")
    _type_into(page, "#id_masks_in_stock", "5000")
    _type_into(page, "#id_thermometers_in_stock", "20")
    _press_on(page, "#id_canteen", "ArrowDown")
    assert page.locator("#id_canteen").input_value() != ""
    _press_on(page, "#id_has_disinfection", "Space")
    _press_on(page, "#id_has_isolation_room", "Space")
    _type_into(page, "#id_measures_notes", "厂区入口设测温点。")
    _type_into(page, "#id_contact_name", "王企业")
    _type_into(page, "#id_contact_mobile", "13900000001")
    _press_on(page, "#id_commitment_accepted", "Space")
    _follow(page, 'main button[type="submit"]:not([name])')

    # Step 3: each material chosen from the file dialog that Space opens, then uploaded with Enter.
    page.wait_for_url("**/materials/")
    for kind, path in files.items():
        card = f'[data-testid="material-{kind}"]'
        with page.expect_file_chooser() as chooser:
            _press_on(page, f'{card} input[type="file"]', "Space")
        chooser.value.set_files(str(path))
        _follow(page, f'{card} input[type="file"] + button')
        assert page.locator(card).get_by_role("link", name=path.name).is_visible(), kind
    _follow(page, 'main a[href$="/check/"]')

    # Step 4: check and submit; the confirmation is accepted as a keyboard user's Enter would.
    page.wait_for_url("**/check/")
    page.once("dialog", lambda dialog: dialog.accept())
    _follow(page, '[data-testid="submit-filing"]')
    page.wait_for_url("**/receipt/")
    assert REFERENCE.match(page.get_by_test_id("reference").inner_text().strip())
    screenshot(page, "filing-receipt-keyboard")
    assert not page.problems, page.problems
    context.close()
