"""Celery tasks of the labour app: thin, idempotent, each calls one service."""

from celery import shared_task

from labour import figures
from labour.services import disputes, drives


@shared_task(ignore_result=True)
def escalate_overdue_disputes() -> int:
    """Hourly: open disputes past their deadline go up to the district's head (each once)."""
    return disputes.disputes_escalate_overdue()


@shared_task(ignore_result=True)
def flag_risky_drives() -> int:
    """Every half hour: flag scheduled drives whose region a newly published risk list makes risky (each once)."""
    return drives.drives_flag_risky()


@shared_task(ignore_result=True)
def refresh_labour_figures() -> None:
    """Every minute: the city's labour figures into the cache, so that no commander's request computes them."""
    figures.labour_figures_refresh()
