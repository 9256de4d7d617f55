"""Requests signed with a client's secret: hex HMAC-SHA256 over what the client sent."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.auth.service import CALLER, caller
from casework.models import ApiClient
from casework.webhooks.secrets_box import SecretBox, SecretBoxError

_BY_CLIENT_ID = CALLER.add_columns(ApiClient.secret_sealed).where(
    ApiClient.client_id == bindparam("client_id")
)


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def by_signed_request(
    session: Session, *, box: SecretBox, client_id: str, signature: str, message: bytes
) -> Principal | None:
    """The client ``client_id`` acting, if ``signature`` is its secret's HMAC of
    ``message``. A client issued before secrets were kept encrypted cannot sign."""
    row = session.connection().execute(_BY_CLIENT_ID, {"client_id": client_id}).first()
    if row is None or row.secret_sealed is None:
        return None
    try:
        secret = box.open(row.secret_sealed)
    except SecretBoxError:
        return None
    if not hmac.compare_digest(sign(secret, message), signature.strip().lower()):
        return None
    return caller(row)
