"""Clause 14 in a browser: an inspector records a visit on a 360 px phone with a photo; a notice is drafted by one
commander, approved by another and read by district staff."""

import re

import pytest

from tests.core.test_uploads import png_bytes
from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in

pytestmark = pytest.mark.e2e


def test_an_inspector_records_a_visit_on_a_phone_with_a_photo(browser, live_server, seeded, tmp_path):
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    context, page = open_page(browser, "phone")
    _log_in(page, live_server.url, "demo_district", seeded)
    _fits_the_phone(page, "landing")
    page.get_by_test_id("landing-my-visits").click()
    page.wait_for_url("**/supervision/visits/?mine=1")
    _fits_the_phone(page, "my visits")
    rows = page.get_by_test_id("visit-list").locator("tbody tr")
    assert rows.count() == 2, page.get_by_test_id("visit-list").inner_text()
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/supervision/visits/\d+/$"))
    target = page.get_by_test_id("visit-target").inner_text()
    page.get_by_role("link", name="登记督导结果").click()
    page.wait_for_url("**/record/")
    _fits_the_phone(page, "record form")

    for number in (1, 2, 3):
        page.get_by_test_id(f"item-{number}").get_by_text("合格", exact=True).click()
    failed = page.get_by_test_id("item-4")
    failed.get_by_text("不合格", exact=True).click()
    failed.locator("textarea").fill("食堂未错峰就餐, 公共区域消毒记录缺失")
    failed.locator('input[type="file"]').set_input_files(str(photo))
    page.locator("#id_summary").fill("限期两个工作日整改。")
    _fits_the_phone(page, "record form filled")
    screenshot(page, "supervision-visit-record-phone")
    page.get_by_role("button", name="提交督导结果").click()

    page.wait_for_url(re.compile(r"/supervision/visits/\d+/$"))
    _fits_the_phone(page, "visit recorded")
    assert page.get_by_role("alert").filter(has_text="督导结果已保存, 发现问题 1 项").is_visible()
    assert page.get_by_test_id("visit-status").inner_text() == "已督导"
    assert page.get_by_test_id("visit-target").inner_text() == target
    image = page.get_by_test_id("visit-photos").locator("img")
    assert image.count() == 1
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    findings = page.get_by_test_id("visit-findings")
    assert "食堂未错峰就餐" in findings.inner_text()
    findings.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/supervision/findings/\d+/$"))
    assert page.get_by_test_id("finding-status").inner_text() == "待整改"
    screenshot(page, "supervision-finding-phone")
    assert not page.problems, page.problems
    context.close()


def test_a_notice_is_drafted_approved_by_a_second_commander_and_read_by_district_staff(browser, live_server, seeded):
    base = live_server.url
    title = "关于张浦镇演示社区卡口值守敷衍应付的通报"

    # --- 1. The first commander drafts and submits ---------------------------------------------------
    drafter_context, drafter = open_page(browser, "desktop")
    _log_in(drafter, base, "demo_commander", seeded)
    drafter.goto(f"{base}/supervision/notices/")
    drafter.get_by_role("link", name="起草通报").click()
    drafter.wait_for_url("**/notices/new/")
    drafter.locator("#id_title").fill(title)
    drafter.locator("#id_body").fill("经市指挥部专项督导, 发现以下问题, 现予通报。")
    drafter.locator("#id_subjects-0-failing").select_option(label="敷衍应付")
    drafter.locator("#id_subjects-0-district").select_option(label="张浦镇")
    drafter.locator("#id_subjects-0-unit_name").fill("张浦镇演示社区")
    drafter.locator("#id_subjects-0-person_name").fill("王某")
    drafter.locator("#id_subjects-0-person_title").fill("卡口负责人")
    drafter.locator("#id_subjects-0-facts").fill("夜间卡口无人值守。")
    drafter.get_by_role("button", name="保存草稿").click()
    drafter.wait_for_url(re.compile(r"/supervision/notices/\d+/$"))
    notice_url = drafter.url
    assert drafter.get_by_test_id("notice-status").inner_text() == "草稿"
    drafter.get_by_test_id("action-submit").get_by_role("button", name="提交审批").click()
    drafter.wait_for_url(notice_url)
    assert drafter.get_by_test_id("notice-status").inner_text() == "待审批"
    assert not drafter.get_by_test_id("action-publish").count()  # the drafter cannot approve
    assert not drafter.problems, drafter.problems

    # --- 2. A second commander approves --------------------------------------------------------------
    approver_context, approver = open_page(browser, "desktop")
    _log_in(approver, base, "demo_commander2", seeded)
    approver.get_by_role("link", name="待我审批的通报 1 份").click()
    approver.get_by_test_id("notice-list").get_by_role("link", name=re.compile(title)).click()
    approver.wait_for_url(notice_url)
    approver.get_by_test_id("action-publish").get_by_role("button", name="审批发布").click()
    approver.wait_for_url(notice_url)
    assert approver.get_by_test_id("notice-status").inner_text() == "已发布"
    number = approver.get_by_test_id("notice-number").inner_text()
    assert re.fullmatch(r"昆防指督通〔\d{4}〕\d+号", number), number
    screenshot(approver, "supervision-notice-published-desktop")
    assert not approver.problems, approver.problems
    approver_context.close()

    # --- 3. District staff read it on a phone ---------------------------------------------------------
    staff_context, staff = open_page(browser, "phone")
    _log_in(staff, base, "demo_district", seeded)
    assert "未读通报 2 份" in staff.get_by_test_id("landing-unread-notices").inner_text()
    staff.get_by_test_id("landing-unread-notices").click()
    staff.wait_for_url("**/supervision/notices/")
    _fits_the_phone(staff, "notice list")
    staff.get_by_test_id("notice-list").get_by_role("link", name=re.compile(title)).click()
    staff.wait_for_url(notice_url)
    _fits_the_phone(staff, "notice")
    assert staff.get_by_test_id("notice-number").inner_text() == number
    assert "张浦镇演示社区" in staff.get_by_test_id("notice-subjects").inner_text()
    assert not staff.get_by_role("link", name="打印").count()
    screenshot(staff, "supervision-notice-read-phone")
    assert not staff.problems, staff.problems
    staff_context.close()

    # --- 4. The drafter sees it read and prints it ----------------------------------------------------
    drafter.goto(notice_url)
    assert "已阅 1 人" in drafter.content()
    with drafter.expect_popup() as popup:
        drafter.get_by_role("link", name="打印").click()
    printed = popup.value
    printed.wait_for_load_state("networkidle")
    assert printed.get_by_test_id("print-number").inner_text() == number
    assert not drafter.problems, drafter.problems
    drafter_context.close()
