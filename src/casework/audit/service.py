"""Appending to, erasing in and verifying each tenant's audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import repository, verification
from casework.audit.chain import (
    ERASED_MESSAGE,
    ERASURE,
    GENESIS_HASH,
    content_digest,
    head_mac,
    jsonable,
)
from casework.audit.checkpoints import Checkpoint
from casework.audit.keys import Keyring, keyring_for
from casework.audit.verification import VerifyResult
from casework.auth.principal import Principal
from casework.db import Database
from casework.ids import new_id
from casework.models import AuditEvent, AuditHead
from casework.models.base import utcnow

__all__ = ["Entry", "VerifyResult", "erase", "record", "record_many", "start_chain", "verify"]


def keyring(session: Session) -> Keyring:
    """The MAC keys of the database ``session`` belongs to."""
    database = Database.of(session)
    if database is None:
        raise RuntimeError("audit events are written through a casework.db.Database session")
    return keyring_for(database.settings)


def start_chain(session: Session, *, tenant_id: str) -> None:
    keys = keyring(session)
    key_id = keys.current_id
    mac = head_mac(keys, key_id, tenant_id, 0, GENESIS_HASH)
    session.add(AuditHead(tenant_id=tenant_id, seq=0, hash=GENESIS_HASH, key_id=key_id, mac=mac))


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
    keys = keyring(session)
    session.flush()
    event = _event(Entry(actor, action, entity_type, entity_id, case_id, message, before, after))
    repository.append(session.connection(), keys, event.tenant_id, [(event, content_digest(event))])
    return event


def record_many(session: Session, entries: list[Entry]) -> list[AuditEvent]:
    """Append several events of one tenant, in order, in a few statements (for jobs
    that finish many things in one transaction)."""
    if not entries:
        return []
    tenants = {e.actor.tenant_id for e in entries}
    if len(tenants) != 1:
        raise ValueError("record_many appends to one tenant's chain")
    keys = keyring(session)
    session.flush()
    events = [_event(entry) for entry in entries]
    repository.append(
        session.connection(), keys, tenants.pop(), [(e, content_digest(e)) for e in events]
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


def erase(session: Session, *, tenant_id: str, where: Any) -> int:
    """Erase the content of the tenant's matching events, keeping their place in the
    chain: each keeps the digest its link binds, and an erasure event, itself chained,
    records which events went with both digests. The erasure events themselves are
    never erased. The number of events erased."""
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.tenant_id == tenant_id,
                AuditEvent.redacted_digest.is_(None),
                AuditEvent.action != ERASURE,
                where,
            )
            .order_by(AuditEvent.seq)
        )
    )
    if not events:
        return 0
    erased = []
    for event in events:
        digest = content_digest(event)
        event.redacted_digest = digest
        event.before = None
        event.after = None
        event.message = ERASED_MESSAGE
        erased.append({"seq": event.seq, "digest": digest, "remains": content_digest(event)})
    record(
        session,
        actor=Principal.system(tenant_id, "retention"),
        action=ERASURE,
        entity_type="audit",
        entity_id=tenant_id,
        message=f"Content of {len(erased)} audit events erased under retention",
        after={"events": erased},
    )
    return len(erased)


def verify(
    session: Session, *, tenant_id: str, checkpoints: list[Checkpoint] | None = None
) -> VerifyResult:
    """Walk the chain in order and report the first event that does not fit (see
    casework.audit.verification)."""
    return verification.verify(
        session, tenant_id=tenant_id, keys=keyring(session), checkpoints=checkpoints
    )
