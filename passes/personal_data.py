"""ID numbers at rest: encrypted (Fernet, keys from the environment), found by a keyed digest, shown masked.

A plain hash of an 18-digit ID number can be brute-forced in days (the birth date and region
narrow it to a few million candidates), so lookups use an HMAC whose key lives outside the
database: a copy of the database alone reveals neither the numbers nor a way to test guesses.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

MSG_ID_NUMBER_INVALID = _("身份证号码无效: 应为18位, 最后一位校验码可能是数字或 X, 请核对。")


@cache
def _fernet() -> MultiFernet:
    # The first key encrypts; every key decrypts, so keys can rotate (see `manage.py rotate_id_number_keys`).
    return MultiFernet([Fernet(key) for key in settings.ID_NUMBER_ENCRYPTION_KEYS])


def normalize_id_number(value: str) -> str:
    """The canonical form (18 characters, upper-case X), or ValidationError with a message to show."""
    number = ric.compact(str(value or ""))
    # 15-digit first-generation cards are no longer valid documents.
    if len(number) != 18 or not number[:-1].isdigit() or number[-1] != ric.calc_check_digit(number):
        raise ValidationError(MSG_ID_NUMBER_INVALID, code="id_number_invalid")
    try:
        ric.get_birth_date(number)
    except StdnumError as exc:
        raise ValidationError(MSG_ID_NUMBER_INVALID, code="id_number_invalid") from exc
    if not _is_county_code(number[:6]):
        raise ValidationError(MSG_ID_NUMBER_INVALID, code="id_number_invalid")
    return number


@cache
def _is_county_code(region: str) -> bool:
    """Whether python-stdnum knows the code as a county at any time. ric.validate also requires the code
    to have existed in the birth year, but a code is given at registration, often years after birth
    (昆山市 is 320583 since 1989, and people born earlier carry it). Cached: a roster import checks
    100,000 numbers from a few hundred regions, and each look-up walks stdnum's region table."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(region))


def encrypt_id_number(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt_id_number(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was retired too early: say so loudly, never show garbage
        raise RuntimeError("ID number cannot be decrypted with the configured keys") from exc


def id_number_rotate(token: str) -> str | None:
    """The token re-encrypted under the newest key, or None when it already is (so a rotation can resume)."""
    newest = Fernet(settings.ID_NUMBER_ENCRYPTION_KEYS[0])
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return _fernet().rotate(token.encode()).decode()
    return None


def id_number_digest(number: str) -> str:
    return hmac.new(settings.ID_NUMBER_HMAC_KEY, number.encode(), hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """320583********1234: the region and the last four, as on printed forms."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


def mask_name(name: str) -> str:
    """张*三 for three characters, 张* for two; only the first and last character are shown."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def id_number_fields(number: str) -> dict[str, str]:
    """The three stored columns for a (normalised) ID number."""
    return {
        "id_number_encrypted": encrypt_id_number(number),
        "id_number_digest": id_number_digest(number),
        "id_number_masked": mask_id_number(number),
    }
