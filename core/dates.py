"""Local days as ranges of aware datetimes (TIME_ZONE is Asia/Shanghai; a report day is a local date), and working
days on the official Chinese calendar.

A range on a datetime column rather than `__date`, so that an index on the column serves the query."""

from contextlib import suppress
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.core.cache import cache
from django.utils import timezone

from core.models import WorkingDayOverride

OVERRIDES_CACHE_KEY = "core:working-day-overrides"
OVERRIDES_CACHE_SECONDS = 300


def day_start(day: date) -> datetime:
    """The aware start (00:00 local time) of the day."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware start of the local day and of the next one."""
    return day_start(day), day_start(day + timedelta(days=1))


def working_day_overrides() -> dict[date, bool]:
    """The administrators' overrides (节假日调整), read once per few minutes rather than once per day counted."""
    try:
        overrides = cache.get(OVERRIDES_CACHE_KEY)
    except Exception:  # noqa: BLE001 - without Redis the deadline still counts, from the table
        overrides = None
    if overrides is None:
        overrides = dict(WorkingDayOverride.objects.values_list("day", "is_working_day"))
        with suppress(Exception):
            cache.set(OVERRIDES_CACHE_KEY, overrides, OVERRIDES_CACHE_SECONDS)
    return overrides


def working_day_overrides_changed() -> None:
    with suppress(Exception):  # an unreachable cache holds nothing to forget
        cache.delete(OVERRIDES_CACHE_KEY)


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    """Official holidays (法定节假日, with their extensions such as the 2020 Spring Festival's) are not working days;
    make-up working days (调休上班) on a weekend are. An administrator's override wins; a year the calendar library
    does not know yet counts Monday to Friday until its overrides are entered."""
    overrides = working_day_overrides() if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(moment: datetime, days: int) -> datetime:
    """The same local time `days` working days later (a deadline: "within N working days")."""
    overrides = working_day_overrides()
    deadline = timezone.localtime(moment)
    while days > 0:
        deadline += timedelta(days=1)
        if is_working_day(deadline.date(), overrides):
            days -= 1
    return deadline


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """The time from `start` to `end` that falls on working days (a stopped clock keeps what was left of it)."""
    overrides = working_day_overrides()
    start, end = timezone.localtime(start), timezone.localtime(end)
    total = timedelta()
    while start < end:
        next_midnight = day_start(start.date() + timedelta(days=1))
        stop = min(end, next_midnight)
        if is_working_day(start.date(), overrides):
            total += stop - start
        start = stop
    return total


def add_working_time(moment: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of working-day time after `moment`: the clock resumes where it stopped."""
    overrides = working_day_overrides()
    moment = timezone.localtime(moment)
    while True:
        next_midnight = day_start(moment.date() + timedelta(days=1))
        if is_working_day(moment.date(), overrides):
            if moment + duration <= next_midnight:
                return timezone.localtime(moment + duration)
            duration -= next_midnight - moment
        moment = next_midnight
