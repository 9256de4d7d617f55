"""Which erasures vouch for erased content. Only a keyed erasure event, and only for
events before it, with both digests matching; anything else an erasure record holds
vouches for nothing. The chains here are built in memory by someone holding the key,
so only the voucher rules, not the links, can fail them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from casework.audit.chain import (
    ERASED_MESSAGE,
    ERASURE,
    GENESIS_HASH,
    content_digest,
    head_mac,
    keyed_link,
)
from casework.audit.keys import Keyring
from casework.audit.verification import Broken, Walker
from casework.models import AuditEvent, AuditHead
from casework.models.enums import ActorType

TENANT = "tenant-1"


class Builder:
    """A keyed chain grown event by event, with erasures made as the service makes them."""

    def __init__(self, keys: Keyring) -> None:
        self.keys = keys
        self.events: list[AuditEvent] = []

    @property
    def link(self) -> str:
        return self.events[-1].hash if self.events else GENESIS_HASH

    def add(
        self, action: str = "case.updated", after: Any = None, key_id: str | None = "k1"
    ) -> AuditEvent:
        seq = len(self.events) + 1
        event = AuditEvent(
            id=f"ev-{seq}",
            tenant_id=TENANT,
            seq=seq,
            occurred_at=datetime(2026, 1, 1, 0, 0, seq, tzinfo=UTC),
            actor_type=ActorType.system,
            actor_user_id=None,
            actor_client_id=None,
            actor_name="tester",
            action=action,
            entity_type="case",
            entity_id=f"case-{seq}",
            case_id=None,
            message=f"event {seq}",
            before=None,
            after=after if after is not None else {"n": seq},
            prev_hash=self.link,
            redacted_digest=None,
            key_id=key_id,
        )
        event.hash = keyed_link(self.keys, "k1", event.prev_hash, seq, content_digest(event))
        self.events.append(event)
        return event

    def erase_content(self, seq: int) -> dict[str, Any]:
        """Erase an event's content as retention does; the voucher an erasure would record."""
        event = self.events[seq - 1]
        digest = content_digest(event)
        event.redacted_digest = digest
        event.message, event.before, event.after = ERASED_MESSAGE, None, None
        return {"seq": seq, "digest": digest, "remains": content_digest(event)}

    def head(self) -> AuditHead:
        return AuditHead(
            tenant_id=TENANT,
            seq=len(self.events),
            hash=self.link,
            key_id="k1",
            mac=head_mac(self.keys, "k1", TENANT, len(self.events), self.link),
        )

    def walk(self, *, erasures: bool = True) -> Walker:
        walker = Walker(self.keys, None)
        for event in self.events:
            walker.step(event)
        walker.finish(self.head(), erasures=erasures)
        return walker


@pytest.fixture
def chain(tmp_path: Path) -> Builder:
    built = Builder(Keyring(tmp_path / "keys", {"k1": b"k" * 32}, "k1"))
    for _ in range(3):
        built.add()
    return built


def _refused(chain: Builder, seq: int) -> None:
    with pytest.raises(Broken) as broken:
        chain.walk()
    assert (broken.value.seq, broken.value.event_id) == (seq, f"ev-{seq}")
    assert broken.value.reason.startswith("erased content that no recorded erasure vouches for")


def test_a_keyed_erasure_of_earlier_events_vouches_for_them(chain: Builder):
    vouchers = [chain.erase_content(1), chain.erase_content(3)]
    chain.add(ERASURE, after={"events": vouchers})
    assert chain.walk().seq == 4


def test_erased_content_without_an_erasure_is_refused(chain: Builder):
    chain.erase_content(2)
    _refused(chain, 2)


def test_a_voucher_must_match_both_digests(chain: Builder):
    voucher = chain.erase_content(2)
    chain.add(ERASURE, after={"events": [{**voucher, "remains": voucher["digest"]}]})
    _refused(chain, 2)


def test_a_voucher_missing_its_remains_vouches_for_nothing(chain: Builder):
    voucher = chain.erase_content(2)
    del voucher["remains"]
    chain.add(ERASURE, after={"events": [voucher]})
    _refused(chain, 2)


def test_an_erasure_cannot_vouch_for_a_later_event(chain: Builder):
    erasure = chain.add(ERASURE, after={"events": []})
    later = chain.add()
    erasure.after = {"events": [chain.erase_content(later.seq)]}
    _relink(chain)  # the key holder rewrites the erasure to claim the event after it
    _refused(chain, later.seq)


@pytest.mark.parametrize(
    "record",
    [
        None,
        {},
        {"events": None},
        {"events": {"seq": 2}},
        {"events": "2"},
        {"events": [["seq", 2]]},
        {"events": [None]},
    ],
    ids=repr,
)
def test_an_erasure_record_of_another_shape_vouches_for_nothing(chain: Builder, record: Any):
    chain.erase_content(2)
    chain.add(ERASURE, after=record if record is not None else {})
    _refused(chain, 2)


def test_a_voucher_with_its_place_as_text_vouches_for_nothing(chain: Builder):
    voucher = chain.erase_content(2)
    chain.add(ERASURE, after={"events": [{**voucher, "seq": "2"}]})
    _refused(chain, 2)


def test_an_unkeyed_erasure_vouches_for_nothing(chain: Builder, tmp_path: Path):
    voucher = chain.erase_content(2)
    chain.add(ERASURE, after={"events": [voucher]}, key_id=None)
    # Only the keyed part is walked: an unkeyed event outside a seal is itself refused,
    # so the voucher rule is seen by stepping the erasure without finishing the chain.
    walker = Walker(chain.keys, None)
    for event in chain.events[:3]:
        walker.step(event)
    assert walker.vouchers == {}
    with pytest.raises(Broken, match="unkeyed link"):
        walker.step(chain.events[3])
    assert walker.vouchers == {}


def test_another_actions_record_vouches_for_nothing(chain: Builder):
    voucher = chain.erase_content(2)
    chain.add("case.updated", after={"events": [voucher]})
    _refused(chain, 2)


def test_erasures_are_left_unchecked_only_when_asked(chain: Builder):
    chain.erase_content(2)
    assert chain.walk(erasures=False).seq == 3
    _refused(chain, 2)


def _relink(chain: Builder) -> None:
    """Recompute every link with the key, as the key holder could."""
    link = GENESIS_HASH
    for event in chain.events:
        event.prev_hash = link
        content = event.redacted_digest or content_digest(event)
        event.hash = keyed_link(chain.keys, "k1", link, event.seq, content)
        link = event.hash
