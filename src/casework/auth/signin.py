"""Signing in with a password: the check, lock-out after repeated failures, sessions.

Every refusal says the same thing, whether the email is unknown, the password wrong
or the account locked, so the form cannot be used to find out which emails exist.
For the same reason every refusal costs one password hash, as a sign-in does: an
unknown email, an inactive user, a user without a password, another organisation's.
(An email of several organisations, signing in without naming one, costs one hash
per organisation: each account's password has to be tried.)
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth import secrets, sessions
from casework.auth.principal import Principal
from casework.auth.service import principal_for_user
from casework.config import Settings
from casework.infra.errors import ValidationFailed
from casework.infra.lookalikes import normalise_email
from casework.models import User
from casework.models.base import utcnow
from casework.users import repository as users

REFUSED = "The email or password is incorrect, or the account is locked for a while."


def throttled(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (
        "Too many failed sign-ins from your network or for this email. "
        f"Please try again in {minutes} minute{'s' if minutes > 1 else ''}."
    )


def _candidates(session: Session, email: str, organisation: str) -> list[User]:
    return users.active_with_email(
        session,
        email=normalise_email(email),
        organisation=organisation.strip().lower() if organisation else None,
    )


def _failed(session: Session, user: User, settings: Settings) -> None:
    user.failed_logins += 1
    actor = Principal.system(user.tenant_id, "sign-in")
    locks = user.failed_logins >= settings.login_max_failures
    if locks:
        user.locked_until = utcnow() + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0
    audit.record(
        session,
        actor=actor,
        action="user.locked_out" if locks else "user.sign_in_failed",
        entity_type="user",
        entity_id=user.id,
        message="Locked out after repeated failed sign-ins" if locks else "Failed sign-in",
    )


def sign_in(
    session: Session, *, email: str, password: str, organisation: str, settings: Settings
) -> tuple[User, str] | None:
    """The user these credentials belong to and a new session token for them; None
    when they are refused. A refusal still records the failures and any lock-out, so
    the caller commits either way."""
    if not email.strip():
        raise ValidationFailed.on("email", "is required")
    if not password:
        raise ValidationFailed.on("password", "is required")
    now = utcnow()
    matched: list[User] = []
    users = _candidates(session, email, organisation)
    if not users:
        secrets.verify_password(password, None)
    for user in users:
        locked = user.locked_until is not None and user.locked_until > now
        # Checked even when locked or without a password, so that it costs the same.
        correct = secrets.verify_password(password, user.password_hash)
        if locked:
            continue
        if correct:
            matched.append(user)
        else:
            _failed(session, user, settings)
    if len(matched) > 1:
        raise ValidationFailed.on(
            "organisation", "this email signs in to several organisations: name yours"
        )
    if not matched:
        session.flush()
        return None
    user = matched[0]
    user.failed_logins = 0
    user.locked_until = None
    token = sessions.start(session, user=user, settings=settings)
    audit.record(
        session,
        actor=principal_for_user(user),
        action="user.signed_in",
        entity_type="user",
        entity_id=user.id,
        message="Signed in to the console",
    )
    return user, token


def sign_out(session: Session, *, actor: Principal, token: str) -> None:
    sessions.end(session, token)
    if actor.user_id is not None:
        audit.record(
            session,
            actor=actor,
            action="user.signed_out",
            entity_type="user",
            entity_id=actor.user_id,
            message="Signed out of the console",
        )
