"""The links, head and seal MACs are computed exactly as docs/audit.md writes them down,
so chains stored by one version still verify under the next and anyone holding the key
can check them with a few lines of their own."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path

from casework.audit.chain import (
    content_digest,
    head_mac,
    jsonable,
    keyed_link,
    legacy_link,
    seal_mac,
)
from casework.audit.keys import Keyring
from casework.models import AuditEvent
from casework.models.enums import ActorType

KEY = b"k" * 32
PREV = "ab" * 32
CONTENT = "cd" * 32


def _mac(message: str) -> str:
    return hmac.new(KEY, message.encode(), hashlib.sha256).hexdigest()


def test_links_head_and_seal_follow_the_documented_formats(tmp_path: Path):
    keys = Keyring(tmp_path / "keys", {"k1": KEY}, "k1")
    assert (
        legacy_link(PREV, 7, CONTENT) == hashlib.sha256(f"{PREV}:7:{CONTENT}".encode()).hexdigest()
    )
    assert keyed_link(keys, "k1", PREV, 7, CONTENT) == _mac(f"{PREV}:7:{CONTENT}")
    assert head_mac(keys, "k1", "tenant-1", 7, PREV) == _mac(f"head:tenant-1:7:{PREV}")
    erased = [{"seq": 3, "digest": CONTENT, "remains": PREV}]
    body = json.dumps(
        {"tenant": "tenant-1", "seq": 7, "link": PREV, "erased": erased},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert seal_mac(keys, "k1", "tenant-1", 7, PREV, erased) == _mac("seal:" + body)


def test_the_content_digest_is_the_documented_canonical_json():
    event = AuditEvent(
        tenant_id="tenant-1",
        occurred_at=datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
        actor_type=ActorType.api_client,
        actor_user_id=None,
        actor_client_id="client-1",
        actor_name="Zoë's integration",
        action="case.updated",
        entity_type="case",
        entity_id="case-1",
        case_id="case-1",
        message="Priorité: élevée",
        before={"priority": "low"},
        after={"priority": "high", "tags": ["kyc"]},
    )
    # Written out by hand: sorted keys, no spaces, UTF-8 rather than \u escapes.
    canonical = (
        '{"action":"case.updated","actor_client_id":"client-1",'
        '"actor_name":"Zoë\'s integration","actor_type":"api_client",'
        '"actor_user_id":null,"after":{"priority":"high","tags":["kyc"]},'
        '"before":{"priority":"low"},"case_id":"case-1","entity_id":"case-1",'
        '"entity_type":"case","message":"Priorité: élevée",'
        '"occurred_at":"2026-03-01T12:30:00+00:00","tenant_id":"tenant-1"}'
    )
    assert content_digest(event) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_domain_values_become_plain_json_values():
    class Colour(Enum):
        red = "RED"

    value = {
        1: Colour.red,
        "at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
        "on": date(2026, 3, 1),
        "amount": Decimal("12.50"),
        "pair": ("a", Decimal("1")),
        "set": {"only"},
        "plain": [1, None, True],
    }
    assert jsonable(value) == {
        "1": "RED",
        "at": "2026-03-01T12:30:00+00:00",
        "on": "2026-03-01",
        "amount": "12.50",
        "pair": ["a", "1"],
        "set": ["only"],
        "plain": [1, None, True],
    }
