"""Passes per issuing district and status (PassTally), kept as the statuses change.

Every change of a pass's status writes a PassEvent (from, to), whether one pass at a time (services.return_passes,
services.suspensions) or a whole risk-list sweep in one statement; right after writing them, the service hands the
events (or the sweep its moved ids) to `events_tally`, which takes each pass from its old status's count to its
new one. `pass_tallies_rebuild` recounts from the passes (after a bulk load, and every night as a safety net);
tests/passes/test_tallies.py holds the two equal.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from core.tallies import cells_add
from passes.models import PassEvent, PassTally, ReturnPass


def moves_tally(moves: Iterable[tuple[int, str, str]]) -> None:
    """(pass id, from status, to status) for passes just moved; from "" for a new pass."""
    moves = list(moves)
    if not moves:
        return
    district_of = dict(
        ReturnPass.objects.filter(pk__in={pk for pk, _from, _to in moves}).values_list("pk", "issuing_district_id")
    )
    changes = []
    for pk, from_status, to_status in moves:
        if from_status:
            changes.append(((district_of[pk], from_status), {"passes": -1}))
        changes.append(((district_of[pk], to_status), {"passes": 1}))
    cells_add(PassTally, ("district_id", "status"), changes)


def events_tally(events: Iterable[PassEvent]) -> None:
    moves_tally((event.return_pass_id, event.from_status, event.to_status) for event in events)


@transaction.atomic
def pass_tallies_rebuild() -> int:
    """Recount every cell from the passes; returns the number of cells."""
    PassTally.objects.all().delete()
    cells = [
        PassTally(district_id=row["issuing_district_id"], status=row["status"], passes=row["n"])
        for row in ReturnPass.objects.values("issuing_district_id", "status").annotate(n=Count("pk")).order_by()
    ]
    PassTally.objects.bulk_create(cells)
    return len(cells)
