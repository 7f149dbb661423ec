"""ID numbers (GB 11643) and mobiles with known vectors; encryption, keyed digests and masking."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from core.validators import MSG_MOBILE_INVALID, validate_mobile
from passes import personal_data
from passes.personal_data import (
    MSG_ID_NUMBER_INVALID,
    decrypt_id_number,
    encrypt_id_number,
    id_number_digest,
    id_number_fields,
    mask_id_number,
    mask_name,
    normalize_id_number,
)
from tests.passes.factories import id_number

# The example number of GB 11643-1999 (Beijing, Chaoyang; born 1949-12-31; check character X).
STANDARD_EXAMPLE = "11010519491231002X"


@pytest.mark.parametrize("value", [STANDARD_EXAMPLE, "11010519491231002x", " 11010519491231002X "])
def test_a_valid_id_number_is_normalised(value):
    assert normalize_id_number(value) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "11010519491331002X",  # month 13
        "110105491231002",  # a 15-digit first-generation number
        "99010519491231002X",  # no such region
        "1101051949123100XX",
        "",
        None,
    ],
)
def test_an_invalid_id_number_is_refused_with_the_message(value):
    with pytest.raises(ValidationError) as excinfo:
        normalize_id_number(value)
    assert excinfo.value.messages == [str(MSG_ID_NUMBER_INVALID)]


def test_the_factory_numbers_are_valid():
    assert all(normalize_id_number(id_number(serial)) for serial in range(0, 50_000, 997))


@pytest.mark.parametrize("value", ["13912345678", "19912345678", "14712345678"])
def test_valid_mobiles(value):
    validate_mobile(value)


@pytest.mark.parametrize("value", ["12345678901", "1391234567", "139123456789", "+8613912345678", "1391234567a", ""])
def test_invalid_mobiles_are_refused_with_the_message(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_mobile(value)
    assert excinfo.value.messages == [str(MSG_MOBILE_INVALID)]


def test_encryption_round_trips_and_hides_the_number():
    token = encrypt_id_number(STANDARD_EXAMPLE)
    assert STANDARD_EXAMPLE not in token
    assert token != encrypt_id_number(STANDARD_EXAMPLE)  # a fresh IV each time: equal numbers do not match
    assert decrypt_id_number(token) == STANDARD_EXAMPLE


def test_the_digest_is_keyed_so_a_copy_of_the_database_cannot_test_guesses(settings):
    plain = __import__("hashlib").sha256(STANDARD_EXAMPLE.encode()).hexdigest()
    digest = id_number_digest(STANDARD_EXAMPLE)
    assert digest == id_number_digest(STANDARD_EXAMPLE) and digest != plain
    settings.ID_NUMBER_HMAC_KEY = b"another key"
    assert id_number_digest(STANDARD_EXAMPLE) != digest


def test_keys_rotate_old_ciphertexts_still_decrypt(settings):
    from cryptography.fernet import Fernet

    old_token = encrypt_id_number(STANDARD_EXAMPLE)
    settings.ID_NUMBER_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.ID_NUMBER_ENCRYPTION_KEYS]
    personal_data._fernet.cache_clear()
    try:
        assert decrypt_id_number(old_token) == STANDARD_EXAMPLE
        new_token = encrypt_id_number(STANDARD_EXAMPLE)
        settings.ID_NUMBER_ENCRYPTION_KEYS = settings.ID_NUMBER_ENCRYPTION_KEYS[:1]
        personal_data._fernet.cache_clear()
        assert decrypt_id_number(new_token) == STANDARD_EXAMPLE
        with pytest.raises(RuntimeError):
            decrypt_id_number(old_token)  # its key was retired: fail loudly, never show garbage
    finally:
        personal_data._fernet.cache_clear()


def test_masks():
    assert mask_id_number(STANDARD_EXAMPLE) == "110105********002X"
    assert id_number_fields(STANDARD_EXAMPLE)["id_number_masked"] == "110105********002X"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张") == "张"


@pytest.mark.parametrize("body", ["32058319700101000", "42010219750615123"])
def test_a_region_code_newer_than_the_birth_year_is_accepted(body):
    """昆山市 has been 320583 since 1989; people born before carry the code they were registered under."""
    number = body + ric.calc_check_digit(body + "0")
    assert normalize_id_number(number) == number


def test_a_region_code_that_never_existed_is_refused():
    body = "32999919900101000"
    with pytest.raises(ValidationError):
        normalize_id_number(body + ric.calc_check_digit(body + "0"))
