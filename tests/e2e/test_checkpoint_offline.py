"""The checkpoint page with the network cut (issue 17, item 1), in Chromium on a 360 px phone: after one
signed-in visit online, the page verifies tokens on the phone (WebCrypto ES256 against the cached keys, the
revocation list in IndexedDB, the dates against the phone's clock), survives a reload while offline, and
uploads the checks it made once the network returns, each stored exactly once."""

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.urls import reverse
from django.utils import timezone

from passes import signing
from passes.models import PassCheck, ReturnPass
from passes.services.return_passes import pass_claims
from tests.e2e.conftest import log_in, open_page, screenshot

pytestmark = pytest.mark.e2e


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _foreign_token(claims: dict) -> str:
    """Well formed and well signed, by a key the portal never published."""
    key = ec.generate_private_key(ec.SECP256R1())
    signing_input = (
        f"{_b64(json.dumps({'alg': 'ES256', 'kid': 'foreign-key'}).encode())}.{_b64(json.dumps(claims).encode())}"
    )
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _tampered(token: str) -> str:
    """The same signature over claims that now say something else (a later end date)."""
    header, claims, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    data["vu"] = "2099-12-31"
    return f"{header}.{_b64(json.dumps(data).encode())}.{signature}"


def _scan(page, base: str, token: str, status: str):
    """What a handheld scanner does: it types the QR code's URL into the field and presses Enter."""
    page.evaluate("document.getElementById('check-result').replaceChildren()")
    field = page.get_by_label("或输入通行证编号")
    field.fill(f"{base}{reverse('passes:verify', kwargs={'token': token})}")
    field.press("Enter")
    verdict = page.locator(f'[data-testid="verdict"][data-offline="true"][data-status="{status}"]')
    verdict.wait_for(timeout=10_000)
    return verdict


SYNCED = '[data-version]:not([data-version=""])'


def _wait_status(page, condition: str) -> None:
    """The status line says it (an attribute selector); waited for without eval, which the CSP forbids."""
    page.locator(f"[data-offline-status]{condition}").wait_for(state="attached", timeout=15_000)


def _pending(page) -> int:
    return int(page.get_by_test_id("offline-status").get_attribute("data-pending") or 0)


def test_the_checkpoint_page_verifies_and_queues_checks_offline(browser, live_server, seeded):
    base = live_server.url
    own = (
        ReturnPass.objects.filter(status=ReturnPass.Status.VALID, residence_community__code="zhangpu-demo-1")
        .select_related("worker", "residence_community", "residence_district")
        .first()
    )
    elsewhere = (
        ReturnPass.objects.filter(status=ReturnPass.Status.VALID)
        .exclude(residence_community__code="zhangpu-demo-1")
        .select_related("residence_community")
        .first()
    )
    revoked = ReturnPass.objects.get(status=ReturnPass.Status.REVOKED)
    expired_claims = pass_claims(own) | {
        "vf": (timezone.localdate() - timedelta(days=20)).isoformat(),
        "vu": (timezone.localdate() - timedelta(days=6)).isoformat(),
    }
    expired, _kid = signing.sign(expired_claims)

    context, page = open_page(browser, "phone")
    log_in(page, base, "demo_checkpoint", seeded)
    page.goto(f"{base}{reverse('passes:check')}")
    # The one online visit: the service worker installed, the keys and the revocation list on the phone.
    page.evaluate(
        """async (url) => {
            await navigator.serviceWorker.ready;
            while (!(await caches.match(url))) await new Promise((resolve) => setTimeout(resolve, 100));
        }""",
        reverse("passes:check"),
    )
    status = page.get_by_test_id("offline-status")
    _wait_status(page, SYNCED)
    assert "吊销名单更新于 0 分钟前" in status.inner_text()

    context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False

    verdict = _scan(page, base, own.token, "valid")
    assert "verdict-valid" in verdict.get_attribute("class")
    text = verdict.inner_text()
    assert own.worker.id_number_masked[-4:] in text and own.number in text and "离线核验" in text
    assert own.enterprise.name not in text and page.get_by_test_id("other-community").count() == 0
    screenshot(page, "checkpoint-offline-valid-phone")

    verdict = _scan(page, base, elsewhere.token, "valid")
    assert "verdict-valid" in verdict.get_attribute("class")  # no refusal (clause 9), and said plainly
    assert elsewhere.residence_community.name in verdict.inner_text()
    assert "不是本卡口所在社区" in page.get_by_test_id("other-community").inner_text()

    assert "verdict-caution" in _scan(page, base, expired, "expired").get_attribute("class")
    assert "verdict-refused" in _scan(page, base, revoked.token, "revoked").get_attribute("class")
    _scan(page, base, _tampered(own.token), "invalid")
    _scan(page, base, _foreign_token(pass_claims(own)), "invalid")
    screenshot(page, "checkpoint-offline-foreign-key-phone")
    assert _pending(page) == 6

    # The in-browser verification of one token, measured (printed, not asserted).
    millis = page.evaluate(
        """async (token) => {
            await window.checkpointOffline.judge(token);  // the key imported once
            const runs = 20, started = performance.now();
            for (let i = 0; i < runs; i++) await window.checkpointOffline.judge(token);
            return (performance.now() - started) / runs;
        }""",
        own.token,
    )
    print(f"\nin-browser verification of one token (signature, revocation list, dates): {millis:.2f} ms")

    page.reload()  # offline: the service worker answers from its cache
    assert page.evaluate("navigator.onLine") is False
    page.get_by_test_id("offline-status").wait_for()
    _wait_status(page, '[data-pending="6"]')
    _scan(page, base, own.token, "valid")
    _scan(page, base, revoked.token, "revoked")
    assert _pending(page) == 8
    assert not PassCheck.objects.filter(checked_by__username="demo_checkpoint").exists()

    context.set_offline(False)
    _wait_status(page, '[data-pending="0"]')
    page.evaluate("window.checkpointOffline.upload()")  # sent again: still stored once
    checks = PassCheck.objects.filter(checked_by__username="demo_checkpoint")
    assert checks.count() == 8 and checks.values("check_id").distinct().count() == 8
    assert sorted(checks.values_list("result", flat=True)) == sorted(
        ["valid", "valid", "expired", "revoked", "invalid", "invalid", "valid", "revoked"]
    )
    page.goto(f"{base}{reverse('passes:checks')}")
    assert page.get_by_test_id("count-total").inner_text() == "8"
    assert not page.problems, page.problems
    context.close()


def test_a_stale_revocation_list_turns_a_valid_pass_orange(browser, live_server, seeded, settings):
    settings.PASS_REVOCATION_STALE_HOURS = 0  # any list is already too old
    own = ReturnPass.objects.filter(status=ReturnPass.Status.VALID, residence_community__code="zhangpu-demo-1").first()
    context, page = open_page(browser, "phone")
    log_in(page, live_server.url, "demo_checkpoint", seeded)
    page.goto(f"{live_server.url}{reverse('passes:check')}")
    _wait_status(page, SYNCED)
    assert page.get_by_test_id("offline-status").get_attribute("data-stale") == "true"
    context.set_offline(True)
    verdict = _scan(page, live_server.url, own.token, "valid")
    assert "verdict-caution" in verdict.get_attribute("class")
    assert page.get_by_test_id("stale-list").inner_text() == "请联网更新吊销名单"
    screenshot(page, "checkpoint-offline-stale-list-phone")
    context.close()
