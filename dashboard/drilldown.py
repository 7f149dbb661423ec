"""The enterprises behind a dashboard figure: the registry list narrowed by what the figure counts.

A figure's list holds exactly the enterprises the figure counts (tests/dashboard/test_drilldown.py
checks each against the dashboard), inside the viewer's scope (Enterprise.objects.visible_to).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from dashboard.selectors import ISSUED, LOW_CAPACITY_PERCENT, PASS, restricted_classes
from enterprises.models import Enterprise, industry_in_authority_q, key_enterprise_q
from enterprises.selectors import EnterpriseFilters, enterprise_list_visible_to
from negative_list.selectors import negative_list_rules
from passes.models import ReturnPass
from reference.models import Industry
from reference.selectors import industry_nodes
from workforce.models import CapacityReport, WorkforceReport
from workforce.resumption import filings_in_effect, resumed_by

DRILLS = {
    "active": _("应报日报的企业(名录内已确认)"),
    "should": _("应复工企业"),
    "filed": _("已备案"),
    "not_filed": _("应复工但未备案"),
    "resumed": _("已复工"),
    "not_resumed": _("应复工但尚未复工"),
    "above_scale_resumed": _("已复工的规上企业"),
    "reported": _("今日已报日报"),
    "not_reported": _("今日未报日报"),
    "late": _("今日迟报"),
    "capacity_reported": _("今日已报产能的规上企业"),
    "low_capacity": _("今日产能利用率低于 50% 的规上企业"),
    "key_reported": _("今日已报日报的重点企业和产业链龙头企业"),
    "key_capacity_reported": _("今日已报产能的重点企业和产业链龙头企业"),
    "passes_issued": _("有已核发通行证的企业"),
    "passes_valid": _("有有效通行证的企业"),
}
# The figures judged against the negative list in force on the day.
_SHOULD_DRILLS = {"should", "filed", "not_filed", "resumed", "not_resumed", "above_scale_resumed"}


@dataclass(frozen=True)
class DrillFilters:
    registry: EnterpriseFilters = EnterpriseFilters()
    figure: str = ""
    industry: Industry | None = None
    authority_id: int | None = None


def _industry_q(industry: Industry) -> Q:
    level = industry.level
    if level == Industry.Level.SECTION:
        return Q(industry__section=industry.code)
    if level == Industry.Level.DIVISION:
        return Q(industry__division=industry.code)
    if level == Industry.Level.GROUP:
        return Q(industry__group=industry.code)
    return Q(industry_id=industry.code)


def figure_q(figure: str, day: date) -> Q:
    """The enterprises a figure counts on `day`, as a condition on Enterprise."""
    active = Q(status=Enterprise.Status.ACTIVE)
    in_effect = filings_in_effect().filter(enterprise=OuterRef("pk"))
    report = WorkforceReport.objects.filter(enterprise=OuterRef("pk"), day=day)
    capacity = CapacityReport.objects.filter(enterprise=OuterRef("pk"), day=day)
    above_scale = active & Q(is_above_scale=True)
    conditions = {
        "active": active,
        "filed": Exists(in_effect),
        "not_filed": ~Exists(in_effect),
        "resumed": resumed_by(day),
        "not_resumed": ~resumed_by(day),
        "above_scale_resumed": Q(is_above_scale=True) & resumed_by(day),
        "reported": active & Exists(report),
        "not_reported": active & ~Exists(report),
        "late": active & Exists(report.filter(is_late=True)),
        "capacity_reported": above_scale & Exists(capacity),
        "low_capacity": above_scale & Exists(capacity.filter(capacity_percent__lt=LOW_CAPACITY_PERCENT)),
        "key_reported": active & key_enterprise_q() & Exists(report),
        "key_capacity_reported": above_scale & key_enterprise_q() & Exists(capacity),
        "passes_issued": Exists(ReturnPass.objects.filter(enterprise=OuterRef("pk"), status__in=ISSUED)),
        "passes_valid": Exists(
            ReturnPass.objects.filter(enterprise=OuterRef("pk"), status=PASS.VALID, valid_until__gte=day)
        ),
    }
    condition = conditions.get(figure, Q())
    if figure in _SHOULD_DRILLS:
        restricted = restricted_classes(
            negative_list_rules(on=day),
            (i for i in industry_nodes().values() if i.level == Industry.Level.CLASS),
        )
        condition = active & ~Q(industry_id__in=restricted) & condition
    return condition


def drilldown_visible_to(user, filters: DrillFilters, day: date) -> QuerySet[Enterprise]:
    """The registry list (scope, search, district, section, flags) narrowed by industry, authority and figure."""
    qs = enterprise_list_visible_to(user, filters.registry)
    if filters.industry is not None:
        qs = qs.filter(_industry_q(filters.industry))
    if filters.authority_id is not None:
        qs = qs.filter(industry_in_authority_q(filters.authority_id))
    if filters.figure:
        qs = qs.filter(figure_q(filters.figure, day))
    return qs


def drilldown_rows(page_queryset: QuerySet[Enterprise], day: date) -> QuerySet[Enterprise]:
    """The page's rows with what the dashboard counts about each: filing, today's report and capacity."""
    return page_queryset.annotate(
        has_filing=Exists(filings_in_effect().filter(enterprise=OuterRef("pk"))),
        has_resumed=resumed_by(day),
        has_report=Exists(WorkforceReport.objects.filter(enterprise=OuterRef("pk"), day=day)),
        capacity_today=Subquery(
            CapacityReport.objects.filter(enterprise=OuterRef("pk"), day=day).values("capacity_percent")[:1]
        ),
    )
