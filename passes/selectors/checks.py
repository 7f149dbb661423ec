"""The check log: verifications at the checkpoints a user may see (their community, their district's)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.functional import Promise

from core.dates import day_bounds
from passes.models import PassCheck


@dataclass(frozen=True)
class CheckCounts:
    total: int
    by_result: list[tuple[str, str | Promise, int]]  # (result, label, count), in the order of PassCheck.Result
    by_hour: list[tuple[int, int]]  # (local hour, count) for every hour 0-23


def pass_checks_visible_to(user, *, day: date, result: str = "") -> QuerySet[PassCheck]:
    """The user's checks of one local day, newest first, optionally of one result."""
    start, end = day_bounds(day)
    checks = PassCheck.objects.visible_to(user).filter(checked_at__gte=start, checked_at__lt=end)
    if result:
        checks = checks.filter(result=result)
    return checks.select_related("community", "checked_by", "entrance").order_by("-checked_at", "-pk")


def pass_check_counts(user, *, day: date) -> CheckCounts:
    """Counts of the day's checks by result and by local hour: two grouped queries, whatever the volume."""
    start, end = day_bounds(day)
    checks = PassCheck.objects.visible_to(user).filter(checked_at__gte=start, checked_at__lt=end).order_by()
    per_result = dict(checks.values_list("result").annotate(n=Count("pk")))
    per_hour = dict(
        checks.annotate(hour=ExtractHour("checked_at", tzinfo=timezone.get_current_timezone()))
        .values_list("hour")
        .annotate(n=Count("pk"))
    )
    return CheckCounts(
        total=sum(per_result.values()),
        by_result=[(value, label, per_result.get(value, 0)) for value, label in PassCheck.Result.choices],
        by_hour=[(hour, per_hour.get(hour, 0)) for hour in range(24)],
    )
