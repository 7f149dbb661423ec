"""Reads of the roster: every worker comes through Worker.objects.visible_to, and each row carries
today's work eligibility, judged with one set of risk-area rules per page."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.pinyin import name_q
from passes.eligibility import Eligibility, RiskAreaRules, risk_area_rules, work_eligibility
from passes.models import RosterImport, Worker
from reference.models import Community

PAGE_SIZE = 50
# What work_eligibility reads of a worker: enough to judge the whole roster for the decision filter.
_ELIGIBILITY_FIELDS = (
    "pk",
    "origin_id",
    "arrived_on",
    "quarantine_status",
    "temperature",
    "temperature_taken_at",
    "test_result",
    "tested_on",
)


@dataclass(frozen=True)
class RosterFilters:
    q: str = ""
    decision: str = ""
    other_district: bool = False


@dataclass(frozen=True)
class RosterRow:
    worker: Worker
    eligibility: Eligibility


@dataclass(frozen=True)
class RosterPage:
    page: Page
    rows: list[RosterRow]
    rules: RiskAreaRules


def worker_list_visible_to(user, filters: RosterFilters = RosterFilters()) -> QuerySet[Worker]:
    """The workers the user may see, searched by name, mobile or (staff) enterprise name. Not by ID number:
    a full number typed into a search would travel in URLs, browser history and access logs."""
    qs = Worker.objects.visible_to(user)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(name_q("name", q) | Q(mobile__startswith=q) | name_q("enterprise__name", q))
    if filters.other_district:
        qs = qs.exclude(residence_district_id=F("enterprise__district_id"))
    return qs.order_by("enterprise_id", "name", "pk")


def roster_page(user, filters: RosterFilters, page_number, *, on: date) -> RosterPage:
    """One page of the roster with each worker's decision on the day `on`. The query count does not
    depend on the page's length: the rules, then the count (or the ids that pass the decision
    filter), then the page's workers with their origin and residence."""
    rules = risk_area_rules(on)
    workers = worker_list_visible_to(user, filters)
    if filters.decision:
        # A decision is computed, not stored: judge the roster in Python, then page through the ids.
        ids = [
            w.pk
            for w in workers.only(*_ELIGIBILITY_FIELDS).iterator(chunk_size=2000)
            if work_eligibility(w, on=on, rules=rules).decision == filters.decision
        ]
        page: Page = Paginator(ids, PAGE_SIZE).get_page(page_number)  # of ids, then of workers
        by_id = _with_relations(Worker.objects.filter(pk__in=list(page.object_list))).in_bulk()
        page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:
        page = Paginator(_with_relations(workers), PAGE_SIZE).get_page(page_number)
    rows = [RosterRow(w, work_eligibility(w, on=on, rules=rules)) for w in page.object_list]
    return RosterPage(page=page, rows=rows, rules=rules)


def _with_relations(qs: QuerySet[Worker]) -> QuerySet[Worker]:
    return qs.select_related("enterprise", "origin", "residence_district", "residence_community")


def worker_get_for_user_or_404(user, pk: int) -> Worker:
    """Missing and out-of-scope workers look the same: 404."""
    return get_object_or_404(
        _with_relations(Worker.objects.visible_to(user)).select_related("enterprise__district"), pk=pk
    )


def roster_import_get_for_user_or_404(user, pk: int) -> RosterImport:
    return get_object_or_404(RosterImport.objects.visible_to(user), pk=pk)


def roster_imports_recent(user, limit: int = 5) -> list[RosterImport]:
    return list(RosterImport.objects.visible_to(user).order_by("-created_at", "-pk")[:limit])


def roster_rows_for_filing(enterprise) -> Iterator[dict]:
    """The roster as a filing's roster material lists it (core.rosters), ID numbers masked: a filing's materials
    are read by reviewers, industry authorities and commanders, none of whom needs the full number; the roster
    itself shows it to district staff, with a logged reason."""
    workers = (
        Worker.objects.filter(enterprise=enterprise)
        .select_related("origin", "residence_district", "residence_community")
        .order_by("name", "pk")
    )
    for worker in workers.iterator(chunk_size=2000):
        community = worker.residence_community.name if worker.residence_community else ""
        yield {
            "name": worker.name,
            "id_number": worker.id_number_masked,
            "mobile": worker.mobile,
            "job": worker.job,
            "origin": worker.origin.full_name,
            "arrived_on": worker.arrived_on,
            "address": " ".join(
                part for part in (worker.residence_district.name, community, worker.residence_address) if part
            ),
        }


def residence_communities(district_id: int | str | None) -> QuerySet[Community]:
    """The communities a worker of that district may live in: the worker form's list (all while none is chosen)."""
    communities = Community.objects.select_related("district")
    return communities.filter(district_id=district_id) if district_id else communities
