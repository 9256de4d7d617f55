"""Audit queries, and appending events to a tenant's chain.

The links are MACs whose key the database never sees, so they are computed here while
the writer holds the head's row lock: ``SELECT ... FOR UPDATE`` on PostgreSQL (held
until commit, and re-reading the newest head after waiting for a concurrent writer, so
a link is never stale); on SQLite the database's write lock already orders writers.
Locking, inserting and moving the head are three statements however many events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from casework.audit.chain import head_mac, keyed_link
from casework.audit.keys import Keyring
from casework.models import AuditCheckpoint, AuditEvent, AuditHead

_CHAINED = frozenset({"seq", "prev_hash", "hash", "key_id"})
_COLUMNS = [c for c in AuditEvent.__table__.columns if c.key not in _CHAINED]

_LOCK_HEAD = (
    select(AuditHead.seq, AuditHead.hash)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .with_for_update()
)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .values(
        seq=bindparam("new_seq"),
        hash=bindparam("new_hash"),
        key_id=bindparam("new_key_id"),
        mac=bindparam("new_mac"),
    )
)
_INSERT_EVENT = insert(AuditEvent)


class MissingHead(Exception):
    """The tenant has no head record: its chain cannot be extended."""


def append(
    connection: Connection, keys: Keyring, tenant_id: str, items: list[tuple[AuditEvent, str]]
) -> None:
    """Give each event the next place in its tenant's chain, in order, and insert them.

    ``items`` pairs each event with its content_digest(); seq, prev_hash, hash and
    key_id are set here.
    """
    if not items:
        return
    head = connection.execute(_LOCK_HEAD, {"tenant": tenant_id}).one_or_none()
    if head is None:
        raise MissingHead(f"tenant {tenant_id} has no audit head")
    seq, prev_hash = head
    key_id = keys.current_id
    rows = []
    for event, content in items:
        seq += 1
        event.seq, event.prev_hash, event.key_id = seq, prev_hash, key_id
        event.hash = prev_hash = keyed_link(keys, key_id, prev_hash, seq, content)
        rows.append(
            {c.key: getattr(event, c.key) for c in _COLUMNS}
            | {"seq": seq, "prev_hash": event.prev_hash, "hash": event.hash, "key_id": key_id}
        )
    connection.execute(_INSERT_EVENT, rows[0] if len(rows) == 1 else rows)
    connection.execute(
        _MOVE_HEAD,
        {
            "tenant": tenant_id,
            "new_seq": seq,
            "new_hash": prev_hash,
            "new_key_id": key_id,
            "new_mac": head_mac(keys, key_id, tenant_id, seq, prev_hash),
        },
    )


def events_after(session: Session, tenant_id: str, seq: int) -> Any:
    """The tenant's events after ``seq``, in order, read a batch at a time (a context
    manager: the caller closes it)."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq > seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )


def erasable(session: Session, *, tenant_id: str, where: Any, erasure: str) -> list[AuditEvent]:
    """The tenant's events matching ``where`` whose content is still there, in order;
    the ``erasure`` events themselves are never among them."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.tenant_id == tenant_id,
                AuditEvent.redacted_digest.is_(None),
                AuditEvent.action != erasure,
                where,
            )
            .order_by(AuditEvent.seq)
        )
    )


def chained_tenants(session: Session) -> list[str]:
    """Every tenant with a chain."""
    return list(session.scalars(select(AuditHead.tenant_id)))


def checkpoints_due(session: Session, *, now: datetime, every: timedelta) -> list[str]:
    """Tenants whose chain grew since their last checkpoint, at most one per ``every``."""
    last = aliased(AuditCheckpoint)
    return list(
        session.scalars(
            select(AuditHead.tenant_id)
            .outerjoin(last, last.tenant_id == AuditHead.tenant_id)
            .where(
                AuditHead.seq > func.coalesce(last.seq, 0),
                last.signed_at.is_(None) | (last.signed_at <= now - every),
            )
            .order_by(AuditHead.tenant_id)
        )
    )


def undelivered(session: Session, *, now: datetime, every: timedelta) -> list[AuditCheckpoint]:
    """Last checkpoints not yet POSTed, not tried within ``every``."""
    return list(
        session.scalars(
            select(AuditCheckpoint)
            .where(
                AuditCheckpoint.posted_at.is_(None),
                AuditCheckpoint.attempted_at.is_(None)
                | (AuditCheckpoint.attempted_at <= now - every),
            )
            .order_by(AuditCheckpoint.tenant_id)
        )
    )
