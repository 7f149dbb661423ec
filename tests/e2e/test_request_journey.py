"""A request in a browser: the enterprise raises it on a phone, its official answers, the enterprise confirms."""

import pytest

from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in

pytestmark = pytest.mark.e2e


def test_raise_answer_confirm(browser, live_server, seeded):
    base = live_server.url

    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.goto(f"{base}/requests/new/")
    ent.locator("#id_category").select_option("logistics")
    ent.locator("#id_title").fill("货车进昆排队过长")
    ent.locator("#id_text").fill("运输原料的货车在高速卡口排队超过 6 小时。")
    _fits_the_phone(ent, "raise form")
    ent.get_by_test_id("submit-request").click()
    ent.wait_for_selector("[data-testid=request-status]")
    assert ent.get_by_test_id("request-status").inner_text() == "待受理"
    assert "李属地" in ent.get_by_test_id("owner").inner_text()  # the enterprise's tier-1 official
    url = ent.url
    screenshot(ent, "request-raised-phone")

    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.goto(f"{base}/requests/queue/")
    staff.get_by_role("link", name="货车进昆排队过长").click()
    staff.get_by_test_id("accept").click()
    staff.wait_for_selector("text=已受理")
    staff.locator("#id_answer").fill("已协调交警在卡口开设货车专用通道。")
    staff.get_by_test_id("answer-submit").click()
    staff.wait_for_selector("text=已答复, 等待企业确认")
    assert not staff.problems, staff.problems
    staff_context.close()

    ent.goto(url)
    assert "货车专用通道" in ent.get_by_test_id("answer").inner_text()
    ent.get_by_label("满意", exact=True).check()
    ent.get_by_test_id("confirm-submit").click()
    ent.wait_for_selector("[data-testid=closed]")
    assert ent.get_by_test_id("request-status").inner_text() == "已办结"
    _fits_the_phone(ent, "closed request")
    screenshot(ent, "request-closed-phone")
    assert not ent.problems, ent.problems
    ent_context.close()
