"""seed_demo builds a believable city on the demo clock, consistent with the services, and only once."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import models
from django.db.models import Count, Min

from core.clock import demo_clock_install
from dashboard import selectors
from enterprises.models import Enterprise
from filings.models import Filing, FilingEvent, FilingMaterial
from reference.models import District
from workforce.models import CapacityReport, DailySummary, WorkforceReport

pytestmark = pytest.mark.django_db

DEMO_DAY = dt.date(2020, 3, 13)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def city(settings):
    settings.DEBUG = True
    cache.clear()
    with time_machine.travel(dt.datetime(2020, 3, 13, 11, 30, tzinfo=SHANGHAI), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        yield
    cache.clear()


def _snapshot() -> dict:
    from passes.models import PassCheck, ReturnPass, Worker

    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Enterprise,
            Filing,
            FilingEvent,
            FilingMaterial,
            WorkforceReport,
            CapacityReport,
            DailySummary,
            Worker,
            ReturnPass,
            PassCheck,
        )
    }


def test_running_seed_demo_again_changes_nothing(city):
    before = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == before


def test_every_district_has_enterprises_in_several_industries(city):
    for district in District.objects.annotate(
        n=Count("enterprises"), industries=Count("enterprises__industry", distinct=True)
    ):
        assert district.n >= 10 and district.industries >= 5, district.name


def test_thirty_days_of_reports_and_summaries_up_to_the_demo_day(city):
    days = sorted(set(DailySummary.objects.filter(district__isnull=True).values_list("day", flat=True)))
    assert days[0] == DEMO_DAY - dt.timedelta(days=29) and days[-1] == DEMO_DAY and len(days) == 30
    assert set(WorkforceReport.objects.values_list("day", flat=True)) == set(days)
    assert set(CapacityReport.objects.values_list("day", flat=True)) >= set(days[10:])
    city_rows = DailySummary.objects.filter(district__isnull=True).order_by("day")
    on_duty = [row.on_duty for row in city_rows]
    assert on_duty[0] < on_duty[-2] and all(row.is_final for row in city_rows[:29])


def test_the_resumption_rate_rises_toward_the_target_and_every_district_has_data(city):
    data = selectors.city_figures(DEMO_DAY)
    history = selectors.resumed_history(selectors.Scope(selectors.CITY), DEMO_DAY)[None]
    assert history == sorted(history) and history[0] < history[-1] / 5
    city_now = data["areas"][None]["now"]
    assert 0.6 < city_now["resumption_rate"] < 1 and city_now["not_filed"] > 0
    ranked = selectors.ranking_rows(selectors.Scope(selectors.CITY), data)
    assert len(ranked) == District.objects.count()
    assert selectors.countdown(DEMO_DAY)["days_to_target"] == 7


def test_the_citys_filings_are_what_the_services_would_have_written(city):
    for filing in Filing.objects.filter(enterprise__credit_code__startswith="91320583DEMC"):
        assert filing.reference and filing.review_deadline > filing.submitted_at, filing.reference
        assert filing.materials.count() == len(FilingMaterial.Kind.values)
        transitions = list(filing.events.values_list("to_status", flat=True))
        assert transitions == (["submitted", "approved"] if filing.status == "approved" else ["submitted"])
        # The actual work date is the first report with people on duty since the filing was sent.
        first = WorkforceReport.objects.filter(
            enterprise=filing.enterprise, on_duty__gt=0, day__gte=filing.submitted_at.astimezone(SHANGHAI).date()
        ).aggregate(first=Min("day"))["first"]
        assert filing.resumed_work_on == first, filing.reference
    references = list(Filing.objects.exclude(reference=None).values_list("reference", flat=True))
    assert len(references) == len(set(references))


def test_the_demo_clock_moves_the_portals_day_and_keeps_the_time_of_day():
    from django.utils import timezone

    real = timezone.now
    try:
        with time_machine.travel(dt.datetime(2025, 6, 2, 14, 5, tzinfo=SHANGHAI), tick=False):
            demo_clock_install(DEMO_DAY)
            now = timezone.localtime()
            assert (now.date(), now.hour, now.minute) == (DEMO_DAY, 14, 5)
            assert timezone.localdate() == DEMO_DAY
    finally:
        timezone.now = real


def test_every_district_issues_passes_and_checkpoints_scan_them_through_the_week(city):
    from django.utils import timezone

    from passes.models import PassCheck, ReturnPass

    valid = ReturnPass.objects.filter(status=ReturnPass.Status.VALID)
    assert set(valid.values_list("issuing_district__code", flat=True)) == set(
        District.objects.values_list("code", flat=True)
    )
    assert not valid.filter(residence_district=models.F("issuing_district")).exists()  # home in another district
    checks = PassCheck.objects.filter(community__isnull=False)
    days = {timezone.localtime(at).date() for at in checks.values_list("checked_at", flat=True)}
    assert len(days) == 7 and checks.count() > valid.count() * 7
