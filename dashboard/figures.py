"""What the dashboards show: each headline figure, how it reads, which way is better, and the list behind it.

Counts are ints; a "rate" is a fraction (0.632), as the daily summary workbook holds it; a "percent"
is already in percent (capacity utilisation, 78.5), as the capacity reports hold it. A figure's
change is today's value minus yesterday's: a count's in units, a rate's in percentage points.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

COUNT, RATE, PERCENT = "count", "rate", "percent"

MSG_POINTS = _("%(change)s 个百分点")
MSG_NO_VALUE = "—"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str = COUNT
    better: int = 1  # +1: higher is better, -1: lower is better, 0: neither
    drill: str = ""  # the enterprise-list filter (DRILLS) that lists the enterprises behind the figure


FIGURES = {
    f.key: f
    for f in [
        Figure("should", _("应复工企业"), drill="should", better=0),
        Figure("filed", _("已备案"), drill="filed"),
        Figure("resumed", _("已复工"), drill="resumed"),
        Figure("resumption_rate", _("应复尽复率"), RATE, drill="not_resumed"),
        Figure("not_filed", _("未备案"), better=-1, drill="not_filed"),
        Figure("above_scale_resumed", _("规上企业已复工"), drill="above_scale_resumed"),
        Figure("above_scale_reporting", _("报送产能的规上企业"), drill="capacity_reported"),
        Figure("capacity_mean", _("规上平均产能利用率"), PERCENT, drill="capacity_reported"),
        Figure("low_capacity", _("产能利用率低于 50%"), better=-1, drill="low_capacity"),
        Figure("employees", _("职工总数"), better=0, drill="reported"),
        Figure("returned", _("累计返昆"), drill="reported"),
        Figure("return_rate", _("返岗率"), RATE, drill="reported"),
        Figure("on_duty", _("今日在岗"), drill="reported"),
        Figure("on_duty_rate", _("在岗率"), RATE, drill="reported"),
        Figure("expected", _("应报企业"), better=0, drill="active"),
        Figure("reported", _("今日已报"), drill="reported"),
        Figure("not_reported", _("今日未报"), better=-1, drill="not_reported"),
        Figure("report_rate", _("报送率"), RATE, drill="not_reported"),
        Figure("late", _("迟报"), better=-1, drill="late"),
        Figure("passes_issued", _("累计核发通行证"), drill="passes_issued"),
        Figure("passes_valid", _("有效通行证"), drill="passes_valid"),
        Figure("checks_today", _("今日卡口核验"), better=0),
    ]
}


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    figures: tuple[str, ...]


GROUPS = (
    Group("resumption", _("应复尽复"), ("resumption_rate", "should", "filed", "resumed", "not_filed")),
    Group("above_scale", _("规上企业达产"), ("above_scale_resumed", "capacity_mean", "low_capacity")),
    Group("workforce", _("员工返岗在岗"), ("returned", "return_rate", "on_duty", "on_duty_rate")),
    Group("reporting", _("今日日报"), ("not_reported", "reported", "report_rate")),
    Group("passes", _("返岗通行证"), ("passes_issued", "passes_valid", "checks_today")),
)
# The industry view has no passes: a pass belongs to its issuing district, not to an industry.
INDUSTRY_GROUPS = tuple(g for g in GROUPS if g.key != "passes")

# The rates districts are ranked by, best first.
RANKED = ("resumption_rate", "report_rate", "return_rate", "on_duty_rate", "capacity_mean")
# Ranked as shown (0.1 %), so two districts showing the same rate share a rank (as in the workbook).
_SHOWN = {RATE: Decimal("0.001"), PERCENT: Decimal("0.1")}


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def change(key: str, now: dict, before: dict | None):
    """Today's value minus yesterday's; None when either is missing."""
    if before is None or now.get(key) is None or before.get(key) is None:
        return None
    return now[key] - before[key]


def shown(key: str, value) -> str:
    """A value as the dashboard prints it."""
    if value is None:
        return MSG_NO_VALUE
    unit = FIGURES[key].unit
    if unit == RATE:
        return f"{value * 100:.1f}%"
    if unit == PERCENT:
        return f"{Decimal(value):.1f}%"
    return f"{value:,}"


def shown_change(key: str, value) -> str:
    if value is None:
        return MSG_NO_VALUE
    unit = FIGURES[key].unit
    if unit == RATE:
        return str(MSG_POINTS % {"change": f"{value * 100:+.1f}"})
    if unit == PERCENT:
        return str(MSG_POINTS % {"change": f"{Decimal(value):+.1f}"})
    return f"{value:+,}"


def tone(key: str, value) -> str:
    """"good", "bad" or "" for a change, by which way the figure should move."""
    if not value:
        return ""
    better = FIGURES[key].better
    if better == 0:
        return ""
    return "good" if (value > 0) == (better > 0) else "bad"


def shown_rank_value(key: str, value) -> Decimal:
    return Decimal(str(value)).quantize(_SHOWN[FIGURES[key].unit], ROUND_HALF_UP)


def ranks(values: Iterable[tuple[int, object]], key: str) -> dict[int, int]:
    """{district id: rank}, best first; equal shown values share a rank (1, 1, 3); None is unranked."""
    ordered = sorted(((pk, shown_rank_value(key, v)) for pk, v in values if v is not None),
                     key=lambda item: item[1], reverse=True)
    found, rank, last = {}, 0, None
    for position, (pk, value) in enumerate(ordered, start=1):
        if value != last:
            rank, last = position, value
        found[pk] = rank
    return found


def headline(key: str, now: dict, before: dict | None, link: Callable[[str], str] | None = None) -> dict:
    """One figure as a page and figures.json show it."""
    figure = FIGURES[key]
    value, delta = now.get(key), change(key, now, before)
    return {
        "key": key,
        "label": str(figure.label),
        "value": plain(value),
        "shown": shown(key, value),
        "change": plain(delta),
        "shown_change": shown_change(key, delta),
        "tone": tone(key, delta),
        "url": link(figure.drill) if link and figure.drill else "",
    }


def plain(value):
    """JSON has no Decimal."""
    return float(value) if isinstance(value, Decimal) else value
