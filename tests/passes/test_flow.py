"""Peak-hour flow: every figure recounted from the check log, and the same few queries whatever the volume."""

import random
import statistics
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from passes.flow_rollup import flow_rollup, quarter_of
from passes.models import Entrance, EntranceQuarter, PassCheck
from passes.selectors.flow import DAYS, entrance_flow, median_interval, slot_label
from passes.tasks import roll_up_entrance_flow
from reference.models import Community

pytestmark = pytest.mark.django_db

NOW_TIME = time(19, 40)


def _today():
    return timezone.localdate()


def now():
    return timezone.make_aware(datetime.combine(_today(), NOW_TIME))


@pytest.fixture
def frozen():
    with time_machine.travel(now(), tick=False):
        yield


@pytest.fixture
def gates(frozen):
    return make_gates()


def make_gates():
    home = Community.objects.get(code="zhangpu-demo-1")
    village = Community.objects.get(code="zhangpu-demo-2")
    elsewhere = Community.objects.get(code="kfq-demo-1")
    return {
        "east": Entrance.objects.create(community=home, name="东门"),
        "south": Entrance.objects.create(community=home, name="南门"),
        "village": Entrance.objects.create(community=village, name="村口", is_open=False),
        "kfq": Entrance.objects.create(community=elsewhere, name="北门"),
    }


def log_checks(gates, seed: int, per_day: int) -> None:
    """Checks over the last DAYS days (peaks at 7-8 and 17-18), and noise the figures must leave out: a day too
    early, checks without an entrance, a passer-by's scan."""
    rng = random.Random(seed)
    rows = []
    start = timezone.make_aware(datetime.combine(_today() - timedelta(days=DAYS - 1), time(0, 0)))
    for key, entrance in gates.items():
        weight = {"east": 3, "south": 1, "village": 1, "kfq": 2}[key]
        for back in range(DAYS + 1):  # back == DAYS: the day before the window
            day = _today() - timedelta(days=back)
            for _ in range(per_day * weight):
                hour = rng.choice((7, 7, 8, 12, 17, 17, 18, 21))
                at = timezone.make_aware(datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59))))
                if at < now():
                    rows.append(
                        PassCheck(checked_at=at, result="valid", community=entrance.community, entrance=entrance)
                    )
    home = gates["east"].community
    rows += [PassCheck(checked_at=now() - timedelta(hours=1), result="valid", community=home) for _ in range(9)]
    rows += [PassCheck(checked_at=now() - timedelta(hours=1), result="valid", community=None, entrance=None)]
    assert min(r.checked_at for r in rows) < start  # the window's edge is exercised
    PassCheck.objects.bulk_create(rows)


def recount(district_id):
    """The figures straight from the rows, in Python."""
    first = timezone.make_aware(datetime.combine(_today() - timedelta(days=DAYS - 1), time(0, 0)))
    rows = [
        c
        for c in PassCheck.objects.select_related("entrance__community")
        if c.entrance_id
        and c.community_id
        and c.checked_at >= first
        and (district_id is None or c.entrance.community.district_id == district_id)
    ]
    by_hour = [0] * 24
    per_entrance: dict[int, list] = {}
    for c in rows:
        local = timezone.localtime(c.checked_at)
        by_hour[local.hour] += 1
        per_entrance.setdefault(c.entrance_id, []).append(local)
    expected = {}
    for entrance_id, moments in per_entrance.items():
        quarters: dict = {}
        for m in moments:
            key = m.replace(minute=m.minute // 15 * 15, second=0, microsecond=0)
            quarters.setdefault(key, []).append(m)
        peak = min(quarters, key=lambda k: (-len(quarters[k]), k))
        ordered = sorted(quarters[peak])
        gaps = [(b - a).total_seconds() for a, b in zip(ordered, ordered[1:], strict=False)]
        expected[entrance_id] = (len(moments), peak, len(ordered), round(statistics.median(gaps), 1) if gaps else None)
    return len(rows), by_hour, expected


@pytest.mark.parametrize("rolled", ["none", "all", "all but the last hours"])
@pytest.mark.parametrize("scope", ["district", "city"])
def test_every_figure_agrees_with_the_check_log(gates, scope, rolled):
    """Read from the log alone, from the rollup (and the log after its mark), or with the rollup's mark hours back."""
    log_checks(gates, seed=17, per_day=6)
    if rolled == "all":
        flow_rollup(full=True)
    elif rolled == "all but the last hours":
        flow_rollup(now=now() - timedelta(hours=5))
    district_id = gates["east"].community.district_id if scope == "district" else None
    flow = entrance_flow(district_id=district_id)
    total, by_hour, expected = recount(district_id)

    assert flow.total == total == sum(flow.by_hour) == sum(flow.by_slot)
    assert flow.by_hour == by_hour
    assert {row.entrance_id for row in flow.entrances} == set(expected)
    assert [row.total for row in flow.entrances] == sorted((e[0] for e in expected.values()), reverse=True)
    for row in flow.entrances:
        n, peak, peak_count, median = expected[row.entrance_id]
        assert (row.total, row.peak_start, row.peak_count, row.median_interval) == (n, peak, peak_count, median)
        assert sum(row.by_slot) == n
    if scope == "district":
        assert gates["kfq"].pk not in expected
    assert flow.first_day == _today() - timedelta(days=DAYS - 1) and flow.last_day == _today()


def test_the_busiest_hours_are_the_peaks(gates):
    log_checks(gates, seed=3, per_day=8)
    flow = entrance_flow()
    hours = [hour for hour, _n in flow.busiest_hours]
    assert set(hours) <= {7, 17, 8, 18, 12, 21} and len(hours) == 3
    counts = [n for _hour, n in flow.busiest_hours]
    assert counts == sorted(counts, reverse=True) and counts[0] == max(flow.by_hour)


def test_the_median_interval_of_one_quarter_hour():
    base = timezone.make_aware(datetime(2026, 3, 9, 7, 45))
    assert median_interval([base]) is None
    assert median_interval([base + timedelta(seconds=s) for s in (0, 4, 6, 16, 18)]) == 3.0
    assert slot_label(31) == "07:45"


def test_no_entrance_checks_give_empty_figures(frozen):
    flow = entrance_flow()
    assert (flow.total, flow.entrances, flow.busiest_hours) == (0, [], [])


@pytest.mark.parametrize("per_day", [1, 20])
def test_the_same_queries_whatever_the_volume(gates, per_day, django_assert_num_queries):
    log_checks(gates, seed=5, per_day=per_day)
    flow_rollup(now=now() - timedelta(hours=2))
    # the rollup's mark; quarter-hours of all entrances, the busiest entrances, their quarter-hours (each from the
    # rollup and from the log); their peak checks; their names
    with django_assert_num_queries(9):
        entrance_flow()


def test_the_rollup_is_idempotent_and_catches_late_checks(gates):
    log_checks(gates, seed=8, per_day=4)
    flow_rollup()
    first = sorted(EntranceQuarter.objects.values_list("entrance_id", "quarter", "checks"))
    flow_rollup()  # the recent hours again: the same counts
    assert sorted(EntranceQuarter.objects.values_list("entrance_id", "quarter", "checks")) == first
    window = quarter_of(timezone.make_aware(datetime.combine(_today() - timedelta(days=DAYS - 1), time(0, 0))))
    in_window = sum(n for _e, q, n in first if q >= window)
    assert in_window == recount(None)[0] - _current_quarter_checks()
    # A phone back online uploads a check of two hours ago: the next run counts it.
    late = now() - timedelta(hours=2)
    PassCheck.objects.create(checked_at=late, result="valid", community=gates["east"].community, entrance=gates["east"])
    flow_rollup()
    flow = entrance_flow()
    assert flow.total == recount(None)[0]
    # One of five days ago is counted by the nightly run (beyond the recent minutes), and read exactly after it.
    old = now() - timedelta(days=5)
    PassCheck.objects.create(checked_at=old, result="valid", community=gates["east"].community, entrance=gates["east"])
    flow_rollup(full=True)
    assert entrance_flow().total == recount(None)[0]


def _current_quarter_checks() -> int:
    moment = timezone.localtime(now())
    start = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
    return PassCheck.objects.filter(entrance__isnull=False, community__isnull=False, checked_at__gte=start).count()


def test_a_beat_run_of_the_task_rolls_up(gates):
    log_checks(gates, seed=9, per_day=1)
    roll_up_entrance_flow.delay(full=True)
    assert EntranceQuarter.objects.exists()
