"""Demo requests for `make run`: one in every state, made through the services, so each role sees the loop
on its landing page. Called from portal/demo.py; runs once (skipped when the demo enterprises have requests)."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from enterprises.models import Enterprise
from reference.models import District
from service_requests import lookback, services
from service_requests.linkage import linkage_tiers_default_load
from service_requests.models import DistrictLinkage, Rating, ServiceRequest


def demo_requests_seed(users: list[User], enterprises: list[Enterprise]) -> None:
    """`enterprises`: the demo enterprises with an account (the first is demo_enterprise's)."""
    linkage_tiers_default_load()
    by_name = {user.username: user for user in users}
    district_staff, commander = by_name["demo_district"], by_name["demo_commander"]
    zhangpu = District.objects.get(code="zhangpu")
    DistrictLinkage.objects.get_or_create(
        district=zhangpu, defaults={"task_force_head": district_staff, "city_leader": commander}
    )
    if ServiceRequest.objects.filter(enterprise__in=enterprises).exists():
        return
    first, second, third = enterprises
    Enterprise.objects.filter(pk=first.pk, responsible_official__isnull=True).update(
        responsible_official=district_staff
    )
    owners = {e.pk: next(u for u in users if u.enterprise_id == e.pk) for e in enterprises}
    authority = by_name["demo_authority"]

    def raise_(enterprise, category, title, text, **kwargs):
        return services.service_request_raise(
            enterprise=enterprise, raised_by=owners[enterprise.pk], category=category, title=title, text=text, **kwargs
        )

    # 待受理: a blocker from the capacity report, turned into a request.
    report = second.capacity_reports.order_by("-day").first()
    if report is not None and report.blockers:
        services.service_request_raise(
            enterprise=second,
            raised_by=district_staff,
            category="supply",
            capacity_report=report,
            **services.capacity_blocker_prefill(report),
        )
    raise_(
        first,
        "labour",
        "缺少熟练焊工 20 名",
        "订单恢复后焊接工段缺少熟练焊工 20 名, 希望协助对接人力资源机构。",
        urgency="urgent",
    )
    # 已办结, 视为满意: answered and left unconfirmed past its deadline (first, while no other answer waits).
    deemed = raise_(third, "other", "厂区门口公交站点恢复", "员工通勤不便, 希望恢复厂区门口公交站点。")
    deemed = services.service_request_answer(
        request=deemed, answered_by=district_staff, answer="公交公司已于本周恢复该站点。"
    )
    services.service_requests_close_unconfirmed(now=deemed.confirm_due_at + timedelta(minutes=1))
    # 办理中
    accepted = raise_(first, "logistics", "外省原料运输车辆进昆受阻", "浙江供应商的运输车辆在高速卡口等待时间过长。")
    services.service_request_accept(request=accepted, accepted_by=district_staff)
    # 待企业补充
    info = raise_(second, "finance", "申请流动资金贷款贴息", "受疫情影响资金周转困难, 希望了解贷款贴息政策并申请。")
    services.service_request_ask_for_information(
        request=info, asked_by=district_staff, question="请补充近三个月的银行流水和贷款合同。"
    )
    # 已答复, 待企业确认 (demo_enterprise confirms it)
    answered = raise_(first, "policy", "社保费减免的适用范围", "我公司是否适用阶段性减免企业社会保险费政策?")
    services.service_request_answer(
        request=answered,
        answered_by=district_staff,
        answer="贵公司属于中小微企业, 2 月至 6 月免征三项社会保险单位缴费部分, 无需申请。",
    )
    # 重新办理
    reopened = raise_(second, "prevention", "口罩采购渠道", "员工返岗后口罩消耗量大, 现有渠道供应不足。")
    services.service_request_answer(
        request=reopened, answered_by=district_staff, answer="已提供两家定点供应企业联系方式。"
    )
    services.service_request_reopen(
        request=reopened, reopened_by=owners[second.pk], reason="两家供应企业均已无货, 问题没有解决。"
    )
    # 已办结: 满意, 不满意, 视为满意
    for enterprise, title, rating in (
        (third, "食品原料检验检疫", Rating.SATISFIED),
        (third, "冷链运输通行证办理", Rating.UNSATISFIED),
    ):
        done = raise_(enterprise, "access", title, f"{title}遇到困难, 请求协调。")
        services.service_request_answer(request=done, answered_by=district_staff, answer="已协调相关部门办理。")
        services.service_request_confirm(request=done, confirmed_by=owners[enterprise.pk], rating=rating)
    # 层层加码: straight to the industry authority (工信局), and on the commanders' page.
    raise_(
        first,
        "overreach",
        "村口要求返岗员工再隔离 14 天",
        "所在村要求来自低风险地区的员工再居家隔离 14 天, 超出全市规定。",
    )
    # 逾期升级: a request whose deadline passed moves up to the district's task force.
    lapsed = raise_(second, "supply", "芯片进口清关慢", "进口芯片清关时间比平时长一周, 影响交货。")
    ServiceRequest.objects.filter(pk=lapsed.pk).update(due_at=F("created_at") - timedelta(hours=1))
    services.service_requests_escalate_overdue()
    handed = raise_(first, "supply", "钢材供应商复工", "主要钢材供应商在外省尚未复工。")
    services.service_request_hand_over(
        request=handed,
        handed_over_by=district_staff,
        to_authority=authority.industry_authority,
        comment="涉及外省企业, 请工信局协调。",
    )
    lookback.look_back_draw(week=timezone.localdate(), seed=2020, share=0.5)
