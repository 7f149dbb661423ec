"""Return-pass tokens: JWS compact serialisation (RFC 7515) signed with ECDSA P-256 (ES256), as the EU
Digital COVID Certificate signs with. The header names the key id, so keys can rotate; a verifier accepts
only ES256 and only the keys it knows. Public keys are published as a JWK set at /passes/keys.json,
so a checkpoint can also verify offline (WebCrypto verifies ES256).

The few lines of JWS framing are written here over `cryptography` rather than through a JWT library:
a pass token has one fixed shape (no claims processing, no algorithm choice), and checking a scan at a
gate must be cheap (a JWT library parsed each token twice and its per-character checks cost more than
the signature itself).
"""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings

ALGORITHM = "ES256"
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]+")  # base64url without padding, as JWS requires


class InvalidPassToken(Exception):
    """Tampered, truncated, signed by an unknown key, or not a pass token at all."""


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """The first 8 bytes of the SHA-256 of the DER public key, base64url (11 characters)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:8]).rstrip(b"=").decode()


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A PEM private key, or the same PEM base64-encoded on one line (as environment variables prefer)."""
    data = text.strip().encode()
    if not data.startswith(b"-----"):
        data = base64.b64decode(data)
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("pass signing keys must be ECDSA P-256")
    return key


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    data = text.strip().encode()
    if not data.startswith(b"-----"):
        data = base64.b64decode(data)
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("pass verifying keys must be ECDSA P-256")
    return key


def new_private_key_text() -> str:
    """A fresh key as one base64 line, for PASS_SIGNING_KEY (see `manage.py generate_keys`)."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(pem).decode()


@dataclass(frozen=True)
class Keyring:
    signing_key: ec.EllipticCurvePrivateKey
    signing_kid: str
    verifying: dict[str, ec.EllipticCurvePublicKey]  # kid -> key: the signing key's and every retired one's


def _development_key() -> ec.EllipticCurvePrivateKey:
    # Only reachable with DEBUG on (settings refuse to start without PASS_SIGNING_KEY otherwise).
    seed = int.from_bytes(hashlib.sha256(f"{settings.SECRET_KEY}:pass-signing".encode()).digest(), "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # of the P-256 group
    return ec.derive_private_key(seed % (order - 1) + 1, ec.SECP256R1())


@cache
def keyring() -> Keyring:
    configured = settings.PASS_SIGNING_KEY
    signing_key = load_private_key(configured) if configured else _development_key()
    kid = key_id(signing_key.public_key())
    verifying = {kid: signing_key.public_key()}
    for text in settings.PASS_VERIFYING_KEYS:
        public_key = load_public_key(text)
        verifying[key_id(public_key)] = public_key
    return Keyring(signing_key, kid, verifying)


def _json_segment(value: dict) -> bytes:
    # Chinese names travel as UTF-8 rather than \uXXXX escapes: a third shorter, so a smaller QR code.
    return _b64(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()).encode()


def token_prefix(kid: str) -> str:
    """The start of every token the key `kid` signs (its header segment and the dot): finds its passes."""
    return _json_segment({"alg": ALGORITHM, "kid": kid}).decode() + "."


def sign(claims: dict) -> tuple[str, str]:
    """The compact token for these claims and the key id that signed it."""
    ring = keyring()
    signing_input = _json_segment({"alg": ALGORITHM, "kid": ring.signing_kid}) + b"." + _json_segment(claims)
    r, s = decode_dss_signature(ring.signing_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    # JWS carries R || S, 32 bytes each, not the DER that OpenSSL produces.
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode()}.{_b64(signature)}", ring.signing_kid


def _decode_segment(segment: bytes) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise InvalidPassToken("not base64url")
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def verify(token: str) -> dict:
    """The claims of a token signed by a known key, or InvalidPassToken. Dates are checked by the caller,
    so that an expired pass reads EXPIRED rather than INVALID."""
    if not token or len(token) > 2000:
        raise InvalidPassToken("empty or oversized")
    try:
        header_segment, claims_segment, signature_segment = token.encode("ascii").split(b".")
        header = json.loads(_decode_segment(header_segment))
        if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
            raise InvalidPassToken("not ES256")
        kid: Any = header.get("kid")  # untrusted JSON, looked up as it came
        key = keyring().verifying.get(kid)
        if key is None:
            raise InvalidPassToken("unknown key")
        signature = _decode_segment(signature_segment)
        if len(signature) != 64:
            raise InvalidPassToken("not an ES256 signature")
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        key.verify(der, header_segment + b"." + claims_segment, ec.ECDSA(hashes.SHA256()))
        claims = json.loads(_decode_segment(claims_segment))
    except InvalidSignature as exc:
        raise InvalidPassToken("bad signature") from exc
    except (ValueError, TypeError, UnicodeError, binascii.Error) as exc:  # JSONDecodeError is a ValueError
        raise InvalidPassToken(str(exc)) from exc
    if not isinstance(claims, dict):
        raise InvalidPassToken("claims are not an object")
    return claims


def public_jwks() -> dict:
    """The JWK set published at /passes/keys.json: every key a verifier should accept today."""
    keys = []
    for kid, public_key in keyring().verifying.items():
        numbers = public_key.public_numbers()
        keys.append(
            {
                "kty": "EC",
                "crv": "P-256",
                "alg": ALGORITHM,
                "use": "sig",
                "kid": kid,
                "x": _b64(numbers.x.to_bytes(32, "big")),
                "y": _b64(numbers.y.to_bytes(32, "big")),
            }
        )
    return {"keys": keys}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
