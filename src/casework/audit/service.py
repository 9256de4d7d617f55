"""Appending to and verifying each tenant's audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import repository
from casework.audit.chain import GENESIS_HASH, content_digest, event_digest, jsonable
from casework.auth.principal import Principal
from casework.ids import new_id
from casework.models import AuditEvent, AuditHead
from casework.models.base import utcnow


def start_chain(session: Session, *, tenant_id: str) -> None:
    session.add(AuditHead(tenant_id=tenant_id, seq=0, hash=GENESIS_HASH))


@dataclass(frozen=True)
class Entry:
    """One event for record_many."""

    actor: Principal
    action: str
    entity_type: str
    entity_id: str
    case_id: str | None = None
    message: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str,
    case_id: str | None = None,
    message: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the actor's tenant chain.

    The caller's pending changes are flushed first. Advancing the head locks its row
    until the transaction ends, so concurrent writers of one tenant append in a single
    order (on SQLite the write lock does the same). The chain is written with plain
    statements: it is on every write path and needs none of the unit of work.
    """
    session.flush()
    event = _event(Entry(actor, action, entity_type, entity_id, case_id, message, before, after))
    repository.append(session.connection(), event, content_digest(event))
    return event


def record_many(session: Session, entries: list[Entry]) -> list[AuditEvent]:
    """Append several events of one tenant, in order, in a few statements (for jobs
    that finish many things in one transaction)."""
    if not entries:
        return []
    tenants = {e.actor.tenant_id for e in entries}
    if len(tenants) != 1:
        raise ValueError("record_many appends to one tenant's chain")
    session.flush()
    events = [_event(entry) for entry in entries]
    repository.append_many(
        session.connection(), tenants.pop(), [(e, content_digest(e)) for e in events]
    )
    return events


def _event(entry: Entry) -> AuditEvent:
    actor = entry.actor
    return AuditEvent(
        id=new_id(),
        tenant_id=actor.tenant_id,
        occurred_at=utcnow(),
        actor_type=actor.actor_type,
        actor_user_id=actor.user_id,
        actor_client_id=actor.api_client_id,
        actor_name=actor.display_name,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        case_id=entry.case_id,
        message=entry.message[:500],
        before=jsonable(entry.before) if entry.before is not None else None,
        after=jsonable(entry.after) if entry.after is not None else None,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose values differ, as (before, after) pairs of dicts."""
    keys = [k for k in after if jsonable(before.get(k)) != jsonable(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_event_id: str | None = None
    reason: str | None = None


def verify(session: Session, *, tenant_id: str) -> VerifyResult:
    """Walk the chain in order and report the first event that does not fit."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    with session.scalars(stmt) as events:
        for event in events:
            reason = None
            if event.seq != expected_seq:
                reason = f"sequence gap: expected {expected_seq}, found {event.seq}"
            elif event.prev_hash != expected_prev:
                reason = "previous-hash link broken (event removed or reordered)"
            elif event_digest(event) != event.hash:
                reason = "content does not match its hash (event edited)"
            if reason:
                return VerifyResult(False, checked, event.seq, event.id, reason)
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
    head = session.get(AuditHead, tenant_id)
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return VerifyResult(
            False,
            checked,
            checked + 1,
            None,
            f"chain ends at {checked} but its head records {head.seq} events (tail removed)",
        )
    return VerifyResult(True, checked)
