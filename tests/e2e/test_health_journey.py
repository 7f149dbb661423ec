"""The health sheet's journey on a 360 px phone: the enterprise enters today's readings, a fever suspends the
worker's pass, the checkpoint sees 暂停使用; a normal reading and the home district closing the incident
bring the pass back."""

import pytest
from django.urls import reverse

from passes.models import ReturnPass
from tests.e2e.conftest import choose_entrance, log_in, open_page, screenshot

pytestmark = pytest.mark.e2e


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def _enter_temperature(page, base: str, worker, temperature: str) -> None:
    page.goto(f"{base}{reverse('passes:health_sheet')}?q={worker.name}")
    field = page.locator(f"[name='temperature-{worker.pk}']")
    field.fill(temperature)
    field.press("Enter")  # the sheet's keyboard path: takes the time now and moves on
    assert page.locator(f"[name='taken_at-{worker.pk}']").input_value() != ""
    page.get_by_role("button", name="保存本页登记").click()
    page.wait_for_load_state("networkidle")


def _check(page, base: str, number: str) -> str:
    page.goto(f"{base}{reverse('passes:check')}")
    field = page.get_by_label("或输入通行证编号")
    field.fill(number)
    field.press("Enter")
    verdict = page.get_by_test_id("verdict")
    verdict.wait_for()
    return verdict.get_attribute("data-status"), verdict.inner_text()


def test_a_fever_suspends_the_pass_and_the_district_brings_it_back_on_a_phone(browser, live_server, seeded):
    base = live_server.url
    return_pass = ReturnPass.objects.get(
        enterprise__users__username="demo_enterprise", worker__name="刘建国", status=ReturnPass.Status.VALID
    )
    worker = return_pass.worker

    enterprise, page = open_page(browser, "phone")
    log_in(page, base, "demo_enterprise", seeded)
    assert page.get_by_test_id("health-todo").is_visible()
    _enter_temperature(page, base, worker, "38.5")
    assert "1 人健康异常" in page.content()
    _no_sideways_scroll(page)
    screenshot(page, "health-sheet-fever-phone")

    guard_context, guard = open_page(browser, "phone")
    log_in(guard, base, "demo_checkpoint", seeded)
    guard.goto(f"{base}{reverse('passes:check')}")
    choose_entrance(guard)  # the shift's entrance, remembered on the phone for every later check
    status, text = _check(guard, base, return_pass.number)
    assert status == "suspended" and "暂停使用" in text
    screenshot(guard, "health-checkpoint-suspended-phone")

    _enter_temperature(page, base, worker, "36.5")
    assert "已登记 1 人" in page.content()

    district_context, district = open_page(browser, "phone")
    log_in(district, base, "demo_district2", seeded)  # 开发区: where 刘建国 lives
    district.get_by_test_id("health-todo").get_by_role("link", name="健康异常事件").click()
    district.get_by_role("link", name=f"{worker.name} · 体温 38.5℃").click()
    district.get_by_label("处置结果").select_option("normal_reading")
    district.get_by_role("button", name="办结").click()
    district.wait_for_load_state("networkidle")
    assert district.get_by_test_id("incident-status").inner_text() == "已办结"
    _no_sideways_scroll(district)
    screenshot(district, "health-incident-closed-phone")

    status, _text = _check(guard, base, return_pass.number)
    assert status == "valid"
    for p in (page, guard, district):
        assert not p.problems, p.problems
    for context in (enterprise, guard_context, district_context):
        context.close()
