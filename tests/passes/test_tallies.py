"""The dashboards read how many passes each district has in each status from PassTally (passes.tallies), which
the services keep as they move passes. At every step of a pass's life below, one pass at a time or a whole
risk-list sweep, the counts equal a recount from the passes (pass_tallies_rebuild, what the night runs), and the
city dashboard shows them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from dashboard import selectors
from passes.models import PassTally, ReturnPass, RiskLevel
from passes.services import return_passes as services
from passes.services import risk_areas
from passes.tallies import pass_tallies_rebuild
from passes.tasks import rebuild_pass_tallies
from tests.passes.factories import applied_passes, published_risk_list

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 3, 9)
S = ReturnPass.Status


@pytest.fixture(autouse=True)
def _march_2020():
    cache.clear()
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield
    cache.clear()


def _counts() -> dict:
    return {(row.district_id, row.status): row.passes for row in PassTally.objects.all() if row.passes}


def assert_kept_as_a_recount_would():
    kept = _counts()
    pass_tallies_rebuild()
    assert _counts() == kept
    return kept


def _city() -> dict:
    cache.clear()
    return selectors.city_figures(TODAY)["areas"][None]["now"]


def test_every_move_of_a_pass_keeps_the_counts_as_a_recount_would(enterprise_user_a, district_staff_a):
    district = enterprise_user_a.enterprise.district_id
    first, second, third, fourth = applied_passes(enterprise_user_a, 4)
    assert assert_kept_as_a_recount_would() == {(district, S.APPLIED): 4}

    services.return_pass_issue(pass_ids=[first.pk, second.pk, third.pk], issued_by=district_staff_a)
    services.return_pass_refuse(pass_ids=[fourth.pk], refused_by=district_staff_a, reason="材料不全")
    assert assert_kept_as_a_recount_would() == {(district, S.VALID): 3, (district, S.REFUSED): 1}
    assert (_city()["passes_issued"], _city()["passes_valid"], _city()["passes_issued_today"]) == (3, 3, 3)

    services.return_pass_suspend(return_pass=first, suspended_by=district_staff_a, reason="核查中")
    assert_kept_as_a_recount_would()
    services.return_pass_reinstate(return_pass=first, reinstated_by=district_staff_a)
    services.return_pass_revoke(return_pass=second, revoked_by=district_staff_a, reason="信息有误")
    assert_kept_as_a_recount_would()
    services.return_pass_reissue(return_pass=second, reissued_by=district_staff_a)
    assert assert_kept_as_a_recount_would() == {
        (district, S.VALID): 3,
        (district, S.REVOKED): 1,
        (district, S.REFUSED): 1,
    }

    services.return_passes_close_for_departure(worker=third.worker, closed_by=enterprise_user_a)
    assert_kept_as_a_recount_would()
    assert services.return_passes_expire(today=TODAY + dt.timedelta(days=60)) == 2
    assert assert_kept_as_a_recount_would() == {
        (district, S.EXPIRED): 2,
        (district, S.REVOKED): 2,
        (district, S.REFUSED): 1,
    }
    assert (_city()["passes_issued"], _city()["passes_valid"]) == (4, 0)


def test_a_risk_list_sweep_suspends_and_reinstates_with_the_counts_kept(enterprise_user_a, district_staff_a):
    district = enterprise_user_a.enterprise.district_id
    passes = applied_passes(enterprise_user_a, 3)  # workers from 511602 广安区
    services.return_pass_issue(pass_ids=[p.pk for p in passes], issued_by=district_staff_a)
    published_risk_list(effective_from=TODAY, areas={"511602": RiskLevel.HIGH})
    assert risk_areas.risk_area_lists_apply_due(today=TODAY).suspended == 3
    assert assert_kept_as_a_recount_would() == {(district, S.SUSPENDED): 3}
    assert _city()["passes_valid"] == 0

    later = TODAY + dt.timedelta(days=1)
    published_risk_list(effective_from=later, areas={"420000": RiskLevel.HIGH})  # 广安 no longer listed
    with time_machine.travel(dt.datetime(2020, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        assert risk_areas.risk_area_lists_apply_due(today=later).reinstated == 3
    assert assert_kept_as_a_recount_would() == {(district, S.VALID): 3}


def test_the_night_recounts_passes_written_past_the_services(enterprise_user_a):
    district = enterprise_user_a.enterprise.district_id
    (applied,) = applied_passes(enterprise_user_a)
    ReturnPass.objects.filter(pk=applied.pk).delete()  # straight out of the table: no count follows
    assert _counts() == {(district, S.APPLIED): 1}
    rebuild_pass_tallies.delay()
    assert _counts() == {}
    assert settings.CELERY_BEAT_SCHEDULE["passes-rebuild-tallies"]["task"] == rebuild_pass_tallies.name
