"""Passes per issuing district and status (PassTally) and checks per day and community (CheckTally), kept as the
passes move and the checks are stored.

Every change of a pass's status writes a PassEvent (from, to), whether one pass at a time (services.return_passes,
services.suspensions) or a whole risk-list sweep in one statement; right after writing them, the service hands the
events (or the sweep its moved ids) to `events_tally`, which takes each pass from its old status's count to its
new one. The check log adds each check it stores (not one sent again) to its day's cell with `checks_tally`.
`pass_tallies_rebuild` recounts both from the passes and the log (after a bulk load, and every night as a safety
net); tests/passes/test_tallies.py holds them equal.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.tallies import cells_add
from passes.models import CheckTally, PassCheck, PassEvent, PassTally, ReturnPass


def moves_tally(moves: Iterable[tuple[int, str, str]]) -> None:
    """(pass id, from status, to status) for passes just moved; from "" for a new pass."""
    moves = list(moves)
    if not moves:
        return
    district_of = dict(
        ReturnPass.objects.filter(pk__in={pk for pk, _from, _to in moves}).values_list("pk", "issuing_district_id")
    )
    district_moves_tally((district_of[pk], from_status, to_status) for pk, from_status, to_status in moves)


def district_moves_tally(moves: Iterable[tuple[int, str, str]]) -> None:
    """moves_tally for a caller that has each pass's issuing district at hand: (district id, from, to)."""
    changes = []
    for district_id, from_status, to_status in moves:
        if from_status:
            changes.append(((district_id, from_status), {"passes": -1}))
        changes.append(((district_id, to_status), {"passes": 1}))
    cells_add(PassTally, ("district_id", "status"), changes)


def events_tally(events: Iterable[PassEvent]) -> None:
    moves_tally((event.return_pass_id, event.from_status, event.to_status) for event in events)


def checks_tally(checks: Iterable[tuple[datetime, int | None]]) -> None:
    """(checked at, community) of checks just stored; one without a community (a passer-by's scan) counts nowhere."""
    cells_add(
        CheckTally,
        ("day", "community_id"),
        (((timezone.localdate(at), community), {"checks": 1}) for at, community in checks if community is not None),
    )


@transaction.atomic
def pass_tallies_rebuild() -> int:
    """Recount every cell from the passes and the check log; returns the number of cells."""
    PassTally.objects.all().delete()
    CheckTally.objects.all().delete()
    passes = [
        PassTally(district_id=row["issuing_district_id"], status=row["status"], passes=row["n"])
        for row in ReturnPass.objects.values("issuing_district_id", "status").annotate(n=Count("pk")).order_by()
    ]
    checks = [
        CheckTally(day=row["day"], community_id=row["community_id"], checks=row["n"])
        for row in PassCheck.objects.at_checkpoints()
        .annotate(day=TruncDate("checked_at"))
        .values("day", "community_id")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    PassTally.objects.bulk_create(passes)
    CheckTally.objects.bulk_create(checks, batch_size=2000)
    return len(passes) + len(checks)
