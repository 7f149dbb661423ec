import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Notification
from tests.factories import EnterpriseFactory, UserFactory
from workforce import services, views
from workforce.models import DailySummary, WorkforceReport

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2020, 3, 9)


def at(hour, minute=0, day=DAY):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False)


def figures(
    total=100, returned=80, on_duty=70, high=2, medium=8, low=10, quarantine=5, today=6, today_high=0, today_medium=1
):
    return {
        "total_employees": total,
        "returned": returned,
        "on_duty": on_duty,
        "away_high": high,
        "away_medium": medium,
        "away_low": low,
        "in_quarantine": quarantine,
        "returned_today": today,
        "returned_today_high": today_high,
        "returned_today_medium": today_medium,
    }


# --- Saving a report --------------------------------------------------------------------------


def test_a_report_before_the_cutoff_is_on_time_and_after_it_late(enterprise_user_a, enterprise_user_b):
    with at(15, 59):
        on_time = services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise, day=DAY, data=figures(), saved_by=enterprise_user_a
        )
    with at(16, 1):
        late = services.workforce_report_save(
            enterprise=enterprise_user_b.enterprise, day=DAY, data=figures(), saved_by=enterprise_user_b
        )
    assert (on_time.is_late, late.is_late) == (False, True)


def test_saving_again_the_same_day_updates_the_one_report(enterprise_user_a):
    with at(9):
        services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise, day=DAY, data=figures(), saved_by=enterprise_user_a
        )
        services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise, day=DAY, data=figures(on_duty=75), saved_by=enterprise_user_a
        )
    assert WorkforceReport.objects.get().on_duty == 75


def test_an_enterprise_cannot_report_another_day_or_for_another_enterprise(enterprise_user_a, enterprise_user_b):
    with at(9), pytest.raises(ValidationError):
        services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise,
            day=DAY - dt.timedelta(days=1),
            data=figures(),
            saved_by=enterprise_user_a,
        )
    with at(9), pytest.raises(PermissionDenied):
        services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise, day=DAY, data=figures(), saved_by=enterprise_user_b
        )
    assert not WorkforceReport.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (figures(on_duty=90), "on_duty", services.MSG_ON_DUTY_GT_RETURNED),
        (figures(returned=120, on_duty=10, high=0, medium=0, low=0), "returned", services.MSG_RETURNED_GT_TOTAL),
        (figures(low=11), "away_low", "应等于职工总数减累计返昆人数"),
        (figures(quarantine=81), "in_quarantine", services.MSG_QUARANTINE_GT_RETURNED),
        (figures(today=81), "returned_today", services.MSG_TODAY_GT_RETURNED),
        (figures(today=2, today_high=2, today_medium=1), "returned_today_high", services.MSG_TODAY_BY_RISK),
    ],
)
def test_cross_field_rules_give_a_clear_message_and_save_nothing(client, enterprise_user_a, data, field, message):
    client.force_login(enterprise_user_a)
    with at(10):
        response = client.post(reverse("workforce:report"), data)
    assert response.status_code == 200
    assert str(message) in " ".join(response.context["form"].errors[field])
    assert not WorkforceReport.objects.exists()


def test_the_database_refuses_figures_that_do_not_add_up(enterprise_a, enterprise_user_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkforceReport.objects.create(
            enterprise=enterprise_a,
            day=DAY,
            submitted_by=enterprise_user_a,
            submitted_at=dt.datetime(2020, 3, 9, 9, tzinfo=SHANGHAI),
            **figures(low=11),
        )


def test_the_form_prefills_from_yesterday(client, enterprise_user_a):
    with at(9, day=DAY - dt.timedelta(days=1)):
        services.workforce_report_save(
            enterprise=enterprise_user_a.enterprise,
            day=DAY - dt.timedelta(days=1),
            data=figures(on_duty=42),
            saved_by=enterprise_user_a,
        )
    client.force_login(enterprise_user_a)
    with at(9):
        response = client.get(reverse("workforce:report"))
    assert response.context["form"]["on_duty"].value() == 42 and response.context["prefilled"]


def test_enterprise_reports_through_the_page(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    with at(10):
        assert client.post(reverse("workforce:report"), figures())["Location"] == reverse("workforce:report")
    report = WorkforceReport.objects.get()
    assert (report.day, report.on_duty, report.is_late) == (DAY, 70, False)


def test_capacity_report_only_for_above_scale(client, enterprise_user_a):
    data = {
        "capacity_percent": "85.5",
        "staff_on_site": "70",
        "electricity_kwh": "12000",
        "electricity_kwh_last_year": "15000",
        "orders_on_hand": "3200",
        "blockers": "缺少外地配件",
    }
    client.force_login(enterprise_user_a)
    with at(10):
        client.post(reverse("workforce:capacity"), data)
    assert not enterprise_user_a.enterprise.capacity_reports.exists()
    enterprise_user_a.enterprise.is_above_scale = True
    enterprise_user_a.enterprise.save()
    with at(10):
        client.post(reverse("workforce:capacity"), data)
    assert enterprise_user_a.enterprise.capacity_reports.get().capacity_percent == Decimal("85.5")
    with at(10):
        client.post(reverse("workforce:capacity"), {**data, "capacity_percent": "250"})
    assert enterprise_user_a.enterprise.capacity_reports.get().capacity_percent == Decimal("85.5")


# --- Who has not reported, reminders -------------------------------------------------------------


def test_status_tells_not_reported_from_reported_zero(client, district_a, district_staff_a):
    users = [UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a)) for _ in range(3)]
    with at(10):
        services.workforce_report_save(enterprise=users[0].enterprise, day=DAY, data=figures(), saved_by=users[0])
        services.workforce_report_save(
            enterprise=users[1].enterprise, day=DAY, data=figures(on_duty=0), saved_by=users[1]
        )
        client.force_login(district_staff_a)
        response = client.get(reverse("workforce:status"))
    ctx = response.context
    assert (ctx["expected"], ctx["reported"], ctx["reported_zero"]) == (3, 2, 1)
    assert [e.pk for e in ctx["page"]] == [users[2].enterprise_id]


def test_reminders_go_only_to_enterprises_that_have_not_reported(district_a, district_b):
    reported = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    silent = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    elsewhere = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_b))
    with at(10):
        services.workforce_report_save(enterprise=reported.enterprise, day=DAY, data=figures(), saved_by=reported)
        sent = services.workforce_reminders_send(day=DAY, district_id=district_a.pk)
    assert sent == 1
    assert list(Notification.objects.values_list("user_id", flat=True)) == [silent.pk]
    assert not Notification.objects.filter(user=elsewhere).exists()


def test_staff_send_reminders_from_the_page(client, district_a, district_staff_a):
    UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    client.force_login(district_staff_a)
    with at(14):
        client.post(reverse("workforce:remind"))
    assert Notification.objects.count() == 1


def _remind(client, user) -> list[tuple[str, str]]:
    client.force_login(user)
    with at(14):
        response = client.post(reverse("workforce:remind"), follow=True)
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_the_reminder_message_says_whom_it_reached_and_why_not_the_others(client, district_a, district_staff_a):
    """Issue 12: "已向 0 个未报企业账号发送提醒" did not say why."""
    UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a), email="boss@example.cn")
    UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a), email="")
    EnterpriseFactory(district=district_a)  # entered by the district: nobody has an account
    UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a), is_active=False)
    reported = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    with at(10):
        services.workforce_report_save(enterprise=reported.enterprise, day=DAY, data=figures(), saved_by=reported)
    assert _remind(client, district_staff_a) == [
        ("success", str(views.MSG_REMINDED % {"enterprises": 4, "reached": 2, "accounts": 2, "emails": 1})),
        ("warning", str(views.MSG_REMIND_NO_ACCOUNT % {"count": 2})),
        ("info", str(views.MSG_REMIND_NO_EMAIL % {"count": 1})),
    ]
    assert Notification.objects.count() == 2


def test_the_reminder_says_when_everyone_has_reported(client, district_a, district_staff_a):
    reported = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    with at(10):
        services.workforce_report_save(enterprise=reported.enterprise, day=DAY, data=figures(), saved_by=reported)
    assert _remind(client, district_staff_a) == [("info", str(views.MSG_REMIND_NOBODY))]


def test_status_page_query_count_is_fixed(client, district_a, district_staff_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    EnterpriseFactory(district=district_a)
    client.force_login(district_staff_a)

    def count():
        with CaptureQueriesContext(connection) as ctx, at(10):
            client.get(reverse("workforce:status"))
        return len(ctx.captured_queries)

    few = count()
    EnterpriseFactory.create_batch(30, district=district_a)
    assert count() == few


def test_only_staff_see_the_status_and_summaries(client, enterprise_user_a, checkpoint_staff):
    for user in (enterprise_user_a, checkpoint_staff):
        client.force_login(user)
        assert client.get(reverse("workforce:status")).status_code == 403
        assert client.get(reverse("workforce:summaries")).status_code == 403


# --- Daily summary ----------------------------------------------------------------------------


def _report(district, day=DAY, late=False, above_scale=False, capacity=None, **numbers):
    user = UserFactory(
        enterprise_user=True, enterprise=EnterpriseFactory(district=district, is_above_scale=above_scale)
    )
    with at(17 if late else 10, day=day):
        services.workforce_report_save(enterprise=user.enterprise, day=day, data=figures(**numbers), saved_by=user)
        if capacity is not None:
            services.capacity_report_save(
                enterprise=user.enterprise,
                day=day,
                saved_by=user,
                data={
                    "capacity_percent": Decimal(capacity),
                    "staff_on_site": 10,
                    "electricity_kwh": Decimal(100),
                    "electricity_kwh_last_year": Decimal(200),
                    "orders_on_hand": Decimal(1),
                    "blockers": "",
                },
            )
    return user


def test_the_summary_agrees_exactly_with_the_reports(district_a, district_b):
    _report(district_a, above_scale=True, capacity="80")
    _report(
        district_a,
        late=True,
        total=50,
        returned=30,
        on_duty=30,
        high=0,
        medium=5,
        low=15,
        quarantine=0,
        today=0,
        today_medium=0,
        above_scale=True,
        capacity="60",
    )
    _report(district_a, above_scale=True, capacity="95")
    EnterpriseFactory(district=district_a)  # expected, not reported
    _report(district_b)
    rows = {row.district.code if row.district else "city": row for row in services.daily_summary_build(day=DAY)}
    zp = rows["zhangpu"]
    assert (zp.expected, zp.reported, zp.not_reported, zp.late) == (4, 3, 1, 1)
    assert (zp.employees, zp.returned, zp.on_duty) == (250, 190, 170)
    assert (zp.away_high, zp.away_medium, zp.away_low, zp.in_quarantine, zp.returned_today) == (4, 21, 35, 10, 12)
    assert (zp.above_scale_reporting, zp.capacity_mean, zp.capacity_median) == (3, Decimal("78.3"), Decimal("80.0"))
    assert (zp.electricity_kwh, zp.electricity_kwh_last_year) == (Decimal(300), Decimal(600))
    assert zp.return_rate == 190 / 250 and zp.on_duty_rate == 170 / 250
    city = rows["city"]
    assert (city.expected, city.reported, city.employees, city.on_duty) == (5, 4, 350, 240)
    assert rows["jinxi"].expected == 0 and rows["jinxi"].return_rate is None
    assert DailySummary.objects.filter(day=DAY).count() == 13


def test_building_twice_gives_the_same_rows(district_a):
    _report(district_a)
    first = list(DailySummary.objects.values() if services.daily_summary_build(day=DAY) else [])
    services.daily_summary_build(day=DAY)
    second = list(DailySummary.objects.values())
    strip = [{k: v for k, v in row.items() if k not in ("id", "built_at")} for row in first]
    assert strip == [{k: v for k, v in row.items() if k not in ("id", "built_at")} for row in second]
    assert DailySummary.objects.filter(day=DAY, district__isnull=True).count() == 1


def test_the_final_build_tells_district_officials(
    district_a, district_staff_a, commander, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.daily_summary_build(day=DAY, final=True)
    assert Notification.objects.filter(user=district_staff_a, title__contains="2020-03-09").exists()
    assert DailySummary.objects.filter(day=DAY, is_final=True).count() == 13


def test_the_task_and_the_command_build_the_day(district_a):
    from io import StringIO

    from django.core.management import call_command

    from workforce.tasks import build_daily_summary

    _report(district_a)
    assert build_daily_summary.delay("2020-03-09").get() == 13
    out = StringIO()
    call_command("build_daily_summary", "--date", "2020-03-09", "--final", stdout=out)
    assert "已报 1 家" in out.getvalue()
    assert DailySummary.objects.filter(day=DAY, is_final=True).count() == 13


def test_rebuild_answers_when_the_broker_refuses(client, commander, monkeypatch):
    from kombu.exceptions import OperationalError

    from workforce import views

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views.build_daily_summary, "delay", refuse)
    client.force_login(commander)
    response = client.post(reverse("workforce:rebuild"), follow=True)
    assert response.status_code == 200
    assert "任务队列暂时不可用" in response.content.decode()


def test_publishing_to_a_dead_broker_gives_up_instead_of_hanging():
    """The publish retry policy is bounded: the call fails fast rather than reconnecting for minutes."""
    from kombu.exceptions import OperationalError

    from kunshan_resume.celery import app
    from workforce.tasks import build_daily_summary

    app.conf.task_always_eager = False  # restored by tests/conftest.py
    with app.connection_for_write("redis://127.0.0.1:1/0") as dead, pytest.raises(OperationalError):
        build_daily_summary.apply_async(
            args=["2020-03-09"], connection=dead, retry=True, retry_policy=app.conf.task_publish_retry_policy
        )


def test_a_responsible_official_sees_the_reports_of_their_key_enterprises(client, district_a, district_staff_a):
    key = _report(district_a, above_scale=True, capacity="72")
    key.enterprise.is_key = True
    key.enterprise.responsible_official = district_staff_a
    key.enterprise.save()
    silent = EnterpriseFactory(district=district_a, is_key=True, responsible_official=district_staff_a)
    client.force_login(district_staff_a)
    with at(11):
        page = client.get(reverse("portal:home"))
    items = {item["enterprise"].pk: item for item in page.context["responsible"]}
    assert items[key.enterprise_id]["capacity"].capacity_percent == Decimal("72.0")
    assert items[silent.pk]["workforce"] is None
    assert "未报" in page.content.decode()


def test_the_summaries_page_lists_days_with_their_status(client, district_a, district_staff_a, commander):
    _report(district_a)
    services.daily_summary_build(day=DAY - dt.timedelta(days=1), final=True)
    services.daily_summary_build(day=DAY)
    client.force_login(district_staff_a)
    days = list(client.get(reverse("workforce:summaries")).context["days"])
    assert [(d["day"], bool(d["final_rows"])) for d in days] == [(DAY, False), (DAY - dt.timedelta(days=1), True)]
    day_page = client.get(reverse("workforce:summary_day", args=["2020-03-09"]))
    [item] = day_page.context["rows"]  # the district's own row only
    assert item["row"].district == district_a
    assert item["change"]["reported"] == 1 and item["change"]["on_duty"] == 70  # from 0 reports the day before
    client.force_login(commander)
    assert len(client.get(reverse("workforce:summary_day", args=["2020-03-09"])).context["rows"]) == 13
    assert client.get(reverse("workforce:summary_day", args=["2020-02-30"])).status_code == 404
    assert client.get(reverse("workforce:summary_day", args=["2020-01-01"])).status_code == 404
