"""Erasing audit content under retention: exactly the tenant's matching events lose
their content, each keeps its place in the chain, and one chained erasure event says
which went, with the digest the chain binds and the digest of what remains."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, true

from casework.audit import service as audit
from casework.audit.chain import ERASED_MESSAGE, ERASURE, content_digest
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.models import AuditEvent
from casework.models.enums import ActorType
from casework.tenants.service import create_tenant


def _tenant_with_events(db: Database, entities: list[str]) -> str:
    with db.transaction() as session:
        tenant_id = create_tenant(session, slug_value=f"t-{secrets.token_hex(6)}", name="T").id
        actor = Principal.system(tenant_id, "tester")
        for n, entity in enumerate(entities):
            audit.record(
                session,
                actor=actor,
                action="case.updated",
                entity_type="case",
                entity_id=entity,
                message=f"change {n}",
                before={"n": n},
                after={"n": n + 1},
            )
    return tenant_id


def _events(db: Database, tenant_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
        )
        return list(events)


def _erase(db: Database, tenant_id: str, where: Any) -> int:
    with db.transaction() as session:
        return audit.erase(session, tenant_id=tenant_id, where=where)


def _verified(db: Database, tenant_id: str) -> bool:
    with db.transaction(write=False) as session:
        result = audit.verify(session, tenant_id=tenant_id)
    assert result.ok, result
    return result.ok


def test_matching_events_lose_their_content_and_one_erasure_records_them(db: Database):
    tenant_id = _tenant_with_events(db, ["gone", "kept", "gone", "kept"])
    before = {e.seq: e for e in _events(db, tenant_id)}
    assert _erase(db, tenant_id, AuditEvent.entity_id == "gone") == 2
    after = _events(db, tenant_id)
    gone = [e for e in after if e.entity_id == "gone"]
    assert len(gone) == 2
    for event in gone:
        original = before[event.seq]
        assert event.redacted_digest == content_digest(original)
        assert (event.message, event.before, event.after) == (ERASED_MESSAGE, None, None)
        # What identifies the event stays: only what it said goes.
        assert (event.action, event.entity_id, event.hash) == (
            original.action,
            original.entity_id,
            original.hash,
        )
    for event in after:
        if event.entity_id == "kept":
            assert event.redacted_digest is None
            assert (event.message, event.after) == (
                before[event.seq].message,
                before[event.seq].after,
            )
    erasure = after[-1]
    assert erasure.seq == max(before) + 1 and erasure.action == ERASURE
    assert erasure.actor_type == ActorType.system
    assert (erasure.actor_name, erasure.actor_user_id, erasure.actor_client_id) == (
        "retention",
        None,
        None,
    )
    assert (erasure.entity_type, erasure.entity_id) == ("audit", tenant_id)
    assert erasure.message == "Content of 2 audit events erased under retention"
    assert erasure.after == {
        "events": [
            {"seq": e.seq, "digest": content_digest(before[e.seq]), "remains": content_digest(e)}
            for e in gone
        ]
    }
    assert erasure.redacted_digest is None
    assert _verified(db, tenant_id)


def test_erasing_again_or_nothing_records_nothing(db: Database):
    tenant_id = _tenant_with_events(db, ["gone", "kept"])
    assert _erase(db, tenant_id, AuditEvent.entity_id == "gone") == 1
    count = len(_events(db, tenant_id))
    assert _erase(db, tenant_id, AuditEvent.entity_id == "gone") == 0
    assert _erase(db, tenant_id, AuditEvent.entity_id == "nobody") == 0
    assert len(_events(db, tenant_id)) == count
    assert _verified(db, tenant_id)


def test_erasure_events_are_never_erased(db: Database):
    tenant_id = _tenant_with_events(db, ["a", "b"])
    first = _erase(db, tenant_id, true())
    assert first == len(_events(db, tenant_id)) - 1  # all but the erasure itself
    assert _erase(db, tenant_id, true()) == 0
    events = _events(db, tenant_id)
    erasures = [e for e in events if e.action == ERASURE]
    assert len(erasures) == 1 and erasures[0].redacted_digest is None
    assert erasures[0].message.startswith(f"Content of {first} audit events")
    assert _verified(db, tenant_id)


def test_erasure_touches_one_tenant_only(db: Database):
    mine = _tenant_with_events(db, ["gone", "kept"])
    theirs = _tenant_with_events(db, ["gone", "kept"])
    untouched = [(e.seq, e.message, e.redacted_digest) for e in _events(db, theirs)]
    assert _erase(db, mine, AuditEvent.entity_id == "gone") == 1
    assert [(e.seq, e.message, e.redacted_digest) for e in _events(db, theirs)] == untouched
    assert [e.action for e in _events(db, theirs)].count(ERASURE) == 0
    assert _verified(db, mine) and _verified(db, theirs)
