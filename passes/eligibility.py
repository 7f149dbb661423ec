"""Clause 7 as code: the risk level of a worker's origin, and whether the worker may work on a day.

Rules are data (the risk-area list in force, settings for the thresholds); this module only reads
them. `RiskAreaRules` is loaded once per page or job and answers from memory.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passes.models import RiskArea, RiskAreaList, RiskLevel, Worker


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", _("可以上岗")
    NOT_YET = "not_yet", _("暂不能上岗")
    NOT_FIT = "not_fit", _("不宜上岗")


REASON_FEVER = _("体温 %(temperature)s℃, 达到或超过 %(threshold)s℃, 请到发热门诊就诊, 不宜上岗。")
REASON_POSITIVE = _("核酸检测阳性, 不宜上岗, 请按规定报告并就医。")
REASON_NOT_ARRIVED = _("尚未返回昆山。")
REASON_HIGH_RISK = _("来自重点地区(高风险) %(area)s, 暂不返岗。")
REASON_NO_TEMPERATURE = _("没有 %(hours)s 小时内的体温记录, 请先测量体温。")
REASON_LOW_RISK_OK = _("来自低风险地区, 已在昆山, 体温正常, 可以解除隔离观察并上岗。")
# The same decision for a worker who is not under quarantine observation: nothing to end.
REASON_LOW_RISK_OK_NOT_QUARANTINED = _("来自低风险地区, 已在昆山, 体温正常, 可以上岗。")
REASON_MEDIUM_NEEDS_TEST = _("来自关注地区(中风险) %(area)s, 须在抵昆后做核酸检测且结果为阴性(%(days)s 天内有效)。")
REASON_MEDIUM_OK = _("来自关注地区(中风险) %(area)s, 抵昆后核酸检测阴性(%(tested_on)s), 体温正常, 可以上岗。")


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    area: RiskArea | None  # the entry that decided, None when the origin is not listed (low risk)
    risk_list: RiskAreaList | None

    @property
    def area_name(self) -> str:
        return self.area.division.full_name if self.area else ""

    @property
    def listed_by(self) -> RiskAreaList:
        """The list that rated the origin: a level above low always comes from one."""
        if self.risk_list is None:
            raise ValueError(f"a {self.level} risk assessment without a risk-area list")
        return self.risk_list


class RiskAreaRules:
    """The risk-area list of one version in memory. The most specific entry wins: a county listed as
    low inside a high-risk province is low."""

    def __init__(self, risk_list: RiskAreaList | None, areas: Iterable[RiskArea] = ()) -> None:
        self.risk_list = risk_list
        self._by_code = {area.division_id: area for area in areas}

    @classmethod
    def for_version(cls, risk_list: RiskAreaList | None) -> "RiskAreaRules":
        if risk_list is None:
            return cls(None)
        return cls(risk_list, RiskArea.objects.filter(risk_list=risk_list).select_related("division"))

    def assess(self, division_code: str) -> RiskAssessment:
        code = division_code or ""
        for candidate in (code, code[:4] + "00", code[:2] + "0000"):
            area = self._by_code.get(candidate)
            if area is not None:
                return RiskAssessment(area.level, area, self.risk_list)
        return RiskAssessment(RiskLevel.LOW, None, self.risk_list)


def risk_area_list_in_force(on: date) -> RiskAreaList | None:
    return RiskAreaList.objects.in_force(on)


def risk_area_rules(on: date) -> RiskAreaRules:
    return RiskAreaRules.for_version(risk_area_list_in_force(on))


@dataclass(frozen=True)
class Eligibility:
    decision: str
    reason: str
    risk: RiskAssessment

    @property
    def eligible(self) -> bool:
        return self.decision == Decision.ELIGIBLE

    def get_decision_display(self) -> str:
        return str(Decision(self.decision).label)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _negative_test_counts(worker: Worker, on: date) -> bool:
    return _negative_test_counts_values(worker.test_result, worker.tested_on, worker.arrived_on, on)


def _negative_test_counts_values(test_result: str, tested: date | None, arrived_on: date | None, on: date) -> bool:
    days = settings.NUCLEIC_ACID_TEST_VALID_DAYS
    return (
        test_result == Worker.TestResult.NEGATIVE
        and tested is not None
        and arrived_on is not None
        and arrived_on <= tested <= on
        and (on - tested).days < days
    )


def origin_clearance(worker: Worker, *, on: date, rules: RiskAreaRules) -> Eligibility | None:
    """The part of clause 7 that depends on the risk list: NOT_YET with the reason when the worker's
    origin keeps them from work (high risk; medium risk without a counting negative test), else None.
    A newly published list suspends passes on this alone: a stale temperature is not the list's doing."""
    risk = rules.assess(worker.origin_id)
    if risk.level == RiskLevel.HIGH:
        return Eligibility(Decision.NOT_YET, str(REASON_HIGH_RISK) % {"area": risk.area_name}, risk)
    if risk.level == RiskLevel.MEDIUM and not _negative_test_counts(worker, on):
        reason = str(REASON_MEDIUM_NEEDS_TEST) % {"area": risk.area_name, "days": settings.NUCLEIC_ACID_TEST_VALID_DAYS}
        return Eligibility(Decision.NOT_YET, reason, risk)
    return None


def work_eligibility(worker: Worker, *, on: date, rules: RiskAreaRules | None = None) -> Eligibility:
    """Whether the worker may work on a local day under clause 7, and why. Pass `rules` when judging many."""
    rules = rules if rules is not None else risk_area_rules(on)
    risk = rules.assess(worker.origin_id)

    def decide(decision: str, reason, **params) -> Eligibility:
        return Eligibility(decision, str(reason) % params if params else str(reason), risk)

    threshold = Decimal(str(settings.FEVER_THRESHOLD))
    if worker.temperature is not None and worker.temperature >= threshold:
        return decide(Decision.NOT_FIT, REASON_FEVER, temperature=worker.temperature, threshold=threshold)
    if worker.test_result == Worker.TestResult.POSITIVE:
        return decide(Decision.NOT_FIT, REASON_POSITIVE)
    if worker.arrived_on is None or worker.arrived_on > on:
        return decide(Decision.NOT_YET, REASON_NOT_ARRIVED)
    if risk.level == RiskLevel.HIGH:
        high = origin_clearance(worker, on=on, rules=rules)
        if high is not None:  # always, for a high-risk origin
            return high
    # A reading counts if it was taken within the window before the moment judged: now when judging today
    # (yesterday morning's reading still counts at 7 a.m.), the end of the day when judging a past day.
    hours = settings.TEMPERATURE_VALID_HOURS
    taken = worker.temperature_taken_at
    moment = min(timezone.now(), _end_of(on))
    if worker.temperature is None or taken is None or not (moment - timedelta(hours=hours) <= taken <= _end_of(on)):
        return decide(Decision.NOT_YET, REASON_NO_TEMPERATURE, hours=hours)
    blocked = origin_clearance(worker, on=on, rules=rules)
    if blocked is not None:
        return blocked
    if risk.level == RiskLevel.MEDIUM:
        tested_on = worker.tested_on
        if tested_on is None:  # origin_clearance clears a medium-risk origin only with a counting test
            raise ValueError("a medium-risk origin cleared without a test date")
        return decide(Decision.ELIGIBLE, REASON_MEDIUM_OK, area=risk.area_name, tested_on=tested_on.isoformat())
    if worker.quarantine_status in (Worker.Quarantine.HOME, Worker.Quarantine.CENTRAL):
        return decide(Decision.ELIGIBLE, REASON_LOW_RISK_OK)
    return decide(Decision.ELIGIBLE, REASON_LOW_RISK_OK_NOT_QUARANTINED)


class OriginCheck:
    """origin_clearance for many workers from plain values, each origin assessed once: what a risk-list
    sweep over the city's passes needs without building a Worker per pass. Gives the same answer."""

    def __init__(self, rules: RiskAreaRules, *, on: date) -> None:
        self.rules, self.on = rules, on
        self._by_origin: dict[str, tuple[str, str]] = {}

    def reason(self, origin_id: str, arrived_on: date | None, test_result: str, tested_on: date | None) -> str | None:
        """The reason the origin keeps this worker from work, or None."""
        known = self._by_origin.get(origin_id)
        if known is None:
            risk = self.rules.assess(origin_id)
            text = ""
            if risk.level == RiskLevel.HIGH:
                text = str(REASON_HIGH_RISK) % {"area": risk.area_name}
            elif risk.level == RiskLevel.MEDIUM:
                text = str(REASON_MEDIUM_NEEDS_TEST) % {
                    "area": risk.area_name,
                    "days": settings.NUCLEIC_ACID_TEST_VALID_DAYS,
                }
            known = self._by_origin[origin_id] = (risk.level, text)
        level, text = known
        if level == RiskLevel.HIGH:
            return text
        if level == RiskLevel.MEDIUM:
            return None if _negative_test_counts_values(test_result, tested_on, arrived_on, self.on) else text
        return None
