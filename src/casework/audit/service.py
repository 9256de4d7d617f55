"""Appending to, erasing in and verifying each tenant's audit chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

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
from casework.audit.checkpoints import Checkpoint, Signer
from casework.audit.keys import Keyring, keyring_for
from casework.audit.verification import VerifyResult
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal
from casework.models.base import utcnow

__all__ = [
    "CheckpointRefused",
    "Entry",
    "VerifyResult",
    "erase",
    "on_append",
    "record",
    "record_many",
    "start_chain",
    "verify",
]


AppendListener = Callable[[Session, list[AuditEvent]], None]
_LISTENERS: list[AppendListener] = []


def on_append(listener: AppendListener) -> AppendListener:
    """Call ``listener`` with the events of each append (one tenant's, in order, their
    places in the chain set), in the appending transaction: so what reads the trail
    further (the webhooks' outbox) knows it moved, though the trail knows nothing of it."""
    _LISTENERS.append(listener)
    return listener


def _appended(session: Session, events: list[AuditEvent]) -> None:
    for listener in _LISTENERS:
        listener(session, events)


def keyring(session: Session) -> Keyring:
    """The MAC keys of the database ``session`` belongs to."""
    settings = Database.settings_of(session)
    if settings is None:
        raise RuntimeError("the audit chain is used through a casework.infra.db.Database session")
    return keyring_for(settings)


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
    _appended(session, [event])
    return event


class _Row(Protocol):
    id: str


R = TypeVar("R", bound=_Row)


def record_created(
    session: Session,
    row: R,
    *,
    actor: Principal,
    entity_type: str,
    after: Callable[[R], dict[str, Any]],
    action: str | None = None,
    message: str = "",
    case_id: str | None = None,
) -> R:
    """Add ``row``, flush it (so it has its id) and record its creation, by default as
    ``<entity_type>.created``, with ``after(row)`` as what it was created as."""
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action=action or f"{entity_type}.created",
        entity_type=entity_type,
        entity_id=row.id,
        case_id=case_id,
        message=message,
        after=after(row),
    )
    return row


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
    _appended(session, events)
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
    events = repository.erasable(session, tenant_id=tenant_id, where=where, erasure=ERASURE)
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


class CheckpointRefused(Exception):
    """The chain does not verify from the last checkpoint to its head: signing its head
    would vouch for whatever changed it."""


def checkpoints_due(session: Session, *, now: datetime, every: timedelta) -> list[str]:
    """Tenants whose chain grew since their last checkpoint, at most one per ``every``."""
    return repository.checkpoints_due(session, now=now, every=every)


def undelivered(session: Session, *, now: datetime, every: timedelta) -> list[AuditCheckpoint]:
    """Last checkpoints not yet POSTed, not tried within ``every``."""
    return repository.undelivered(session, now=now, every=every)


def prepare_checkpoint(
    session: Session, *, tenant_id: str, signer: Signer, now: datetime
) -> Checkpoint:
    """Verify the chain from the tenant's last checkpoint (or from its start) to its
    head, and sign the head; raise CheckpointRefused if it does not verify."""
    keys = keyring(session)
    head = session.get(AuditHead, tenant_id)
    if head is None:
        raise CheckpointRefused("the chain's head record is missing")
    last = session.get(AuditCheckpoint, tenant_id)
    seal = session.get(AuditSeal, tenant_id)
    start_seq, start_link = (last.seq, last.link) if last else (0, GENESIS_HASH)
    if start_seq > head.seq:
        raise CheckpointRefused(
            f"the head records {head.seq} events, the last checkpoint {start_seq}"
        )
    try:
        verification.check_seal(keys, seal)
        walker = verification.Walker(keys, seal, seq=start_seq, link=start_link)
        with repository.events_after(session, tenant_id, start_seq) as events:
            for event in events:
                walker.step(event)
        walker.finish(head, erasures=last is None)
    except verification.Broken as broken:
        raise CheckpointRefused(f"event {broken.seq}: {broken.reason}") from None
    return signer.sign(tenant=tenant_id, seq=head.seq, link=head.hash, at=now)


def store_checkpoint(session: Session, checkpoint: Checkpoint, *, now: datetime) -> None:
    """Remember ``checkpoint`` as the tenant's last (once it is in the file)."""
    row = session.get(AuditCheckpoint, checkpoint.tenant, with_for_update=True)
    if row is None:
        row = AuditCheckpoint(tenant_id=checkpoint.tenant)
        session.add(row)
    elif row.seq > checkpoint.seq:
        return  # a later one was stored meanwhile
    row.seq, row.link, row.signed_at = checkpoint.seq, checkpoint.link, now
    row.record, row.posted_at, row.attempted_at = checkpoint.line(), None, None
    session.flush()


def mark_attempt(
    session: Session, *, tenant_id: str, seq: int, delivered: bool, now: datetime
) -> None:
    row = session.get(AuditCheckpoint, tenant_id, with_for_update=True)
    if row is None or row.seq != seq:
        return  # a newer checkpoint replaced it; that one is delivered in its turn
    row.attempted_at = now
    if delivered:
        row.posted_at = now
    session.flush()
