"""Liveness and readiness for the load balancer and the monitoring scripts (`manage.py health`).

Only the database is fatal: without Redis the portal still serves its pages and checks from the database, so a
load balancer must keep the node ("degraded"). Beat's heartbeat and the daily summary's age are reported, so
that a stopped beat is seen before the commanders' morning figures are missing."""

from django.conf import settings
from django.utils import timezone

from core.health import beat_heartbeat_age, broker_status, cache_status, database_status
from workforce.selectors import daily_summary_last_built_at

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def readiness() -> dict:
    now = timezone.now()
    database = database_status()
    status = {
        "database": database,
        "cache": cache_status(),
        "broker": broker_status(),
        "beat": _beat(now, eager=settings.CELERY_TASK_ALWAYS_EAGER),
        "daily_summary": _daily_summary(now) if database == "ok" else {"status": "unknown"},
    }
    if database != "ok":
        overall = DOWN
    elif any(status[key].startswith("error") for key in ("cache", "broker")) or status["beat"]["status"] == "stale":
        overall = DEGRADED
    else:
        overall = OK
    return {"status": overall, **status}


def _beat(now, *, eager: bool) -> dict:
    if eager:
        return {"status": "eager", "age_seconds": None}  # no broker, no beat: tasks run in-process
    age = beat_heartbeat_age(now)
    if age is None:
        return {"status": "unknown", "age_seconds": None}
    return {"status": "ok" if age <= settings.BEAT_HEARTBEAT_MAX_AGE else "stale", "age_seconds": round(age)}


def _daily_summary(now) -> dict:
    built_at = daily_summary_last_built_at()
    if built_at is None:
        return {"status": "none", "built_at": None, "age_seconds": None}
    return {
        "status": "ok",
        "built_at": timezone.localtime(built_at).isoformat(),
        "age_seconds": round((now - built_at).total_seconds()),
    }
