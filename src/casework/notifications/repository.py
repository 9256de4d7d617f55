"""Notification queries: each user's inbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import Notification


def _own(tenant_id: str, user_id: str | None) -> list[ColumnElement[bool]]:
    return [Notification.tenant_id == tenant_id, Notification.user_id == user_id]


def inbox(
    session: Session,
    *,
    tenant_id: str,
    user_id: str | None,
    unread_only: bool,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Notification], str | None]:
    """The user's notifications, newest first (ids follow creation time)."""
    stmt = select(Notification).where(*_own(tenant_id, user_id))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    key = SortKey(column=None, id_column=Notification.id, descending=True)
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)


def unread_count(session: Session, *, tenant_id: str, user_id: str | None) -> int:
    stmt = select(func.count()).where(*_own(tenant_id, user_id), Notification.read_at.is_(None))
    return session.scalar(stmt) or 0


def get(
    session: Session, *, tenant_id: str, user_id: str | None, notification_id: str
) -> Notification | None:
    """The user's notification, if it is theirs."""
    return session.scalar(
        select(Notification).where(*_own(tenant_id, user_id), Notification.id == notification_id)
    )
