import pytest

from portal.demo import DEMO_USERS
from tests.e2e.conftest import VIEWPORTS, open_page, open_phone_menu, screenshot

pytestmark = pytest.mark.e2e

LANDING_TITLES = {
    "demo_enterprise": "昆山演示精密机械有限公司",
    "demo_district": "张浦镇 · 属地工作台",
    "demo_district2": "昆山开发区 · 属地工作台",
    "demo_authority": "工信局 · 行业工作台",
    "demo_checkpoint": "张浦镇演示社区 · 卡口",
    "demo_commander": "全市企业名录概况",
    "demo_enterprise2": "昆山演示汽车零部件有限公司",
    "demo_enterprise3": "昆山演示食品有限公司",
    "admin": "系统管理",
}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_demo_role_logs_in_and_sees_its_landing_page(browser, live_server, seeded, viewport):
    assert set(LANDING_TITLES) == {username for username, *_ in DEMO_USERS}
    for username, title in LANDING_TITLES.items():
        context, page = open_page(browser, viewport)
        page.goto(f"{live_server.url}/")
        assert "/login/" in page.url  # signed-out visitors are sent to the login page
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(seeded)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        landing = page.get_by_test_id("landing-title")
        assert landing.inner_text() == title, username
        # Nothing wider than the screen: the page works on a 360 px phone without sideways scrolling.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{username} on {viewport}: {overflow}px too wide"
        screenshot(page, f"landing-{username}-{viewport}")
        assert not page.problems, page.problems
        context.close()


def test_phone_menu_opens_and_logs_out(browser, live_server, seeded):
    context, page = open_page(browser, "phone")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("demo_district")
    page.get_by_label("密码").fill(seeded)
    page.get_by_role("button", name="登录").click()
    open_phone_menu(page)
    page.locator("#nav-main").get_by_role("button", name="企业", exact=True).click()
    page.locator("#nav-main").get_by_role("link", name="企业名录").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("enterprise-table").is_visible()
    screenshot(page, "enterprise-list-phone")
    open_phone_menu(page)
    page.get_by_test_id("user-menu").click()
    logout = page.get_by_role("button", name="退出登录")
    logout.wait_for(state="visible")
    logout.click()
    page.wait_for_url("**/login/")
    assert not page.problems, page.problems
    context.close()


def test_an_enterprise_registers_on_a_phone(browser, live_server, seeded):
    from stdnum.cn import uscc

    from enterprises.models import Enterprise

    body = "91320583MA1E2E000"
    code = body + uscc.calc_check_digit(body)
    context, page = open_page(browser, "phone")
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="企业注册").click()
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_label("企业名称").fill("昆山手机注册有限公司")
    page.get_by_label("属地").select_option(label="周市镇")
    page.get_by_label("所属行业代码").fill("3670")
    # htmx fetches the class name as the code is typed (and the CSP allows it: no inline script).
    page.wait_for_selector("#industry-name >> text=汽车零部件及配件制造")
    page.get_by_label("生产经营地址").fill("昆山市周市镇测试路1号")
    page.get_by_label("法定代表人").fill("周一")
    page.locator("#id_contact_name").fill("周二")
    page.get_by_label("联系人手机").fill("13912340001")
    page.get_by_label("职工总数").fill("60")
    page.get_by_label("登录用户名").fill("phone_user")
    page.locator("#id_password1").fill("Kunshan-phone-2020")
    page.get_by_label("确认密码").fill("Kunshan-phone-2020")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_selector("text=注册已提交")
    screenshot(page, "register-done-phone")
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (enterprise.status, enterprise.district.name) == (Enterprise.Status.PENDING, "周市镇")
    assert not page.problems, page.problems
    context.close()
