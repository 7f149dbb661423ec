"""The daily report in a browser: an enterprise reports on a phone, staff rebuild the summary and download it."""

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in

pytestmark = pytest.mark.e2e

FIGURES = {
    "total_employees": "320",
    "returned": "300",
    "on_duty": "280",
    "away_high": "0",
    "away_medium": "5",
    "away_low": "15",
    "in_quarantine": "4",
    "returned_today": "10",
    "returned_today_high": "0",
    "returned_today_medium": "1",
}


def test_enterprise_reports_and_staff_download_the_summary(browser, live_server, seeded):
    base = live_server.url

    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.goto(f"{base}/workforce/report/")
    for name, value in FIGURES.items():
        ent.locator(f"#id_{name}").fill(value)
    # A wrong sum is refused on the page with the rule that was broken, and nothing is saved.
    ent.locator("#id_away_low").fill("16")
    ent.get_by_test_id("save-report").click()
    ent.wait_for_selector("text=应等于职工总数减累计返昆人数")
    ent.locator("#id_away_low").fill("15")
    ent.get_by_test_id("save-report").click()
    ent.wait_for_selector("[data-testid=report-status]")
    _fits_the_phone(ent, "daily report")
    screenshot(ent, "workforce-report-phone")
    assert not ent.problems, ent.problems
    ent_context.close()

    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.goto(f"{base}/workforce/status/")
    assert staff.get_by_test_id("figure-reported").inner_text() == "3"  # two demo reports and this one
    staff.goto(f"{base}/workforce/summaries/")
    staff.get_by_test_id("rebuild").click()
    staff.wait_for_selector("text=已安排重新生成今日汇总")
    staff.locator("[data-testid=summary-days] a").first.click()
    table = staff.get_by_test_id("summary-table")
    assert "张浦镇" in table.inner_text()
    screenshot(staff, "workforce-summary-desktop")
    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="下载 Excel").click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert workbook.sheetnames == ["张浦镇", "企业诉求"]  # their own district's sheet, and its requests
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row if cell is not None]
    assert 3 in values  # reported enterprises
    assert not staff.problems, staff.problems
    staff_context.close()
