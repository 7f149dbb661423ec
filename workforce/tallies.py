"""The daily reports summed as they are saved (ReportTally), for the dashboards.

One cell per day, district, industry class and watched flag (key enterprises and chain leaders), over the active
enterprises as their standing (workforce.models.ResumptionStanding) places them: a saved report adds its figures to
its enterprise's cell, a corrected one the difference, and an enterprise that moves (district, industry, flags,
confirmation) takes its reports from the old cell to the new. The dashboards then read a day's figures from a few
thousand cells instead of summing 60,000 reports per request. `report_tallies_rebuild` recounts everything from the
reports (after a bulk load, and every night as a safety net); tests/workforce/test_standing.py holds the two equal.
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum

from core.tallies import cells_add
from enterprises.models import Enterprise, key_enterprise_q
from workforce.models import ReportTally, ResumptionStanding, WorkforceReport

# The report's figures the dashboards sum (dashboard.selectors._SUMS), kept per cell under the same names.
SUMMED = ("total_employees", "returned", "on_duty", "in_quarantine", "returned_today")
COUNTS = ("reported", "late")

# A cell's key: district, industry class, watched. None: the enterprise is not counted (not confirmed).
Key = tuple[int, str, bool]


def contribution(report: WorkforceReport, sign: int = 1) -> dict[str, int]:
    """What one report adds to its cell (sign -1: takes away)."""
    return {
        "reported": sign,
        "late": sign * int(report.is_late),
        **{name: sign * getattr(report, name) for name in SUMMED},
    }


def tallies_apply(changes: Iterable[tuple[date, Key | None, dict[str, int]]]) -> None:
    """Add each change to its day's cell (increments: two reports saved at once in one cell both count)."""
    cells_add(
        ReportTally,
        ("day", "district_id", "industry_id", "is_watched"),
        (((day, *key), change) for day, key, change in changes if key is not None),
    )


def standing_key(enterprise_id: int) -> Key | None:
    """The cell the enterprise's reports count in, as its standing has it (None: not counted, or no standing yet,
    whose creation then brings its reports in through `enterprises_moved`)."""
    # Locked for the caller's transaction: an enterprise moving cells meanwhile waits, then moves this report too.
    row = (
        ResumptionStanding.objects.select_for_update()
        .filter(pk=enterprise_id)
        .values_list("is_active", "district_id", "industry_id", "is_watched")
        .first()
    )
    return (row[1], row[2], row[3]) if row and row[0] else None


def report_saved(report: WorkforceReport, *, undo: dict[str, int] | None = None) -> None:
    """A report saved: its figures go to its cell, less what it held before a correction (`undo`, taken with
    `contribution(stored, -1)` before the change)."""
    key = standing_key(report.enterprise_id)
    tallies_apply([(report.day, key, contribution(report)), *([(report.day, key, undo)] if undo else [])])


def report_deleted(report: WorkforceReport) -> None:
    tallies_apply([(report.day, standing_key(report.enterprise_id), contribution(report, -1))])


def enterprises_moved(moves: dict[int, tuple[Key | None, Key | None]]) -> None:
    """Enterprises whose cell changed (enterprise id -> old key, new key): their reports change cells too."""
    if not moves:
        return
    changes = []
    for report in WorkforceReport.objects.filter(enterprise_id__in=list(moves)).only(
        "enterprise_id", "day", "is_late", *SUMMED
    ):
        old, new = moves[report.enterprise_id]
        changes += [(report.day, old, contribution(report, -1)), (report.day, new, contribution(report))]
    tallies_apply(changes)


@transaction.atomic
def report_tallies_rebuild() -> int:
    """Recount every cell from the reports of the active enterprises; returns the number of cells."""
    ReportTally.objects.all().delete()
    rows = (
        WorkforceReport.objects.filter(enterprise__status=Enterprise.Status.ACTIVE)
        .annotate(watched=ExpressionWrapper(key_enterprise_q("enterprise__"), output_field=BooleanField()))
        .values("day", "enterprise__district_id", "enterprise__industry_id", "watched")
        .annotate(
            tally_reported=Count("pk"),
            tally_late=Count("pk", filter=Q(is_late=True)),
            **{f"tally_{name}": Sum(name) for name in SUMMED},
        )
        .order_by()
    )
    cells = [
        ReportTally(
            day=row["day"],
            district_id=row["enterprise__district_id"],
            industry_id=row["enterprise__industry_id"],
            is_watched=row["watched"],
            **{name: row[f"tally_{name}"] for name in (*COUNTS, *SUMMED)},
        )
        for row in rows.iterator(chunk_size=5000)
    ]
    ReportTally.objects.bulk_create(cells, batch_size=5000)
    return len(cells)
