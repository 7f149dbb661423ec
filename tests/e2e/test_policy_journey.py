"""A support policy cashed early, in a browser: an enterprise applies on a phone, 工信局 approves and records the
payout on a desktop, and the enterprise sees 提前兑付."""

import re

import pytest

from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in, _minimal_pdf

pytestmark = pytest.mark.e2e

POLICY = "中小企业电费减免"  # 5% of the stated electricity bill; 工信局 guides the demo enterprise's industry


def test_enterprise_applies_on_a_phone_and_the_authority_approves_and_pays(browser, live_server, seeded, tmp_path):
    from policies.models import SupportPolicy

    policy = SupportPolicy.objects.get(title=POLICY)
    material = tmp_path / "电费单.pdf"
    material.write_bytes(_minimal_pdf())
    base = live_server.url

    # --- 1. The enterprise finds the policy among those it may be eligible for, and applies ----------
    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.get_by_test_id("policies-card").get_by_role("link", name="查看并申请").click()
    ent.wait_for_url("**/policies/")
    _fits_the_phone(ent, "policy catalogue")
    ent.get_by_test_id("eligible-policies").get_by_test_id(f"apply-{policy.pk}").click()
    ent.wait_for_url(f"**/policies/{policy.pk}/apply/")
    _fits_the_phone(ent, "application form")
    ent.locator("#id_stated_figure").fill("200000")
    ent.locator("#id_bank_name").fill("中国银行昆山分行")
    ent.locator("#id_account_number").fill("6216 6101 0000 9876 543")
    ent.locator("#id_materials").set_input_files(str(material))
    ent.get_by_role("button", name="提交申请").click()
    ent.wait_for_url(re.compile(r"/policies/applications/\d+/$"))
    application_url = ent.url
    assert ent.get_by_test_id("application-status").inner_text() == "待审核"
    assert "9876543" in ent.get_by_test_id("account").inner_text()  # the owner sees its full account
    _fits_the_phone(ent, "application submitted")
    screenshot(ent, "policy-application-phone")
    assert not ent.problems, ent.problems

    # --- 2. 工信局 approves from its queue, then records the payout -----------------------------------
    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_authority", seeded)
    staff.goto(f"{base}/policies/queue/")
    row = staff.get_by_test_id("queue-table").locator("tbody tr", has_text=POLICY)
    assert row.count() == 1, staff.get_by_test_id("queue-table").inner_text()
    assert "**** 6543" in row.inner_text()  # masked in the list
    row.get_by_role("link", name="昆山演示精密机械有限公司").click()
    staff.wait_for_url(application_url)
    form = staff.get_by_test_id("decision-form")
    form.get_by_label("批准").check()
    assert form.get_by_label("核定金额(元)").input_value() == "10000.00"  # 5% of 200,000, as the rule gives
    form.get_by_label("审核意见").fill("电费单核实无误, 同意。")
    form.get_by_role("button", name="提交审核结果").click()
    staff.wait_for_url("**/policies/queue/")
    staff.goto(application_url)
    payout = staff.get_by_test_id("payout-form")
    payout.get_by_label("凭证号").fill("KSCZ-2020-0318")
    with staff.expect_navigation():
        payout.get_by_role("button", name="登记兑付").click()
    alerts = staff.get_by_role("alert").all_inner_texts()
    assert any("已登记提前兑付。" in text for text in alerts), alerts
    assert staff.get_by_test_id("early").is_visible()
    screenshot(staff, "policy-payout-desktop")
    assert not staff.problems, staff.problems
    staff_context.close()

    # --- 3. The enterprise sees the money paid early, and every step on the timeline -----------------
    ent.goto(application_url)
    _fits_the_phone(ent, "application paid")
    assert ent.get_by_test_id("application-status").inner_text() == "已兑付"
    assert "10000.00" in ent.get_by_test_id("payout").inner_text()
    assert ent.get_by_test_id("early").is_visible()
    steps = " ".join(ent.get_by_test_id("timeline").inner_text().split())
    assert "— → 待审核" in steps and "待审核 → 已批准" in steps and "已批准 → 已兑付" in steps, steps
    assert not ent.problems, ent.problems
    ent_context.close()
