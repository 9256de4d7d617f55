"""Appending several events of one tenant at once (the path batch jobs take)."""

from __future__ import annotations

import pytest

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra.db import Database
from tests.factories import TenantKit


def _entry(tenant_id: str, n: int) -> audit.Entry:
    return audit.Entry(
        actor=Principal.system(tenant_id),
        action="check.completed",
        entity_type="check",
        entity_id=f"check-{n}",
        message=f"event {n}",
        after={"n": n},
    )


def test_events_appended_together_chain_like_any_others(db: Database, kit: TenantKit):
    with db.transaction() as session:
        audit.record(
            session,
            actor=Principal.system(kit.tenant_id),
            action="note",
            entity_type="case",
            entity_id="x",
        )
        events = audit.record_many(session, [_entry(kit.tenant_id, n) for n in range(5)])
        after = audit.record(
            session,
            actor=Principal.system(kit.tenant_id),
            action="note",
            entity_type="case",
            entity_id="y",
        )
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 5)) and after.seq == seqs[-1] + 1
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert after.prev_hash == events[-1].hash
    with db.transaction(write=False) as session:
        assert audit.verify(session, tenant_id=kit.tenant_id).ok


def test_one_chain_per_call(db: Database, kit: TenantKit, other_kit: TenantKit):
    with db.transaction() as session:
        assert audit.record_many(session, []) == []
        with pytest.raises(ValueError, match=r"^record_many appends to one tenant's chain$"):
            audit.record_many(session, [_entry(kit.tenant_id, 1), _entry(other_kit.tenant_id, 2)])


def test_an_event_recorded_without_a_message_has_an_empty_one(db: Database, kit: TenantKit):
    with db.transaction() as session:
        event = audit.record(
            session,
            actor=Principal.system(kit.tenant_id),
            action="note",
            entity_type="case",
            entity_id="x",
        )
        assert event.message == ""
