"""The whole filing journey in a browser: an enterprise files on a phone, its district approves on a desktop."""

import re

import pytest
from django.utils import timezone
from openpyxl import Workbook

from tests.e2e.conftest import open_page, open_phone_menu, screenshot

pytestmark = pytest.mark.e2e

MATERIAL_KINDS = ("prevention_plan", "commitment_letter", "emergency_plan", "roster", "supplies_list")
REFERENCE = re.compile(r"^KSFG-\d{8}-\d{5}$")


def _minimal_pdf() -> bytes:
    """A tiny but well-formed one-page PDF (the portal only checks the leading %PDF- signature)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _material_files(folder) -> dict:
    folder.mkdir()
    pdf = _minimal_pdf()
    files = {}
    for kind in MATERIAL_KINDS:
        if kind == "roster":
            workbook = Workbook()
            sheet = workbook.active
            sheet.title = "员工花名册"
            sheet.append(["姓名", "身份证号", "手机号", "岗位", "来昆前所在地(省市县)", "返昆日期", "在昆居住地址"])
            sheet.append(
                ["王一", "320583199001011234", "13900000011", "操作工", "江苏省昆山市", "2020-02-20", "张浦镇演示路1号"]
            )
            path = folder / "员工花名册.xlsx"
            workbook.save(path)
        else:
            path = folder / f"{kind}.pdf"
            path.write_bytes(pdf)
        files[kind] = path
    return files


def _fits_the_phone(page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: {overflow}px wider than the phone"


def _log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("landing-title").is_visible(), username


def test_enterprise_files_on_a_phone_and_the_district_approves(browser, live_server, seeded, tmp_path):
    files = _material_files(tmp_path / "materials")
    base = live_server.url

    # --- 1. The enterprise files on a phone ------------------------------------------------------
    ent_context, ent = open_page(browser, "phone")
    _log_in(ent, base, "demo_enterprise", seeded)
    _fits_the_phone(ent, "enterprise landing")

    open_phone_menu(ent)
    ent.locator("#nav-main").get_by_role("link", name="复工备案").click()
    ent.wait_for_url("**/filings/")
    _fits_the_phone(ent, "my filings")
    ent.get_by_test_id("start-filing").click()

    # Step 1: scope, planned date, headcount.
    ent.wait_for_url(re.compile(r"/filings/\d+/scope/$"))
    filing_url = ent.url.removesuffix("scope/")
    _fits_the_phone(ent, "step 1 scope")
    ent.locator("#id_scope_work").check()
    ent.locator("#id_scope_production").check()
    ent.locator("#id_planned_resume_on").fill(timezone.localdate().isoformat())
    ent.locator("#id_planned_headcount").fill("280")
    ent.get_by_role("button", name="下一步").click()

    # Step 2: prevention measures, contact person, the commitment.
    ent.wait_for_url("**/measures/")
    _fits_the_phone(ent, "step 2 measures")
    ent.locator("#id_masks_in_stock").fill("5000")
    ent.locator("#id_thermometers_in_stock").fill("20")
    ent.locator("#id_has_disinfection").check()
    ent.locator("#id_has_isolation_room").check()
    ent.locator("#id_canteen").select_option(label="错峰分餐就餐")
    ent.locator("#id_measures_notes").fill("厂区入口设测温点, 车间每日两次通风。")
    ent.locator("#id_contact_name").fill("王企业")
    ent.locator("#id_contact_mobile").fill("13900000001")
    ent.locator("#id_commitment_accepted").check()
    ent.get_by_role("button", name="下一步").click()

    # Step 3: the five materials, each uploaded from its own card.
    ent.wait_for_url("**/materials/")
    _fits_the_phone(ent, "step 3 materials")
    for kind, path in files.items():
        card = ent.get_by_test_id(f"material-{kind}")
        card.locator('input[type="file"]').set_input_files(str(path))
        card.get_by_role("button", name="上传").click()
        ent.wait_for_load_state("networkidle")
        # After the redirect the card shows the stored file and offers to replace it.
        card = ent.get_by_test_id(f"material-{kind}")
        assert card.get_by_role("link", name=path.name).is_visible(), kind
        assert card.get_by_role("button", name="替换").is_visible(), kind
        assert not ent.locator(".alert-danger").count(), ent.locator(".alert-danger").all_inner_texts()
    _fits_the_phone(ent, "step 3 materials, all uploaded")
    ent.get_by_role("link", name="下一步: 核对提交").click()

    # Step 4: check and submit (the form asks for confirmation first).
    ent.wait_for_url("**/check/")
    _fits_the_phone(ent, "step 4 check")
    assert not ent.get_by_test_id("missing").count(), ent.get_by_test_id("missing").all_inner_texts()
    assert not ent.get_by_test_id("restricted").count()
    dialogs = []
    ent.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    ent.get_by_test_id("submit-filing").click()

    ent.wait_for_url("**/receipt/")
    _fits_the_phone(ent, "receipt")
    assert dialogs and "确认提交" in dialogs[0]
    reference = ent.get_by_test_id("reference").inner_text().strip()
    assert REFERENCE.match(reference), reference
    may_resume = ent.get_by_test_id("may-resume").inner_text()
    assert "备案即复工" in may_resume and "复工、复产" in may_resume, may_resume
    screenshot(ent, "filing-receipt-phone")
    assert not ent.problems, ent.problems

    # --- 2. The district reviews on a desktop, in its own browser context ------------------------
    staff_context, staff = open_page(browser, "desktop")
    _log_in(staff, base, "demo_district", seeded)
    staff.locator("#nav-main").get_by_role("link", name="备案审核").click()
    staff.wait_for_url("**/filings/queue/")
    queue = staff.get_by_test_id("queue-table")
    row = queue.locator("tbody tr", has_text=reference)
    assert row.count() == 1, queue.inner_text()
    assert "已备案, 待审核" in row.inner_text()
    row.get_by_role("link", name="昆山演示精密机械有限公司").click()

    staff.wait_for_url(f"{filing_url}")
    assert staff.get_by_test_id("filing-status").inner_text() == "已备案, 待审核"
    decision_form = staff.get_by_test_id("decision-form")
    decision_form.get_by_label("审核通过").check()
    decision_form.get_by_label("审核意见").fill("材料齐全, 同意复工复产。")
    decision_form.get_by_role("button", name="提交审核结果").click()

    staff.wait_for_url("**/filings/queue/")
    staff.wait_for_load_state("networkidle")
    # Issue 12: the message says what was decided (it read "已处理备案 …").
    assert staff.get_by_role("alert").filter(has_text=f"备案 {reference} 已审核通过").is_visible()
    # The work queue lists only filings awaiting review by default: the decided one has left it...
    assert not staff.get_by_test_id("queue-table").locator("tbody tr", has_text=reference).count()
    # ...and the status filter finds it, approved.
    staff.get_by_label("状态").select_option(label="审核通过")
    staff.get_by_role("button", name="筛选").click()
    staff.wait_for_url("**/filings/queue/?*")
    staff.wait_for_load_state("networkidle")
    row = staff.get_by_test_id("queue-table").locator("tbody tr", has_text=reference)
    assert row.count() == 1, staff.get_by_test_id("queue-table").inner_text()
    assert "审核通过" in row.inner_text()
    screenshot(staff, "filing-queue-approved-desktop")
    assert not staff.problems, staff.problems
    staff_context.close()

    # --- 3. Back on the enterprise's phone: the filing page shows the decision -------------------
    ent.goto(filing_url)
    _fits_the_phone(ent, "filing page after approval")
    assert ent.get_by_test_id("filing-status").inner_text() == "审核通过"
    assert "审核通过" in ent.get_by_test_id("decision").inner_text()
    steps = ent.get_by_test_id("timeline").locator("li")
    assert steps.count() == 2, ent.get_by_test_id("timeline").inner_text()
    # Newest or oldest first, both transitions are there.
    texts = {" ".join(text.split()) for text in steps.all_inner_texts()}
    assert any("草稿 → 已备案, 待审核" in text and "王企业" in text for text in texts), texts
    assert any("已备案, 待审核 → 审核通过" in text and "李属地" in text for text in texts), texts
    screenshot(ent, "filing-approved-phone")
    assert not ent.problems, ent.problems
    ent_context.close()
