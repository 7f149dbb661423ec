"""A small known city for the dashboard tests, on a frozen clock: Monday 9 March 2020, 10:00 in Kunshan.

张浦镇 (A) and 开发区 (B); cinemas (8760) are on the negative list, so a cinema should not resume.

    enterprise  district industry above  filing                                 report today  capacity today (yesterday)
    a1          A        3670     yes    approved, resumed 8 March              100/80/80     45.0 (40.0)
    a2          A        3670     no     submitted 8 March                      50/30/0 late  —
    a3          A        3484     yes    submitted today, resumed today         —             80.0
    a4          A        8760     no     —  (cinema: should not resume)         10/10/0       —
    a5          A        1431     no     draft                                  —             —
    a6          A        3670     no     —  (registration pending: not counted) —             —
    b1          B        3982     yes    approved, resumed 1 March              200/150/120   90.5 (85.0)
    b2          B        5990     no     —                                      —             —

Yesterday's reports: a1 100/70/50, b1 200/140/100 (employees/returned/on duty); the summary of
yesterday is built. Passes (issuing district): A issued p1 today, p2 yesterday, p3 yesterday and
revoked today, p4 applied; B issued p5 three days ago, valid until yesterday (not yet expired by
the nightly job). Checks today: 3 at 08:10 in A (one refused), 1 at 09:30 in A, 1 at 08:45 in B,
1 at 09:50 with no checkpoint (a passer-by's scan: counted nowhere); yesterday 2 in A.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from enterprises.models import Enterprise
from filings.models import Filing
from passes.models import PassBatch, PassCheck, ReturnPass
from passes.tallies import checks_tally, moves_tally
from reference.models import Community, District, Industry, IndustryAuthority
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import publish_negative_list
from tests.passes.factories import WorkerFactory
from workforce.models import CapacityReport, WorkforceReport
from workforce.resumption import standings_refresh
from workforce.services import daily_summary_build
from workforce.tallies import report_saved

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2020, 3, 9)
YESTERDAY = dt.date(2020, 3, 8)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _clear_cache():
    """The dashboards cache their figures: every test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(at(DAY, 10), tick=False) as traveller:
        yield traveller


_serial = iter(range(1, 10**6))


def enterprise(district, code: str, *, above=False, headcount=100, status=Enterprise.Status.ACTIVE, name=None):
    return EnterpriseFactory(
        district=district,
        industry=Industry.objects.get(code=code),
        is_above_scale=above,
        headcount=headcount,
        status=status,
        **({"name": name} if name else {}),
    )


def filing(owner, user, status, *, submitted=None, resumed=None) -> Filing:
    """A filing as the workflow leaves it, and the enterprise's standing as the workflow keeps it."""
    n = next(_serial)
    sent = status != Filing.Status.DRAFT
    created = Filing.objects.create(
        enterprise=owner,
        status=status,
        created_by=user,
        reference=f"KSFG-TEST-{n:05d}" if sent else None,
        submitted_at=submitted if sent else None,
        review_deadline=submitted + dt.timedelta(days=1) if sent else None,
        decided_at=submitted + dt.timedelta(hours=2) if status == Filing.Status.APPROVED else None,
        scope_work=True,
        resumed_work_on=resumed,
    )
    standings_refresh([owner.pk])
    return created


def report(owner, user, day, total, returned, on_duty, *, late=False, quarantine=0, today=0):
    """A daily report as the form saves it, and the enterprise's standing, which follows its reports."""
    away = total - returned
    created = WorkforceReport.objects.create(
        enterprise=owner,
        day=day,
        total_employees=total,
        returned=returned,
        on_duty=on_duty,
        away_high=0,
        away_medium=0,
        away_low=away,
        in_quarantine=quarantine,
        returned_today=today,
        returned_today_high=0,
        returned_today_medium=0,
        is_late=late,
        submitted_by=user,
        submitted_at=at(day, 17 if late else 9),
    )
    report_saved(created)
    standings_refresh([owner.pk])
    return created


def capacity(owner, user, day, percent):
    return CapacityReport.objects.create(
        enterprise=owner,
        day=day,
        capacity_percent=Decimal(percent),
        staff_on_site=10,
        electricity_kwh=Decimal(1000),
        electricity_kwh_last_year=Decimal(1200),
        orders_on_hand=Decimal(50),
        submitted_by=user,
        submitted_at=at(day, 9),
    )


def make_pass(owner, user, status, *, issued=None, valid_until=None) -> ReturnPass:
    n = next(_serial)
    worker = WorkerFactory(enterprise=owner)
    batch = PassBatch.objects.create(enterprise=owner, applied_by=user)
    issued_date = timezone.localdate(issued) if issued else None
    created = ReturnPass.objects.create(
        number=f"T{n:08d}",
        batch=batch,
        worker=worker,
        enterprise=owner,
        issuing_district=owner.district,
        residence_district=worker.residence_district,
        status=status,
        issued_at=issued,
        valid_from=issued_date,
        valid_until=valid_until or (issued_date + dt.timedelta(days=13) if issued else None),
    )
    moves_tally([(created.pk, "", status)])  # as the services count each pass they move
    return created


def check(when, community, result=PassCheck.Result.VALID):
    """A check as the check log stores it, counted as it counts them."""
    created = PassCheck.objects.create(checked_at=when, community=community, result=result, pass_number="T0")
    checks_tally([(when, community.pk if community else None)])
    return created


@pytest.fixture
def known(db, clock):
    """The city of the module docstring; returns its objects by name."""
    publish_negative_list(("8760",), effective_from=dt.date(2020, 3, 1))
    a, b = District.objects.get(code="zhangpu"), District.objects.get(code="kfq")
    staff = UserFactory(district_staff=True, district=a)
    e = SimpleNamespace(
        a1=enterprise(a, "3670", above=True, name="张浦一号"),
        a2=enterprise(a, "3670", name="张浦二号"),
        a3=enterprise(a, "3484", above=True, name="张浦三号"),
        a4=enterprise(a, "8760", name="张浦影院"),
        a5=enterprise(a, "1431", name="张浦食品"),
        a6=enterprise(a, "3670", status=Enterprise.Status.PENDING, name="张浦待确认"),
        b1=enterprise(b, "3982", above=True, name="开发区一号"),
        b2=enterprise(b, "5990", name="开发区仓储"),
    )
    filing(e.a1, staff, Filing.Status.APPROVED, submitted=at(DAY, 9) - dt.timedelta(days=5), resumed=YESTERDAY)
    filing(e.a2, staff, Filing.Status.SUBMITTED, submitted=at(YESTERDAY, 15))
    filing(e.a3, staff, Filing.Status.SUBMITTED, submitted=at(DAY, 8), resumed=DAY)
    filing(e.a5, staff, Filing.Status.DRAFT)
    filing(e.b1, staff, Filing.Status.APPROVED, submitted=at(dt.date(2020, 2, 28), 9), resumed=dt.date(2020, 3, 1))

    report(e.a1, staff, YESTERDAY, 100, 70, 50)
    report(e.b1, staff, YESTERDAY, 200, 140, 100)
    capacity(e.a1, staff, YESTERDAY, "40.0")
    capacity(e.b1, staff, YESTERDAY, "85.0")
    daily_summary_build(day=YESTERDAY)

    report(e.a1, staff, DAY, 100, 80, 80, quarantine=4, today=3)
    report(e.a2, staff, DAY, 50, 30, 0, late=True)  # nobody on duty yet: filed, not resumed
    report(e.a4, staff, DAY, 10, 10, 0)
    report(e.b1, staff, DAY, 200, 150, 120, quarantine=10, today=5)
    capacity(e.a1, staff, DAY, "45.0")
    capacity(e.a3, staff, DAY, "80.0")
    capacity(e.b1, staff, DAY, "90.5")

    make_pass(e.a1, staff, ReturnPass.Status.VALID, issued=at(DAY, 9))
    make_pass(e.a1, staff, ReturnPass.Status.VALID, issued=at(YESTERDAY, 11))
    make_pass(e.a3, staff, ReturnPass.Status.REVOKED, issued=at(YESTERDAY, 11))
    make_pass(e.a3, staff, ReturnPass.Status.APPLIED)
    make_pass(e.b1, staff, ReturnPass.Status.VALID, issued=at(DAY, 9) - dt.timedelta(days=3), valid_until=YESTERDAY)

    community_a = Community.objects.get(code="zhangpu-demo-1")
    community_b = Community.objects.filter(district=b).first()
    for minute in (10, 11):
        check(at(DAY, 8, minute), community_a)
    check(at(DAY, 8, 12), community_a, PassCheck.Result.REVOKED)
    check(at(DAY, 9, 30), community_a)
    check(at(DAY, 8, 45), community_b)
    check(at(DAY, 9, 50), None)
    check(at(YESTERDAY, 18), community_a)
    check(at(YESTERDAY, 19), community_a)
    return SimpleNamespace(**vars(e), a=a, b=b, staff=staff, gxj=IndustryAuthority.objects.get(code="gxj"))
