from smtplib import SMTPException

from celery import shared_task

from enterprises.models import Enterprise
from enterprises.services import enterprise_review_notify


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def notify_registration_reviewed(enterprise_id: int) -> int:
    """Tell the enterprise's accounts by e-mail that the district confirmed or rejected the registration."""
    enterprise = Enterprise.objects.select_related("district").get(pk=enterprise_id)
    return enterprise_review_notify(enterprise=enterprise)
