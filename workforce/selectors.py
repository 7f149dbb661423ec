from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from accounts.models import Role, User
from enterprises.models import Enterprise
from workforce.models import CapacityReport, DailySummary, WorkforceReport
from workforce.services import enterprises_expected_to_report, enterprises_not_reported


def daily_summary_last_built_at():
    """When the daily summary job last wrote a row (None before the first run): readiness reports its age."""
    return DailySummary.objects.aggregate(last=Max("built_at"))["last"]


def report_of_day(enterprise_id: int, day: date) -> WorkforceReport | None:
    return WorkforceReport.objects.filter(enterprise_id=enterprise_id, day=day).first()


def report_prefill(enterprise: Enterprise, day: date) -> tuple[WorkforceReport | None, WorkforceReport | None]:
    """Today's report if there is one, else yesterday's to start from."""
    reports = {
        r.day: r for r in WorkforceReport.objects.filter(enterprise=enterprise, day__in=[day, day - timedelta(days=1)])
    }
    return reports.get(day), reports.get(day - timedelta(days=1))


def capacity_prefill(enterprise: Enterprise, day: date) -> CapacityReport | None:
    return CapacityReport.objects.filter(enterprise=enterprise, day__lte=day).order_by("-day").first()


def reporting_status(user, day: date, district_id: int | None = None) -> dict:
    """Who has reported and who has not, for the districts in the user's scope.

    "Reported zero" (a report with nobody on duty) is counted apart from "not reported".
    """
    expected = Enterprise.objects.visible_to(user) & enterprises_expected_to_report(district_id)
    reports = WorkforceReport.objects.visible_to(user).filter(day=day, enterprise__status=Enterprise.Status.ACTIVE)
    if district_id:
        reports = reports.filter(enterprise__district_id=district_id)
    counts = reports.aggregate(
        reported=Count("pk"), reported_zero=Count("pk", filter=Q(on_duty=0)), late=Count("pk", filter=Q(is_late=True))
    )
    return {"expected": expected.count(), **counts, "not_reported": not_reported_visible_to(user, day, district_id)}


def not_reported_visible_to(user, day: date, district_id: int | None = None) -> QuerySet[Enterprise]:
    """The enterprises in the user's scope expected to report on `day` that have no report of that day."""
    expected = Enterprise.objects.visible_to(user) & enterprises_expected_to_report(district_id)
    # NOT EXISTS reads the (day, enterprise) index per enterprise instead of hashing the whole city's day.
    return (
        expected.filter(~Exists(WorkforceReport.objects.filter(day=day, enterprise=OuterRef("pk"))))
        .select_related("district", "industry")
        .order_by("district__sort_order", "name", "pk")
    )


def summary_days_visible_to(user) -> QuerySet:
    """The days that have summaries, newest first, with whether the day's build is final."""
    return (
        DailySummary.objects.visible_to(user)
        .values("day")
        # Every row of a day is built together, so any final row means the day is final.
        .annotate(final_rows=Count("pk", filter=Q(is_final=True)), built_at=Max("built_at"))
        .order_by("-day")
    )


def summary_rows_for(user, day: date) -> list[DailySummary]:
    return list(
        DailySummary.objects.visible_to(user)
        .filter(day=day)
        .select_related("district")
        .order_by("district__sort_order")
    )


CHANGE_FIGURES = ("reported", "returned", "on_duty", "in_quarantine")


def summary_rows_with_change(user, day: date) -> list[dict]:
    """Each row of the day with the change of its main figures since the day before (None: no earlier row)."""
    rows = DailySummary.objects.visible_to(user).filter(day__in=[day, day - timedelta(days=1)])
    by_key = {(r.day, r.district_id): r for r in rows.select_related("district")}
    today = sorted(
        (r for (d, _), r in by_key.items() if d == day),
        key=lambda r: (r.district is None, r.district.sort_order if r.district else 0),
    )
    result = []
    for row in today:
        previous = by_key.get((day - timedelta(days=1), row.district_id))
        change = {name: getattr(row, name) - getattr(previous, name) if previous else None for name in CHANGE_FIGURES}
        result.append({"row": row, "change": change})
    return result


def responsible_reports(user, day: date) -> list[dict]:
    """For an official linked to key enterprises: each one's workforce and capacity report of the day."""
    if user.role not in (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF):
        return []
    enterprises = list(Enterprise.objects.filter(responsible_official=user).order_by("name"))
    workforce = {r.enterprise_id: r for r in WorkforceReport.objects.filter(enterprise__in=enterprises, day=day)}
    capacity = {r.enterprise_id: r for r in CapacityReport.objects.filter(enterprise__in=enterprises, day=day)}
    return [{"enterprise": e, "workforce": workforce.get(e.pk), "capacity": capacity.get(e.pk)} for e in enterprises]


@dataclass(frozen=True)
class ReminderReach:
    """Whom a reminder reaches among the enterprises that have not reported, and why the others are missed."""

    enterprises: int  # that have not reported
    without_account: int  # of them: no active enterprise account, so nobody to remind
    accounts: int  # active enterprise accounts reminded in the portal
    with_email: int  # of them: also sent an e-mail

    @property
    def reached(self) -> int:
        return self.enterprises - self.without_account


def reminder_reach(day: date, district_id: int | None = None) -> ReminderReach:
    """The same enterprises and accounts as workforce_reminders_send, counted: two queries."""
    not_reported = enterprises_not_reported(day, district_id)
    accounts = User.objects.filter(role=Role.ENTERPRISE, is_active=True, enterprise__in=not_reported)
    enterprises = not_reported.aggregate(
        total=Count("pk"),
        without=Count("pk", filter=~Q(Exists(accounts.filter(enterprise=OuterRef("pk"))))),
    )
    users = accounts.aggregate(total=Count("pk"), with_email=Count("pk", filter=~Q(email="")))
    return ReminderReach(enterprises["total"], enterprises["without"], users["total"], users["with_email"])
