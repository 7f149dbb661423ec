"""The rules API the filings use: which entry restricts an industry, by level, date and scope."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from negative_list.models import ResumptionScope
from negative_list.selectors import (
    MSG_RESTRICTED,
    NegativeListRules,
    is_restricted,
    negative_list_in_force,
    negative_list_rules,
)
from reference.models import Industry
from tests.negative_list.factories import NegativeListFactory, version_with

pytestmark = pytest.mark.django_db

MARCH_9 = dt.date(2020, 3, 9)
WORK, PRODUCTION, BUSINESS = ResumptionScope.WORK, ResumptionScope.PRODUCTION, ResumptionScope.BUSINESS
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def industry(code: str) -> Industry:
    return Industry.objects.get(code=code)


# --- levels --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry_code", ["R", "90", "901", "9013"])
def test_an_entry_at_any_level_covers_the_class_beneath_it(entry_code):
    version_with([entry_code])
    restriction = negative_list_rules(MARCH_9).restriction(industry("9013"), WORK)
    assert restriction is not None
    assert restriction.entry.industry_id == entry_code


@pytest.mark.parametrize(("entry_code", "sibling"), [("9011", "9013"), ("901", "9020"), ("90", "8930"), ("R", "8411")])
def test_a_sibling_is_not_covered(entry_code, sibling):
    version_with([entry_code])
    assert negative_list_rules(MARCH_9).restriction(industry(sibling), WORK) is None


def test_a_class_is_not_covered_by_an_entry_on_a_class_with_a_shared_prefix_elsewhere():
    version_with(["901"])
    assert negative_list_rules(MARCH_9).restriction(industry("9020"), WORK) is None


def test_the_most_specific_entry_wins():
    # The division restricts everything; its internet-café class only business.
    version_with({"90": (True, True, True), "9013": (False, False, True)})
    rules = negative_list_rules(MARCH_9)
    cafe = rules.restrictions(industry("9013"))
    assert set(cafe) == {BUSINESS}
    assert cafe[BUSINESS].entry.industry_id == "9013"
    assert rules.restriction(industry("9013"), WORK) is None
    # The rest of the division keeps the division's entry.
    assert rules.restriction(industry("9011"), WORK).entry.industry_id == "90"


def test_a_group_entry_beats_a_division_entry_for_classes_in_the_group():
    version_with({"90": (True, True, True), "901": (False, True, False)})
    rules = negative_list_rules(MARCH_9)
    assert set(rules.restrictions(industry("9012"))) == {PRODUCTION}
    assert set(rules.restrictions(industry("9020"))) == {WORK, PRODUCTION, BUSINESS}


def test_an_entry_covers_the_nodes_above_classes_too():
    version_with(["87"])
    rules = negative_list_rules(MARCH_9)
    assert rules.restriction(industry("876"), WORK).entry.industry_id == "87"
    assert rules.restriction(industry("R"), WORK) is None


# --- dates ---------------------------------------------------------------------------------


def test_a_version_effective_tomorrow_does_not_apply_today():
    version_with(["8760"], effective_from=MARCH_9 + dt.timedelta(days=1))
    assert negative_list_in_force(MARCH_9) is None
    assert negative_list_rules(MARCH_9).restriction(industry("8760"), WORK) is None
    assert negative_list_rules(MARCH_9 + dt.timedelta(days=1)).restriction(industry("8760"), WORK) is not None


def test_the_later_effective_published_version_wins():
    older = version_with(["8760"], effective_from=dt.date(2020, 3, 1))
    newer = version_with(["9013"], effective_from=dt.date(2020, 3, 8))
    assert negative_list_in_force(dt.date(2020, 3, 7)) == older
    assert negative_list_in_force(MARCH_9) == newer
    rules = negative_list_rules(MARCH_9)
    assert rules.version == newer
    assert rules.restriction(industry("8760"), WORK) is None  # lifted by the newer version
    assert rules.restriction(industry("9013"), WORK).version == newer


def test_drafts_never_apply():
    version_with(["8760"], draft=True)
    assert negative_list_in_force(MARCH_9) is None
    assert negative_list_rules(MARCH_9).restriction(industry("8760"), WORK) is None
    assert is_restricted("8760", WORK, MARCH_9) is None


def test_without_a_version_in_force_nothing_is_restricted_and_rules_still_come_back():
    rules = negative_list_rules(MARCH_9)
    assert rules.version is None
    assert rules.restrictions(industry("8760")) == {}


def test_callers_pass_the_local_date():
    version_with(["8760"], effective_from=dt.date(2020, 3, 10))
    # 00:30 on 10 March in Kunshan is still 9 March in UTC.
    with time_machine.travel(dt.datetime(2020, 3, 10, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert is_restricted("8760", WORK, timezone.localdate()) is not None


# --- scopes --------------------------------------------------------------------------------


def test_an_entry_restricting_only_business_does_not_restrict_work_or_production():
    version_with({"8051": (False, False, True)})
    rules = negative_list_rules(MARCH_9)
    bath = industry("8051")
    assert rules.restriction(bath, WORK) is None
    assert rules.restriction(bath, PRODUCTION) is None
    assert rules.restriction(bath, BUSINESS) is not None
    assert set(rules.restrictions(bath)) == {BUSINESS}


def test_an_unknown_scope_is_a_programming_error():
    version_with(["8760"])
    with pytest.raises(ValueError, match="holiday"):
        negative_list_rules(MARCH_9).restriction(industry("8760"), "holiday")


# --- the message ---------------------------------------------------------------------------


def test_the_restriction_message_cites_the_version_and_the_entry():
    version_with(["876"], title="复工复产负面清单", source_document="昆防指〔2020〕19号")
    restriction = is_restricted("8760", WORK, MARCH_9)
    assert restriction.message == (
        "“电影放映”(8760)属于负面清单《复工复产负面清单》(昆防指〔2020〕19号, 2020-03-01起施行)"
        "所列行业“876 电影放映”: 测试理由 876。暂不能复工。"
    )
    assert str(MSG_RESTRICTED).startswith("“%(industry_name)s”")


def test_is_restricted_by_code_answers_like_the_rules():
    version_with({"901": (True, False, False)})
    assert is_restricted("9013", WORK, MARCH_9).entry.industry_id == "901"
    assert is_restricted("9013", BUSINESS, MARCH_9) is None
    with pytest.raises(Industry.DoesNotExist):
        is_restricted("0000", WORK, MARCH_9)


def test_is_restricted_needs_only_a_few_queries(django_assert_num_queries):
    version_with(["901", "8760", "8051"])
    with django_assert_num_queries(3):
        assert is_restricted("9013", WORK, MARCH_9) is not None


# --- bulk use --------------------------------------------------------------------------------


def test_rules_cost_two_queries_however_many_industries_are_checked(django_assert_num_queries):
    version_with(["R", "90", "901", "9013", "8051", "8760"])
    classes = list(Industry.objects.filter(level=Industry.Level.CLASS))
    assert len(classes) == 1381
    with django_assert_num_queries(2):
        rules = negative_list_rules(MARCH_9)
        restricted = [i.code for i in classes if rules.restriction(i, WORK)]
        messages = [r.message for i in classes for r in rules.restrictions(i).values()]
    assert "8411" not in restricted and "9013" in restricted and "8760" in restricted
    assert len(restricted) == Industry.objects.filter(level="class", section="R").count() + 1
    assert len(messages) == 3 * len(restricted)


def test_rules_for_a_given_version_without_a_date():
    version = version_with(["8760"], effective_from=dt.date(2020, 4, 1))
    rules = NegativeListRules.for_version(version)
    assert len(rules) == 1
    assert rules.restriction(industry("8760"), WORK).version == version
    assert NegativeListRules.for_version(None).restriction(industry("8760"), WORK) is None


def test_two_versions_on_the_same_day_the_later_published_wins():
    first = NegativeListFactory(published_at=dt.datetime(2020, 3, 1, 9, tzinfo=SHANGHAI))
    second = NegativeListFactory(published_at=dt.datetime(2020, 3, 1, 10, tzinfo=SHANGHAI))
    assert negative_list_in_force(MARCH_9) == second != first
