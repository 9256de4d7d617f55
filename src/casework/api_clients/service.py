"""Issuing, listing and revoking a tenant's API clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth import repository, secrets
from casework.auth.principal import Principal
from casework.infra.errors import Conflict, ValidationFailed
from casework.infra.secrets_box import SecretBox
from casework.models import ApiClient
from casework.models.base import utcnow
from casework.users import repository as users


def _snapshot(client: ApiClient) -> dict[str, Any]:
    return {
        "name": client.name,
        "client_id": client.client_id,
        "acting_user_id": client.acting_user_id,
        "revoked_at": client.revoked_at,
    }


def create_api_client(
    session: Session,
    *,
    actor: Principal,
    name: str,
    acting_user_id: str,
    box: SecretBox | None = None,
) -> tuple[ApiClient, str, str]:
    """Add a client; returns it with its secret and API key, which are stored only as
    digests. With ``box`` the secret is also kept encrypted, so that the client can sign
    requests with it (HMAC); without, it cannot."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed.on("name", "must be 1 to 200 characters")
    user = users.active(session, tenant_id=actor.tenant_id, user_id=acting_user_id)
    if user is None:
        raise ValidationFailed.on(
            "acting_user_id", f"no active user {acting_user_id} in this tenant"
        )
    client_secret = secrets.new_secret()
    api_key = secrets.new_secret(secrets.API_KEY_PREFIX)
    client = ApiClient(
        tenant_id=actor.tenant_id,
        name=name,
        client_id=secrets.new_client_id(),
        secret_hash=secrets.digest(client_secret),
        api_key_hash=secrets.digest(api_key),
        secret_sealed=box.seal(client_secret) if box else None,
        acting_user=user,
    )
    audit.record_created(session, client, actor=actor, entity_type="api_client", after=_snapshot)
    return client, client_secret, api_key


def get_api_client(session: Session, *, actor: Principal, api_client_id: str) -> ApiClient:
    return repository.client(session, tenant_id=actor.tenant_id, api_client_id=api_client_id)


def revoke_api_client(session: Session, *, actor: Principal, api_client_id: str) -> ApiClient:
    client = get_api_client(session, actor=actor, api_client_id=api_client_id)
    if client.revoked_at is not None:
        raise Conflict(f"API client {api_client_id} was already revoked")
    before = _snapshot(client)
    client.revoked_at = utcnow()
    old, new = audit.changes(before, _snapshot(client))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_client.revoked",
        entity_type="api_client",
        entity_id=client.id,
        before=old,
        after=new,
    )
    return client


def list_api_clients(
    session: Session, *, actor: Principal, cursor: str | None, limit: int
) -> tuple[Sequence[ApiClient], str | None]:
    return repository.client_page(session, tenant_id=actor.tenant_id, cursor=cursor, limit=limit)
