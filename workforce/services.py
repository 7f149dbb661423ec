"""Daily workforce and capacity reports, reminders, and the daily summaries built from them."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Field, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, Role, User
from accounts.services import notify
from accounts.sms import sms_send
from core import excel
from core.db import insert_or_lock
from enterprises.models import Enterprise, key_enterprise_q
from reference.models import District
from workforce.models import CapacityReport, DailySummary, WorkforceReport
from workforce.resumption import filing_resume_from_report
from workforce.tallies import contribution, report_saved

MSG_NOT_YOURS = _("只能填报本企业的日报。")
MSG_PAST_DAY = _("只能填报当天的日报; 以前的日报请联系属地工作人员更正。")
MSG_NOT_ABOVE_SCALE = _("产能日报只由规上企业填报。")
MSG_ON_DUTY_GT_RETURNED = _("今日在岗人数不能多于累计返昆人数。")
MSG_RETURNED_GT_TOTAL = _("累计返昆人数不能多于职工总数。")
MSG_AWAY_MISMATCH = _("未返昆人数(高、中、低风险地区合计 %(away)d)应等于职工总数减累计返昆人数(%(expected)d)。")
MSG_QUARANTINE_GT_RETURNED = _("隔离观察人数不能多于累计返昆人数。")
MSG_TODAY_GT_RETURNED = _("今日返昆人数不能多于累计返昆人数。")
MSG_TODAY_BY_RISK = _("今日从高、中风险地区返昆的人数之和不能多于今日返昆人数。")
MSG_NO_STAFF_IMPORT = _("只有属地工作人员可以代企业填报。")

REMINDER_TITLE = _("请在 %(cutoff)s 前填报今日用工情况日报")
SUMMARY_FINAL_TITLE = _("%(day)s 用工情况汇总已生成")

# Fields a report form or import row carries, in the order the form shows them.
REPORT_FIELDS = [
    "total_employees",
    "returned",
    "on_duty",
    "away_high",
    "away_medium",
    "away_low",
    "in_quarantine",
    "returned_today",
    "returned_today_high",
    "returned_today_medium",
]
CAPACITY_FIELDS = [
    "capacity_percent",
    "staff_on_site",
    "electricity_kwh",
    "electricity_kwh_last_year",
    "orders_on_hand",
    "blockers",
]


def report_cutoff(day: date) -> datetime:
    """The local moment after which a report for `day` is late."""
    return timezone.make_aware(datetime.combine(day, settings.WORKFORCE_REPORT_CUTOFF))


def workforce_report_errors(data: dict) -> dict[str, str | Promise]:
    """The cross-field rules, with the field each message belongs to (the database enforces the same)."""
    errors: dict[str, str | Promise] = {}
    if data["on_duty"] > data["returned"]:
        errors["on_duty"] = MSG_ON_DUTY_GT_RETURNED
    if data["returned"] > data["total_employees"]:
        errors["returned"] = MSG_RETURNED_GT_TOTAL
    away = data["away_high"] + data["away_medium"] + data["away_low"]
    expected = data["total_employees"] - data["returned"]
    if away != expected and "returned" not in errors:
        errors["away_low"] = MSG_AWAY_MISMATCH % {"away": away, "expected": expected}
    if data["in_quarantine"] > data["returned"]:
        errors["in_quarantine"] = MSG_QUARANTINE_GT_RETURNED
    if data["returned_today"] > data["returned"]:
        errors["returned_today"] = MSG_TODAY_GT_RETURNED
    if data["returned_today_high"] + data["returned_today_medium"] > data["returned_today"]:
        errors["returned_today_high"] = MSG_TODAY_BY_RISK
    return errors


def _may_report_for(user: User, enterprise: Enterprise) -> bool:
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    return user.role == Role.DISTRICT_STAFF and user.district_id == enterprise.district_id


@transaction.atomic
def workforce_report_save(*, enterprise: Enterprise, day: date, data: dict, saved_by: User) -> WorkforceReport:
    """Create or update the day's report. Enterprises report for today only; after the cut-off it is late."""
    if not _may_report_for(saved_by, enterprise):
        raise PermissionDenied(MSG_NOT_YOURS)
    now = timezone.now()
    if saved_by.role == Role.ENTERPRISE and day != timezone.localdate(now):
        raise ValidationError(MSG_PAST_DAY)
    errors = workforce_report_errors(data)
    if errors:
        raise ValidationError(errors)

    def fill(report: WorkforceReport) -> WorkforceReport:
        for name in REPORT_FIELDS:
            setattr(report, name, data[name])
        report.submitted_by = saved_by
        report.submitted_at = now
        # A report first saved after the cut-off stays late even if corrected later.
        report.is_late = report.is_late or now > report_cutoff(day)
        return report

    # A first report sent twice at once: the second save updates the row the first inserted.
    report, created = insert_or_lock(
        fill(WorkforceReport(enterprise=enterprise, day=day)), enterprise=enterprise, day=day
    )
    undo = None
    if not created:
        undo = contribution(report, -1)
        fill(report).save()
    report_saved(report, undo=undo)
    filing_resume_from_report(report=report)
    return report


@transaction.atomic
def capacity_report_save(*, enterprise: Enterprise, day: date, data: dict, saved_by: User) -> CapacityReport:
    if not _may_report_for(saved_by, enterprise):
        raise PermissionDenied(MSG_NOT_YOURS)
    if not enterprise.is_above_scale:
        raise ValidationError(MSG_NOT_ABOVE_SCALE)
    if saved_by.role == Role.ENTERPRISE and day != timezone.localdate():
        raise ValidationError(MSG_PAST_DAY)

    def fill(report: CapacityReport) -> CapacityReport:
        for name in CAPACITY_FIELDS:
            setattr(report, name, data[name])
        report.submitted_by = saved_by
        report.submitted_at = timezone.now()
        report.full_clean(exclude=["enterprise", "submitted_by"])
        return report

    report, created = insert_or_lock(
        fill(CapacityReport(enterprise=enterprise, day=day)), enterprise=enterprise, day=day
    )
    if not created:
        fill(report).save()
    return report


def enterprises_expected_to_report(district_id: int | None = None):
    """Every confirmed enterprise in the registry reports daily (clause 6)."""
    qs = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
    return qs.filter(district_id=district_id) if district_id else qs


def enterprises_not_reported(day: date, district_id: int | None = None):
    reported = WorkforceReport.objects.filter(day=day).values("enterprise_id")
    return enterprises_expected_to_report(district_id).exclude(pk__in=reported)


def workforce_reminders_send(*, day: date, district_id: int | None = None) -> int:
    """Remind only the enterprises that have not reported: a portal notice to each account, e-mail, and a text
    message to each enterprise's contact."""
    users = list(
        User.objects.filter(
            role=Role.ENTERPRISE, is_active=True, enterprise__in=enterprises_not_reported(day, district_id)
        ).only("pk", "email")
    )
    cutoff = settings.WORKFORCE_REPORT_CUTOFF.strftime("%H:%M")
    title = str(REMINDER_TITLE % {"cutoff": cutoff})
    url = reverse("workforce:report")
    late = enterprises_not_reported(day, district_id).exclude(contact_mobile="").only("name", "contact_mobile")
    for enterprise in late:
        sms_send(
            mobile=enterprise.contact_mobile,
            template="report_reminder",
            params={"enterprise": enterprise.name, "cutoff": cutoff},
        )
    return notify(users=users, title=title, url=url, email=True)


# --- The daily summary ---------------------------------------------------------------------------

_SUMS = [
    "total_employees",
    "returned",
    "on_duty",
    "away_high",
    "away_medium",
    "away_low",
    "in_quarantine",
    "returned_today",
]


# The key enterprises' own figures (clause 6), summed in the same query as everyone's.
KEY_SUMS = {
    "key_employees": "total_employees",
    "key_returned": "returned",
    "key_on_duty": "on_duty",
    "key_returned_today": "returned_today",
}


def _workforce_by_district(day: date) -> dict[int, dict]:
    key = key_enterprise_q("enterprise__")
    rows = (
        WorkforceReport.objects.filter(day=day, enterprise__status=Enterprise.Status.ACTIVE)
        .values("enterprise__district_id")
        .annotate(
            reported=Count("pk"),
            late=Count("pk", filter=Q(is_late=True)),
            key_reported=Count("pk", filter=key),
            # Before the plain sums: those take the column names as their own aliases.
            **{name: Sum(column, filter=key) for name, column in KEY_SUMS.items()},
            **{name: Sum(name) for name in _SUMS},
        )
    )
    return {row["enterprise__district_id"]: row for row in rows}


def _capacity_reports(day: date) -> dict[int, list[tuple]]:
    """(percent, kWh, kWh a year ago, key) of each above-scale report, by district; the median needs the values."""
    by_district: dict[int, list[tuple]] = {}
    for district_id, percent, kwh, kwh_last, is_key, is_leader in CapacityReport.objects.filter(
        day=day, enterprise__is_above_scale=True, enterprise__status=Enterprise.Status.ACTIVE
    ).values_list(
        "enterprise__district_id",
        "capacity_percent",
        "electricity_kwh",
        "electricity_kwh_last_year",
        "enterprise__is_key",
        "enterprise__is_chain_leader",
    ):
        by_district.setdefault(district_id, []).append((percent, kwh, kwh_last or Decimal(0), is_key or is_leader))
    return by_district


def _capacity_figures(items: list[tuple]) -> dict:
    percents = [percent for percent, _kwh, _last, _key in items]
    key_percents = [percent for percent, _kwh, _last, key in items if key]
    return {
        "above_scale_reporting": len(items),
        "capacity_mean": _one_decimal(sum(percents) / len(percents)) if percents else None,
        "capacity_median": _one_decimal(statistics.median(percents)) if percents else None,
        "electricity_kwh": sum((kwh for _p, kwh, _last, _key in items), Decimal(0)),
        "electricity_kwh_last_year": sum((last for _p, _kwh, last, _key in items), Decimal(0)),
        "key_capacity_reporting": len(key_percents),
        "key_capacity_mean": _one_decimal(sum(key_percents) / len(key_percents)) if key_percents else None,
    }


def _one_decimal(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"))


def daily_summary_build(*, day: date, final: bool = False) -> list[DailySummary]:
    """Build one row per district and one for the city, replacing the day's rows in one transaction.

    Running it again for the same day gives the same rows, so the task may be retried or scheduled twice.
    """
    expected, key_expected = {}, {}
    for district_id, n, n_key in (
        enterprises_expected_to_report()
        .values("district_id")
        .annotate(n=Count("pk"), n_key=Count("pk", filter=key_enterprise_q()))
        .values_list("district_id", "n", "n_key")
    ):
        expected[district_id], key_expected[district_id] = n, n_key
    workforce = _workforce_by_district(day)
    capacity = _capacity_reports(day)
    built_at = timezone.now()
    rows = [
        _summary_row(
            day,
            district,
            expected.get(district.pk, 0),
            {"key_expected": key_expected.get(district.pk, 0), **workforce.get(district.pk, {})},
            _capacity_figures(capacity.get(district.pk, [])),
            final,
            built_at,
        )
        for district in District.objects.all()
    ]
    city_workforce = {
        key: sum(row[key] or 0 for row in workforce.values()) for key in ["reported", "late", "key_reported", *_SUMS]
    }
    city_workforce |= {key: sum(row[key] or 0 for row in workforce.values()) for key in KEY_SUMS}
    city_workforce["key_expected"] = sum(key_expected.values())
    city_capacity = _capacity_figures([item for items in capacity.values() for item in items])
    rows.append(_summary_row(day, None, sum(expected.values()), city_workforce, city_capacity, final, built_at))
    with transaction.atomic():
        # Two builds at once (a retry beside a scheduled run) take turns on the district rows, which
        # always exist, so each one replaces the other's rows whole instead of interleaving.
        list(District.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        DailySummary.objects.filter(day=day).delete()
        DailySummary.objects.bulk_create(rows)
        if final:
            transaction.on_commit(lambda: _notify_district_officials(day))
    return rows


def _summary_row(day, district, expected, workforce: dict, capacity: dict, final, built_at) -> DailySummary:
    return DailySummary(
        day=day,
        district=district,
        is_final=final,
        built_at=built_at,
        expected=expected,
        reported=workforce.get("reported") or 0,
        late=workforce.get("late") or 0,
        employees=workforce.get("total_employees") or 0,
        returned=workforce.get("returned") or 0,
        on_duty=workforce.get("on_duty") or 0,
        away_high=workforce.get("away_high") or 0,
        away_medium=workforce.get("away_medium") or 0,
        away_low=workforce.get("away_low") or 0,
        in_quarantine=workforce.get("in_quarantine") or 0,
        returned_today=workforce.get("returned_today") or 0,
        above_scale_reporting=capacity["above_scale_reporting"],
        capacity_mean=capacity["capacity_mean"],
        capacity_median=capacity["capacity_median"],
        electricity_kwh=capacity["electricity_kwh"],
        electricity_kwh_last_year=capacity["electricity_kwh_last_year"],
        key_expected=workforce.get("key_expected") or 0,
        key_reported=workforce.get("key_reported") or 0,
        **{name: workforce.get(name) or 0 for name in KEY_SUMS},
        key_capacity_reporting=capacity["key_capacity_reporting"],
        key_capacity_mean=capacity["key_capacity_mean"],
    )


def _notify_district_officials(day: date) -> None:
    title = str(SUMMARY_FINAL_TITLE % {"day": day.strftime("%Y-%m-%d")})
    url = reverse("workforce:summaries")
    staff = User.objects.filter(role__in=[Role.DISTRICT_STAFF, Role.COMMANDER], is_active=True).only("pk")
    Notification.objects.bulk_create([Notification(user=u, title=title, url=url) for u in staff], batch_size=2000)


# --- Staff enter a day's reports for many enterprises from Excel ---------------------------------

MSG_IMPORT_UNKNOWN_ENTERPRISE = _("本属地没有这个统一社会信用代码的企业。")
MSG_IMPORT_DUPLICATE = _("与第 %(row)d 行是同一家企业。")


def workforce_import_columns() -> list[excel.Column]:
    fields = {f.name: f for f in WorkforceReport._meta.get_fields() if f.name in REPORT_FIELDS and isinstance(f, Field)}
    return [excel.Column("credit_code", _("统一社会信用代码"), width=24)] + [
        excel.Column(name, fields[name].verbose_name, parse=excel.parse_count, width=12) for name in REPORT_FIELDS
    ]


@dataclass
class WorkforceImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    saved: int = 0


def workforce_import(*, upload, day: date, imported_by: User) -> WorkforceImport:
    """All-or-nothing: every row checked (enterprise of this district, no duplicates, figures add up) first."""
    if imported_by.role != Role.DISTRICT_STAFF or imported_by.district_id is None:
        raise PermissionDenied(MSG_NO_STAFF_IMPORT)
    columns = workforce_import_columns()
    result = excel.read_rows(upload, columns)
    outcome = WorkforceImport(result=result, columns=columns)
    codes = {str(row.get("credit_code", "")).upper() for row in result.rows}
    enterprises = {
        e.credit_code: e
        for e in Enterprise.objects.filter(
            district_id=imported_by.district_id, status=Enterprise.Status.ACTIVE, credit_code__in=codes
        )
    }
    first_rows = excel.FirstRows()
    valid: list[tuple[Enterprise, dict]] = []
    for row in result.rows:
        enterprise = enterprises.get(str(row.get("credit_code", "")).upper())
        if enterprise is None:
            result.add_error(row["_row"], "credit_code", MSG_IMPORT_UNKNOWN_ENTERPRISE)
            continue
        if (earlier := first_rows.earlier(enterprise.pk, row["_row"])) is not None:
            result.add_error(row["_row"], "credit_code", MSG_IMPORT_DUPLICATE % {"row": earlier})
            continue
        if any(row.get(name) is None for name in REPORT_FIELDS):
            continue  # a bad cell was already reported
        for field, message in workforce_report_errors(row).items():
            result.add_error(row["_row"], field, message)
        valid.append((enterprise, row))
    if not result.ok:
        return outcome
    with transaction.atomic():
        for enterprise, row in valid:
            workforce_report_save(enterprise=enterprise, day=day, data=row, saved_by=imported_by)
    outcome.saved = len(valid)
    return outcome
