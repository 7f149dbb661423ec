"""Tell the resumption figures that enterprises may have changed where they stand.

Where an enterprise stands in the figures (应复工 / 已备案 / 已复工) follows from the enterprise (district, industry,
status, flags) and from its filings; the workforce app keeps that standing in a table of its own
(workforce.models.ResumptionStanding), so that the dashboards count 60,000 enterprises from one narrow table. It
registers here, when it starts, the function that recomputes the standing of some enterprises; the enterprises and
filings services, below it in the layers, call `standing_changed` after each change without importing it (as
core.rosters does for the roster reader).
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

StandingRefresher = Callable[[Iterable[int]], object]

_refreshers: list[StandingRefresher] = []


def register_standing_refresher(refresher: StandingRefresher) -> StandingRefresher:
    if refresher not in _refreshers:
        _refreshers.append(refresher)
    return refresher


def standing_changed(enterprise_ids: Iterable[int]) -> None:
    """Recompute the standing of these enterprises, in the caller's transaction."""
    if not _refreshers:
        raise ImproperlyConfigured("No standing refresher is registered: the workforce app registers it in ready().")
    ids = sorted(set(enterprise_ids))
    for refresher in _refreshers:
        refresher(ids)
