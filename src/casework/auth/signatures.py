"""Requests signed with a client's secret: hex HMAC-SHA256 over what the client sent."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from casework.auth import limits, repository
from casework.auth.principal import Principal
from casework.auth.secrets import SIGNATURE_CHECKS
from casework.auth.service import caller
from casework.infra.secrets_box import SecretBox, SecretBoxError

_THROWAWAY_KEY = secrets.token_urlsafe(32)


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def by_signed_request(
    session: Session,
    *,
    box: SecretBox,
    client_id: str,
    signature: str,
    message: bytes,
    attempt: limits.Attempt = limits.NOBODY,
) -> Principal | None:
    """The client ``client_id`` acting, if ``signature`` is its secret's HMAC of
    ``message``. A client issued before secrets were kept encrypted cannot sign.

    An unknown client's signature is computed too (with a throw-away key), so that
    the answer takes as long as for a known client with a wrong signature."""
    row = repository.signer(session, client_id, attempt.params())
    if row is not None:
        limits.no_later_than(row.blocked_until)
    secret: str | None = None
    if row is not None and row.secret_sealed is not None:
        try:
            secret = box.open(row.secret_sealed)
        except SecretBoxError:
            secret = None
    SIGNATURE_CHECKS.inc()
    expected = sign(secret if secret is not None else _THROWAWAY_KEY, message)
    if not hmac.compare_digest(expected, signature.strip().lower()) or secret is None:
        return None
    assert row is not None
    return caller(row)
