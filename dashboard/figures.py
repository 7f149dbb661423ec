"""What the dashboards show: each headline figure, how it reads, which way is better, and the list behind it.

Counts are ints; a "rate" is a fraction (0.632), as the daily summary workbook holds it; a "percent"
is already in percent (capacity utilisation, 78.5), as the capacity reports hold it. A figure's
change is today's value minus yesterday's: a count's in units, a rate's in percentage points.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workforce.resumption import NOTE_FILED, NOTE_RESUMED, NOTE_RESUMPTION_RATE, NOTE_SHOULD

COUNT, RATE, PERCENT = "count", "rate", "percent"

MSG_POINTS = _("%(change)s 个百分点")
MSG_NO_VALUE = "—"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    unit: str = COUNT
    better: int = 1  # +1: higher is better, -1: lower is better, 0: neither
    drill: str = ""  # the enterprise-list filter (DRILLS) that lists the enterprises behind the figure
    note: str | Promise = ""  # 口径: what the figure counts, shown under it


FIGURES = {
    f.key: f
    for f in [
        Figure("should", _("应复工企业"), drill="should", better=0, note=NOTE_SHOULD),
        Figure("filed", _("已备案"), drill="filed", note=NOTE_FILED),
        Figure("resumed", _("已复工"), drill="resumed", note=NOTE_RESUMED),
        Figure("resumption_rate", _("应复尽复率"), RATE, drill="not_resumed", note=NOTE_RESUMPTION_RATE),
        Figure("not_filed", _("未备案"), better=-1, drill="not_filed", note=_("口径: 应复工企业中尚无有效备案的")),
        Figure(
            "above_scale_resumed",
            _("规上企业已复工"),
            drill="above_scale_resumed",
            note=_("口径: 已复工企业中的规上工业企业"),
        ),
        Figure(
            "above_scale_reporting",
            _("报送产能的规上企业"),
            drill="capacity_reported",
            note=_("口径: 今日报送产能日报的规上企业"),
        ),
        Figure(
            "capacity_mean",
            _("规上平均产能利用率"),
            PERCENT,
            drill="capacity_reported",
            note=_("口径: 今日报送产能日报的规上企业产能利用率的算术平均"),
        ),
        Figure(
            "low_capacity",
            _("产能利用率低于 50%"),
            better=-1,
            drill="low_capacity",
            note=_("口径: 今日报送的产能利用率低于 50% 的规上企业"),
        ),
        Figure("employees", _("职工总数"), better=0, drill="reported", note=_("口径: 今日已报日报企业的职工总数之和")),
        Figure("returned", _("累计返昆"), drill="reported", note=_("口径: 今日已报日报企业的累计返昆人数之和")),
        Figure(
            "return_rate", _("返岗率"), RATE, drill="reported", note=_("口径: 累计返昆人数 ÷ 职工总数(今日已报企业)")
        ),
        Figure("on_duty", _("今日在岗"), drill="reported", note=_("口径: 今日已报日报企业的在岗人数之和")),
        Figure(
            "on_duty_rate", _("在岗率"), RATE, drill="reported", note=_("口径: 今日在岗人数 ÷ 职工总数(今日已报企业)")
        ),
        Figure("expected", _("应报企业"), better=0, drill="active", note=_("口径: 名录内已确认的企业, 每日报送")),
        Figure("reported", _("今日已报"), drill="reported", note=_("口径: 今日已报用工日报的企业")),
        Figure(
            "not_reported",
            _("今日未报"),
            better=-1,
            drill="not_reported",
            note=_("口径: 名录内已确认、今日尚未报送用工日报的企业"),
        ),
        Figure("report_rate", _("报送率"), RATE, drill="not_reported", note=_("口径: 今日已报企业 ÷ 应报企业")),
        Figure("late", _("迟报"), better=-1, drill="late", note=_("口径: 今日截止时间后首次报送的企业")),
        Figure(
            "passes_issued",
            _("累计核发通行证"),
            drill="passes_issued",
            note=_("口径: 已核发的通行证, 含其后暂停、吊销、过期的"),
        ),
        Figure(
            "passes_valid", _("有效通行证"), drill="passes_valid", note=_("口径: 今日在有效期内且未暂停、吊销的通行证")
        ),
        Figure("checks_today", _("今日卡口核验"), better=0, note=_("口径: 今日各卡口核验通行证的次数")),
        # Clause 6: key enterprises and chain leaders (either flag, counted once), as figures of their own.
        Figure(
            "key_reported",
            _("重点企业今日已报"),
            drill="key_reported",
            note=_("口径: 今日已报用工日报的重点企业和产业链龙头企业"),
        ),
        Figure(
            "key_returned",
            _("重点企业累计返昆"),
            drill="key_reported",
            note=_("口径: 今日已报日报的重点企业和产业链龙头企业的累计返昆人数之和"),
        ),
        Figure(
            "key_on_duty",
            _("重点企业今日在岗"),
            drill="key_reported",
            note=_("口径: 今日已报日报的重点企业和产业链龙头企业的在岗人数之和"),
        ),
        Figure(
            "key_on_duty_rate",
            _("重点企业在岗率"),
            RATE,
            drill="key_reported",
            note=_("口径: 重点企业今日在岗人数 ÷ 职工总数(今日已报的重点企业和产业链龙头企业)"),
        ),
        Figure(
            "key_capacity_mean",
            _("重点企业平均产能利用率"),
            PERCENT,
            drill="key_capacity_reported",
            note=_("口径: 今日报送产能日报的重点企业和产业链龙头企业产能利用率的算术平均"),
        ),
    ]
}


@dataclass(frozen=True)
class Group:
    key: str
    title: str | Promise
    figures: tuple[str, ...]


GROUPS = (
    Group("resumption", _("应复尽复"), ("resumption_rate", "should", "filed", "resumed", "not_filed")),
    Group("above_scale", _("规上企业达产"), ("above_scale_resumed", "capacity_mean", "low_capacity")),
    Group("workforce", _("员工返岗在岗"), ("returned", "return_rate", "on_duty", "on_duty_rate")),
    Group(
        "key",
        _("重点企业和产业链龙头企业"),
        ("key_returned", "key_on_duty", "key_on_duty_rate", "key_capacity_mean", "key_reported"),
    ),
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
    """ "good", "bad" or "" for a change, by which way the figure should move."""
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
    ordered = sorted(
        ((pk, shown_rank_value(key, v)) for pk, v in values if v is not None), key=lambda item: item[1], reverse=True
    )
    found, rank, last = {}, 0, None
    for position, (pk, value) in enumerate(ordered, start=1):
        if value != last:
            rank, last = position, value
        found[pk] = rank
    return found


def is_tied(found: dict[int, int], rank: int | None) -> bool:
    """Whether another district shares this place (both read 并列第 1; the next reads 第 3)."""
    return rank is not None and sum(1 for other in found.values() if other == rank) > 1


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
        "note": str(figure.note),
    }


def plain(value):
    """JSON has no Decimal."""
    return float(value) if isinstance(value, Decimal) else value
