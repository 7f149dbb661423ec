"""Role-aware navigation: each entry names the roles that may use it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.permissions import STAFF_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]


NAV_ITEMS = (
    NavItem(_("工作台"), "accounts:home", tuple(Role.values)),
    NavItem(_("企业名录"), "enterprises:list", STAFF_ROLES),
    NavItem(_("注册待确认"), "enterprises:pending", (Role.DISTRICT_STAFF,)),
    NavItem(_("导入企业"), "enterprises:import", (Role.DISTRICT_STAFF, Role.ADMIN)),
    NavItem(_("复工备案"), "filings:mine", (Role.ENTERPRISE,)),
    NavItem(_("备案审核"), "filings:queue", STAFF_ROLES),
    NavItem(_("用工日报"), "workforce:report", (Role.ENTERPRISE,)),
    NavItem(_("日报报送"), "workforce:status", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)),
    NavItem(_("每日汇总"), "workforce:summaries", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)),
    NavItem(_("数据看板"), "dashboard:home", STAFF_ROLES),
    NavItem(_("员工花名册"), "passes:roster", (Role.ENTERPRISE, Role.DISTRICT_STAFF)),
    NavItem(_("返岗通行证"), "passes:list",
            (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.CHECKPOINT_STAFF, Role.COMMANDER, Role.ADMIN)),
    NavItem(_("通行证审核"), "passes:queue", (Role.DISTRICT_STAFF,)),
    NavItem(_("通行证核验"), "passes:check", (Role.CHECKPOINT_STAFF, Role.DISTRICT_STAFF)),
    NavItem(_("核验记录"), "passes:checks", (Role.CHECKPOINT_STAFF, Role.DISTRICT_STAFF)),
    NavItem(_("点对点包车"), "passes:transport_list", (Role.ENTERPRISE,)),
    NavItem(_("点对点包车"), "passes:transport_queue", (Role.DISTRICT_STAFF,)),
    NavItem(_("本企业信息"), "enterprises:mine", (Role.ENTERPRISE,)),
    NavItem(_("负面清单"), "negative_list:public", tuple(Role.values)),
    NavItem(_("清单管理"), "negative_list:manage", (Role.ADMIN,)),
    NavItem(_("风险地区"), "passes:risk_areas", tuple(Role.values)),
    NavItem(_("风险地区管理"), "passes:risk_area_manage", (Role.ADMIN,)),
)


def menu_for(user, resolver_match=None) -> list[dict]:
    current = resolver_match.view_name if resolver_match else ""
    return [
        {"label": item.label, "url": reverse(item.url_name), "active": item.url_name == current}
        for item in NAV_ITEMS
        if user.role in item.roles
    ]
