"""已复工 (resumed): the one definition every count of resumed enterprises reads.

Under 备案即复工 an enterprise has resumed by day D when a filing of it is in effect (submitted or
approved) and its resumption date is D or earlier. The resumption date is the actual work date recorded
on the filing or, failing that date, the day of the enterprise's first daily workforce report with people
on duty, counted from the day the filing was sent. Saving such a report also records that day on the
filing (`filing_resume_from_report`), so that the enterprise sees the date it is counted from.

The drill-down lists and the landing pages' 应复尽复 progress count through `resumption_date()` and `resumed_by()`;
the dashboards' figures read the same dates kept per enterprise in ResumptionStanding (`standings_refresh`, called
after every change of an enterprise, of its filings or of its daily reports). tests/workforce/test_resumption.py
recounts them from rows.
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from filings.models import Filing
from negative_list.models import ResumptionScope
from negative_list.selectors import NegativeListRules, negative_list_rules
from reference.models import District, Industry
from workforce.models import ResumptionStanding, WorkforceReport
from workforce.tallies import Key, enterprises_moved, report_tallies_rebuild

IN_EFFECT = (Filing.Status.SUBMITTED, Filing.Status.APPROVED)  # 备案即复工: a submitted filing counts

# The 口径 (definition) notes shown under the figures that count through this module.
NOTE_SHOULD = _("口径: 名录内已确认、所属行业当日不在负面清单上的企业")
NOTE_FILED = _("口径: 应复工企业中备案已提交(待审核)或审核通过的; 备案即复工")
NOTE_RESUMED = _(
    "口径: 备案有效且已登记实际复工日期; 未登记的, 以备案后首份在岗人数大于 0 的用工日报之日为实际复工日期"
)
NOTE_RESUMPTION_RATE = _("口径: 已复工企业数 ÷ 应复工企业数")


def first_on_duty_day() -> Subquery:
    """For a Filing row: the day of its enterprise's first report with people on duty since it was sent."""
    return Subquery(
        WorkforceReport.objects.filter(
            enterprise=OuterRef("enterprise_id"), on_duty__gt=0, day__gte=OuterRef("submitted_at__date")
        )
        .order_by("day")
        .values("day")[:1]
    )


def resumption_date():
    """For a Filing row: the day it counts as resumed from (None: not yet)."""
    return Coalesce("resumed_work_on", first_on_duty_day())


def filings_in_effect():
    return Filing.objects.filter(status__in=IN_EFFECT)


def resumed_by(day: date) -> Exists:
    """For an Enterprise row: resumed by `day` (a filing in effect with its resumption date on or before)."""
    return Exists(
        filings_in_effect()
        .filter(enterprise=OuterRef("pk"))
        .alias(resumed_on=resumption_date())
        .filter(resumed_on__lte=day)
    )


STANDING_BATCH = 2000


@transaction.atomic
def standings_refresh(enterprise_ids: Iterable[int] | None = None) -> int:
    """Recompute the ResumptionStanding of these enterprises (of every enterprise when None) from the enterprise and
    its filings in effect: the earliest submission (filed) and the earliest resumption date (resumed). Returns how
    many were written. Registered with enterprises.standing, whose `standing_changed` the services call."""
    enterprises = Enterprise.objects.order_by("pk")
    if enterprise_ids is not None:
        ids = list(enterprise_ids)
        if not ids:
            return 0
        enterprises = enterprises.filter(pk__in=ids)
    in_effect = filings_in_effect().filter(enterprise=OuterRef("pk"))
    rows = enterprises.annotate(
        first_filed=Subquery(in_effect.order_by("submitted_at").values("submitted_at")[:1]),
        first_resumed=Subquery(
            in_effect.annotate(day=resumption_date()).filter(day__isnull=False).order_by("day").values("day")[:1]
        ),
    ).values_list(
        "pk",
        "district_id",
        "industry_id",
        "industry__division",
        "status",
        "is_above_scale",
        "is_key",
        "is_chain_leader",
        "first_filed",
        "first_resumed",
    )
    # Locked: two refreshes of one enterprise at once must not both move its reports to its new cell.
    before = (
        _keys(ResumptionStanding.objects.select_for_update().filter(pk__in=ids)) if enterprise_ids is not None else {}
    )
    written = 0
    batch: list[ResumptionStanding] = []
    for pk, district_id, industry_id, division, status, above, key, leader, filed_at, resumed_on in rows.iterator(
        chunk_size=STANDING_BATCH
    ):
        batch.append(
            ResumptionStanding(
                enterprise_id=pk,
                district_id=district_id,
                industry_id=industry_id,
                division=division,
                is_active=status == Enterprise.Status.ACTIVE,
                is_above_scale=above,
                is_watched=key or leader,
                filed_at=filed_at,
                resumed_on=resumed_on,
            )
        )
        if len(batch) == STANDING_BATCH:
            written += _standings_write(batch, before, moving=enterprise_ids is not None)
            batch = []
    return written + _standings_write(batch, before, moving=enterprise_ids is not None)


def standings_rebuild() -> int:
    """Every enterprise's standing and the report tallies recounted from the rows: after a bulk load past the
    services (demo data, benchmarks) and every night as a safety net (workforce.tasks.rebuild_standings)."""
    with transaction.atomic():
        written = standings_refresh()
        report_tallies_rebuild()
    return written


def _keys(standings) -> dict[int, Key | None]:
    """Each standing's report-tally cell (workforce.tallies.Key), None for an enterprise not counted."""
    return {s.enterprise_id: (s.district_id, s.industry_id, s.is_watched) if s.is_active else None for s in standings}


def _standings_write(batch: list[ResumptionStanding], before: dict[int, Key | None], *, moving: bool) -> int:
    """Upsert the standings; when `moving`, an enterprise that changed cells (or is new) takes its reports along."""
    if moving:
        after = _keys(batch)
        enterprises_moved({pk: (before.get(pk), key) for pk, key in after.items() if before.get(pk) != key})
    if batch:
        ResumptionStanding.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["enterprise"],
            update_fields=[
                "district",
                "industry",
                "division",
                "is_active",
                "is_above_scale",
                "is_watched",
                "filed_at",
                "resumed_on",
            ],
        )
    return len(batch)


# --- 应复尽复 progress on the commanders' and administrators' landing pages -------------------------


def _restricted_industry_codes(enterprises, rules: NegativeListRules) -> set[str]:
    """Industries of these enterprises whose work the negative list restricts, judged in memory."""
    industries = Industry.objects.filter(pk__in=enterprises.values("industry_id"))
    return {industry.code for industry in industries if rules.restriction(industry, ResumptionScope.WORK)}


def resumption_progress(user, on: date) -> dict:
    """Per district: enterprises that should resume (not on the negative list), filed, and resumed.

    "Filed" is a filing in effect (submitted or approved: 备案即复工); "resumed" as this module defines
    it. The rate is resumed / should resume. A fixed number of queries at any scale.
    """
    enterprises = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    restricted = _restricted_industry_codes(enterprises, negative_list_rules(on=on))
    should = ~Q(industry_id__in=restricted)
    counts = {
        row["district"]: row
        for row in enterprises.annotate(
            filed=Exists(filings_in_effect().filter(enterprise=OuterRef("pk"))), resumed=resumed_by(on)
        )
        .values("district")
        .annotate(
            total=Count("pk"),
            should=Count("pk", filter=should),
            filed_count=Count("pk", filter=should & Q(filed=True)),
            resumed_count=Count("pk", filter=should & Q(resumed=True)),
        )
    }
    rows = []
    for district in District.objects.filter(pk__in=list(counts)):
        row = counts[district.pk]
        rows.append(_progress_row(district, row["total"], row["should"], row["filed_count"], row["resumed_count"]))
    totals = _progress_row(None, *(sum(r[key] for r in rows) for key in ("total", "should", "filed", "resumed")))
    notes = {"should": NOTE_SHOULD, "filed": NOTE_FILED, "resumed": NOTE_RESUMED, "rate": NOTE_RESUMPTION_RATE}
    return {"rows": rows, "totals": totals, "restricted_industries": len(restricted), "notes": notes}


def _progress_row(district, total: int, should: int, filed: int, resumed: int) -> dict:
    percent = round(100 * resumed / should, 1) if should else None
    return {
        "district": district,
        "total": total,
        "should": should,
        "filed": filed,
        "resumed": resumed,
        "rate": resumed / should if should else None,
        "rate_percent": percent,
        "rate_shown": "—" if percent is None else f"{percent}%",
    }


# --- The write side: a report with people on duty records the date ------------------------------------


def filing_resume_from_report(*, report: WorkforceReport) -> None:
    """Record the day resumption_date() counts from on the enterprise's filings in effect for work that have
    no actual work date yet, once a report with people on duty is saved on or after the day they were sent;
    and the enterprise's standing, which follows its reports."""
    if report.on_duty:
        filings_in_effect().filter(
            enterprise_id=report.enterprise_id,
            scope_work=True,
            resumed_work_on__isnull=True,
            submitted_at__date__lte=report.day,
        ).update(resumed_work_on=first_on_duty_day())
    # Also when no one is on duty: a filing without 复工 counts from the first report with people on duty.
    standings_refresh([report.enterprise_id])
