"""Deadlines in working days follow the official Chinese calendar (issue 18, item 3): holidays and their extensions
are skipped, weekend make-up days count, and administrators' overrides cover what the library does not know."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.dates import add_working_days, is_working_day, working_day_overrides_changed
from core.models import WorkingDayOverride
from filings.services import review_deadline

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_filing_submitted_before_labour_day_is_due_after_the_holiday():
    # 1-5 May 2020 were the Labour Day holiday; 6 May the first working day after it.
    assert review_deadline(at(2020, 4, 30, 15, 0), working_days=1) == at(2020, 5, 6, 15, 0)


@pytest.mark.django_db
def test_a_sunday_make_up_working_day_counts():
    # Sunday 26 April 2020 was worked in exchange for the Labour Day holiday.
    assert review_deadline(at(2020, 4, 24, 9, 30), working_days=1) == at(2020, 4, 26, 9, 30)


@pytest.mark.django_db
def test_the_2020_spring_festival_extension_is_a_holiday():
    # The State Council extended the 2020 Spring Festival to 2 February; 3 February was the first working day.
    assert not is_working_day(dt.date(2020, 1, 31))
    assert not is_working_day(dt.date(2020, 2, 2))
    assert add_working_days(at(2020, 1, 23, 10, 0), 1) == at(2020, 2, 3, 10, 0)


@pytest.mark.django_db
def test_an_ordinary_week_counts_monday_to_friday():
    assert review_deadline(at(2020, 3, 13, 10, 0), working_days=1) == at(2020, 3, 16, 10, 0)
    assert add_working_days(at(2020, 3, 9, 8, 0), 5) == at(2020, 3, 16, 8, 0)


@pytest.mark.django_db
def test_a_year_the_library_does_not_know_counts_weekdays_until_overrides_are_entered():
    # 2099 is beyond the calendar library; 1 January 2099 is a Thursday.
    assert add_working_days(at(2098, 12, 31, 9, 0), 1) == at(2099, 1, 1, 9, 0)
    WorkingDayOverride.objects.create(day=dt.date(2099, 1, 1), is_working_day=False, name="元旦")
    working_day_overrides_changed()  # what the admin does on save (next test)
    assert add_working_days(at(2098, 12, 31, 9, 0), 1) == at(2099, 1, 2, 9, 0)


@pytest.mark.django_db
def test_an_override_saved_in_the_admin_takes_effect_at_once(admin_client):
    assert is_working_day(dt.date(2020, 3, 14)) is False  # a Saturday
    response = admin_client.post(
        reverse("admin:core_workingdayoverride_add"),
        {
            "day": "2020-03-14",
            "is_working_day": "on",
            "name": "疫情期间调休上班",
            "source_document": "",
        },
    )
    assert response.status_code == 302
    assert is_working_day(dt.date(2020, 3, 14)) is True
