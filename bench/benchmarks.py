"""The enterprise list page, timed through the whole middleware stack as one viewer sees it."""

import math
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.selectors import EnterpriseFilters, enterprise_list_visible_to
from enterprises.views import PAGE_SIZE

LATE_PAGE = 50
SEARCH_TERM = "精密"


@dataclass(frozen=True)
class Measurement:
    scale: int  # enterprises in the whole city
    viewer: str
    case: str
    request: str  # the query string, so a reader can replay it
    rows: int  # enterprises the page counts: the viewer's share, narrowed by the search
    median_ms: float
    p95_ms: float
    queries: int
    samples_ms: list[float]
    sql: list[str]


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


def list_page_measure(user, *, viewer: str, scale: int, repeat: int, warmup: int) -> list[Measurement]:
    client = Client()
    client.force_login(user)
    url = reverse("enterprises:list")
    visible = enterprise_list_visible_to(user).count()
    measurements = []
    for case, params in _cases(visible).items():
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
        measurements.append(
            Measurement(
                scale=scale,
                viewer=viewer,
                case=case,
                request="?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "",
                rows=enterprise_list_visible_to(user, EnterpriseFilters(q=params.get("q", ""))).count(),
                median_ms=round(statistics.median(samples), 2),
                p95_ms=round(_p95(samples), 2),
                queries=len(sql),
                samples_ms=[round(s, 2) for s in samples],
                sql=sql,
            )
        )
    return measurements


def query_counts_check(measurements: list[Measurement]) -> None:
    """The point of the benchmark: the queries a page runs must not grow with the data."""
    by_case: dict[tuple[str, str], list[Measurement]] = {}
    for m in measurements:
        by_case.setdefault((m.viewer, m.case), []).append(m)
    problems = []
    for (viewer, case), runs in by_case.items():
        first = runs[0]
        for other in runs[1:]:
            if other.queries != first.queries:
                problems.append(
                    f"{viewer} / {case}: {first.queries} queries at {first.scale:,} enterprises, "
                    f"{other.queries} at {other.scale:,}.\n"
                    + "\n".join(f"  [{first.scale:,}] {sql}" for sql in first.sql)
                    + "\n"
                    + "\n".join(f"  [{other.scale:,}] {sql}" for sql in other.sql)
                )
    if problems:
        raise SystemExit("FAIL: the list page's query count depends on the data size\n" + "\n".join(problems))
