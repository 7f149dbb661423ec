"""Entrances a user may see or manage, and the ones a guard chooses from."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.dates import day_bounds
from passes.models import Entrance
from reference.models import Community


def entrances_managed_by(user) -> QuerySet[Entrance]:
    """The district's entrances with today's checks at each: one query."""
    start, end = day_bounds(timezone.localdate())
    return (
        Entrance.objects.managed_by(user)
        .select_related("community")
        .annotate(checks_today=Count("checks", filter=Q(checks__checked_at__gte=start, checks__checked_at__lt=end)))
        .order_by("community__code", "-is_open", "name")
    )


def entrance_get_managed_or_404(user, pk: int) -> Entrance:
    return get_object_or_404(Entrance.objects.managed_by(user).select_related("community"), pk=pk)


def communities_managed_by(user) -> QuerySet[Community]:
    return Community.objects.filter(district_id=user.district_id).order_by("code")


def entrances_to_choose(user) -> list[Entrance]:
    """The open entrances of a guard's community, for the start of a shift."""
    if getattr(user, "community_id", None) is None:
        return []
    return list(Entrance.objects.visible_to(user).filter(is_open=True).order_by("name"))
