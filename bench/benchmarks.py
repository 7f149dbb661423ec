"""The pages, timed through the whole middleware stack as one viewer sees them, and the bulk approval."""

import math
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from enterprises.selectors import EnterpriseFilters, enterprise_list_visible_to
from enterprises.views import PAGE_SIZE
from filings.models import Filing
from filings.selectors import QueueFilters, filing_list_for_enterprise, filing_queue_visible_to
from filings.services import filing_bulk_approve

LATE_PAGE = 50
SEARCH_TERM = "精密"

# Issue 3's targets, at the city's full size.
TARGET_SCALE = 60_000
PAGE_TARGET_MS = 150.0  # median, the staff queue and the enterprise's filing page
TARGET_PAGES = ("filings queue", "filing page")
BULK_SIZE = 500
BULK_TARGET_S = 5.0


@dataclass(frozen=True)
class Measurement:
    scale: int  # enterprises in the whole city
    viewer: str
    case: str
    request: str  # the query string, so a reader can replay it
    rows: int  # what the page counts: enterprises or filings in the viewer's share, narrowed by the filter
    median_ms: float
    p95_ms: float
    queries: int
    samples_ms: list[float]
    sql: list[str]
    page: str = "enterprise list"


def _cases(visible: int) -> dict[str, dict[str, str]]:
    # The late page is page 50, or the last page when the viewer has fewer.
    late = min(LATE_PAGE, max(1, math.ceil(visible / PAGE_SIZE)))
    return {"page 1": {}, "late page": {"page": str(late)}, "search": {"q": SEARCH_TERM}}


def _get(client: Client, url: str, params: dict[str, str]) -> None:
    response = client.get(url, params)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}?{urlencode(params)} answered {response.status_code}, not 200")


def _p95(samples: list[float]) -> float:
    # Nearest rank: an observed value, and defined for any number of samples.
    return sorted(samples)[math.ceil(0.95 * len(samples)) - 1]


def page_measure(
    client: Client, url: str, params: dict[str, str], *, repeat: int, warmup: int
) -> tuple[list[float], list[str]]:
    """Timed samples (ms) of GET url?params, and the SQL of one untimed request."""
    for _ in range(warmup):  # fill caches (templates, URL resolver, DB pages) before timing
        _get(client, url, params)
    # Counted on a request of its own so that recording the SQL does not slow the timed ones.
    with CaptureQueriesContext(connection) as captured:
        _get(client, url, params)
    # Read now: the next request's request_started signal clears the connection's query log.
    sql = [q["sql"] for q in captured.captured_queries]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        _get(client, url, params)
        samples.append((time.perf_counter() - start) * 1000)
    return samples, sql


def measurement(
    *,
    page: str,
    scale: int,
    viewer: str,
    case: str,
    params: dict[str, str],
    rows: int,
    samples: list[float],
    sql: list[str],
) -> Measurement:
    return Measurement(
        scale=scale,
        viewer=viewer,
        case=case,
        request="?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "",
        rows=rows,
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(_p95(samples), 2),
        queries=len(sql),
        samples_ms=[round(s, 2) for s in samples],
        sql=sql,
        page=page,
    )


def list_page_measure(user, *, viewer: str, scale: int, repeat: int, warmup: int) -> list[Measurement]:
    client = Client()
    client.force_login(user)
    url = reverse("enterprises:list")
    visible = enterprise_list_visible_to(user).count()
    measurements = []
    for case, params in _cases(visible).items():
        samples, sql = page_measure(client, url, params, repeat=repeat, warmup=warmup)
        rows = enterprise_list_visible_to(user, EnterpriseFilters(q=params.get("q", ""))).count()
        measurements.append(
            measurement(
                page="enterprise list",
                scale=scale,
                viewer=viewer,
                case=case,
                params=params,
                rows=rows,
                samples=samples,
                sql=sql,
            )
        )
    return measurements


def query_counts_check(measurements: list[Measurement]) -> None:
    """The point of the benchmark: the queries a page runs must not grow with the data."""
    by_case: dict[tuple[str, str, str], list[Measurement]] = {}
    for m in measurements:
        by_case.setdefault((m.page, m.viewer, m.case), []).append(m)
    problems = []
    for (page, viewer, case), runs in by_case.items():
        first = runs[0]
        for other in runs[1:]:
            if other.queries != first.queries:
                problems.append(
                    f"{page} / {viewer} / {case}: {first.queries} queries at {first.scale:,} enterprises, "
                    f"{other.queries} at {other.scale:,}.\n"
                    + "\n".join(f"  [{first.scale:,}] {sql}" for sql in first.sql)
                    + "\n"
                    + "\n".join(f"  [{other.scale:,}] {sql}" for sql in other.sql)
                )
    if problems:
        raise SystemExit("FAIL: a page's query count depends on the data size\n" + "\n".join(problems))


# --- Filings: the staff queue, the enterprise's pages, the bulk approval ---------------------------


def filing_pages_measure(
    *, staff, commander, enterprise_user, filing_id: int, scale: int, repeat: int, warmup: int
) -> list[Measurement]:
    """The queue as 张浦镇 staff and the commander see it, and the enterprise's filing and list.

    Run on the bench's clock (generate_filings.AS_OF): "overdue" means past the deadline then.
    rows: filings the queue counts; timeline entries on the filing page; filings in the list.
    """
    queue = reverse("filings:queue")
    overdue = {"status": Filing.Status.SUBMITTED, "overdue": "on"}
    cases = [
        ("filings queue", staff, "district staff", "page 1", queue, {}, lambda: filing_queue_visible_to(staff).count()),
        (
            "filings queue",
            staff,
            "district staff",
            "overdue",
            queue,
            overdue,
            lambda: filing_queue_visible_to(staff, QueueFilters(overdue_before=timezone.now())).count(),
        ),
        (
            "filings queue",
            commander,
            "commander",
            "all",
            queue,
            {"status": ""},
            lambda: filing_queue_visible_to(commander, QueueFilters(status="")).count(),
        ),
        (
            "filing page",
            enterprise_user,
            "enterprise",
            "submitted",
            reverse("filings:detail", args=[filing_id]),
            {},
            lambda: Filing.objects.get(pk=filing_id).events.count(),
        ),
        (
            "my filings",
            enterprise_user,
            "enterprise",
            "list",
            reverse("filings:mine"),
            {},
            lambda: filing_list_for_enterprise(enterprise_user).count(),
        ),
    ]
    clients: dict[int, Client] = {}
    measurements = []
    for page, user, viewer, case, url, params, rows in cases:
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        samples, sql = page_measure(clients[user.pk], url, params, repeat=repeat, warmup=warmup)
        measurements.append(
            measurement(
                page=page, scale=scale, viewer=viewer, case=case, params=params, rows=rows(), samples=samples, sql=sql
            )
        )
    return measurements


@dataclass(frozen=True)
class BulkApprovalRun:
    scale: int
    filings: int  # submitted filings of the district handed to the service
    approved: int
    refused: int
    seconds: float
    queries: int
    queries_per_filing: float
    notifications: int
    emails: int
    refusals: list[str]
    sql_first: list[str]  # the first statements, to read what one approval costs


class _QueryLog:
    """Counts and keeps the SQL without the debug cursor, which would slow what is timed."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def bulk_approve_measure(staff, *, scale: int) -> BulkApprovalRun:
    """filing_bulk_approve on the district's oldest BULK_SIZE submitted filings, once: it changes the data."""
    ids = list(
        Filing.objects.filter(status=Filing.Status.SUBMITTED, enterprise__district_id=staff.district_id)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:BULK_SIZE]
    )
    if scale >= TARGET_SCALE and len(ids) < BULK_SIZE:
        raise SystemExit(f"only {len(ids)} submitted filings in the staff's district at {scale:,}; need {BULK_SIZE}")
    notifications, emails = Notification.objects.count(), len(mail.outbox)
    log = _QueryLog()
    with connection.execute_wrapper(log):
        start = time.perf_counter()
        outcome = filing_bulk_approve(filing_ids=ids, approved_by=staff)
        seconds = time.perf_counter() - start
    return BulkApprovalRun(
        scale=scale,
        filings=len(ids),
        approved=len(outcome.approved),
        refused=len(outcome.refused),
        seconds=round(seconds, 3),
        queries=len(log.sql),
        queries_per_filing=round(len(log.sql) / max(1, len(ids)), 2),
        notifications=Notification.objects.count() - notifications,
        emails=len(mail.outbox) - emails,
        refusals=[f"{f.reference}: {reason}" for f, reason in outcome.refused],
        sql_first=log.sql[:12],
    )


@dataclass(frozen=True)
class Target:
    what: str
    scale: int
    measured: float
    limit: float
    unit: str
    passed: bool
    comparison: str = "<"  # how measured must compare with limit to pass
    issue: int = 3  # the issue that set the target


def target_name(m: Measurement) -> str:
    return f"{m.page} / {m.viewer} / {m.case} (median)"


def targets_check(measurements: list[Measurement], bulk: list[BulkApprovalRun]) -> list[Target]:
    """Issue 3's targets, judged at TARGET_SCALE and above; smaller scales are for the query counts."""
    found = [
        Target(
            what=target_name(m),
            scale=m.scale,
            measured=m.median_ms,
            limit=PAGE_TARGET_MS,
            unit="ms",
            passed=m.median_ms < PAGE_TARGET_MS,
        )
        for m in measurements
        if m.page in TARGET_PAGES and m.scale >= TARGET_SCALE
    ]
    found += [
        Target(
            what=f"bulk approve {b.filings} (total)",
            scale=b.scale,
            measured=b.seconds,
            limit=BULK_TARGET_S,
            unit="s",
            passed=b.seconds < BULK_TARGET_S,
        )
        for b in bulk
        if b.scale >= TARGET_SCALE
    ]
    return found
