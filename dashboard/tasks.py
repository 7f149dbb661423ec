from celery import shared_task
from django.utils import timezone

from dashboard import selectors


@shared_task(ignore_result=True)
def refresh_city_figures() -> None:
    """Recompute today's city figures into the cache; a missed or doubled run only changes their age."""
    selectors.city_figures_refresh(timezone.localdate())
