"""Celery tasks of supervision: thin, idempotent, each calls one service."""

from celery import shared_task

from supervision import services


@shared_task(ignore_result=True)
def escalate_overdue_findings() -> int:
    """Hourly: open findings past their rectification deadline go up to the commanders, each once."""
    return services.findings_escalate_overdue()


@shared_task(ignore_result=True)
def refresh_figures() -> None:
    """Every minute: the dashboards' supervision figures into the cache, so that no page view computes them."""
    from supervision.selectors import supervision_figures_refresh

    supervision_figures_refresh()
