"""The chain: how an audit event's content is digested and linked to the event before it.

An event's ``hash`` is its link: a MAC (HMAC-SHA-256, with the key its ``key_id``
names) of the previous link, its place and its content digest, so whoever lacks the
key cannot recompute a chain that verifies. Events written before the chain was keyed
have ``key_id`` NULL and a plain SHA-256 link (the legacy rule); a seal made by the
upgrade vouches for them (see casework.audit.seal).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from casework.audit.keys import Keyring
from casework.models import AuditEvent

GENESIS_HASH = "0" * 64
# The action of the event that records an erasure: which events lost their content,
# the digest the chain still binds for each, and the digest of what remains of it.
ERASURE = "audit.erased"
ERASED_MESSAGE = "[erased under retention]"


def jsonable(value: Any) -> Any:
    """Turn domain values into plain JSON values, deterministically."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_digest(event: AuditEvent) -> str:
    """The digest of what an event says, without its place in the chain."""
    body = {
        "tenant_id": event.tenant_id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_type": jsonable(event.actor_type),
        "actor_user_id": event.actor_user_id,
        "actor_client_id": event.actor_client_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "case_id": event.case_id,
        "message": event.message,
        "before": event.before,
        "after": event.after,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def link_message(prev_hash: str, seq: int, content: str) -> str:
    """What a link binds: the content, its position and the link before it."""
    return f"{prev_hash}:{seq}:{content}"


def legacy_link(prev_hash: str, seq: int, content: str) -> str:
    """The unkeyed link of events written before the chain was keyed."""
    return hashlib.sha256(link_message(prev_hash, seq, content).encode()).hexdigest()


def keyed_link(keys: Keyring, key_id: str, prev_hash: str, seq: int, content: str) -> str:
    return keys.mac(key_id, link_message(prev_hash, seq, content))


def chained_content(event: AuditEvent) -> str:
    """The digest the chain binds: the original content's, also after an erasure."""
    return event.redacted_digest or content_digest(event)


def head_mac(keys: Keyring, key_id: str, tenant_id: str, seq: int, link: str) -> str:
    """The MAC of a tenant's head record: rewinding it needs the key."""
    return keys.mac(key_id, f"head:{tenant_id}:{seq}:{link}")


def seal_mac(
    keys: Keyring, key_id: str, tenant_id: str, seq: int, link: str, erased: list[Any]
) -> str:
    """The MAC of a legacy chain's seal: where the unkeyed rule ends, and the erasures
    made under it."""
    body = canonical({"tenant": tenant_id, "seq": seq, "link": link, "erased": erased})
    return keys.mac(key_id, "seal:" + body.decode())
