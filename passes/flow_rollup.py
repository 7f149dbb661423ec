"""The check log rolled up per entrance and quarter-hour (EntranceQuarter), for the peak-hour figures.

A week of checks at Kunshan's size is millions of rows; the figures read their counts per quarter-hour instead,
and only the quarter-hours after the rollup's mark (FlowRollup.until: minutes) straight from the log, so that they
still agree with the log exactly. A Celery beat job re-counts the last FLOW_ROLLUP_RECENT_MINUTES from the log every
few minutes (checks arrive late: the Redis queue, a phone's offline batch); a nightly run re-counts the whole week,
so a phone that was offline longer than that is counted by the next morning. Each run replaces what it counts, in
one transaction: running it twice, or two at once, gives the same rows.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Func, IntegerField, Q
from django.utils import timezone

from core.dates import day_start
from core.db import insert_or_lock
from passes.models import EntranceQuarter, FlowRollup, PassCheck

QUARTER_SECONDS = 900
KEPT_DAYS = 8  # the figures' 7 days and the one before, so that the window never starts on a gap


class QuarterHour(Func):
    """The index of the quarter-hour a timestamp falls in, counted from the Unix epoch (UTC). Local quarter-hours
    start on the same instants wherever the zone's offset is a whole number of quarter-hours (Asia/Shanghai)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 900)::bigint", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) / 900)", **extra
        )


def quarter_of(moment: datetime) -> int:
    return int(moment.timestamp()) // QUARTER_SECONDS


def quarter_start(index: int) -> datetime:
    """The local start of quarter-hour `index`."""
    return timezone.localtime(datetime.fromtimestamp(index * QUARTER_SECONDS, tz=UTC))


def counted_checks():
    """The checks the figures count: made at a checkpoint (signed-in staff), at an entrance."""
    return PassCheck.objects.at_checkpoints().filter(entrance__isnull=False).order_by()


def rolled_until() -> int:
    """The quarter-hour before which EntranceQuarter holds the log (0: nothing rolled up yet)."""
    return FlowRollup.objects.filter(pk=1).values_list("until", flat=True).first() or 0


@transaction.atomic
def flow_rollup(*, now: datetime | None = None, full: bool = False) -> int:
    """Re-count the recent quarter-hours (all kept ones when `full`, or on the first run) from the log; returns
    how many (entrance, quarter-hour) counts were written. The quarter-hour under way is left to the live read."""
    now = now or timezone.now()
    until = quarter_of(now)
    oldest = quarter_of(day_start(timezone.localdate(now) - timedelta(days=KEPT_DAYS)))
    state, _created = insert_or_lock(FlowRollup(pk=1, until=0, rebuilt_at=now), pk=1)
    recent = until - settings.FLOW_ROLLUP_RECENT_MINUTES // 15
    since = oldest if full else max(oldest, min(state.until, recent))
    EntranceQuarter.objects.filter(Q(quarter__gte=since) | Q(quarter__lt=oldest)).delete()
    counts = (
        counted_checks()
        .filter(checked_at__gte=quarter_start(since), checked_at__lt=quarter_start(until))
        .annotate(q=QuarterHour("checked_at"))
        .values("entrance_id", "q")
        .annotate(n=Count("pk"))
        .values_list("entrance_id", "q", "n")
    )
    sql, params = counts.query.sql_with_params()
    table = connection.ops.quote_name(EntranceQuarter._meta.db_table)
    with connection.cursor() as cursor:
        # INSERT … SELECT: the counts never leave the database (a week is hundreds of thousands of rows).
        cursor.execute(f"INSERT INTO {table} (entrance_id, quarter, checks) {sql}", params)
        written = cursor.rowcount
    FlowRollup.objects.filter(pk=1).update(until=until, rebuilt_at=now)
    return written
