"""The demo clock: with DEBUG on and DEMO_TODAY set, the portal lives on that local day.

`make run` sets DEMO_TODAY (a day a week before the 应复尽复 target of 20 March 2020), so that the demo
city's countdown, trends and "today" make sense. The clock keeps the real time of day and runs on; only
the day is moved, by whole days. Everything that reads `django.utils.timezone.now()` (and so
`localdate()`, `localtime()`, auto_now fields) sees the demo day. Never installed without DEBUG.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone


def demo_clock_offset(today: date, real_now: datetime) -> timedelta:
    """Whole days from the real local day to `today`."""
    return timedelta(days=(today - timezone.localdate(real_now)).days)


def demo_clock_install(today: date) -> timedelta:
    """Move timezone.now() to `today` (same time of day); returns the offset. Installing again replaces it."""
    real_now = getattr(timezone.now, "real_now", timezone.now)
    offset = demo_clock_offset(today, real_now())

    def now() -> datetime:
        return real_now() + offset

    now.real_now = real_now  # type: ignore[attr-defined]  # mypy cannot type an attribute set on a function
    timezone.now = now
    return offset
