"""Who a comment mentions, the notifications that tell them, and each user's inbox."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.infra.errors import NotFound
from casework.models import Case, Comment, Notification
from casework.models.base import utcnow
from casework.notifications import repository
from casework.users import repository as users

MENTION_KIND = "mention"
EXCERPT_CHARS = 200
# More distinct mentions than this in one comment are not looked up: a comment is a
# message to a few colleagues, not a mailing list.
MAX_MENTIONS = 50

# "@" + an email address, or + the local part of one. The "@" must not follow a word
# character, so an address written out in the text ("ana@bank.example") mentions nobody.
_MENTION = re.compile(
    r"(?<![\w.@+%-])@([a-z0-9][a-z0-9._%+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mentions:
    """The addresses and bare local parts a comment's @mentions name, lowercased."""

    emails: frozenset[str]
    local_parts: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.emails or self.local_parts)


def mentions_in(text: str) -> Mentions:
    tokens: list[str] = []
    for match in _MENTION.finditer(text):
        token = match.group(1).lower().rstrip(".")
        if token and token not in tokens:
            tokens.append(token)
    tokens = tokens[:MAX_MENTIONS]
    return Mentions(
        emails=frozenset(t for t in tokens if "@" in t),
        local_parts=frozenset(t for t in tokens if "@" not in t),
    )


def _mentioned_users(session: Session, tenant_id: str, mentions: Mentions) -> set[str]:
    """Ids of the active users of the tenant the mentions name without ambiguity."""
    rows = users.mentionable(
        session, tenant_id=tenant_id, emails=mentions.emails, local_parts=mentions.local_parts
    )
    found = {user_id for user_id, address in rows if address in mentions.emails}
    for local in mentions.local_parts:
        owners = [user_id for user_id, address in rows if address.partition("@")[0] == local]
        if len(owners) == 1:
            found.add(owners[0])
    return found


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS].rstrip() + "…"


def notify_mentions(
    session: Session, *, actor: Principal, case: Case, comment: Comment
) -> list[str]:
    """Notify every colleague the comment @mentions (never its author), once each.

    Returns the ids of the users notified, in a stable order.
    """
    mentions = mentions_in(comment.body)
    if not mentions:
        return []
    recipients = _mentioned_users(session, actor.tenant_id, mentions) - {comment.author_id}
    actor_name = actor.display_name[:200]
    text = f"{actor_name} mentioned you in case #{case.number}: {_excerpt(comment.body)}"
    notified = sorted(recipients)
    session.add_all(
        Notification(
            tenant_id=actor.tenant_id,
            user_id=user_id,
            kind=MENTION_KIND,
            case_id=case.id,
            comment_id=comment.id,
            actor_name=actor_name,
            text=text,
        )
        for user_id in notified
    )
    session.flush()
    return notified


def _own(actor: Principal) -> list[ColumnElement[bool]]:
    return [Notification.tenant_id == actor.tenant_id, Notification.user_id == actor.user_id]


def inbox(
    session: Session, *, actor: Principal, unread_only: bool, cursor: str | None, limit: int
) -> tuple[Sequence[Notification], str | None]:
    """The user's notifications, newest first (ids follow creation time)."""
    return repository.inbox(
        session,
        tenant_id=actor.tenant_id,
        user_id=actor.user_id,
        unread_only=unread_only,
        cursor=cursor,
        limit=limit,
    )


def unread_count(session: Session, *, actor: Principal) -> int:
    return repository.unread_count(session, tenant_id=actor.tenant_id, user_id=actor.user_id)


def mark_read(session: Session, *, actor: Principal, notification_id: str) -> Notification:
    notification = repository.get(
        session, tenant_id=actor.tenant_id, user_id=actor.user_id, notification_id=notification_id
    )
    if notification is None:
        raise NotFound(f"notification {notification_id} not found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


def mark_all_read(session: Session, *, actor: Principal) -> int:
    result = session.execute(
        update(Notification)
        .where(*_own(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
