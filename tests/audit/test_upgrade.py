"""An installation upgraded from unkeyed chains: the events written before verify under
the old rule up to the seal (and checkpoint) the upgrade made; the events after are
keyed; nobody can move the boundary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text

from casework.audit import checkpoints
from casework.audit import service as audit
from casework.audit.chain import ERASED_MESSAGE, content_digest, legacy_link
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.migrations import upgrade
from casework.models import AuditEvent
from casework.models.enums import ActorType
from tests.audit.conftest import isolated_settings

TENANT = "t0000000000000000000001"
LEGACY = 6  # events written before the upgrade
ERASED = 3  # one of them erased by the retention of the time
SEAL_REWRITTEN = "the seal of the unkeyed events does not verify (seal rewritten)"


def _legacy_events(erased: int = ERASED) -> list[dict[str, object]]:
    """The events as the unkeyed code wrote them (and 0015's schema holds them), event
    ``erased`` erased."""
    rows: list[dict[str, object]] = []
    prev = "0" * 64
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for seq in range(1, LEGACY + 1):
        event = AuditEvent(
            id=f"ev{seq:022d}",
            tenant_id=TENANT,
            seq=seq,
            occurred_at=start + timedelta(minutes=seq),
            actor_type=ActorType.user,
            actor_user_id=None,
            actor_client_id=None,
            actor_name="Ann Analyst",
            action="case.updated",
            entity_type="case",
            entity_id=f"case-{seq}",
            case_id=None,
            message=f"change {seq}",
            before={"priority": "low"},
            after={"priority": "high", "seq": seq},
            redacted_digest=None,
        )
        digest = content_digest(event)
        if seq == erased:
            event.redacted_digest = digest
            event.message, event.before, event.after = ERASED_MESSAGE, None, None
        event.prev_hash = prev
        event.hash = prev = legacy_link(prev, seq, digest)
        rows.append(
            {
                c.key: getattr(event, c.key)
                for c in AuditEvent.__table__.columns
                if c.key != "key_id"
            }
        )
    return rows


@dataclass
class Upgraded:
    db: Database
    slug: str
    legacy_head: str


@pytest.fixture
def upgraded(request: pytest.FixtureRequest, fresh_url: str, tmp_path: Path) -> Iterator[Upgraded]:
    """Parametrised (indirectly) by the legacy event that was erased; 3 by default."""
    engine = create_engine(fresh_url)
    upgrade(engine, "0015")
    rows = _legacy_events(getattr(request, "param", ERASED))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, slug, name, default_currency, settings, created_at) "
                "VALUES (:t, 'old-bank', 'Old Bank', 'EUR', '{}', CURRENT_TIMESTAMP)"
            ),
            {"t": TENANT},
        )
        conn.execute(insert(AuditEvent.__table__), rows)
        conn.execute(
            text("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (:t, :s, :h)"),
            {"t": TENANT, "s": LEGACY, "h": rows[-1]["hash"]},
        )
    settings = isolated_settings(fresh_url, tmp_path)
    upgrade(engine, settings=settings)
    engine.dispose()
    database = Database(settings)
    yield Upgraded(database, "old-bank", str(rows[-1]["hash"]))
    database.dispose()


def _verify(up: Upgraded, *, with_checkpoints: bool = False) -> audit.VerifyResult:
    signed = None
    if with_checkpoints:
        signer = checkpoints.signer_for(up.db.settings)
        signed = checkpoints.read_file(
            up.db.settings.audit_checkpoint_path, {signer.key: signer.public_key}
        )
    with up.db.transaction(write=False) as session:
        return audit.verify(session, tenant_id=TENANT, checkpoints=signed)


def _grow(up: Upgraded, events: int = 2) -> None:
    with up.db.transaction() as session:
        for n in range(events):
            audit.record(
                session,
                actor=Principal.system(TENANT),
                action="case.updated",
                entity_type="case",
                entity_id=f"new-{n}",
                message=f"after the upgrade {n}",
            )


def _sql(up: Upgraded, statement: str, **params: object) -> None:
    with up.db.transaction() as session:
        session.execute(text(statement), params)


def test_the_upgrade_seals_each_chain_with_a_checkpoint(upgraded: Upgraded):
    [record] = [
        json.loads(line)
        for line in upgraded.db.settings.audit_checkpoint_path.read_text().splitlines()
    ]
    assert (record["tenant"], record["seq"], record["link"]) == (
        TENANT,
        LEGACY,
        upgraded.legacy_head,
    )
    result = _verify(upgraded, with_checkpoints=True)
    assert (result.ok, result.checked, result.legacy, result.checkpoints) == (
        True,
        LEGACY,
        LEGACY,
        1,
    )


def test_events_after_the_upgrade_are_keyed_and_the_whole_chain_verifies(upgraded: Upgraded):
    _grow(upgraded)
    with upgraded.db.transaction(write=False) as session:
        keys = dict(session.execute(text("SELECT seq, key_id FROM audit_events")).all())
    assert [keys[s] is None for s in sorted(keys)] == [True] * LEGACY + [False, False]
    result = _verify(upgraded, with_checkpoints=True)
    assert (result.ok, result.checked, result.legacy) == (True, LEGACY + 2, LEGACY)


def test_an_edited_old_event_is_named(upgraded: Upgraded):
    _grow(upgraded)
    _sql(upgraded, "UPDATE audit_events SET actor_name = 'x' WHERE seq = 2")
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq, result.checked, result.legacy) == (False, 2, 1, 1)
    assert result.reason == "content does not match its hash (event edited)"


def test_an_old_event_laundered_as_erased_is_named(upgraded: Upgraded):
    with upgraded.db.transaction() as session:
        event = session.get(AuditEvent, "ev" + "5".zfill(22))
        assert event is not None
        event.redacted_digest = content_digest(event)
        event.message = "nothing happened"
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq) == (False, 5)
    assert "vouches" in (result.reason or "")


def test_the_old_part_recomputed_without_the_key_fails_at_the_seal(upgraded: Upgraded):
    _grow(upgraded)
    _sql(upgraded, "UPDATE audit_events SET message = 'rewritten' WHERE seq = 2")
    with upgraded.db.transaction() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.seq).all()
        prev = events[0].hash
        for event in events[1:LEGACY]:
            event.prev_hash = prev
            event.hash = prev = legacy_link(
                prev, event.seq, event.redacted_digest or content_digest(event)
            )
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq, result.checked) == (False, LEGACY, LEGACY - 1)
    assert result.reason == "the unkeyed part differs from its seal (rewritten)"


def test_a_deleted_seal_fails(upgraded: Upgraded):
    _sql(upgraded, "DELETE FROM audit_seals")
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq) == (False, 1)


def test_a_moved_seal_fails(upgraded: Upgraded):
    _grow(upgraded)
    _sql(upgraded, "UPDATE audit_seals SET seq = seq + 2")
    assert _verify(upgraded) == audit.VerifyResult(False, 0, 1, None, SEAL_REWRITTEN)


def test_a_seal_with_another_mac_fails_before_any_event(upgraded: Upgraded):
    _grow(upgraded)
    _sql(upgraded, "UPDATE audit_seals SET mac = :m", m="0" * 64)
    # Nothing was walked: no event, legacy or keyed, and no checkpoint counts as checked.
    result = _verify(upgraded, with_checkpoints=True)
    assert result == audit.VerifyResult(False, 0, 1, None, SEAL_REWRITTEN, legacy=0, checkpoints=0)


def test_a_chain_cut_inside_its_sealed_part_is_named(upgraded: Upgraded):
    _sql(upgraded, "DELETE FROM audit_events WHERE seq > 4")
    result = _verify(upgraded)
    reason = "chain ends at 4 inside its sealed part"
    assert result == audit.VerifyResult(False, 4, 5, None, reason, legacy=4)


def test_an_old_event_given_a_key_is_named(upgraded: Upgraded):
    _grow(upgraded)
    with upgraded.db.transaction(write=False) as session:
        key_id = session.scalar(text("SELECT key_id FROM audit_events WHERE seq = :s"), {"s": 7})
    _sql(upgraded, "UPDATE audit_events SET key_id = :k WHERE seq = 2", k=key_id)
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq, result.checked) == (False, 2, 1)
    assert result.reason == "keyed link inside the sealed unkeyed part"


@pytest.mark.parametrize("upgraded", [LEGACY - 1, LEGACY], indirect=True)
def test_an_erasure_up_to_the_seal_is_vouched_for_by_it(upgraded: Upgraded):
    _grow(upgraded)
    result = _verify(upgraded, with_checkpoints=True)
    assert (result.ok, result.checked, result.legacy, result.reason) == (
        True,
        LEGACY + 2,
        LEGACY,
        None,
    )


def test_new_events_turned_unkeyed_fail_where_they_start(upgraded: Upgraded):
    _grow(upgraded, 3)
    with upgraded.db.transaction() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.seq).all()
        prev = events[LEGACY - 1].hash
        for event in events[LEGACY:]:
            event.key_id = None
            event.prev_hash = prev
            event.hash = prev = legacy_link(prev, event.seq, content_digest(event))
        session.execute(text("UPDATE audit_heads SET hash = :h"), {"h": prev})
    result = _verify(upgraded)
    assert (result.ok, result.bad_seq) == (False, LEGACY + 1)
    assert "without the key" in (result.reason or "")
