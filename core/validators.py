import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MSG_MOBILE_INVALID = _("请输入11位中国大陆手机号码, 如 13912345678。")

# Mainland mobile numbers: 11 digits starting 13-19 (MIIT numbering plan).
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")  # ASCII digits only: not full-width or other scripts


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.fullmatch(value or ""):
        raise ValidationError(MSG_MOBILE_INVALID, code="mobile_invalid")
