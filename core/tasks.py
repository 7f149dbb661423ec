from celery import shared_task

from core import retention
from core.health import beat_heartbeat_stamp


@shared_task
def beat_heartbeat() -> None:
    """Scheduled every minute: readiness reports how long ago beat last got a task through."""
    beat_heartbeat_stamp()


@shared_task(ignore_result=True)
def retention_sweep() -> dict[str, int]:
    """Nightly: delete or anonymise the personal data past its period (a second run finds none)."""
    return {result.key: result.rows for result in retention.retention_sweep()}
