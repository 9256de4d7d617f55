"""Browser sessions: the ``sessionid`` cookie a signed-in user carries.

The cookie holds a random token; the database keeps only its digest. A session ends
after an idle period, at an absolute limit from sign-in, or when the user signs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from casework.auth import repository, secrets
from casework.auth.principal import Principal
from casework.auth.service import principal_for_user
from casework.config import Settings
from casework.models import User, UserSession
from casework.models.base import utcnow
from casework.users import repository as users

COOKIE = "sessionid"
SESSION_PREFIX = "cws_"
# last_seen_at is written at most this often, so that reads stay reads.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Resolved:
    principal: Principal
    session_id: str
    stale: bool  # last_seen_at is due to be moved forward


def start(session: Session, *, user: User, settings: Settings) -> str:
    """A new session for ``user``; returns the cookie value, which is not stored."""
    token = secrets.new_secret(SESSION_PREFIX)
    now = utcnow()
    session.add(
        UserSession(
            tenant_id=user.tenant_id,
            user_id=user.id,
            token_hash=secrets.digest(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        )
    )
    session.flush()
    return token


def resolve(session: Session, token: str, *, settings: Settings) -> Resolved | None:
    """The signed-in user behind a cookie value, if the session is still live."""
    if not token.startswith(SESSION_PREFIX):
        return None
    row = repository.user_session(session, secrets.digest(token))
    now = utcnow()
    if row is None or not _live(row, now, settings):
        return None
    user = users.by_id_with_role(session, row.user_id)
    if user is None or not user.is_active:
        return None
    return Resolved(
        principal=principal_for_user(user),
        session_id=row.id,
        stale=now - row.last_seen_at >= TOUCH_EVERY,
    )


def _live(row: UserSession, now: datetime, settings: Settings) -> bool:
    idle_limit = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    return row.ended_at is None and row.expires_at > now and idle_limit > now


def touch(session: Session, session_id: str) -> None:
    session.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow())
    )


def end(session: Session, token: str) -> None:
    """Sign out: the session stops working at once."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == secrets.digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
