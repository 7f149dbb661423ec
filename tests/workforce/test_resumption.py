"""已复工 follows what enterprises report, and every count of it equals a recount from the rows.

The recount below reads Enterprise, Filing and WorkforceReport rows in Python and applies the rule as the
issue states it, independently of workforce/resumption.py: a filing in effect and an actual work date, or,
failing the date, the first daily report with people on duty (since the filing was sent).
"""

import datetime as dt
import random
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from dashboard.charts import chart_data
from enterprises.models import Enterprise
from filings.models import Filing
from reference.models import Industry
from tests.dashboard.conftest import DAY, at, enterprise, filing, report
from tests.factories import UserFactory, credit_code
from tests.filings.helpers import publish_negative_list
from workforce import services
from workforce.models import WorkforceReport
from workforce.resumption import NOTE_RESUMED, resumption_progress, standings_rebuild

pytestmark = pytest.mark.django_db

INDUSTRIES = ("3670", "3484", "1431", "5990", "8760")  # 8760 (cinemas) is on the negative list
IN_EFFECT = (Filing.Status.SUBMITTED, Filing.Status.APPROVED)
S = Filing.Status


@pytest.fixture(autouse=True)
def clock():
    """Monday 9 March 2020, 10:00 in Kunshan, with the dashboards' cache empty."""
    cache.clear()
    with time_machine.travel(at(DAY, 10), tick=False) as traveller:
        yield traveller
    cache.clear()


def _report_data(total: int, returned: int, on_duty: int) -> dict:
    return {
        "total_employees": total,
        "returned": returned,
        "on_duty": on_duty,
        "away_high": 0,
        "away_medium": 0,
        "away_low": total - returned,
        "in_quarantine": 0,
        "returned_today": 0,
        "returned_today_high": 0,
        "returned_today_medium": 0,
    }


# --- The write side: the first report with people on duty sets the date -------------------------------


@pytest.fixture
def zhangpu_filing(db, clock, district_a):
    owner = enterprise(district_a, "3670")
    user = UserFactory(enterprise_user=True, enterprise=owner)
    return filing(owner, user, S.SUBMITTED, submitted=at(DAY, 8) - dt.timedelta(days=2)), user


def test_the_first_report_with_people_on_duty_sets_the_actual_work_date(zhangpu_filing):
    sent, user = zhangpu_filing
    services.workforce_report_save(enterprise=sent.enterprise, day=DAY, data=_report_data(50, 20, 12), saved_by=user)
    sent.refresh_from_db()
    assert sent.resumed_work_on == DAY


def test_a_report_with_nobody_on_duty_sets_no_date(zhangpu_filing):
    sent, user = zhangpu_filing
    services.workforce_report_save(enterprise=sent.enterprise, day=DAY, data=_report_data(50, 20, 0), saved_by=user)
    sent.refresh_from_db()
    assert sent.resumed_work_on is None


def test_a_date_the_enterprise_recorded_is_kept(zhangpu_filing):
    sent, user = zhangpu_filing
    Filing.objects.filter(pk=sent.pk).update(resumed_work_on=DAY - dt.timedelta(days=1))
    services.workforce_report_save(enterprise=sent.enterprise, day=DAY, data=_report_data(50, 20, 12), saved_by=user)
    sent.refresh_from_db()
    assert sent.resumed_work_on == DAY - dt.timedelta(days=1)


def test_a_report_before_the_filing_was_sent_does_not_count(db, clock, district_a):
    owner = enterprise(district_a, "3670")
    user = UserFactory(enterprise_user=True, enterprise=owner)
    report(owner, user, DAY - dt.timedelta(days=3), 50, 20, 12)
    sent = filing(owner, user, S.SUBMITTED, submitted=at(DAY, 8))
    data = selectors.city_figures(DAY)["areas"][None]["now"]
    assert (data["filed"], data["resumed"]) == (1, 0)
    services.workforce_report_save(enterprise=owner, day=DAY, data=_report_data(50, 20, 0), saved_by=user)
    sent.refresh_from_db()
    assert sent.resumed_work_on is None


def test_the_issues_city_reads_resumed_when_filings_are_in_effect_and_people_on_duty(db, clock, district_a, commander):
    """Four filings in effect, people on duty in the daily reports, no date typed: not 0 % any more."""
    publish_negative_list(("8760",))
    owners = [enterprise(district_a, "3670", above=True) for _ in range(4)]
    staff = UserFactory(district_staff=True, district=district_a)
    for owner in owners:
        filing(owner, staff, S.APPROVED, submitted=at(DAY, 8) - dt.timedelta(days=3))
        services.workforce_report_save(enterprise=owner, day=DAY, data=_report_data(300, 280, 265), saved_by=staff)
    city = selectors.city_figures(DAY)["areas"][None]["now"]
    assert (city["resumed"], city["above_scale_resumed"], city["resumption_rate"]) == (4, 4, 1.0)
    assert resumption_progress(commander, DAY)["totals"]["rate_percent"] == 100.0


# --- The recount -------------------------------------------------------------------------------------


def _build_city(seed: int, districts, staff) -> None:
    """A random city over the last ten days: filings in every state, dates typed or not, reports with and
    without people on duty, some before the filing was sent, some saved through the service."""
    rng = random.Random(seed)
    industries = {code: Industry.objects.get(code=code) for code in INDUSTRIES}
    for n in range(36):
        owner = Enterprise.objects.create(
            name=f"重算企业{seed}-{n}",
            credit_code=credit_code(9_000_000 + 100 * seed + n),
            district=rng.choice(districts),
            industry=industries[rng.choice(INDUSTRIES)],
            is_above_scale=rng.random() < 0.4,
            headcount=100,
            status=rng.choice([Enterprise.Status.ACTIVE] * 5 + [Enterprise.Status.PENDING]),
        )
        for _ in range(rng.choice([0, 1, 1, 2])):
            status = rng.choice([S.DRAFT, S.SUBMITTED, S.APPROVED, S.APPROVED, S.RETURNED, S.REJECTED])
            if status in (S.DRAFT, S.SUBMITTED, S.RETURNED) and owner.filings.filter(status__in=Filing.OPEN_STATUSES):
                status = S.APPROVED
            sent_day = DAY - dt.timedelta(days=rng.randint(0, 9))
            typed = sent_day + dt.timedelta(days=rng.randint(0, 3)) if rng.random() < 0.3 else None
            made = filing(
                owner,
                staff,
                S.APPROVED if status == S.REJECTED else status,
                submitted=at(sent_day, rng.randint(8, 20)),
                resumed=typed,
            )
            if status == S.REJECTED:  # decided, so the helper's approved filing has its decision time
                Filing.objects.filter(pk=made.pk).update(status=status)
        for back in range(rng.randint(0, 8), -1, -1):
            day = DAY - dt.timedelta(days=back)
            if rng.random() < 0.7:
                on_duty = rng.choice([0, 0, rng.randint(1, 40)])
                if rng.random() < 0.5:
                    report(owner, staff, day, 50, 40, on_duty)
                elif owner.status == Enterprise.Status.ACTIVE and owner.district_id == staff.district_id:
                    services.workforce_report_save(
                        enterprise=owner, day=day, data=_report_data(50, 40, on_duty), saved_by=staff
                    )
    # Most rows above were written straight to the tables, not through the services: rebuild the standings the
    # dashboards count from, as the nightly rebuild does (tests/workforce/test_standing.py: the services keep them).
    standings_rebuild()


def _recount(day: dt.date, restricted: frozenset[str]) -> dict:
    """Per district id (None: the city): should, filed, resumed, above-scale resumed; and who resumed."""
    on_duty_days: dict[int, list[dt.date]] = {}
    for report_row in WorkforceReport.objects.filter(on_duty__gt=0):
        on_duty_days.setdefault(report_row.enterprise_id, []).append(report_row.day)
    dates: dict[int, list[dt.date | None]] = {}
    for row in Filing.objects.filter(status__in=IN_EFFECT):
        sent = timezone.localdate(row.submitted_at)
        first = min((d for d in on_duty_days.get(row.enterprise_id, []) if d >= sent), default=None)
        dates.setdefault(row.enterprise_id, []).append(row.resumed_work_on or first)
    counts: dict = {}
    resumed_names = set()
    for owner in Enterprise.objects.filter(status=Enterprise.Status.ACTIVE):
        if owner.industry_id in restricted:
            continue
        resumed = any(d is not None and d <= day for d in dates.get(owner.pk, []))
        resumed_names.add(owner.name) if resumed else None
        for area in (owner.district_id, None):
            found = counts.setdefault(area, {"should": 0, "filed": 0, "resumed": 0, "above_scale_resumed": 0})
            found["should"] += 1
            found["filed"] += owner.pk in dates
            found["resumed"] += resumed
            found["above_scale_resumed"] += resumed and owner.is_above_scale
    return {"counts": counts, "names": resumed_names}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_count_of_resumed_equals_a_recount_from_the_rows(client, clock, district_a, district_b, commander, seed):
    publish_negative_list(("8760",))
    staff = UserFactory(district_staff=True, district=district_a)
    _build_city(seed, [district_a, district_b], staff)
    data = selectors.city_figures(DAY)
    recount = _recount(DAY, data["restricted"])
    keys = ("should", "filed", "resumed", "above_scale_resumed")
    for area, expected in recount["counts"].items():
        assert {key: data["areas"][area]["now"][key] for key in keys} == expected, area
    # Yesterday's figure and the history chart's last two days: the same rule on earlier days.
    yesterday = _recount(DAY - dt.timedelta(days=1), data["restricted"])["counts"][None]
    assert data["areas"][None]["before"]["resumed"] == yesterday["resumed"]
    history = selectors.resumed_history(selectors.Scope(selectors.CITY), DAY)[None]
    assert history[-2:] == [yesterday["resumed"], recount["counts"][None]["resumed"]]
    # The landing pages' progress (commanders and administrators).
    progress = resumption_progress(commander, DAY)
    assert progress["totals"]["resumed"] == recount["counts"][None]["resumed"]
    for row in progress["rows"]:
        assert row["resumed"] == recount["counts"][row["district"].pk]["resumed"]
    # The drill-down list behind the figure holds exactly those enterprises.
    client.force_login(commander)
    response = client.get(f"{reverse('dashboard:enterprises')}?{urlencode({'figure': 'resumed'})}")
    listed = {e.name for e in response.context["page"].paginator.object_list}
    assert listed == recount["names"]
    # The chart's last point is the headline rate.
    chart = chart_data(selectors.Scope(selectors.CITY), "resumption", DAY)
    city_line = next(series for series in chart["series"] if series["name"] == "全市")
    should = recount["counts"][None]["should"]
    assert city_line["data"][-1] == round(100 * recount["counts"][None]["resumed"] / should, 1)


def test_the_dashboard_states_the_definition_under_the_resumed_figure(client, clock, district_a, commander):
    client.force_login(commander)
    response = client.get(reverse("dashboard:city"))
    html = response.content.decode()
    figure = html[html.index('data-testid="figure-resumed"') :]
    figure = figure[: figure.index('data-testid="figure-', 10)]
    assert str(NOTE_RESUMED) in figure
