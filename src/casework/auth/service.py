"""Authenticating API clients and issuing OAuth2 access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from casework.auth import secrets
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
    base = principal_for_user(user)
    return Principal(
        tenant_id=client.tenant_id,
        user_id=user.id,
        display_name=user.full_name,
        permissions=base.permissions,
        api_client_id=client.id,
    )


def by_api_key(session: Session, api_key: str) -> Principal | None:
    client = session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.acting_user).joinedload(User.role))
        .where(ApiClient.api_key_hash == secrets.digest(api_key))
    )
    return _principal_for_client(client) if client else None


def client_by_credentials(session: Session, client_id: str, client_secret: str) -> ApiClient | None:
    client = session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.acting_user).joinedload(User.role))
        .where(ApiClient.client_id == client_id)
    )
    if client is None:
        secrets.digest_matches(client_secret, "0" * 64)
        return None
    if not secrets.digest_matches(client_secret, client.secret_hash):
        return None
    if _principal_for_client(client) is None:
        return None
    return client


def by_client_secret(session: Session, client_id: str, client_secret: str) -> Principal | None:
    client = client_by_credentials(session, client_id, client_secret)
    return _principal_for_client(client) if client else None


def by_access_token(session: Session, token: str) -> Principal | None:
    row = session.execute(
        select(AccessToken, ApiClient)
        .join(ApiClient, ApiClient.id == AccessToken.api_client_id)
        .options(joinedload(ApiClient.acting_user).joinedload(User.role))
        .where(AccessToken.token_hash == secrets.digest(token))
    ).first()
    if row is None:
        return None
    access_token, client = row
    if access_token.expires_at <= utcnow():
        return None
    return _principal_for_client(client)


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
