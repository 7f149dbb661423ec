"""Pass tokens: ES256 only, known keys only, every tampering refused; keys rotate without breaking passes."""

import base64
import hashlib
import hmac
import io
import json

import jwt
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from passes import signing
from passes.management.commands.generate_keys import public_key_text
from passes.models import PassCheck
from passes.services.return_passes import return_pass_verify

CLAIMS = {
    "n": "KS0123ABCD",
    "nm": "张*三",
    "e": "张浦甲企业",
    "c": "开发区某社区",
    "vf": "2020-03-01",
    "vu": "2020-03-14",
    "iat": 1583020800,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64json(value) -> str:
    return _b64(json.dumps(value, ensure_ascii=False).encode())


def _private_text(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def fresh_keyring(settings):
    """A keyring built from the settings of each test, and rebuilt whenever a test changes them."""
    signing.keyring.cache_clear()
    yield settings
    signing.keyring.cache_clear()


def _use_keys(settings, signing_key: ec.EllipticCurvePrivateKey, verifying=()) -> None:
    settings.PASS_SIGNING_KEY = _private_text(signing_key)
    settings.PASS_VERIFYING_KEYS = [public_key_text(k.public_key()) for k in verifying]
    signing.keyring.cache_clear()


def test_a_signed_token_verifies_to_the_same_claims(fresh_keyring):
    token, kid = signing.sign(CLAIMS)
    assert signing.verify(token) == CLAIMS
    assert kid == signing.keyring().signing_kid
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": kid}


def test_chinese_claims_travel_as_utf8_not_escapes(fresh_keyring):
    token, _kid = signing.sign(CLAIMS)
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert "张浦甲企业".encode() in payload


def test_the_key_id_is_the_first_8_bytes_of_the_sha256_of_the_public_key(fresh_keyring):
    public_key = signing.keyring().signing_key.public_key()
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert base64.urlsafe_b64decode(signing.key_id(public_key) + "=") == hashlib.sha256(der).digest()[:8]


def test_a_tampered_payload_is_refused(fresh_keyring):
    token, _kid = signing.sign(CLAIMS)
    header, _payload, signature = token.split(".")
    forged = f"{header}.{_b64json({**CLAIMS, 'vu': '2099-12-31'})}.{signature}"
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(forged)


def test_a_tampered_signature_is_refused(fresh_keyring):
    token, _kid = signing.sign(CLAIMS)
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(f"{header}.{payload}.{_b64(bytes(raw))}")


@pytest.mark.parametrize(
    "cut",
    [
        lambda t: t[:-10],  # part of the signature
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: t.rsplit(".", 1)[0] + ".",  # an empty signature
        lambda t: t.split(".")[0],  # the header alone
        lambda t: t[: len(t) // 2],
        lambda t: "",
    ],
)
def test_a_truncated_token_is_refused(fresh_keyring, cut):
    token, _kid = signing.sign(CLAIMS)
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(cut(token))


@pytest.mark.parametrize(
    "garbage",
    [
        "x",
        "a.b.c",
        "....",
        "令牌.令牌.令牌",
        "eyJ.eyJ.eyJ",
        "%00",
        "a" * 2001,
        f"{_b64json([1, 2])}.{_b64json(CLAIMS)}.AAAA",
        f"{_b64json({'alg': 'ES256', 'kid': ['x']})}.{_b64json(CLAIMS)}.AAAA",
    ],
)
def test_garbage_is_refused_as_an_invalid_token_not_an_error(fresh_keyring, garbage):
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(garbage)


def test_the_none_algorithm_is_refused(fresh_keyring):
    kid = signing.keyring().signing_kid
    unsigned = f"{_b64json({'alg': 'none', 'kid': kid})}.{_b64json(CLAIMS)}."
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(unsigned)


def test_hs256_signed_with_the_public_key_as_secret_is_refused(fresh_keyring):
    """The classic key confusion: the public key is public, so an HMAC keyed with it proves nothing."""
    ring = signing.keyring()
    public_pem = ring.signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64json({'alg': 'HS256', 'kid': ring.signing_kid})}.{_b64json(CLAIMS)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(f"{signing_input}.{_b64(mac)}")


def test_an_unknown_key_id_is_refused(fresh_keyring):
    ring = signing.keyring()
    token = jwt.encode(CLAIMS, ring.signing_key, algorithm="ES256", headers={"kid": "AAAAAAAAAAA"})
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(token)
    no_kid = jwt.encode(CLAIMS, ring.signing_key, algorithm="ES256")
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(no_kid)


def test_a_token_signed_by_a_foreign_key_under_our_key_id_is_refused(fresh_keyring):
    foreign = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(CLAIMS, foreign, algorithm="ES256", headers={"kid": signing.keyring().signing_kid})
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(forged)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    position=st.integers(min_value=0),
    replacement=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
)
def test_no_one_character_change_yields_different_claims(position, replacement):
    """A changed character is refused, or (base64's unused low bits of a segment's last character)
    decodes to the very same bytes: never to other claims."""
    token, _kid = signing.sign(CLAIMS)
    i = position % len(token)
    mutated = token[:i] + replacement + token[i + 1 :]
    try:
        claims = signing.verify(mutated)
    except signing.InvalidPassToken:
        return
    assert claims == CLAIMS


# --- key rotation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retired_key_verifies_until_it_is_removed(fresh_keyring, client):
    old, new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _use_keys(fresh_keyring, old)
    old_token, old_kid = signing.sign(CLAIMS)

    # Rotation: the new key signs, the old one stays in PASS_VERIFYING_KEYS.
    _use_keys(fresh_keyring, new, verifying=[old])
    new_token, new_kid = signing.sign(CLAIMS)
    assert old_kid != new_kid
    assert signing.verify(old_token) == CLAIMS
    assert signing.verify(new_token) == CLAIMS
    published = client.get(reverse("passes:keys")).json()["keys"]
    assert {key["kid"] for key in published} == {old_kid, new_kid}

    # Retired: the old key is gone from the settings, so its passes are INVALID; the new ones still verify.
    _use_keys(fresh_keyring, new)
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(old_token)
    assert return_pass_verify(token=old_token).status == PassCheck.Result.INVALID
    assert signing.verify(new_token) == CLAIMS
    assert [key["kid"] for key in client.get(reverse("passes:keys")).json()["keys"]] == [new_kid]


def test_the_published_keys_verify_a_token_as_an_offline_verifier_would(fresh_keyring):
    token, kid = signing.sign(CLAIMS)
    (jwk,) = [key for key in signing.public_jwks()["keys"] if key["kid"] == kid]
    public_key = jwt.PyJWK.from_dict(jwk).key
    assert jwt.decode(token, public_key, algorithms=["ES256"], options={"verify_iat": False}) == CLAIMS
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and jwk["alg"] == "ES256"
    assert "d" not in jwk  # never the private part


def test_a_signing_key_that_is_not_p256_is_refused(fresh_keyring):
    other_curve = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="P-256"):
        signing.load_private_key(_private_text(other_curve))


# --- generate_keys ---------------------------------------------------------------------------------


def _lines(output: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in output.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


def test_generate_keys_prints_a_fresh_working_set_for_production():
    out = io.StringIO()
    call_command("generate_keys", stdout=out)
    values = _lines(out.getvalue())
    assert set(values) == {"ID_NUMBER_ENCRYPTION_KEYS", "ID_NUMBER_HMAC_KEY", "PASS_SIGNING_KEY"}
    Fernet(values["ID_NUMBER_ENCRYPTION_KEYS"])  # a valid Fernet key
    assert len(values["ID_NUMBER_HMAC_KEY"]) >= 40
    key = signing.load_private_key(values["PASS_SIGNING_KEY"])
    assert key.curve.name == "secp256r1"

    again = io.StringIO()
    call_command("generate_keys", stdout=again)
    assert not set(values.values()) & set(_lines(again.getvalue()).values())


def test_generate_keys_rotate_keeps_the_current_key_verifying(fresh_keyring):
    old = ec.generate_private_key(ec.SECP256R1())
    _use_keys(fresh_keyring, old)
    old_token, old_kid = signing.sign(CLAIMS)

    out = io.StringIO()
    call_command("generate_keys", "--rotate", stdout=out)
    values = _lines(out.getvalue())
    assert set(values) == {"PASS_SIGNING_KEY", "PASS_VERIFYING_KEYS"}
    assert old_kid in out.getvalue()

    # Deploy the two printed lines: a new key signs, the old passes still verify.
    fresh_keyring.PASS_SIGNING_KEY = values["PASS_SIGNING_KEY"]
    fresh_keyring.PASS_VERIFYING_KEYS = values["PASS_VERIFYING_KEYS"].split(",")
    signing.keyring.cache_clear()
    assert signing.keyring().signing_kid != old_kid
    assert signing.verify(old_token) == CLAIMS
    assert set(signing.keyring().verifying) == {old_kid, signing.keyring().signing_kid}


def test_a_token_from_a_standard_jws_library_verifies():
    """The framing is RFC 7515's: a token that PyJWT signs with the portal's key reads the same."""
    ring = signing.keyring()
    token = jwt.encode(CLAIMS, ring.signing_key, algorithm="ES256", headers={"kid": ring.signing_kid})
    assert signing.verify(token) == CLAIMS
