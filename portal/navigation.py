"""Role-aware navigation: each entry names the roles that may use it."""

from collections import Counter
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
    group: str = ""  # items of a group share a drop-down when a role has more than one of them


ENTERPRISES = _("企业")
WORKFORCE = _("用工")
WORKER_RETURN = _("返岗复工")
RULES = _("政策规则")
REQUESTS = _("企业诉求")
LABOUR = _("用工保障")
SUPERVISION = _("督查督导")
POLICIES = _("惠企政策")

NAV_ITEMS = (
    NavItem(_("工作台"), "portal:home", tuple(Role.values)),
    NavItem(_("数据看板"), "dashboard:home", STAFF_ROLES),
    NavItem(_("审计记录"), "portal:audit", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN), RULES),
    NavItem(_("企业名录"), "enterprises:list", STAFF_ROLES, ENTERPRISES),
    NavItem(_("注册待确认"), "enterprises:pending", (Role.DISTRICT_STAFF,), ENTERPRISES),
    NavItem(_("导入企业"), "enterprises:import", (Role.DISTRICT_STAFF, Role.ADMIN), ENTERPRISES),
    NavItem(_("本企业信息"), "enterprises:mine", (Role.ENTERPRISE,), ENTERPRISES),
    NavItem(_("复工备案"), "filings:mine", (Role.ENTERPRISE,)),
    NavItem(_("备案审核"), "filings:queue", STAFF_ROLES),
    NavItem(_("用工日报"), "workforce:report", (Role.ENTERPRISE,), WORKFORCE),
    NavItem(_("日报报送"), "workforce:status", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN), WORKFORCE),
    NavItem(_("每日汇总"), "workforce:summaries", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN), WORKFORCE),
    NavItem(_("通行证核验"), "passes:check", (Role.CHECKPOINT_STAFF, Role.DISTRICT_STAFF), WORKER_RETURN),
    NavItem(_("员工花名册"), "passes:roster", (Role.ENTERPRISE, Role.DISTRICT_STAFF), WORKER_RETURN),
    NavItem(_("今日健康登记"), "passes:health_sheet", (Role.ENTERPRISE,), WORKER_RETURN),
    NavItem(
        _("健康异常事件"),
        "passes:health_incidents",
        (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN),
        WORKER_RETURN,
    ),
    NavItem(
        _("返岗通行证"),
        "passes:list",
        (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.CHECKPOINT_STAFF, Role.COMMANDER, Role.ADMIN),
        WORKER_RETURN,
    ),
    NavItem(_("通行证审核"), "passes:queue", (Role.DISTRICT_STAFF,), WORKER_RETURN),
    NavItem(_("核验记录"), "passes:checks", (Role.CHECKPOINT_STAFF, Role.DISTRICT_STAFF), WORKER_RETURN),
    NavItem(_("社区出入口"), "passes:entrances", (Role.DISTRICT_STAFF,), WORKER_RETURN),
    NavItem(_("点对点包车"), "passes:transport_list", (Role.ENTERPRISE,), WORKER_RETURN),
    NavItem(_("点对点包车"), "passes:transport_queue", (Role.DISTRICT_STAFF,), WORKER_RETURN),
    NavItem(_("我的诉求"), "service_requests:list", (Role.ENTERPRISE,), REQUESTS),
    NavItem(_("提出诉求"), "service_requests:raise", (Role.ENTERPRISE,), REQUESTS),
    NavItem(_("诉求办理"), "service_requests:queue", (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF), REQUESTS),
    NavItem(_("全部诉求"), "service_requests:list", STAFF_ROLES, REQUESTS),
    NavItem(_("办理统计"), "service_requests:figures", STAFF_ROLES, REQUESTS),
    NavItem(_("挂钩服务"), "service_requests:linkage", (Role.DISTRICT_STAFF,), REQUESTS),
    NavItem(_("回头看"), "service_requests:lookbacks", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN), REQUESTS),
    NavItem(_("用工缺口"), "labour:needs", (Role.ENTERPRISE, *STAFF_ROLES), LABOUR),
    NavItem(_("机构结对"), "labour:pairings", (Role.ENTERPRISE, *STAFF_ROLES), LABOUR),
    NavItem(
        _("人力资源机构"),
        "labour:agencies",
        (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER, Role.ADMIN),
        LABOUR,
    ),
    NavItem(_("招聘活动"), "labour:drives", (Role.ENTERPRISE, *STAFF_ROLES), LABOUR),
    NavItem(_("劳资纠纷"), "labour:disputes", (Role.ENTERPRISE, *STAFF_ROLES), LABOUR),
    NavItem(_("市场投诉"), "labour:complaints", tuple(r for r in Role.values if r != Role.CHECKPOINT_STAFF), LABOUR),
    NavItem(_("用工保障情况"), "labour:figures", STAFF_ROLES, LABOUR),
    NavItem(_("岗前培训"), "supervision:training_list", (Role.ENTERPRISE, *STAFF_ROLES), SUPERVISION),
    NavItem(_("专项督导"), "supervision:round_list", (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN), SUPERVISION),
    NavItem(
        _("督导问题整改"),
        "supervision:finding_list",
        (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN),
        SUPERVISION,
    ),
    NavItem(
        _("通报"),
        "supervision:notice_list",
        (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.CHECKPOINT_STAFF, Role.COMMANDER, Role.ADMIN),
        SUPERVISION,
    ),
    NavItem(_("督查清单"), "supervision:checklist_manage", (Role.COMMANDER, Role.ADMIN), SUPERVISION),
    NavItem(_("政策目录"), "policies:catalogue", (Role.ENTERPRISE, *STAFF_ROLES), POLICIES),
    NavItem(_("本企业申请"), "policies:mine", (Role.ENTERPRISE,), POLICIES),
    NavItem(_("政策审核"), "policies:queue", STAFF_ROLES, POLICIES),
    NavItem(_("兑付统计"), "policies:figures", STAFF_ROLES, POLICIES),
    NavItem(_("政策问答"), "policies:answers", tuple(Role.values), POLICIES),
    NavItem(_("负面清单"), "negative_list:public", tuple(Role.values), RULES),
    NavItem(_("清单管理"), "negative_list:manage", (Role.ADMIN,), RULES),
    NavItem(_("风险地区"), "passes:risk_areas", tuple(Role.values), RULES),
    NavItem(_("风险地区管理"), "passes:risk_area_manage", (Role.ADMIN,), RULES),
)


def menu_links(user, resolver_match=None) -> list[dict]:
    """Every menu entry the user's role may use, in order: {label, url, active, group}."""
    current = resolver_match.view_name if resolver_match else ""
    return [
        {"label": item.label, "url": reverse(item.url_name), "active": item.url_name == current, "group": item.group}
        for item in NAV_ITEMS
        if user.role in item.roles
    ]


def menu_for(user, resolver_match=None) -> list[dict]:
    """The menu bar: single links, and a drop-down ({label, children, active}) for a group the role has
    more than one entry of, placed where the group's first entry would be."""
    links = menu_links(user, resolver_match)
    sizes = Counter(link["group"] for link in links if link["group"])
    menu, groups = [], {}
    for link in links:
        group = link["group"]
        if not group or sizes[group] == 1:
            menu.append(link)
        elif group in groups:
            groups[group]["children"].append(link)
            groups[group]["active"] |= link["active"]
        else:
            groups[group] = {"label": group, "children": [link], "active": link["active"]}
            menu.append(groups[group])
    return menu
