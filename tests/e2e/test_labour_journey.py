"""Labour in a browser: a shortage paired with an agency and filled by its hires; a dispute mediated to settlement."""

import pytest

from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in

pytestmark = pytest.mark.e2e


def test_a_shortage_is_paired_with_an_agency_and_filled_by_its_hires(browser, live_server, seeded):
    base = live_server.url

    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.goto(f"{base}/labour/needs/new/")
    ent.locator("#id_job").fill("注塑工")
    ent.locator("#id_positions").fill("5")
    ent.locator("#id_wage_min").fill("5000")
    ent.locator("#id_wage_max").fill("6500")
    ent.locator("#id_start_on").fill("2030-01-02")
    ent.get_by_test_id("submit").click()
    ent.wait_for_selector("[data-testid=need-status]")
    assert ent.get_by_test_id("need-open").inner_text() == "5"
    need_url = ent.url
    _fits_the_phone(ent, "shortage")
    assert not ent.problems, ent.problems

    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.goto(need_url)
    staff.get_by_test_id("pair-need").click()
    staff.locator("#id_agency").select_option(label="张浦演示劳务派遣有限公司")
    staff.get_by_test_id("submit").click()
    staff.wait_for_selector("text=已结对, 已通知企业")
    staff.goto(need_url)
    form = staff.get_by_test_id("hire-form")
    form.locator("#id_count").fill("5")
    form.locator("#id_pairing").select_option(label="张浦演示劳务派遣有限公司")
    form.get_by_role("button", name="登记到岗").click()
    staff.wait_for_selector("[role=alert]")
    assert "已登记到岗 5 人" in staff.locator("[role=alert]").first.inner_text()
    assert staff.get_by_test_id("need-status").inner_text() == "已关闭"
    assert "张浦演示劳务派遣有限公司" in staff.get_by_test_id("hires").inner_text()
    screenshot(staff, "labour-need-filled-desktop")
    assert not staff.problems, staff.problems
    staff_context.close()

    ent.goto(f"{base}/labour/pairings/")
    ent.get_by_role("link", name="张浦演示劳务派遣有限公司").click()
    assert ent.get_by_test_id("delivered").inner_text() == "5"
    assert not ent.problems, ent.problems
    ent_context.close()


def test_a_dispute_is_raised_mediated_and_settled(browser, live_server, seeded):
    base = live_server.url

    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.goto(f"{base}/labour/disputes/new/")
    ent.locator("#id_kind").select_option("wages")
    ent.locator("#id_workers_involved").fill("2")
    ent.locator("#id_worker_names").fill("欧阳修文、李白")
    ent.locator("#id_amount").fill("8000")
    ent.locator("#id_description").fill("三月工资延迟发放。")
    ent.get_by_test_id("submit").click()
    ent.wait_for_selector("[data-testid=dispute-status]")
    dispute_url = ent.url
    assert ent.get_by_test_id("dispute-names").inner_text() == "欧**文、李*"
    _fits_the_phone(ent, "dispute")
    assert not ent.problems, ent.problems

    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.goto(dispute_url)
    staff.get_by_test_id("action-mediate").get_by_role("button", name="进入调解").click()
    staff.wait_for_selector("text=已进入调解")
    settle = staff.get_by_test_id("action-settle")
    settle.locator("textarea").fill("企业承诺三日内补发工资, 双方签订调解协议。")
    settle.get_by_role("button", name="登记化解").click()
    staff.wait_for_selector("text=已登记化解")
    assert staff.get_by_test_id("dispute-status").inner_text() == "已化解"
    assert "调解中" in staff.get_by_test_id("timeline").inner_text()
    screenshot(staff, "labour-dispute-settled-desktop")
    assert not staff.problems, staff.problems
    staff_context.close()

    ent.reload()
    assert ent.get_by_test_id("dispute-outcome").inner_text() == "企业承诺三日内补发工资, 双方签订调解协议。"
    ent_context.close()
