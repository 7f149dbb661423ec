from celery import shared_task

from core.health import beat_heartbeat_stamp


@shared_task
def beat_heartbeat() -> None:
    """Scheduled every minute: readiness reports how long ago beat last got a task through."""
    beat_heartbeat_stamp()
