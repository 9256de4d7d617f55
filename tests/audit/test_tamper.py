"""The tamper matrix: whatever someone with write access to the database does to a
chain, verification fails and names the first bad event. With signed checkpoints,
even someone who also holds the MAC key cannot replace or shorten a chain unseen."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from casework.audit import checkpoints
from casework.audit import service as audit
from casework.audit.chain import chained_content, content_digest, head_mac, keyed_link, legacy_link
from casework.audit.checkpoints import Checkpoint
from casework.audit.keys import Keyring, keyring_for
from casework.auth.principal import Principal
from casework.config import Settings
from casework.infra.db import Database
from casework.models import AuditEvent, AuditHead
from casework.models.base import utcnow
from casework.tenants.service import create_tenant


@dataclass
class Chain:
    tenant_id: str
    events: list[AuditEvent]  # as written, in order
    erased: list[int]  # seqs of events retention erased

    @property
    def last(self) -> int:
        return self.events[-1].seq


@pytest.fixture
def chain(db: Database) -> Chain:
    """A tenant's chain of 12 events: two of them erased under retention, and the
    erasure recorded at 10."""
    import secrets

    with db.transaction() as session:
        tenant_id = create_tenant(session, slug_value=f"t-{secrets.token_hex(6)}", name="T").id
        actor = Principal.system(tenant_id, "tester")
        for n in range(8):
            audit.record(
                session,
                actor=actor,
                action="case.updated",
                entity_type="case",
                entity_id="gone" if n in (2, 5) else f"case-{n}",
                message=f"change {n}",
                before={"priority": "low", "n": n},
                after={"priority": "high", "n": n},
            )
        audit.erase(session, tenant_id=tenant_id, where=AuditEvent.entity_id == "gone")
        for n in range(2):
            audit.record(
                session, actor=actor, action="case.viewed", entity_type="case", entity_id=f"v{n}"
            )
    with db.transaction(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
            )
        )
    erased = [e.seq for e in events if e.redacted_digest]
    assert len(events) == 12 and erased == [4, 7]
    return Chain(tenant_id, events, erased)


def _verify(
    db: Database, chain: Chain, signed: list[Checkpoint] | None = None
) -> audit.VerifyResult:
    with db.transaction(write=False) as session:
        return audit.verify(session, tenant_id=chain.tenant_id, checkpoints=signed)


def _sql(db: Database, statement: str, **params: object) -> None:
    with db.transaction() as session:
        session.execute(text(statement), params)


def _relink(
    db: Database,
    chain: Chain,
    start: int,
    link: Callable[[str, int, str], str],
    key_id: str | None,
    head: Callable[[str, int, str], str | None] = lambda *_: None,
) -> None:
    """Recompute every link from ``start`` on (and the head) the way ``link`` does."""
    with db.transaction() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == chain.tenant_id)
                .order_by(AuditEvent.seq)
            )
        )
        prev = events[start - 2].hash if start > 1 else "0" * 64
        for event in events[start - 1 :]:
            event.prev_hash = prev
            event.key_id = key_id
            event.hash = prev = link(prev, event.seq, chained_content(event))
        session.execute(
            update(AuditHead)
            .where(AuditHead.tenant_id == chain.tenant_id)
            .values(
                seq=events[-1].seq,
                hash=prev,
                mac=head(chain.tenant_id, events[-1].seq, prev),
            )
        )


def _edit(column: str, value: object) -> Callable[[Database, Chain], int]:
    def tamper(db: Database, chain: Chain) -> int:
        victim = chain.events[5]
        with db.transaction() as session:
            session.execute(
                update(AuditEvent).where(AuditEvent.id == victim.id).values({column: value})
            )
        return victim.seq

    return tamper


def _edit_data(db: Database, chain: Chain) -> int:
    victim = chain.events[2]
    with db.transaction() as session:
        event = session.get(AuditEvent, victim.id)
        assert event is not None
        event.after = {"priority": "low", "n": 1}
    return victim.seq


def _edit_time(db: Database, chain: Chain) -> int:
    victim = chain.events[8]
    with db.transaction() as session:
        event = session.get(AuditEvent, victim.id)
        assert event is not None
        event.occurred_at = event.occurred_at - timedelta(days=3)
    return victim.seq


def _delete_middle(db: Database, chain: Chain) -> int:
    _sql(db, "DELETE FROM audit_events WHERE id = :id", id=chain.events[5].id)
    return chain.events[6].seq


def _reorder(db: Database, chain: Chain) -> int:
    a, b = chain.events[5], chain.events[6]
    _sql(db, "UPDATE audit_events SET seq = -1 WHERE id = :id", id=a.id)
    _sql(db, "UPDATE audit_events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    _sql(db, "UPDATE audit_events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    return a.seq


def _insert(db: Database, chain: Chain, at: int, key_id: str | None) -> None:
    """A forged event at ``at``, linked in with a plain SHA-256 link; what followed moves up."""
    with db.transaction() as session:
        for event in reversed(chain.events[at - 1 :]):
            session.execute(
                update(AuditEvent).where(AuditEvent.id == event.id).values(seq=event.seq + 1)
            )
        prev = chain.events[at - 2]
        forged = AuditEvent(
            tenant_id=chain.tenant_id,
            seq=at,
            occurred_at=prev.occurred_at,
            actor_type=prev.actor_type,
            actor_name="supervisor",
            action="case.resolved",
            entity_type="case",
            entity_id="case-1",
            message="approved",
            prev_hash=prev.hash,
            key_id=key_id,
        )
        forged.hash = legacy_link(prev.hash, at, content_digest(forged))
        session.add(forged)


def _insert_middle(db: Database, chain: Chain) -> int:
    _insert(db, chain, 6, chain.events[0].key_id)
    return 6


def _insert_end(db: Database, chain: Chain) -> int:
    last = chain.events[-1]
    with db.transaction() as session:
        forged = AuditEvent(
            tenant_id=chain.tenant_id,
            seq=last.seq + 1,
            occurred_at=last.occurred_at,
            actor_type=last.actor_type,
            actor_name="supervisor",
            action="case.resolved",
            entity_type="case",
            entity_id="case-1",
            message="approved",
            prev_hash=last.hash,
            key_id=None,
        )
        forged.hash = legacy_link(last.hash, forged.seq, content_digest(forged))
        session.add(forged)
        session.execute(
            update(AuditHead)
            .where(AuditHead.tenant_id == chain.tenant_id)
            .values(seq=forged.seq, hash=forged.hash)
        )
    return last.seq + 1


def _truncate(db: Database, chain: Chain) -> int:
    for event in chain.events[-2:]:
        _sql(db, "DELETE FROM audit_events WHERE id = :id", id=event.id)
    return chain.last - 1


def _truncate_and_rewind_head(db: Database, chain: Chain) -> int:
    kept = chain.events[-3]
    _truncate(db, chain)
    _sql(
        db,
        "UPDATE audit_heads SET seq = :s, hash = :h WHERE tenant_id = :t",
        s=kept.seq,
        h=kept.hash,
        t=chain.tenant_id,
    )
    return chain.last - 1


def _delete_head(db: Database, chain: Chain) -> int:
    _sql(db, "DELETE FROM audit_heads WHERE tenant_id = :t", t=chain.tenant_id)
    return chain.last + 1


def _delete_tail_and_head(db: Database, chain: Chain) -> int:
    _truncate(db, chain)
    _delete_head(db, chain)
    return chain.last - 1


def _rewrite_head_link(db: Database, chain: Chain) -> int:
    _sql(
        db, "UPDATE audit_heads SET hash = :h WHERE tenant_id = :t", h="ab" * 32, t=chain.tenant_id
    )
    return chain.last + 1


def _clear_head(column: str) -> Callable[[Database, Chain], int]:
    def clear(db: Database, chain: Chain) -> int:
        with db.transaction() as session:
            session.execute(
                update(AuditHead)
                .where(AuditHead.tenant_id == chain.tenant_id)
                .values({column: None})
            )
        return chain.last + 1

    return clear


def _launder(db: Database, chain: Chain) -> int:
    victim = chain.events[5]
    with db.transaction() as session:
        event = session.get(AuditEvent, victim.id)
        assert event is not None
        event.redacted_digest = content_digest(event)
        event.message = "nothing to see"
        event.actor_name = "someone else"
        event.after = {"priority": "low"}
    return victim.seq


def _edit_erased_remains(db: Database, chain: Chain) -> int:
    victim = chain.events[chain.erased[0] - 1]
    _sql(db, "UPDATE audit_events SET actor_name = 'x' WHERE id = :id", id=victim.id)
    return victim.seq


def _recompute(
    link: Callable[[str, int, str], str], key_id: Callable[[Chain], str | None]
) -> Callable[[Database, Chain], int]:
    """Edit event 6 and recompute every link from it to the head."""

    def tamper(db: Database, chain: Chain) -> int:
        victim = chain.events[5]
        _sql(db, "UPDATE audit_events SET message = 'rewritten' WHERE id = :id", id=victim.id)
        _relink(db, chain, victim.seq, link, key_id(chain))
        return victim.seq

    return tamper


def _sha256(prev: str, seq: int, content: str) -> str:
    return legacy_link(prev, seq, content)


def _wrong_key(prev: str, seq: int, content: str) -> str:
    message = f"{prev}:{seq}:{content}".encode()
    return hmac.new(b"k" * 32, message, hashlib.sha256).hexdigest()


TAMPERING: dict[str, Callable[[Database, Chain], int]] = {
    "edit message": _edit("message", "nothing to see"),
    "edit actor": _edit("actor_name", "someone else"),
    "edit action": _edit("action", "case.viewed"),
    "edit data": _edit_data,
    "edit occurred_at": _edit_time,
    "delete from the middle": _delete_middle,
    "reorder": _reorder,
    "insert in the middle": _insert_middle,
    "insert at the end, head moved": _insert_end,
    "truncate the tail": _truncate,
    "truncate the tail, head moved back": _truncate_and_rewind_head,
    "delete the head": _delete_head,
    "delete the tail and the head": _delete_tail_and_head,
    "rewrite the head's link": _rewrite_head_link,
    "drop the head's MAC": _clear_head("mac"),
    "drop the head's key id": _clear_head("key_id"),
    "launder a redacted_digest": _launder,
    "edit what an erasure left": _edit_erased_remains,
    "recompute with plain SHA-256, unkeyed": _recompute(_sha256, lambda _chain: None),
    "recompute with plain SHA-256, key id kept": _recompute(
        _sha256, lambda chain: chain.events[0].key_id
    ),
    "recompute with a wrong key, key id kept": _recompute(
        _wrong_key, lambda chain: chain.events[0].key_id
    ),
    "recompute with a wrong key of its own id": _recompute(_wrong_key, lambda _chain: "forged"),
}

EDITED = "content does not match its MAC (event edited, or the chain recomputed without the key)"
UNKEYED = "unkeyed link where the chain is keyed (the chain was recomputed without the key)"
HEAD_REWRITTEN = "the head record's MAC does not verify (head rewritten)"
UNVOUCHED = (
    "erased content that no recorded erasure vouches for (redacted_digest set or the remains "
    "edited)"
)
# What verification says, and how many events it walked before it said so (the whole
# chain when only the end, or an erasure, is found wrong).
VERDICTS: dict[str, tuple[int | None, str]] = {
    "edit message": (None, EDITED),
    "edit actor": (None, EDITED),
    "edit action": (None, EDITED),
    "edit data": (None, EDITED),
    "edit occurred_at": (None, EDITED),
    "delete from the middle": (5, "sequence gap: expected 6, found 7"),
    "reorder": (None, "previous-hash link broken (event removed or reordered)"),
    "insert in the middle": (None, EDITED),
    "insert at the end, head moved": (None, UNKEYED),
    "truncate the tail": (None, "chain ends at 10 but its head records 12 events (tail removed)"),
    "truncate the tail, head moved back": (None, HEAD_REWRITTEN),
    "delete the head": (None, "chain ends at 12 and its head record is missing (removed)"),
    "delete the tail and the head": (
        None,
        "chain ends at 10 and its head record is missing (removed)",
    ),
    "rewrite the head's link": (
        None,
        "chain ends at 12 but its head records 12 events (tail removed)",
    ),
    "drop the head's MAC": (None, HEAD_REWRITTEN),
    "drop the head's key id": (None, HEAD_REWRITTEN),
    "launder a redacted_digest": (12, UNVOUCHED),
    "edit what an erasure left": (12, UNVOUCHED),
    "recompute with plain SHA-256, unkeyed": (None, UNKEYED),
    "recompute with plain SHA-256, key id kept": (None, EDITED),
    "recompute with a wrong key, key id kept": (None, EDITED),
    "recompute with a wrong key of its own id": (
        None,
        "linked with key forged, which the key file lacks",
    ),
}


def test_the_untouched_chain_verifies(db: Database, chain: Chain):
    result = _verify(db, chain)
    assert result.ok, result
    assert result.checked == chain.last


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_detected_and_the_first_bad_event_named(db: Database, chain: Chain, case: str):
    first_bad = TAMPERING[case](db, chain)
    result = _verify(db, chain)
    assert not result.ok, case
    assert result.bad_seq == first_bad, result
    checked, reason = VERDICTS[case]
    assert result.reason == reason
    # Every event before the first bad one was walked and found sound.
    assert result.checked == (first_bad - 1 if checked is None else checked), result
    if result.bad_event_id is not None:
        with db.transaction(write=False) as session:
            at_bad_seq = session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.tenant_id == chain.tenant_id, AuditEvent.seq == first_bad
                )
            )
        assert result.bad_event_id == at_bad_seq


# --- someone who holds the database and the MAC key ----------------------------------


def _sign(settings: Settings, db: Database, chain: Chain, *seqs: int) -> list[Checkpoint]:
    signer = checkpoints.signer_for(settings)
    with db.transaction(write=False) as session:
        links = dict(
            session.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(
                    AuditEvent.tenant_id == chain.tenant_id
                )
            ).all()
        )
    links[0] = "0" * 64
    return [signer.sign(tenant=chain.tenant_id, seq=s, link=links[s], at=utcnow()) for s in seqs]


def _keyed(keys: Keyring) -> Callable[[str, int, str], str]:
    return lambda prev, seq, content: keyed_link(keys, keys.current_id, prev, seq, content)


def _head(keys: Keyring) -> Callable[[str, int, str], str]:
    return lambda tenant, seq, link: head_mac(keys, keys.current_id, tenant, seq, link)


def test_a_consistent_fake_chain_fails_against_checkpoints(
    settings: Settings, db: Database, chain: Chain
):
    signed = _sign(settings, db, chain, chain.last)
    keys = keyring_for(settings)
    _sql(
        db,
        "UPDATE audit_events SET message = 'fake' WHERE tenant_id = :t AND redacted_digest IS NULL",
        t=chain.tenant_id,
    )
    _relink(db, chain, 1, _keyed(keys), keys.current_id, _head(keys))
    assert _verify(db, chain).ok, "with the key the fake is consistent in itself"
    result = _verify(db, chain, signed)
    assert not result.ok
    assert (result.bad_seq, result.bad_event_id) == (1, chain.events[0].id)
    assert "checkpoint" in (result.reason or "")


def test_a_replaced_tail_is_named_after_the_last_checkpoint_it_matches(
    settings: Settings, db: Database, chain: Chain
):
    signed = _sign(settings, db, chain, 0, 5, chain.last)
    keys = keyring_for(settings)
    _sql(db, "UPDATE audit_events SET message = 'fake' WHERE id = :id", id=chain.events[8].id)
    _relink(db, chain, 9, _keyed(keys), keys.current_id, _head(keys))
    assert _verify(db, chain).ok
    result = _verify(db, chain, signed)
    assert (result.ok, result.bad_seq, result.bad_event_id) == (False, 6, chain.events[5].id)
    assert result.checkpoints == 2


def test_truncation_with_the_head_rebuilt_fails_against_checkpoints(
    settings: Settings, db: Database, chain: Chain
):
    signed = _sign(settings, db, chain, 3, chain.last)
    keys = keyring_for(settings)
    with db.transaction() as session:
        session.execute(
            delete(AuditEvent).where(AuditEvent.seq > 10, AuditEvent.tenant_id == chain.tenant_id)
        )
        kept = chain.events[9]
        session.execute(
            update(AuditHead)
            .where(AuditHead.tenant_id == chain.tenant_id)
            .values(seq=10, hash=kept.hash, mac=_head(keys)(chain.tenant_id, 10, kept.hash))
        )
    assert _verify(db, chain).ok
    result = _verify(db, chain, signed)
    assert (result.ok, result.bad_seq) == (False, 11)
    assert "tail removed" in (result.reason or "")


def test_truncation_past_an_erasure_leaves_erased_events_unvouched(db: Database, chain: Chain):
    _sql(db, "DELETE FROM audit_events WHERE tenant_id = :t AND seq > 9", t=chain.tenant_id)
    kept = chain.events[8]
    _sql(
        db,
        "UPDATE audit_heads SET seq = 9, hash = :h WHERE tenant_id = :t",
        h=kept.hash,
        t=chain.tenant_id,
    )
    result = _verify(db, chain)
    assert (result.ok, result.bad_seq) == (False, chain.erased[0])


def test_deleting_chain_and_head_fails_against_checkpoints(
    settings: Settings, db: Database, chain: Chain
):
    signed = _sign(settings, db, chain, chain.last)
    _sql(db, "DELETE FROM audit_events WHERE tenant_id = :t", t=chain.tenant_id)
    _sql(db, "DELETE FROM audit_heads WHERE tenant_id = :t", t=chain.tenant_id)
    result = _verify(db, chain, signed)
    assert (result.ok, result.bad_seq, result.checked) == (False, 1, 0)


def test_checkpoints_of_other_tenants_do_not_count(settings: Settings, db: Database, chain: Chain):
    signer = checkpoints.signer_for(settings)
    other = signer.sign(tenant="someone-else", seq=99, link="f" * 64, at=utcnow())
    assert _verify(db, chain, [other]).ok
