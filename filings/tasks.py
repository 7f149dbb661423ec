from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_filing_mail(subject: str, body: str, recipients: list[str]) -> int:
    """E-mail a filing decision; the portal notice was already written in the same transaction."""
    return send_mail(subject, body, None, recipients)
