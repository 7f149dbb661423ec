from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

MSG_CREDIT_CODE_LENGTH = _("统一社会信用代码应为18位。")
MSG_CREDIT_CODE_FORMAT = _("统一社会信用代码只能包含数字和大写字母(不含 I、O、Z、S、V)。")
MSG_CREDIT_CODE_CHECKSUM = _("统一社会信用代码校验位不正确, 请核对营业执照上的代码。")


def normalize_credit_code(value: str) -> str:
    """Strip spaces and dashes and upper-case, as users paste codes in many shapes."""
    return uscc.compact(value or "").upper()


def validate_credit_code(value: str) -> None:
    """Check a 统一社会信用代码 against GB 32100-2015, including its check character."""
    try:
        uscc.validate(normalize_credit_code(value))
    except InvalidLength:
        raise ValidationError(MSG_CREDIT_CODE_LENGTH, code="credit_code_length") from None
    except InvalidChecksum:
        raise ValidationError(MSG_CREDIT_CODE_CHECKSUM, code="credit_code_checksum") from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(MSG_CREDIT_CODE_FORMAT, code="credit_code_format") from None
