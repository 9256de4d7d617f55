"""Verifying a tenant's chain: every link, the head, the seal, the erasures and, when
given, the signed checkpoints; the first event that does not fit is named."""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import repository
from casework.audit.chain import (
    ERASURE,
    GENESIS_HASH,
    chained_content,
    content_digest,
    head_mac,
    keyed_link,
    legacy_link,
    seal_mac,
)
from casework.audit.checkpoints import Checkpoint
from casework.audit.keys import Keyring
from casework.models import AuditEvent, AuditHead, AuditSeal


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_event_id: str | None = None
    reason: str | None = None
    legacy: int = 0  # events verified under the unkeyed rule, up to the seal
    checkpoints: int = 0  # signed checkpoints the chain matched


class Broken(Exception):
    def __init__(self, seq: int | None, event_id: str | None, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.event_id, self.reason = seq, event_id, reason


class Walker:
    """Checks events one by one, in order, from a known position of the chain."""

    def __init__(
        self,
        keys: Keyring,
        seal: AuditSeal | None,
        *,
        seq: int = 0,
        link: str = GENESIS_HASH,
        checkpoints: Sequence[Checkpoint] = (),
    ) -> None:
        self.keys, self.seal = keys, seal
        self.seq, self.link = seq, link
        self.legacy = 0
        self.claims: list[tuple[int, str, str, str]] = []  # seq, id, digest, remains
        self.vouchers: dict[int, tuple[str, str]] = {}
        if seal is not None:
            self._vouch(seal.erased, before=seal.seq + 1)
        self.checkpoints: dict[int, list[Checkpoint]] = defaultdict(list)
        for checkpoint in checkpoints:
            self.checkpoints[checkpoint.seq].append(checkpoint)
        self.confirmed = seq  # the last position a checkpoint confirmed
        self.confirmed_count = 0
        self.unconfirmed_id: str | None = None  # the event just after ``confirmed``
        for checkpoint in self.checkpoints.pop(0, []):
            self._compare(checkpoint, GENESIS_HASH)

    def step(self, event: AuditEvent) -> None:
        expected = self.seq + 1
        if event.seq != expected:
            self._broken(event, f"sequence gap: expected {expected}, found {event.seq}")
        if self.unconfirmed_id is None:
            self.unconfirmed_id = event.id
        if event.prev_hash != self.link:
            self._broken(event, "previous-hash link broken (event removed or reordered)")
        content = chained_content(event)
        sealed = self.seal is not None and event.seq <= self.seal.seq
        if event.key_id is None:
            if not sealed:
                self._broken(
                    event,
                    "unkeyed link where the chain is keyed (the chain was recomputed "
                    "without the key)",
                )
            if legacy_link(event.prev_hash, event.seq, content) != event.hash:
                self._broken(event, "content does not match its hash (event edited)")
            self.legacy += 1
        else:
            if sealed:
                self._broken(event, "keyed link inside the sealed unkeyed part")
            if not self.keys.knows(event.key_id):
                self._broken(event, f"linked with key {event.key_id}, which the key file lacks")
            mac = keyed_link(self.keys, event.key_id, event.prev_hash, event.seq, content)
            if not hmac.compare_digest(mac, event.hash):
                self._broken(
                    event,
                    "content does not match its MAC (event edited, or the chain recomputed "
                    "without the key)",
                )
        if self.seal is not None and event.seq == self.seal.seq and event.hash != self.seal.link:
            self._broken(event, "the unkeyed part differs from its seal (rewritten)")
        if event.redacted_digest is not None:
            remains = content_digest(event)
            self.claims.append((event.seq, event.id, event.redacted_digest, remains))
        if event.action == ERASURE and event.key_id is not None and event.after:
            self._vouch(event.after.get("events"), before=event.seq)
        for checkpoint in self.checkpoints.pop(event.seq, []):
            self._compare(checkpoint, event.hash)
        self.seq, self.link = event.seq, event.hash

    def finish(self, head: AuditHead | None, *, erasures: bool = True) -> None:
        """The end of the chain: its erasures vouched for, its head and checkpoints met."""
        after = self.seq + 1
        if self.seal is not None and self.seq < self.seal.seq:
            raise Broken(after, None, f"chain ends at {self.seq} inside its sealed part")
        if erasures:
            for seq, event_id, digest, remains in self.claims:
                if self.vouchers.get(seq) != (digest, remains):
                    raise Broken(
                        seq,
                        event_id,
                        "erased content that no recorded erasure vouches for "
                        "(redacted_digest set or the remains edited)",
                    )
        if self.checkpoints:
            beyond = min(self.checkpoints)
            checkpoint = self.checkpoints[beyond][0]
            raise Broken(
                after,
                None,
                f"chain ends at {self.seq} but the checkpoint signed at {checkpoint.time} "
                f"confirms {beyond} events (tail removed)",
            )
        if head is None:
            raise Broken(
                after, None, f"chain ends at {self.seq} and its head record is missing (removed)"
            )
        if head.seq != self.seq or head.hash != self.link:
            raise Broken(
                after,
                None,
                f"chain ends at {self.seq} but its head records {head.seq} events (tail removed)",
            )
        if (
            head.key_id is None
            or head.mac is None
            or not self.keys.knows(head.key_id)
            or not hmac.compare_digest(
                head_mac(self.keys, head.key_id, head.tenant_id, head.seq, head.hash), head.mac
            )
        ):
            raise Broken(after, None, "the head record's MAC does not verify (head rewritten)")

    def _vouch(self, entries: Any, *, before: int) -> None:
        for entry in entries if isinstance(entries, list) else []:
            seq = entry.get("seq") if isinstance(entry, dict) else None
            if isinstance(seq, int) and seq < before:
                self.vouchers[seq] = (entry.get("digest"), entry.get("remains"))

    def _compare(self, checkpoint: Checkpoint, link: str) -> None:
        if checkpoint.link != link:
            raise Broken(
                self.confirmed + 1,
                self.unconfirmed_id,
                f"the chain differs from the checkpoint signed at {checkpoint.time} for event "
                f"{checkpoint.seq}: events after {self.confirmed} were replaced",
            )
        self.confirmed = checkpoint.seq
        self.confirmed_count += 1
        self.unconfirmed_id = None

    def _broken(self, event: AuditEvent, reason: str) -> None:
        raise Broken(event.seq, event.id, reason)


def check_seal(keys: Keyring, seal: AuditSeal | None) -> None:
    if seal is None:
        return
    if not keys.knows(seal.key_id) or not hmac.compare_digest(
        seal_mac(keys, seal.key_id, seal.tenant_id, seal.seq, seal.link, seal.erased), seal.mac
    ):
        raise Broken(1, None, "the seal of the unkeyed events does not verify (seal rewritten)")


def verify(
    session: Session,
    *,
    tenant_id: str,
    keys: Keyring,
    checkpoints: list[Checkpoint] | None = None,
) -> VerifyResult:
    """Walk the tenant's chain from its start and report the first event that does not
    fit. ``checkpoints`` (already checked for their signatures) of this tenant must all
    be met."""
    seal = session.get(AuditSeal, tenant_id)
    mine = [c for c in checkpoints or [] if c.tenant == tenant_id]
    walker: Walker | None = None
    try:
        check_seal(keys, seal)
        walker = Walker(keys, seal, checkpoints=mine)
        with repository.events_after(session, tenant_id, 0) as events:
            for event in events:
                walker.step(event)
        walker.finish(session.get(AuditHead, tenant_id))
    except Broken as broken:
        checked = walker.seq if walker else 0
        return VerifyResult(
            False,
            checked,
            broken.seq,
            broken.event_id,
            broken.reason,
            legacy=walker.legacy if walker else 0,
            checkpoints=walker.confirmed_count if walker else 0,
        )
    return VerifyResult(True, walker.seq, legacy=walker.legacy, checkpoints=walker.confirmed_count)
