"""Tests that need a real component the embedded default lacks.

Locally, on SQLite or without Redis, they are skipped with the reason printed. In CI (CI is set,
PostgreSQL and Redis run) they are never skipped: if the component were missing they would fail.
"""

import os

import pytest
from django.db import connection

_IN_CI = bool(os.environ.get("CI"))

# Row locks, and a worker thread sharing the test database, need a database server: SQLite's
# in-memory test database is private to one connection.
postgres_only = pytest.mark.skipif(
    connection.vendor == "sqlite" and not _IN_CI, reason="needs PostgreSQL (row locks, a database shared by threads)"
)
redis_only = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and not _IN_CI, reason="runs against the real broker when REDIS_URL is set"
)


def wait_until(condition, *, attempts: int = 150, interval: float = 0.1) -> bool:
    """Poll a condition that a Celery worker thread makes true; no result backend is configured."""
    import time

    for _ in range(attempts):
        if condition():
            return True
        time.sleep(interval)
    return False
