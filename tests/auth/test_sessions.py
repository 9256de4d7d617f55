"""Browser sessions: live while used, ended by idleness, age or signing out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from casework.auth import sessions
from casework.config import Settings
from casework.infra.db import Database
from casework.models import User, UserSession
from casework.models.base import utcnow
from tests.factories import TenantKit


def _start(db: Database, settings: Settings, user_id: str) -> str:
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.id == user_id))
        assert user is not None
        return sessions.start(session, user=user, settings=settings)


def _resolve(db: Database, settings: Settings, token: str) -> sessions.Resolved | None:
    with db.transaction(write=False) as session:
        return sessions.resolve(session, token, settings=settings)


def _shift(db: Database, token: str, **values: object) -> None:
    from casework.auth import secrets

    with db.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == secrets.digest(token))
            .values(**values)
        )


def test_a_session_names_its_user_and_keeps_only_a_digest(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    token = _start(db, settings, kit.analyst.user_id)
    resolved = _resolve(db, settings, token)
    assert resolved is not None
    assert resolved.principal.user_id == kit.analyst.user_id
    assert resolved.principal.tenant_id == kit.tenant_id
    assert resolved.principal.api_client_id is None
    assert not resolved.stale
    with db.transaction(write=False) as session:
        stored = session.scalars(select(UserSession.token_hash)).all()
    assert token not in stored


def test_idleness_ends_a_session_and_use_keeps_it_alive(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    token = _start(db, settings, kit.analyst.user_id)
    idle = timedelta(minutes=settings.session_idle_minutes)
    _shift(db, token, last_seen_at=utcnow() - idle + timedelta(minutes=2))
    resolved = _resolve(db, settings, token)
    assert resolved is not None and resolved.stale
    with db.transaction() as session:
        sessions.touch(session, resolved.session_id)
    after = _resolve(db, settings, token)
    assert after is not None and not after.stale
    _shift(db, token, last_seen_at=utcnow() - idle - timedelta(seconds=1))
    assert _resolve(db, settings, token) is None


def test_the_absolute_limit_ends_a_session_in_use(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    token = _start(db, settings, kit.analyst.user_id)
    _shift(db, token, expires_at=utcnow() - timedelta(seconds=1))
    assert _resolve(db, settings, token) is None


def test_signing_out_ends_the_session_at_once(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    token = _start(db, settings, kit.analyst.user_id)
    with db.transaction() as session:
        sessions.end(session, token)
    assert _resolve(db, settings, token) is None


def test_a_deactivated_user_or_a_forged_cookie_has_no_session(
    db: Database, settings: Settings, kit: TenantKit
) -> None:
    token = _start(db, settings, kit.viewer.user_id)
    with db.transaction() as session:
        session.execute(update(User).where(User.id == kit.viewer.user_id).values(is_active=False))
    assert _resolve(db, settings, token) is None
    assert _resolve(db, settings, "cws_" + "A" * 43) is None
    assert _resolve(db, settings, "not-a-session") is None
