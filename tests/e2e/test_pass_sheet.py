"""Passes in a browser beyond the single card: nine ticked passes print as two A4 sheets of eight cards, and
the worker's own link opens their pass on a 360 px phone."""

import json
import re

import pytest
from django.urls import reverse

from passes.services import return_passes as services
from tests.e2e.conftest import open_page, screenshot
from tests.e2e.test_filing_journey import _fits_the_phone
from tests.factories import PASSWORD
from tests.passes.factories import applied_passes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

A4_POINTS = (595, 842)  # 210 x 297 mm at 72 points to the inch


def _pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """The size of each page of the PDF Chromium printed, rounded to points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w)), round(float(h))) for w, h in boxes]


def test_nine_ticked_passes_print_on_two_a4_sheets(browser, live_server, enterprise_user_a, district_staff_a):
    passes = applied_passes(enterprise_user_a, 9)
    services.return_pass_issue(pass_ids=[p.pk for p in passes], issued_by=district_staff_a)
    context, page = open_page(browser, "desktop")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(enterprise_user_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + reverse("passes:list"))
    for checkbox in page.locator('input[name="ids"]').all():
        checkbox.check()
    with context.expect_page() as opened:
        page.get_by_role("button", name="批量打印所选(A4, 每页8张)").click()
    sheet = opened.value
    errors = []
    sheet.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    sheet.wait_for_load_state("networkidle")
    assert sheet.get_by_test_id("pass-card").count() == 9 and sheet.get_by_test_id("pass-sheet").count() == 2
    screenshot(sheet, "pass-sheet")
    pages = _pdf_pages(sheet.pdf(prefer_css_page_size=True, print_background=True))
    assert pages == [A4_POINTS, A4_POINTS]
    assert not page.problems and not errors, page.problems + errors
    context.close()


def test_the_worker_opens_their_own_pass_on_a_phone(
    browser, live_server, settings, tmp_path, enterprise_user_a, district_staff_a
):
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    from accounts import sms

    sms.backend.cache_clear()
    (return_pass,) = applied_passes(enterprise_user_a, name="张小三")
    services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff_a)  # commits: the text goes out
    text = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[-1])["text"]
    path = re.search(r"(/passes/mine/[A-Za-z0-9_-]+)", text).group(1)
    context, page = open_page(browser, "phone")
    page.goto(live_server.url + path)
    assert page.get_by_test_id("pass-band-status").inner_text() == "有效"
    assert page.get_by_test_id("pass-qr").is_visible() and page.get_by_test_id("pass-name").inner_text() == "张*三"
    _fits_the_phone(page, "the worker's own pass")
    screenshot(page, "pass-own-phone")
    assert not page.problems, page.problems
    context.close()
    sms.backend.cache_clear()
