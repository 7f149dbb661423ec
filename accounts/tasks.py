from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_notification_mail(subject: str, body: str, recipients: list[str]) -> int:
    """E-mail beside a portal notice (accounts.services.notify), which was written in the same transaction."""
    return send_mail(subject, body, None, recipients)


@shared_task(bind=True, max_retries=4, default_retry_delay=30)
def send_sms(self, message_id: int, secret: dict | None = None) -> str:
    """Send one text message; a temporary gateway failure is retried with backoff (30 s, 60 s, 120 s, 240 s).
    `secret`: parameters the row keeps hidden (accounts.sms.sms_send), carried only by the task's arguments."""
    from accounts.sms import SmsTemporaryError, sms_deliver

    # Without a broker (eager) there is no later to retry at: one attempt.
    final = self.request.is_eager or self.request.retries >= self.max_retries
    try:
        return sms_deliver(message_id=message_id, final_attempt=final, secret=secret).status
    except SmsTemporaryError as error:
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
