"""Requests signed with the client secret: the HMAC is checked against the kept secret."""

from __future__ import annotations

from sqlalchemy import select, update

from casework.api_clients.service import create_api_client
from casework.auth.principal import Principal
from casework.auth.signatures import by_signed_request, sign
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.secrets_box import box_for
from casework.models import ApiClient
from tests.factories import TenantKit

MESSAGE = b"1700000000POST/resources/api/caseManagement/v2/cases{}"


def _check(db: Database, settings: Settings, client_id: str, signature: str) -> Principal | None:
    with db.transaction(write=False) as session:
        return by_signed_request(
            session,
            box=box_for(settings),
            client_id=client_id,
            signature=signature,
            message=MESSAGE,
        )


def test_a_good_signature_names_the_client_and_its_acting_user(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    member = kit.analyst
    principal = _check(db, settings, member.client_id, sign(member.client_secret, MESSAGE))
    assert principal is not None
    assert (principal.api_client_id, principal.user_id) == (member.api_client_id, member.user_id)
    # Hex digits in upper case are the same signature.
    assert _check(db, settings, member.client_id, sign(member.client_secret, MESSAGE).upper())


def test_a_wrong_key_message_or_client_is_refused(
    db: Database, settings: Settings, kit: TenantKit, other_kit: TenantKit
) -> None:
    member = kit.analyst
    assert _check(db, settings, member.client_id, sign("wrong", MESSAGE)) is None
    assert _check(db, settings, member.client_id, sign(member.client_secret, b"other")) is None
    assert (
        _check(db, settings, other_kit.analyst.client_id, sign(member.client_secret, MESSAGE))
        is None
    )
    assert _check(db, settings, "cwc_unknown", sign(member.client_secret, MESSAGE)) is None


def test_a_revoked_client_cannot_sign(db: Database, settings: Settings, kit: TenantKit) -> None:
    member = kit.supervisor
    with db.transaction() as session:
        session.execute(
            update(ApiClient)
            .where(ApiClient.id == member.api_client_id)
            .values(revoked_at=ApiClient.created_at)
        )
    assert _check(db, settings, member.client_id, sign(member.client_secret, MESSAGE)) is None


def test_the_secret_is_kept_encrypted_and_a_client_made_without_the_box_cannot_sign(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    with db.transaction() as session:
        sealed = session.scalar(
            select(ApiClient.secret_sealed).where(ApiClient.id == kit.analyst.api_client_id)
        )
        assert sealed is not None and kit.analyst.client_secret not in sealed
        client, secret, _ = create_api_client(
            session,
            actor=Principal.system(kit.tenant_id),
            name="unsealed",
            acting_user_id=kit.analyst.user_id,
        )
        client_id = client.client_id
    assert _check(db, settings, client_id, sign(secret, MESSAGE)) is None
