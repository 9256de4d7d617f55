"""Credential material: generation, hashing and verification.

Passwords are chosen by people, so they are hashed with argon2id. Client secrets,
API keys and access tokens are 256-bit random values: a SHA-256 digest is enough to
make a leaked table useless and lets a request be authenticated by one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from prometheus_client import Counter

_hasher = PasswordHasher()

# Each refused sign-in must cost the same work as an accepted one, whatever was wrong
# (unknown email or client, no password, wrong password): one check of its kind. The
# count shows it, and a surge of it is an attack in progress.
CREDENTIAL_CHECKS = Counter(
    "casework_credential_checks_total",
    "Credentials verified: password (one argon2id hash each), secret (a client secret's "
    "digest) or signature (a request's HMAC).",
    ["kind"],
)
_PASSWORD_CHECKS = CREDENTIAL_CHECKS.labels("password")
_SECRET_CHECKS = CREDENTIAL_CHECKS.labels("secret")
SIGNATURE_CHECKS = CREDENTIAL_CHECKS.labels("signature")

CLIENT_ID_PREFIX = "cwc_"
API_KEY_PREFIX = "cwk_"
ACCESS_TOKEN_PREFIX = "cwt_"  # noqa: S105


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def digest_matches(value: str, expected_digest: str | None) -> bool:
    """Whether ``value`` has this digest; None (no such client) costs the same and fails."""
    _SECRET_CHECKS.inc()
    matches = hmac.compare_digest(digest(value), expected_digest or _NO_DIGEST)
    return matches and expected_digest is not None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` is the one hashed. None (no such user, or a user without a
    password) is checked against a hash of a random password: as slow, and it fails."""
    _PASSWORD_CHECKS.inc()
    try:
        matches = _hasher.verify(password_hash or DUMMY_PASSWORD_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and password_hash is not None


# Made with the hasher's own parameters, so that checking it costs what checking a
# real user's password does.
DUMMY_PASSWORD_HASH = _hasher.hash(secrets.token_urlsafe(16))
_NO_DIGEST = "0" * 64
