"""The hash chain: how one audit event's digest is computed from its content."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from casework.models import AuditEvent

GENESIS_HASH = "0" * 64


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


def link_digest(prev_hash: str, seq: int, content: str) -> str:
    """An event's hash: its content bound to its position and to the event before it.

    Kept to one ASCII line so that the database can compute the same value
    (``sha256`` of ``prev:seq:content``) while it advances the chain's head.
    """
    return hashlib.sha256(f"{prev_hash}:{seq}:{content}".encode()).hexdigest()


def event_digest(event: AuditEvent) -> str:
    content = event.redacted_digest or content_digest(event)
    return link_digest(event.prev_hash, event.seq, content)
