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

_hasher = PasswordHasher()

CLIENT_ID_PREFIX = "cwc_"
API_KEY_PREFIX = "cwk_"
ACCESS_TOKEN_PREFIX = "cwt_"  # noqa: S105


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def digest_matches(value: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(value), expected_digest)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this keeps the time of a failed login for an unknown user
# close to that of a wrong password for a known one.
DUMMY_PASSWORD_HASH = _hasher.hash(secrets.token_urlsafe(16))
