"""Clause 7 (passes.eligibility): property-based tests over origins, arrival, temperatures and tests,
plus examples that pin each reason text.

The rules and workers are built in memory (no database): RiskAreaRules over unsaved RiskArea rows and
WorkerFactory.build(). Origins are listed at province, city or county level, sometimes with a more
specific low-risk exception, and the expected level is worked out here independently of the code.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from hypothesis import event, given
from hypothesis import strategies as st

from passes.eligibility import (
    REASON_FEVER,
    REASON_HIGH_RISK,
    REASON_LOW_RISK_OK,
    REASON_LOW_RISK_OK_NOT_QUARANTINED,
    REASON_MEDIUM_NEEDS_TEST,
    REASON_MEDIUM_OK,
    REASON_NO_TEMPERATURE,
    REASON_NOT_ARRIVED,
    REASON_POSITIVE,
    Decision,
    RiskAreaRules,
    origin_clearance,
    work_eligibility,
)
from passes.models import RiskArea, RiskAreaList, RiskLevel, Worker
from reference.models import Division
from tests.passes.factories import WorkerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
THRESHOLD = Decimal(str(settings.FEVER_THRESHOLD))
HOURS = settings.TEMPERATURE_VALID_HOURS
DAYS = settings.NUCLEIC_ACID_TEST_VALID_DAYS
NEGATIVE, POSITIVE, NO_TEST = Worker.TestResult.NEGATIVE, Worker.TestResult.POSITIVE, Worker.TestResult.NONE

# A small piece of GB/T 2260, in memory.
HUBEI = Division(code="420000", name="湖北省", full_name="湖北省", level="province")
WUHAN = Division(code="420100", name="武汉市", full_name="湖北省武汉市", level="city", parent=HUBEI)
JIANGAN = Division(code="420102", name="江岸区", full_name="湖北省武汉市江岸区", level="county", parent=WUHAN)
JIANGHAN = Division(code="420103", name="江汉区", full_name="湖北省武汉市江汉区", level="county", parent=WUHAN)
HUANGSHI = Division(code="420200", name="黄石市", full_name="湖北省黄石市", level="city", parent=HUBEI)
HUANGSHIGANG = Division(
    code="420202", name="黄石港区", full_name="湖北省黄石市黄石港区", level="county", parent=HUANGSHI
)
SICHUAN = Division(code="510000", name="四川省", full_name="四川省", level="province")
GUANGAN_CITY = Division(code="511600", name="广安市", full_name="四川省广安市", level="city", parent=SICHUAN)
GUANGAN = Division(code="511602", name="广安区", full_name="四川省广安市广安区", level="county", parent=GUANGAN_CITY)
ZHEJIANG = Division(code="330000", name="浙江省", full_name="浙江省", level="province")
WENZHOU = Division(code="330300", name="温州市", full_name="浙江省温州市", level="city", parent=ZHEJIANG)
LUCHENG = Division(code="330302", name="鹿城区", full_name="浙江省温州市鹿城区", level="county", parent=WENZHOU)

# The chain a listing can sit on, and the origins it may or may not cover.
CHAIN = {"province": HUBEI, "city": WUHAN, "county": JIANGAN}
MORE_SPECIFIC = {"province": ["city", "county"], "city": ["county"], "county": []}
ORIGINS = [JIANGAN, JIANGHAN, HUANGSHIGANG, GUANGAN]
PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6}

LIST = RiskAreaList(
    title="测试名单",
    source_document="苏防控〔2020〕7号",
    effective_from=dt.date(2020, 2, 1),
    status=RiskAreaList.Status.PUBLISHED,
)


def rules_of(entries: dict[Division, str]) -> RiskAreaRules:
    return RiskAreaRules(LIST, [RiskArea(risk_list=LIST, division=d, level=level) for d, level in entries.items()])


def covers(area: Division, origin: Division) -> bool:
    n = PREFIX_LENGTH[area.level]
    return origin.code[:n] == area.code[:n]


def expected_level(entries: dict[Division, str], origin: Division) -> tuple[str, Division | None]:
    """The most specific entry covering the origin decides; no entry: low risk."""
    covering = [d for d in entries if covers(d, origin)]
    if not covering:
        return RiskLevel.LOW, None
    decider = max(covering, key=lambda d: PREFIX_LENGTH[d.level])
    return entries[decider], decider


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


def worker(origin: Division = GUANGAN, **kwargs) -> Worker:
    """An unsaved worker; the ID-number fields are stubbed so no key or database is needed."""
    fields = {
        "enterprise": None,
        "residence_district": None,
        "residence_community": None,
        "origin": origin,
        "id_number_encrypted": "-",
        "id_number_digest": "-",
        "id_number_masked": "-",
    }
    return WorkerFactory.build(**{**fields, **kwargs})


# --- strategies ----------------------------------------------------------------------------------


@st.composite
def listings(draw):
    """Risk-list entries around Hubei (with Wenzhou always listed as noise), an origin, and its expected level."""
    listed_at = draw(st.sampled_from(list(CHAIN)))
    entries = {WENZHOU: RiskLevel.MEDIUM, CHAIN[listed_at]: draw(st.sampled_from([RiskLevel.HIGH, RiskLevel.MEDIUM]))}
    exception_at = draw(st.sampled_from([None, *MORE_SPECIFIC[listed_at]]))
    if exception_at is not None:
        entries[CHAIN[exception_at]] = RiskLevel.LOW
    origin = draw(st.sampled_from(ORIGINS))
    return entries, origin


@dataclass(frozen=True)
class Facts:
    on: dt.date
    arrived_on: dt.date | None
    temperature: Decimal | None
    temperature_taken_at: dt.datetime | None
    test_result: str
    tested_on: dt.date | None

    def worker(self, origin: Division) -> Worker:
        return worker(
            origin,
            arrived_on=self.arrived_on,
            temperature=self.temperature,
            temperature_taken_at=self.temperature_taken_at,
            test_result=self.test_result,
            tested_on=self.tested_on,
        )

    @property
    def arrived(self) -> bool:
        return self.arrived_on is not None and self.arrived_on <= self.on

    @property
    def fever(self) -> bool:
        return self.temperature is not None and self.temperature >= THRESHOLD

    @property
    def fresh_normal_temperature(self) -> bool:
        if self.temperature is None or self.fever:
            return False
        age = end_of(self.on) - self.temperature_taken_at
        return dt.timedelta(0) <= age <= dt.timedelta(hours=HOURS)

    @property
    def counting_negative_test(self) -> bool:
        return (
            self.test_result == NEGATIVE
            and self.arrived
            and self.arrived_on <= self.tested_on <= self.on
            and (self.on - self.tested_on).days < DAYS
        )


temperatures = st.decimals(min_value=Decimal("34.0"), max_value=Decimal("42.0"), places=1)
normal_temperatures = st.decimals(min_value=Decimal("34.0"), max_value=THRESHOLD - Decimal("0.1"), places=1)
days_judged = st.dates(min_value=dt.date(2020, 2, 1), max_value=dt.date(2020, 4, 30))


@st.composite
def facts(draw):
    """Anything: back or not (or arriving after the day judged), any temperature read up to three days
    before the end of the day judged or up to a day after it, any test result on any nearby day."""
    on = draw(days_judged)
    arrived_on = draw(
        st.none()
        | st.integers(-30, 0).map(lambda d: on + dt.timedelta(days=d))
        | st.integers(1, 5).map(lambda d: on + dt.timedelta(days=d))
    )
    temperature = draw(st.none() | temperatures | normal_temperatures)
    taken = end_of(on) - dt.timedelta(minutes=draw(st.integers(-24 * 60, 72 * 60) | st.integers(0, HOURS * 60)))
    test_result = draw(st.sampled_from([NO_TEST, NEGATIVE, POSITIVE]))
    tested_on = None if test_result == NO_TEST else on + dt.timedelta(days=draw(st.integers(-20, 3)))
    return Facts(on, arrived_on, temperature, taken if temperature is not None else None, test_result, tested_on)


@st.composite
def ready_facts(draw):
    """Back in Kunshan, a normal temperature read within the window, no positive test; maybe a negative
    test on a day around arrival and around the end of its validity."""
    on = draw(days_judged)
    arrived_on = on - dt.timedelta(days=draw(st.integers(0, 20)))
    taken = end_of(on) - dt.timedelta(microseconds=draw(st.integers(0, HOURS * 3600 * 10**6)))
    tested = draw(st.booleans())
    tested_on = on - dt.timedelta(days=draw(st.integers(-2, DAYS + 3))) if tested else None
    return Facts(on, arrived_on, draw(normal_temperatures), taken, NEGATIVE if tested else NO_TEST, tested_on)


def listings_at(level: str):
    return listings().filter(lambda listing: expected_level(*listing)[0] == level)


def judged(entries, origin, fact: Facts):
    return work_eligibility(fact.worker(origin), on=fact.on, rules=rules_of(entries))


# --- properties ----------------------------------------------------------------------------------


@given(listings())
def test_the_most_specific_entry_decides_the_origins_level(listing):
    entries, origin = listing
    level, decider = expected_level(entries, origin)
    assessment = rules_of(entries).assess(origin.code)
    assert assessment.level == level
    assert (assessment.area.division if assessment.area else None) == decider


@given(listings(), facts())
def test_a_decision_always_comes_with_a_filled_in_reason(listing, fact):
    result = judged(*listing, fact)
    event(f"decision: {result.decision}")
    assert result.decision in Decision.values
    assert result.reason.strip() and "%(" not in result.reason
    assert result.get_decision_display() == str(Decision(result.decision).label)


@given(listings(), facts())
def test_a_fever_is_never_fit_for_work(listing, fact):
    result = judged(*listing, fact)
    if fact.fever:
        assert result.decision == Decision.NOT_FIT
        assert result.reason == str(REASON_FEVER) % {"temperature": fact.temperature, "threshold": THRESHOLD}


@given(listings(), facts())
def test_a_positive_test_is_never_fit_for_work(listing, fact):
    if fact.test_result == POSITIVE:
        assert judged(*listing, fact).decision == Decision.NOT_FIT


@given(listings(), facts())
def test_nobody_who_has_not_arrived_may_work(listing, fact):
    result = judged(*listing, fact)
    if not fact.arrived:
        assert result.decision != Decision.ELIGIBLE
        if not fact.fever and fact.test_result != POSITIVE:
            assert (result.decision, result.reason) == (Decision.NOT_YET, str(REASON_NOT_ARRIVED))


@given(listings(), facts())
def test_nobody_from_a_high_risk_origin_may_work(listing, fact):
    entries, origin = listing
    result = judged(entries, origin, fact)
    if expected_level(entries, origin)[0] == RiskLevel.HIGH:
        assert result.decision != Decision.ELIGIBLE
        if fact.arrived and not fact.fever and fact.test_result != POSITIVE:
            decider = expected_level(entries, origin)[1]
            assert result.reason == str(REASON_HIGH_RISK) % {"area": decider.full_name}


@given(listings_at(RiskLevel.LOW), ready_facts())
def test_low_risk_arrived_with_a_fresh_normal_temperature_may_work(listing, fact):
    assert fact.fresh_normal_temperature  # the strategy's promise, checked by this file's own definition
    result = judged(*listing, fact)
    assert (result.decision, result.reason) == (Decision.ELIGIBLE, str(REASON_LOW_RISK_OK))


@given(listings_at(RiskLevel.LOW), facts())
def test_low_risk_without_all_of_that_may_not_work(listing, fact):
    if not (fact.arrived and fact.fresh_normal_temperature and fact.test_result != POSITIVE):
        assert not judged(*listing, fact).eligible


@given(listings_at(RiskLevel.MEDIUM), ready_facts())
def test_medium_risk_may_work_exactly_with_a_negative_test_after_arrival_still_valid(listing, fact):
    entries, origin = listing
    result = judged(entries, origin, fact)
    event(f"medium, ready: {result.decision}")  # --hypothesis-show-statistics shows both outcomes are reached
    assert result.eligible == fact.counting_negative_test
    area = expected_level(entries, origin)[1].full_name
    if result.eligible:
        assert result.reason == str(REASON_MEDIUM_OK) % {"area": area, "tested_on": fact.tested_on.isoformat()}
    else:
        assert result.reason == str(REASON_MEDIUM_NEEDS_TEST) % {"area": area, "days": DAYS}


@given(listings_at(RiskLevel.MEDIUM), facts())
def test_medium_risk_without_a_counting_test_may_not_work(listing, fact):
    if not fact.counting_negative_test:
        assert not judged(*listing, fact).eligible


@given(listings(), facts())
def test_eligible_means_every_condition_of_clause_7_holds(listing, fact):
    entries, origin = listing
    if judged(entries, origin, fact).eligible:
        assert fact.arrived and fact.fresh_normal_temperature and fact.test_result != POSITIVE
        assert expected_level(entries, origin)[0] != RiskLevel.HIGH


@given(facts(), st.sampled_from(ORIGINS))
def test_a_lower_risk_level_never_makes_a_worker_less_eligible(fact, origin):
    """Listing the same origin as high, medium, then low (an exception) can only open the door."""
    by_level = {
        level: judged(
            {HUBEI: RiskLevel.HIGH, SICHUAN: RiskLevel.HIGH, CHAIN["county"]: level, GUANGAN: level}, origin, fact
        ).eligible
        for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
    }
    assert by_level[RiskLevel.HIGH] <= by_level[RiskLevel.MEDIUM] <= by_level[RiskLevel.LOW]


@given(listings(), facts())
def test_the_origin_alone_blocks_exactly_when_the_list_is_to_blame(listing, fact):
    """origin_clearance (what a newly published list suspends passes on) agrees with the full rule for
    a worker who is back, without fever, with a fresh reading."""
    entries, origin = listing
    w, rules = fact.worker(origin), rules_of(entries)
    blocked = origin_clearance(w, on=fact.on, rules=rules)
    if blocked is not None:
        assert blocked.decision == Decision.NOT_YET
        assert not work_eligibility(w, on=fact.on, rules=rules).eligible
    if fact.arrived and fact.fresh_normal_temperature and fact.test_result != POSITIVE:
        assert work_eligibility(w, on=fact.on, rules=rules).eligible == (blocked is None)


# --- examples with the exact reasons --------------------------------------------------------------

ON = dt.date(2020, 3, 9)
HUBEI_HIGH_WENZHOU_MEDIUM = {HUBEI: RiskLevel.HIGH, WENZHOU: RiskLevel.MEDIUM}


def decide(w: Worker, entries=HUBEI_HIGH_WENZHOU_MEDIUM, on=ON):
    result = work_eligibility(w, on=on, rules=rules_of(entries))
    return result.decision, result.reason


def back(origin=GUANGAN, **kwargs) -> Worker:
    """Arrived three days ago, 36.5 ℃ this morning."""
    values = {
        "arrived_on": ON - dt.timedelta(days=3),
        "temperature": Decimal("36.5"),
        "temperature_taken_at": dt.datetime(2020, 3, 9, 8, 0, tzinfo=SHANGHAI),
        **kwargs,
    }
    return worker(origin, **values)


def test_low_risk_worker_back_with_a_normal_temperature_may_work():
    assert decide(back()) == (Decision.ELIGIBLE, str(REASON_LOW_RISK_OK))


@pytest.mark.parametrize("status", [Worker.Quarantine.NONE, Worker.Quarantine.ENDED])
def test_a_worker_not_under_observation_is_not_told_to_end_it(status):
    """Issue 12: "可以解除隔离观察并上岗" only for workers under quarantine observation."""
    assert decide(back(quarantine_status=status)) == (Decision.ELIGIBLE, str(REASON_LOW_RISK_OK_NOT_QUARANTINED))
    assert "解除隔离" not in str(REASON_LOW_RISK_OK_NOT_QUARANTINED)
    assert decide(back(quarantine_status=Worker.Quarantine.CENTRAL)) == (Decision.ELIGIBLE, str(REASON_LOW_RISK_OK))


def test_no_list_in_force_means_everywhere_is_low_risk():
    result = work_eligibility(back(JIANGAN), on=ON, rules=RiskAreaRules(None))
    assert (result.decision, result.risk.level, result.risk.area) == (Decision.ELIGIBLE, RiskLevel.LOW, None)


@pytest.mark.parametrize(
    ("temperature", "decision"), [("37.2", Decision.ELIGIBLE), ("37.3", Decision.NOT_FIT), ("38.5", Decision.NOT_FIT)]
)
def test_the_fever_threshold_is_included(temperature, decision):
    assert decide(back(temperature=Decimal(temperature)))[0] == decision


def test_fever_reason_refers_to_the_fever_clinic():
    assert decide(back(JIANGAN, temperature=Decimal("38.1"))) == (
        Decision.NOT_FIT,
        "体温 38.1℃, 达到或超过 37.3℃, 请到发热门诊就诊, 不宜上岗。",
    )


def test_positive_test():
    assert decide(back(test_result=POSITIVE, tested_on=ON)) == (Decision.NOT_FIT, str(REASON_POSITIVE))


def test_not_arrived_yet_or_arriving_after_the_day_judged():
    assert decide(back(arrived_on=None)) == (Decision.NOT_YET, str(REASON_NOT_ARRIVED))
    assert decide(back(arrived_on=ON + dt.timedelta(days=1))) == (Decision.NOT_YET, str(REASON_NOT_ARRIVED))
    assert decide(back(arrived_on=ON))[0] == Decision.ELIGIBLE


def test_high_risk_names_the_entry_that_decided():
    assert decide(back(JIANGAN)) == (Decision.NOT_YET, "来自重点地区(高风险) 湖北省, 暂不返岗。")
    assert decide(back(JIANGAN), {HUBEI: RiskLevel.MEDIUM, WUHAN: RiskLevel.HIGH})[1] == str(REASON_HIGH_RISK) % {
        "area": "湖北省武汉市"
    }


def test_a_low_exception_inside_a_high_risk_province_may_work():
    entries = {HUBEI: RiskLevel.HIGH, JIANGAN: RiskLevel.LOW}
    assert decide(back(JIANGAN), entries) == (Decision.ELIGIBLE, str(REASON_LOW_RISK_OK))
    assert decide(back(JIANGHAN), entries)[0] == Decision.NOT_YET


@pytest.mark.parametrize(
    ("taken", "decision"),
    [
        # The window is the 24 hours before the end of the day judged: with 24 h, a reading of that day.
        (dt.datetime(2020, 3, 9, 0, 0, tzinfo=SHANGHAI), Decision.ELIGIBLE),
        (dt.datetime(2020, 3, 9, 23, 59, tzinfo=SHANGHAI), Decision.ELIGIBLE),
        (dt.datetime(2020, 3, 8, 23, 59, tzinfo=SHANGHAI), Decision.NOT_YET),
        (dt.datetime(2020, 3, 10, 0, 1, tzinfo=SHANGHAI), Decision.NOT_YET),  # after the day judged
    ],
)
def test_a_temperature_reading_counts_for_24_hours(taken, decision):
    result = decide(back(temperature_taken_at=taken))
    assert result[0] == decision
    if decision == Decision.NOT_YET:
        assert result[1] == str(REASON_NO_TEMPERATURE) % {"hours": 24} == "没有 24 小时内的体温记录, 请先测量体温。"


def test_no_temperature_at_all():
    assert decide(back(temperature=None, temperature_taken_at=None)) == (
        Decision.NOT_YET,
        str(REASON_NO_TEMPERATURE) % {"hours": HOURS},
    )


def test_medium_risk_needs_a_negative_test_after_arrival():
    needs_test = (Decision.NOT_YET, str(REASON_MEDIUM_NEEDS_TEST) % {"area": "浙江省温州市", "days": DAYS})
    assert decide(back(LUCHENG)) == needs_test
    before_arrival = ON - dt.timedelta(days=4)
    assert decide(back(LUCHENG, test_result=NEGATIVE, tested_on=before_arrival)) == needs_test
    tested = ON - dt.timedelta(days=1)
    assert decide(back(LUCHENG, test_result=NEGATIVE, tested_on=tested)) == (
        Decision.ELIGIBLE,
        str(REASON_MEDIUM_OK) % {"area": "浙江省温州市", "tested_on": "2020-03-08"},
    )


def test_a_negative_test_is_valid_for_the_configured_days(settings):
    settings.NUCLEIC_ACID_TEST_VALID_DAYS = 7
    arrived = ON - dt.timedelta(days=10)
    last_day = back(LUCHENG, arrived_on=arrived, test_result=NEGATIVE, tested_on=ON - dt.timedelta(days=6))
    too_old = back(LUCHENG, arrived_on=arrived, test_result=NEGATIVE, tested_on=ON - dt.timedelta(days=7))
    assert decide(last_day)[0] == Decision.ELIGIBLE
    assert decide(too_old) == (Decision.NOT_YET, str(REASON_MEDIUM_NEEDS_TEST) % {"area": "浙江省温州市", "days": 7})
    settings.NUCLEIC_ACID_TEST_VALID_DAYS = 14
    assert decide(too_old)[0] == Decision.ELIGIBLE


def test_the_fever_threshold_is_a_setting(settings):
    settings.FEVER_THRESHOLD = 37.5
    assert decide(back(temperature=Decimal("37.4")))[0] == Decision.ELIGIBLE
    assert decide(back(temperature=Decimal("37.5"))) == (
        Decision.NOT_FIT,
        "体温 37.5℃, 达到或超过 37.5℃, 请到发热门诊就诊, 不宜上岗。",
    )


@pytest.mark.django_db
def test_without_rules_the_list_in_force_that_day_is_read():
    from tests.passes.factories import division, published_risk_list

    w = back(division("420102"))
    published_risk_list(effective_from=ON + dt.timedelta(days=1))  # Hubei high, but only from tomorrow
    assert work_eligibility(w, on=ON).decision == Decision.ELIGIBLE
    in_force = published_risk_list(effective_from=ON - dt.timedelta(days=1))
    result = work_eligibility(w, on=ON)
    assert (result.decision, result.risk.risk_list) == (Decision.NOT_YET, in_force)


def test_judging_today_a_reading_counts_for_24_hours_before_now():
    yesterday_morning = dt.datetime(2020, 3, 8, 8, 0, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2020, 3, 9, 7, 0, tzinfo=SHANGHAI), tick=False):
        assert decide(back(temperature_taken_at=yesterday_morning))[0] == Decision.ELIGIBLE
    with time_machine.travel(dt.datetime(2020, 3, 9, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert decide(back(temperature_taken_at=yesterday_morning))[0] == Decision.NOT_YET
