"""Local days as ranges of aware datetimes (TIME_ZONE is Asia/Shanghai; a report day is a local date).

A range on a datetime column rather than `__date`, so that an index on the column serves the query."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The aware start (00:00 local time) of the day."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware start of the local day and of the next one."""
    return day_start(day), day_start(day + timedelta(days=1))
