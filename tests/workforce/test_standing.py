"""The dashboards count from each enterprise's standing and from the daily reports tallied as they are saved
(workforce.resumption.standings_refresh, workforce.tallies). The services keep both after every change of an
enterprise, of its filings and of its reports; at every step below they equal a recount from the rows
(standings_rebuild, what the night runs), and the dashboard shows the change at once."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.sites import site
from django.core.cache import cache
from django.test import RequestFactory

from dashboard import selectors
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from filings import services as filing_services
from reference.models import District, Industry
from tests.dashboard.conftest import DAY, at, report
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import submitted
from tests.workforce.test_resumption import _report_data
from workforce import services
from workforce.models import ReportTally, ResumptionStanding, WorkforceReport
from workforce.resumption import standings_rebuild
from workforce.tallies import COUNTS, SUMMED
from workforce.tasks import rebuild_standings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """Monday 9 March 2020, 10:00 in Kunshan (before the report cut-off), the dashboards' cache empty."""
    cache.clear()
    with time_machine.travel(at(DAY, 10), tick=False) as traveller:
        yield traveller
    cache.clear()


def _snapshot() -> tuple[set, dict]:
    standings = set(
        ResumptionStanding.objects.values_list(
            "enterprise_id",
            "district_id",
            "industry_id",
            "is_active",
            "is_above_scale",
            "is_watched",
            "filed_at",
            "resumed_on",
        )
    )
    # A cell emptied by a move stays as zeros; the recount writes no row for it.
    cells = {
        (c.day, c.district_id, c.industry_id, c.is_watched): tuple(getattr(c, n) for n in (*COUNTS, *SUMMED))
        for c in ReportTally.objects.all()
    }
    return standings, {key: values for key, values in cells.items() if any(values)}


def assert_kept_as_a_recount_would():
    kept = _snapshot()
    standings_rebuild()
    assert _snapshot() == kept


def _city():
    cache.clear()
    return selectors.city_figures(DAY)["areas"][None]["now"]


def test_every_service_keeps_the_standing_and_the_tallies_as_a_recount_would(
    enterprise_user_a, district_staff_a, enterprise_user_b, district_staff_b
):
    owner = enterprise_user_a.enterprise
    assert_kept_as_a_recount_would()

    services.workforce_report_save(enterprise=owner, day=DAY, data=_report_data(100, 80, 0), saved_by=enterprise_user_a)
    assert_kept_as_a_recount_would()
    assert (_city()["reported"], _city()["employees"], _city()["on_duty"]) == (1, 100, 0)

    services.workforce_report_save(enterprise=owner, day=DAY, data=_report_data(120, 90, 0), saved_by=enterprise_user_a)
    assert_kept_as_a_recount_would()
    assert (_city()["reported"], _city()["employees"]) == (1, 120)  # corrected, not added twice

    filing = submitted(enterprise_user_a)
    assert_kept_as_a_recount_would()
    assert (_city()["filed"], _city()["resumed"]) == (1, 0)

    # People on duty after the filing was sent: resumed from today.
    services.workforce_report_save(
        enterprise=owner, day=DAY, data=_report_data(120, 90, 60), saved_by=enterprise_user_a
    )
    assert_kept_as_a_recount_would()
    assert ResumptionStanding.objects.get(pk=owner.pk).resumed_on == DAY
    assert (_city()["resumed"], _city()["on_duty"]) == (1, 60)

    other = submitted(enterprise_user_b)
    filing_services.filing_approve(filing=other, approved_by=district_staff_b)
    assert_kept_as_a_recount_would()
    assert _city()["filed"] == 2

    filing_services.filing_return(filing=filing, returned_by=district_staff_a, comment="补充材料", material_reasons={})
    assert_kept_as_a_recount_would()
    assert (_city()["filed"], _city()["resumed"]) == (1, 0)

    enterprise_services.enterprise_flags_set(
        enterprise=owner, is_key=True, is_chain_leader=False, set_by=district_staff_a
    )
    assert_kept_as_a_recount_would()
    assert (_city()["key_reported"], _city()["key_on_duty"]) == (1, 60)

    moved = Enterprise.objects.get(pk=owner.pk)
    moved.industry = Industry.objects.get(code="3484")
    enterprise_services.enterprise_save(enterprise=moved, saved_by=district_staff_a)
    assert_kept_as_a_recount_would()
    assert ReportTally.objects.filter(industry_id="3484", reported=1).exists()


def test_a_pending_enterprise_is_counted_with_its_reports_once_confirmed(district_a, district_staff_a):
    pending = EnterpriseFactory(district=district_a, status=Enterprise.Status.PENDING)
    report(pending, district_staff_a, DAY, 50, 40, 10)
    assert _city()["reported"] == 0
    assert_kept_as_a_recount_would()

    enterprise_services.enterprise_confirm(enterprise=pending, confirmed_by=district_staff_a)
    assert_kept_as_a_recount_would()
    assert (_city()["total"], _city()["reported"], _city()["employees"]) == (1, 1, 50)


def test_reports_the_district_saves_for_its_enterprises_are_tallied_like_their_own(district_a, district_staff_a):
    owners = [EnterpriseFactory(district=district_a) for _ in range(3)]
    for n, owner in enumerate(owners):
        services.workforce_report_save(
            enterprise=owner, day=DAY, data=_report_data(10 * (n + 1), 5, 1), saved_by=district_staff_a
        )
    assert_kept_as_a_recount_would()
    assert (_city()["reported"], _city()["employees"], _city()["on_duty"]) == (3, 60, 3)


def test_a_correction_in_the_admin_moves_the_report_between_days_and_keeps_the_tallies(
    enterprise_user_a, district_staff_a
):
    owner = enterprise_user_a.enterprise
    saved = services.workforce_report_save(
        enterprise=owner, day=DAY, data=_report_data(100, 80, 20), saved_by=enterprise_user_a
    )
    admin = site._registry[WorkforceReport]
    request = RequestFactory().post("/")
    request.user = UserFactory(admin=True)
    corrected = WorkforceReport.objects.get(pk=saved.pk)
    corrected.day, corrected.on_duty = DAY - dt.timedelta(days=1), 30
    admin.save_model(request, corrected, form=None, change=True)
    assert_kept_as_a_recount_would()
    assert _city()["reported"] == 0
    admin.delete_model(request, corrected)
    assert_kept_as_a_recount_would()
    assert not ReportTally.objects.exclude(reported=0).exists()


def test_an_enterprise_moved_to_another_district_takes_its_reports_along(enterprise_user_a, district_staff_a):
    owner = enterprise_user_a.enterprise
    services.workforce_report_save(
        enterprise=owner, day=DAY, data=_report_data(100, 80, 20), saved_by=enterprise_user_a
    )
    other = District.objects.get(code="kfq")
    admin = site._registry[Enterprise]
    request = RequestFactory().post("/")
    request.user = UserFactory(admin=True)
    moved = Enterprise.objects.get(pk=owner.pk)
    moved.district = other
    admin.save_model(request, moved, form=None, change=True)
    assert_kept_as_a_recount_would()
    cache.clear()
    areas = selectors.city_figures(DAY)["areas"]
    assert (areas[other.pk]["now"]["reported"], areas[owner.district_id]["now"]["reported"]) == (1, 0)


def test_the_night_recounts_everything_written_past_the_services(enterprise_user_a):
    owner = enterprise_user_a.enterprise
    WorkforceReport.objects.create(  # straight into the table: no tally follows
        enterprise=owner,
        day=DAY,
        submitted_by=enterprise_user_a,
        submitted_at=at(DAY, 9),
        **_report_data(70, 60, 50),
    )
    Enterprise.objects.filter(pk=owner.pk).update(is_chain_leader=True)
    assert _city()["reported"] == 0
    with time_machine.travel(at(DAY + dt.timedelta(days=1), 2, 50), tick=False):
        rebuild_standings.delay()
    assert (_city()["reported"], _city()["key_on_duty"]) == (1, 50)
    assert settings.CELERY_BEAT_SCHEDULE["workforce-rebuild-standings"]["task"] == rebuild_standings.name
