"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

BROWSER_EXECUTABLE = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

# Chromium's background services try to reach Google; this machine's network refuses them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}


@pytest.fixture(scope="session")
def browser():
    if not Path(BROWSER_EXECUTABLE).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {BROWSER_EXECUTABLE}; .ci/run installs it with apt.")
        pytest.skip(f"Chromium not found at {BROWSER_EXECUTABLE} (apt-get install chromium, or set BROWSER_EXECUTABLE)")
    # Playwright's sync API runs an event loop in this thread; the live server's data setup is synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER_EXECUTABLE, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def seeded(transactional_db, settings):
    """The live server's database is emptied after each browser test, so each one seeds its own."""
    from passes.services.risk_areas import risk_area_list_demo_load
    from portal.demo import demo_seed
    from reference.services import divisions_load, industries_load, reference_load

    industries_load()
    divisions_load()
    reference_load()
    risk_area_list_demo_load()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed(password=settings.DEMO_PASSWORD)
    return settings.DEMO_PASSWORD


def open_page(browser, viewport: str):
    """A fresh context (no shared cookies) that records console errors and failed requests."""
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    # A link that turns into a download ends its navigation with net::ERR_ABORTED: not a failure.
    page.on(
        "requestfailed",
        lambda request: (
            request.failure != "net::ERR_ABORTED"
            and page.problems.append(f"request failed: {request.url} ({request.failure})")
        ),
    )
    return context, page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_phone_menu(page) -> None:
    """Tap the toggler and wait for Bootstrap's collapse to finish opening before tapping inside it."""
    page.get_by_role("button", name="展开菜单").click()
    page.locator("#nav-main.collapse.show").wait_for(state="visible")


def log_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the login page, as a user would, and wait for the landing page."""
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def choose_entrance(page, name: str = "东门") -> None:
    """A guard starts the shift at one of the demo community's entrances (issue 17): every check records it."""
    page.get_by_label("本班次值守出入口").select_option(label=name)
    with page.expect_navigation():
        page.get_by_role("button", name="确定", exact=True).click()
