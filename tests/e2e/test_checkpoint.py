"""The checkpoint pages in a real Chromium on a 360 px phone: scanning a QR code with the camera (a fake
camera that films the pass's QR code; Chromium on Linux has no BarcodeDetector, so the vendored jsQR
decodes it), typing numbers, and a passer-by opening the QR link."""

from pathlib import Path

import pytest
import segno
from django.urls import reverse

from passes.models import PassCheck, ReturnPass
from tests.e2e.conftest import BROWSER_EXECUTABLE, CHROMIUM_ARGS, choose_entrance, log_in, open_page, screenshot

pytestmark = pytest.mark.e2e


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def _checkpoint_passes() -> tuple[ReturnPass, ReturnPass]:
    """A valid pass of a worker living at the demo checkpoint's community, and the demo's revoked one."""
    valid = ReturnPass.objects.filter(status=ReturnPass.Status.VALID, residence_community__code="zhangpu-demo-1")
    return valid.first(), ReturnPass.objects.get(status=ReturnPass.Status.REVOKED)


def test_checkpoint_staff_type_numbers_on_a_phone(browser, live_server, seeded):
    valid, revoked = _checkpoint_passes()
    context, page = open_page(browser, "phone")
    log_in(page, live_server.url, "demo_checkpoint", seeded)
    page.goto(f"{live_server.url}{reverse('passes:check')}")
    choose_entrance(page)
    number = page.get_by_label("或输入通行证编号")

    number.fill(valid.number.lower())
    number.press("Enter")
    verdict = page.get_by_test_id("verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-status") == "valid"
    assert "有效" in verdict.inner_text() and valid.worker.id_number_masked[-4:] in verdict.inner_text()
    assert number.input_value() == ""  # cleared for the next pass
    _no_sideways_scroll(page)
    screenshot(page, "checkpoint-typed-valid-phone")

    number.fill(revoked.number)
    page.get_by_role("button", name="核验", exact=True).click()
    page.locator('[data-testid="verdict"][data-status="revoked"]').wait_for()
    assert "已吊销" in page.get_by_test_id("verdict").inner_text()
    screenshot(page, "checkpoint-typed-revoked-phone")

    page.goto(f"{live_server.url}{reverse('passes:checks')}")
    assert page.get_by_test_id("count-total").inner_text() == "2"
    _no_sideways_scroll(page)
    screenshot(page, "checkpoint-log-phone")
    assert not page.problems, page.problems
    context.close()


def test_a_passer_by_opening_the_qr_link_sees_only_valid(browser, live_server, seeded):
    valid, _revoked = _checkpoint_passes()
    context, page = open_page(browser, "phone")
    page.goto(f"{live_server.url}{reverse('passes:verify', kwargs={'token': valid.token})}")
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-status") == "valid"
    assert valid.enterprise.name not in page.content() and valid.number not in page.content()
    _no_sideways_scroll(page)
    screenshot(page, "verify-link-anonymous-phone")
    page.goto(f"{live_server.url}{reverse('passes:verify', kwargs={'token': valid.token[:-9]})}")
    assert page.get_by_test_id("verdict").get_attribute("data-status") == "invalid"
    assert not page.problems, page.problems
    context.close()


def _qr_video(text: str, path: Path, side: int = 720) -> None:
    """A one-frame Y4M video of the QR code of `text`, black on white, for Chromium's fake camera."""
    rows = [list(row) for row in segno.make(text, error="l").matrix_iter(scale=1, border=4)]
    scale = side // len(rows)
    offset = (side - scale * len(rows)) // 2
    luma = bytearray(b"\xeb" * side * side)  # white
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (offset + y * scale + dy) * side + offset + x * scale
                    luma[start : start + scale] = b"\x10" * scale
    chroma = b"\x80" * (side // 2) * (side // 2)
    path.write_bytes(
        f"YUV4MPEG2 W{side} H{side} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + bytes(luma) + chroma + chroma
    )


def test_checkpoint_staff_scan_a_pass_with_the_camera(browser, live_server, seeded, tmp_path):
    valid, _revoked = _checkpoint_passes()
    video = tmp_path / "pass.y4m"
    _qr_video(f"{live_server.url}{reverse('passes:verify', kwargs={'token': valid.token})}", video)
    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # A second Chromium from the same Playwright, with the fake camera filming the pass.
    chromium = browser.browser_type.launch(executable_path=BROWSER_EXECUTABLE, args=CHROMIUM_ARGS + camera)
    try:
        context, page = open_page(chromium, "phone")
        context.grant_permissions(["camera"], origin=live_server.url)
        log_in(page, live_server.url, "demo_checkpoint", seeded)
        page.goto(f"{live_server.url}{reverse('passes:check')}")
        choose_entrance(page)
        page.get_by_role("button", name="打开摄像头扫码").click()
        verdict = page.locator('[data-testid="verdict"][data-status="valid"]')
        verdict.wait_for(timeout=20_000)
        assert valid.worker.id_number_masked[-4:] in verdict.inner_text()
        assert page.evaluate("typeof window.jsQR") == "function"  # the vendored decoder, loaded on demand
        screenshot(page, "checkpoint-camera-scan-phone")
        # The pass stays in front of the camera: checked once, not at every frame.
        page.wait_for_timeout(1500)
        assert PassCheck.objects.filter(pass_number=valid.number).count() == 1
        page.get_by_role("button", name="关闭摄像头").click()
        assert page.get_by_role("button", name="打开摄像头扫码").is_visible()
        assert not page.problems, page.problems
        context.close()
    finally:
        chromium.close()


def test_a_pass_of_another_community_reads_valid_with_a_plain_word(browser, live_server, seeded):
    """Issue 12, item 6: the holder's community is shown, and said plainly not to be this checkpoint's; the pass
    stays green (no refusal)."""
    own, _revoked = _checkpoint_passes()
    other = (
        ReturnPass.objects.filter(status=ReturnPass.Status.VALID)
        .exclude(residence_community__code="zhangpu-demo-1")
        .select_related("residence_community")
        .first()
    )
    context, page = open_page(browser, "phone")
    log_in(page, live_server.url, "demo_checkpoint", seeded)
    page.goto(f"{live_server.url}{reverse('passes:check')}")
    choose_entrance(page)
    number = page.get_by_label("或输入通行证编号")

    number.fill(other.number)
    number.press("Enter")
    page.locator(f'[data-testid="verdict"]:has-text("{other.number}")').wait_for()
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-status") == "valid" and "verdict-valid" in verdict.get_attribute("class")
    assert other.residence_community.name in verdict.inner_text()
    note = page.get_by_test_id("other-community")
    assert note.is_visible() and "不是本卡口所在社区" in note.inner_text() and "不得因此拒绝通行" in note.inner_text()
    _no_sideways_scroll(page)
    screenshot(page, "checkpoint-other-community-phone")

    number.fill(own.number)
    number.press("Enter")
    page.locator(f'[data-testid="verdict"]:has-text("{own.number}")').wait_for()
    assert page.get_by_test_id("verdict").get_attribute("data-status") == "valid"
    assert not page.get_by_test_id("other-community").count()
    assert not page.problems, page.problems
    context.close()
