"""Text messages hold a mobile number and what was said to it: deleted SMS_RETENTION_DAYS after they were made
(core.retention). The daily cap per number reads only today's messages, so it is untouched."""

from django.utils.translation import gettext_lazy as _

from accounts.models import SmsMessage
from core import retention


def register() -> None:
    retention.register(
        retention.RetentionKind(
            key="accounts.sms_messages",
            label=_("短信记录(手机号和内容)"),
            setting="SMS_RETENTION_DAYS",
            purge_batch=lambda cutoff, size: retention.delete_batch(
                SmsMessage.objects.filter(created_at__lt=cutoff), size
            ),
        )
    )
