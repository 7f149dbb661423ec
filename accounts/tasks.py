from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_notification_mail(subject: str, body: str, recipients: list[str]) -> int:
    """E-mail beside a portal notice (accounts.services.notify), which was written in the same transaction."""
    return send_mail(subject, body, None, recipients)
