"""The data behind each dashboard chart, as JSON for static/js/dashboard.js to draw with ECharts.

Every chart answers in one shape: {"kind": "line" | "bar" | "ranking", "unit": "%" or "", "x": labels,
"series": [{"name", "data", "total"}], "highlight": indexes of x to mark}. Each is computed in a
fixed number of queries and cached like the figures.
"""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.dates import day_bounds
from dashboard import figures as F
from dashboard.selectors import (
    CAPACITY_BUCKETS,
    CITY,
    DISTRICT,
    INDUSTRY,
    MSG_CITY,
    Scope,
    cached,
    figures_for,
    figures_json,
    flow_cached,
    resumed_history,
    window,
)
from passes.models import PassCheck
from reference.models import Community
from workforce.models import DailySummary

CHART_TITLES = {
    "resumption": _("应复尽复率走势"),
    "workforce": _("报送率、返岗率、在岗率与产能走势"),
    "capacity": _("规上企业产能利用率分布(今日)"),
    "checks": _("今日卡口核验(每小时)"),
    "ranking": _("各属地应复尽复率排名"),
    "flow": _("近7天各出入口每15分钟核验量"),
}
# 口径 of the check figures (the chart, and "今日卡口核验" among the headlines): PassCheckQuerySet.at_checkpoints.
CHECKS_BASIS = _("口径: 只计卡口核验人员登录后在卡口的核验; 未登录扫码打开核验页面的访问另行记录, 不计入。")
FLOW_NOTE = _("按一天中的时段(每15分钟)合计近7天的核验次数, 核验最多的5个出入口; 只计选择了出入口的卡口核验。")
CHART_NOTES = {"checks": CHECKS_BASIS, "flow": FLOW_NOTE}
FLOW_SERIES = 5
SCOPE_CHARTS = {
    CITY: ("resumption", "workforce", "capacity", "checks", "ranking"),
    DISTRICT: ("resumption", "workforce", "capacity", "checks", "flow"),
    # Passes and checks belong to districts, and the daily summaries have no industry rows.
    INDUSTRY: ("resumption", "capacity", "ranking"),
}
MSG_TOTAL = _("合计")
MSG_ENTERPRISES = _("企业数")
MSG_CHECKS = _("核验次数")
MSG_HOUR = _("%(hour)d时")
WORKFORCE_SERIES = (
    ("report_rate", _("报送率")),
    ("return_rate", _("返岗率")),
    ("on_duty_rate", _("在岗率")),
    ("capacity_mean", _("规上平均产能利用率")),
)


def charts_for(scope: Scope) -> list[tuple[str, str | Promise]]:
    return [(slug, CHART_TITLES[slug]) for slug in SCOPE_CHARTS[scope.kind]]


def chart_data(scope: Scope, chart: str, day: date) -> dict | None:
    """The chart's data, or None when the scope has no such chart (the view answers 404)."""
    if chart == "figures":
        return figures_json(scope, day)
    if chart not in SCOPE_CHARTS[scope.kind]:
        return None
    build = {
        "resumption": _resumption,
        "workforce": _workforce,
        "capacity": _capacity,
        "checks": _checks,
        "ranking": _ranking,
        "flow": _flow,
    }[chart]
    data = cached(f"{scope.key}:{day.isoformat()}:{chart}", lambda: build(scope, day))
    return data | {"title": str(CHART_TITLES[chart])}


def _label(day: date) -> str:
    return f"{day.month}/{day.day}"


def _percent(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _resumption(scope: Scope, day: date) -> dict:
    """Share of the enterprises that should resume (today's negative list) that had resumed by each day.

    From the figures: each resumed enterprise counts from its earliest resumption date.
    """
    data = figures_for(scope, day)
    days = window(day)
    resumed, areas = resumed_history(scope, day), data["areas"]
    empty = [0] * len(days)

    def line(name: str, area: int | None, total: bool = False) -> dict:
        should = areas[area]["now"]["should"]
        return {"name": name, "data": [_percent(F.rate(n, should)) for n in resumed.get(area, empty)], "total": total}

    if scope.kind == DISTRICT:
        series = [line(scope.own_district.name, scope.own_district.pk, total=True)]
    else:
        series = [line(str(MSG_CITY if scope.kind == CITY else MSG_TOTAL), None, total=True)]
        series += [line(name, pk) for pk, name in data["districts"] if areas[pk]["now"]["should"]]
    return {"kind": "line", "unit": "%", "x": [_label(d) for d in days], "series": series, "highlight": []}


def _workforce(scope: Scope, day: date) -> dict:
    """Earlier days from the daily summaries, today from the live figures."""
    days = window(day)
    rows = DailySummary.objects.filter(day__gte=days[0], day__lt=day)
    rows = (
        rows.filter(district_id=scope.own_district.pk) if scope.kind == DISTRICT else rows.filter(district__isnull=True)
    )
    by_day = {row.day: row for row in rows}
    today = figures_for(scope, day)["areas"][scope.area_key]["now"]

    def value(key: str, d: date):
        if d == day:
            found = today[key]
        elif d in by_day:
            row = by_day[d]
            found = (
                row.capacity_mean
                if key == "capacity_mean"
                else {
                    "report_rate": F.rate(row.reported, row.expected),
                    "return_rate": row.return_rate,
                    "on_duty_rate": row.on_duty_rate,
                }[key]
            )
        else:
            return None
        if found is None:
            return None
        return round(float(found), 1) if key == "capacity_mean" else _percent(found)

    series = [
        {"name": str(name), "data": [value(key, d) for d in days], "total": key == "on_duty_rate"}
        for key, name in WORKFORCE_SERIES
    ]
    return {"kind": "line", "unit": "%", "x": [_label(d) for d in days], "series": series, "highlight": []}


def _capacity(scope: Scope, day: date) -> dict:
    buckets = figures_for(scope, day)["areas"][scope.area_key]["buckets"]
    labels = [f"{10 * i}–{10 * (i + 1)}%" for i in range(CAPACITY_BUCKETS - 1)] + [f"≥{10 * (CAPACITY_BUCKETS - 1)}%"]
    return {
        "kind": "bar",
        "unit": "",
        "x": labels,
        "series": [{"name": str(MSG_ENTERPRISES), "data": buckets, "total": True}],
        "highlight": [],
    }


def _checks(scope: Scope, day: date) -> dict:
    """Today's checkpoint checks per hour (one count per hour)."""
    start, end = day_bounds(day)
    checks = PassCheck.objects.at_checkpoints().filter(checked_at__gte=start, checked_at__lt=end)
    if scope.kind == DISTRICT:
        checks = checks.filter(
            community_id__in=Community.objects.filter(district_id=scope.own_district.pk).values("pk")
        )
    counts = checks.aggregate(
        **{
            f"h{hour}": Count(
                "checked_at",
                filter=Q(
                    checked_at__gte=start + timedelta(hours=hour), checked_at__lt=start + timedelta(hours=hour + 1)
                ),
            )
            for hour in range(24)
        }
    )
    hours = [str(MSG_HOUR % {"hour": h}) for h in range(24)]
    return {
        "kind": "bar",
        "unit": "",
        "x": hours,
        "highlight": [],
        "series": [{"name": str(MSG_CHECKS), "data": [counts[f"h{h}"] for h in range(24)], "total": True}],
    }


def _flow(scope: Scope, day: date) -> dict:
    """The district's busiest entrances, each a line over the quarter-hours of the day (summed over 7 days)."""
    from passes.selectors.flow import SLOTS_PER_DAY, slot_label

    flow = flow_cached(scope.own_district.pk, day)
    series = [{"name": row.label, "data": row.by_slot, "total": False} for row in flow.entrances[:FLOW_SERIES]]
    return {
        "kind": "line",
        "unit": "",
        "x": [slot_label(slot) for slot in range(SLOTS_PER_DAY)],
        "series": series,
        "highlight": [],
    }


def _ranking(scope: Scope, day: date) -> dict:
    """Districts by 应复尽复率, best first; the last place highlighted (all who share it; none when all tie)."""
    data = figures_for(scope, day)
    rows = [data["areas"][pk] for pk, _name in data["districts"] if data["areas"][pk]["now"]["should"]]
    rows.sort(key=lambda row: (-(row["now"]["resumption_rate"] or 0), row["name"]))
    ranks = F.ranks(((row["pk"], row["now"]["resumption_rate"]) for row in rows), "resumption_rate")
    last = max(ranks.values(), default=None)
    return {
        "kind": "ranking",
        "unit": "%",
        "x": [row["name"] for row in rows],
        "series": [
            {
                "name": str(F.FIGURES["resumption_rate"].label),
                "total": True,
                "data": [_percent(row["now"]["resumption_rate"]) for row in rows],
            }
        ],
        "highlight": [i for i, row in enumerate(rows) if last and last > 1 and ranks.get(row["pk"]) == last],
    }
