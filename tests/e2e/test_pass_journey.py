"""A return pass in a browser, from roster to gate: the enterprise imports its roster and applies, the
district issues, a checkpoint verifies on a phone, the district revokes, and the checkpoint sees it."""

import datetime as dt

import pytest
from django.utils import timezone

from passes.models import ReturnPass
from passes.services import roster as roster_services
from tests.e2e.conftest import choose_entrance, open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone, _log_in
from tests.excel_helpers import xlsx_upload
from tests.passes.factories import LOW_RISK_ORIGIN, id_number

pytestmark = pytest.mark.e2e

NEWCOMERS = ("欧阳明远", "司马静")


def _roster_file(tmp_path):
    """Two workers back from a low-risk county with a normal temperature this morning, living in 开发区."""
    now = timezone.localtime()
    columns = roster_services.roster_columns()
    rows = []
    for serial, name in enumerate(NEWCOMERS, start=900):
        values = {
            "name": name,
            "id_number": id_number(serial),
            "mobile": f"1370000{serial:04d}",
            "origin": LOW_RISK_ORIGIN,
            "origin_name": "",
            "arrived_on": now.date() - dt.timedelta(days=2),
            "quarantine_status": "居家隔离观察",
            "quarantine_started_on": now.date() - dt.timedelta(days=2),
            "temperature": 36.4,
            "temperature_taken_at": (now - dt.timedelta(hours=1)).replace(tzinfo=None),
            "test_result": "未检测",
            "tested_on": None,
            "residence_district": "昆山开发区",
            "residence_community": "昆山开发区演示社区",
            "residence_address": f"昆山市前进路{serial}号",
            "housing_331_compliant": "是",
            "job": "装配工",
        }
        rows.append([values[c.key] for c in columns])
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx_upload([str(c.header) for c in columns], rows).read())
    return path


def _check_number(page, number: str) -> str:
    page.locator("#id_number").fill(number)
    # Wait for this check's answer: the previous one, for the same number, is still on the page until then.
    with page.expect_response(lambda response: "/passes/check/number/" in response.url):
        page.get_by_role("button", name="核验", exact=True).click()
    verdict = page.get_by_test_id("verdict")
    verdict.wait_for()
    assert number in verdict.get_by_test_id("pass-number").inner_text()
    return verdict.get_attribute("data-status")


def test_roster_to_gate_and_revocation(browser, live_server, seeded, tmp_path):
    base = live_server.url

    # The enterprise imports two workers and applies for their passes.
    ent_context, ent = open_page(browser, "desktop")
    _log_in(ent, base, "demo_enterprise", seeded)
    ent.goto(f"{base}/passes/roster/import/")
    ent.locator("input[type=file]").set_input_files(str(_roster_file(tmp_path)))
    ent.get_by_role("button", name="上传并导入").click()
    ent.wait_for_selector("text=新增 2 人")
    ent.goto(f"{base}/passes/apply/")
    for name in NEWCOMERS:
        ent.get_by_test_id("applicable-workers").locator("tr", has_text=name).locator("input[type=checkbox]").check()
    ent.locator("input[name=note]").fill("浏览器测试批次")
    ent.get_by_test_id("apply-submit").click()
    ent.wait_for_load_state("networkidle")
    assert not ent.problems, ent.problems
    ent_context.close()

    # 张浦镇 (the enterprise's district) issues both from its queue.
    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.goto(f"{base}/passes/queue/")
    batch_row = staff.get_by_test_id("queue-table").locator("tr", has_text="浏览器测试批次")
    batch_row.get_by_role("link", name="审核").click()
    staff.locator("[data-select-all=passes]").check()
    staff.get_by_test_id("decide").click()
    staff.wait_for_selector("text=已核发")
    row = staff.get_by_test_id("batch-passes").locator("tr", has_text=NEWCOMERS[0])
    number = row.locator("td.code").inner_text().strip()
    assert ReturnPass.objects.get(number=number).status == ReturnPass.Status.VALID
    screenshot(staff, "passes-batch-issued-desktop")

    # A checkpoint guard on a phone types the number: valid, with the masked name and no more.
    guard_context, guard = open_page(browser, "phone")
    _log_in(guard, base, "demo_checkpoint", seeded)
    guard.goto(f"{base}/passes/check/")
    choose_entrance(guard)
    assert _check_number(guard, number) == "valid"
    shown = guard.get_by_test_id("verdict").inner_text()
    assert "欧**远" in shown and NEWCOMERS[0] not in shown
    _fits_the_phone(guard, "checkpoint")
    screenshot(guard, "passes-check-valid-phone")

    # Someone not logged in who opens the QR link learns only that it is valid.
    token = ReturnPass.objects.get(number=number).token
    anon_context, anon = open_page(browser, "phone")
    anon.goto(f"{base}/passes/verify/{token}")
    assert anon.get_by_test_id("verdict").get_attribute("data-status") == "valid"
    assert "欧**远" not in anon.content()
    anon_context.close()

    # The district revokes the pass; the next check at the gate says so.
    row.get_by_role("link", name=number).click()
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_test_id("revoke-form").locator("input[name=revoke-reason]").fill("员工已离职")
    staff.get_by_test_id("revoke-form").get_by_role("button", name="吊销").click()
    staff.wait_for_selector("[data-testid=status-reason]")
    assert ReturnPass.objects.get(number=number).status == ReturnPass.Status.REVOKED
    assert not staff.problems, staff.problems
    staff_context.close()

    assert _check_number(guard, number) == "revoked"
    screenshot(guard, "passes-check-revoked-phone")
    assert not guard.problems, guard.problems
    guard_context.close()
