from datetime import date

from celery import shared_task
from django.utils import timezone

from workforce import services
from workforce.resumption import standings_rebuild


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def build_daily_summary(day: str | None = None, final: bool = False) -> int:
    """Build (or rebuild) a day's summaries; idempotent, so a redelivered or doubled run is harmless."""
    target = date.fromisoformat(day) if day else timezone.localdate()
    return len(services.daily_summary_build(day=target, final=final))


@shared_task
def send_report_reminders() -> int:
    """Before the cut-off: remind the enterprises that have not reported today."""
    return services.workforce_reminders_send(day=timezone.localdate())


@shared_task
def rebuild_standings() -> int:
    """The night's recount of the dashboards' standings and report tallies from the rows (the services keep them
    during the day; this repairs anything written past them, such as a correction made in the database)."""
    return standings_rebuild()
