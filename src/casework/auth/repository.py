"""Authentication queries: callers by credential, API clients, sessions, failure counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from casework.infra import repository as base
from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey
from casework.models import AccessToken, ApiClient, FailedAuthentications, Role, User, UserSession
from casework.models.base import UTCDateTime

Failures = FailedAuthentications

# Authentication runs on every request: it reads plain columns, not ORM objects.
CALLER = (
    select(
        ApiClient.id,
        ApiClient.tenant_id,
        ApiClient.secret_hash,
        ApiClient.revoked_at,
        User.id.label("user_id"),
        User.first_name,
        User.last_name,
        User.is_active,
        Role.permissions,
    )
    .join(User, User.id == ApiClient.acting_user_id)
    .join(Role, Role.id == User.role_id)
)

# A column for the query that looks a credential up, so that a caller who is not
# failing is authenticated in one round trip: when the attempt is over a limit, the
# moment it may be made again (parameters: limits.Attempt.params()).
BLOCKED_UNTIL = (
    select(func.max(Failures.blocked_until))
    .where(
        Failures.key.in_([bindparam("limit_address"), bindparam("limit_credential")]),
        Failures.blocked_until > bindparam("limit_now", type_=UTCDateTime()),
    )
    .scalar_subquery()
    .label("blocked_until")
)

# Prepared once: a statement reused as the same object skips per-request compilation
# checks. Each also says whether the attempt is over a limit (see auth.limits).
_LIMITED = CALLER.add_columns(BLOCKED_UNTIL)
_BY_API_KEY = _LIMITED.where(ApiClient.api_key_hash == bindparam("digest"))
_BY_CLIENT_ID = _LIMITED.where(ApiClient.client_id == bindparam("client_id"))
_BY_ACCESS_TOKEN = (
    _LIMITED.add_columns(AccessToken.expires_at)
    .join(AccessToken, AccessToken.api_client_id == ApiClient.id)
    .where(AccessToken.token_hash == bindparam("digest"))
)
_SIGNER = CALLER.add_columns(ApiClient.secret_sealed, BLOCKED_UNTIL).where(
    ApiClient.client_id == bindparam("client_id")
)

CallerRow = Row[*tuple[Any, ...]]


def caller_by_api_key(session: Session, digest: str, limit: dict[str, Any]) -> CallerRow | None:
    """The caller whose API key has this digest; ``limit``: the attempt's parameters."""
    return session.connection().execute(_BY_API_KEY, {"digest": digest, **limit}).first()


def caller_by_client_id(
    session: Session, client_id: str, limit: dict[str, Any]
) -> CallerRow | None:
    return session.connection().execute(_BY_CLIENT_ID, {"client_id": client_id, **limit}).first()


def caller_by_access_token(
    session: Session, digest: str, limit: dict[str, Any]
) -> CallerRow | None:
    """The caller whose access token has this digest, with the token's expiry."""
    return session.connection().execute(_BY_ACCESS_TOKEN, {"digest": digest, **limit}).first()


def signer(session: Session, client_id: str, limit: dict[str, Any]) -> CallerRow | None:
    """The caller with this client id, with its sealed secret (to check a signature)."""
    return session.connection().execute(_SIGNER, {"client_id": client_id, **limit}).first()


def blocked_until(session: Session, *, keys: Sequence[str], now: datetime) -> datetime | None:
    """The latest moment any of these counters blocks attempts until, if still ahead."""
    return session.scalar(
        select(func.max(Failures.blocked_until)).where(
            Failures.key.in_(keys), Failures.blocked_until > now
        )
    )


def spent_failures_exist(session: Session, *, window_start_before: datetime, now: datetime) -> bool:
    """Whether a counter's window started at or before ``window_start_before`` and it
    blocks nothing any more."""
    found = session.scalar(
        select(Failures.key)
        .where(
            Failures.window_start <= window_start_before,
            or_(Failures.blocked_until.is_(None), Failures.blocked_until <= now),
        )
        .limit(1)
    )
    return found is not None


def client_with_credentials(session: Session, client_id: str) -> ApiClient | None:
    """The client with this client id (of any tenant), with its acting user and role."""
    return session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.acting_user).joinedload(User.role))
        .where(ApiClient.client_id == client_id)
    )


def client(session: Session, *, tenant_id: str, api_client_id: str) -> ApiClient:
    """The tenant's API client with its acting user; NotFound otherwise."""
    found = session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.acting_user))
        .where(ApiClient.tenant_id == tenant_id, ApiClient.id == api_client_id)
    )
    if found is None:
        raise NotFound(f"API client {api_client_id} not found")
    return found


def client_by_client_id(session: Session, *, tenant_id: str, client_id: str) -> ApiClient | None:
    return session.scalar(
        select(ApiClient).where(ApiClient.tenant_id == tenant_id, ApiClient.client_id == client_id)
    )


def client_name(session: Session, *, tenant_id: str, api_client_id: str) -> str | None:
    return session.scalar(
        select(ApiClient.name).where(
            ApiClient.id == api_client_id, ApiClient.tenant_id == tenant_id
        )
    )


def client_page(
    session: Session, *, tenant_id: str, cursor: str | None, limit: int
) -> tuple[Sequence[ApiClient], str | None]:
    """The tenant's API clients with their acting users, newest first."""
    key = SortKey(column=None, id_column=ApiClient.id, descending=True)
    stmt = (
        select(ApiClient)
        .options(joinedload(ApiClient.acting_user))
        .where(ApiClient.tenant_id == tenant_id)
    )
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)


def user_session(session: Session, token_hash: str) -> UserSession | None:
    return session.scalar(select(UserSession).where(UserSession.token_hash == token_hash))
