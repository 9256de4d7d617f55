"""Authenticating API clients and issuing OAuth2 access tokens."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from casework.auth import limits, repository, secrets
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.models import AccessToken, ApiClient, User
from casework.models.base import utcnow

_KNOWN = frozenset(p.value for p in Permission)


def principal_for_user(user: User) -> Principal:
    return Principal(
        tenant_id=user.tenant_id,
        user_id=user.id,
        display_name=user.full_name,
        permissions=frozenset(Permission(p) for p in user.role.permissions if p in _KNOWN),
    )


def _principal_for_client(client: ApiClient) -> Principal | None:
    user = client.acting_user
    if client.revoked_at is not None or not user.is_active:
        return None
    return replace(principal_for_user(user), api_client_id=client.id)


def caller(row: Row[*tuple[Any, ...]] | None) -> Principal | None:
    if row is None or row.revoked_at is not None or not row.is_active:
        return None
    return Principal(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        display_name=f"{row.first_name} {row.last_name}".strip(),
        permissions=frozenset(Permission(p) for p in row.permissions if p in _KNOWN),
        api_client_id=row.id,
    )


def _limited(row: Row[*tuple[Any, ...]] | None) -> Row[*tuple[Any, ...]] | None:
    """The row, unless its attempt is over a limit (TooManyAttempts)."""
    if row is not None:
        limits.no_later_than(row.blocked_until)
    return row


def by_api_key(
    session: Session, api_key: str, attempt: limits.Attempt = limits.NOBODY
) -> Principal | None:
    """The caller with this key. None when there is none (the caller counts the failure);
    TooManyAttempts when the attempt is over a limit, even with a good key."""
    row = _limited(repository.caller_by_api_key(session, secrets.digest(api_key), attempt.params()))
    return caller(row)


def by_client_secret(
    session: Session, client_id: str, client_secret: str, attempt: limits.Attempt = limits.NOBODY
) -> Principal | None:
    row = _limited(repository.caller_by_client_id(session, client_id, attempt.params()))
    if not secrets.digest_matches(client_secret, row.secret_hash if row else None):
        return None
    return caller(row)


def client_by_credentials(session: Session, client_id: str, client_secret: str) -> ApiClient | None:
    """The client itself (for issuing tokens), if the credentials are good and it may act."""
    client = repository.client_with_credentials(session, client_id)
    if not secrets.digest_matches(client_secret, client.secret_hash if client else None):
        return None
    if client is None or _principal_for_client(client) is None:
        return None
    return client


def by_access_token(
    session: Session, token: str, attempt: limits.Attempt = limits.NOBODY
) -> Principal | None:
    digest = secrets.digest(token)
    row = _limited(repository.caller_by_access_token(session, digest, attempt.params()))
    if row is None or row.expires_at <= utcnow():
        return None
    return caller(row)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def issue_access_token(session: Session, *, client: ApiClient, ttl_seconds: int) -> IssuedToken:
    token = secrets.new_secret(secrets.ACCESS_TOKEN_PREFIX)
    now = utcnow()
    session.add(
        AccessToken(
            tenant_id=client.tenant_id,
            api_client_id=client.id,
            token_hash=secrets.digest(token),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return IssuedToken(access_token=token, expires_in=ttl_seconds)
