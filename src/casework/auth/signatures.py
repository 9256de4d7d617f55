"""Requests signed with a client's secret: hex HMAC-SHA256 over what the client sent."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from casework.auth import limits
from casework.auth.principal import Principal
from casework.auth.secrets import SIGNATURE_CHECKS
from casework.auth.service import CALLER, caller
from casework.models import ApiClient
from casework.secrets_box import SecretBox, SecretBoxError

_BY_CLIENT_ID = CALLER.add_columns(ApiClient.secret_sealed, limits.BLOCKED_UNTIL).where(
    ApiClient.client_id == bindparam("client_id")
)


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
    params = {"client_id": client_id, **attempt.params()}
    row = session.connection().execute(_BY_CLIENT_ID, params).first()
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
