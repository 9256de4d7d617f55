"""Sealing chains written before the chain was keyed (run by the upgrade that keys it).

Such a chain's links are plain SHA-256, which anyone can recompute. The upgrade seals
each one where it ends: a seal record MACed with the new key (how far the unkeyed rule
goes, its last link, and the erasures made under it) and a signed checkpoint outside
the database. Events after the seal are keyed; unkeyed events beyond a seal, or
without one, fail verification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from casework.audit import checkpoints
from casework.audit.chain import content_digest, head_mac, seal_mac
from casework.audit.checkpoints import Checkpoint
from casework.audit.keys import keyring_for
from casework.config import Settings
from casework.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal

# The columns an event had when chains were sealed (later columns are not read here).
_EVENT_COLUMNS = (
    "id",
    "tenant_id",
    "seq",
    "occurred_at",
    "actor_type",
    "actor_user_id",
    "actor_client_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "case_id",
    "message",
    "before",
    "after",
    "prev_hash",
    "hash",
    "redacted_digest",
)


def unsealed_heads(connection: Connection) -> list[Any]:
    return list(
        connection.execute(
            select(AuditHead.tenant_id, AuditHead.seq, AuditHead.hash).where(
                AuditHead.key_id.is_(None)
            )
        )
    )


def seal_legacy_chains(connection: Connection, settings: Settings, *, now: datetime) -> int:
    """Seal every tenant's unkeyed chain; the number of chains sealed."""
    heads = unsealed_heads(connection)
    if not heads:
        return 0
    keys = keyring_for(settings)
    signer = checkpoints.signer_for(settings)
    key_id = keys.current_id
    signed: list[Checkpoint] = []
    for tenant_id, seq, link in heads:
        if seq > 0:
            erased = _legacy_erasures(connection, tenant_id, seq)
            connection.execute(
                insert(AuditSeal).values(
                    tenant_id=tenant_id,
                    seq=seq,
                    link=link,
                    erased=erased,
                    sealed_at=now,
                    key_id=key_id,
                    mac=seal_mac(keys, key_id, tenant_id, seq, link, erased),
                )
            )
            checkpoint = signer.sign(tenant=tenant_id, seq=seq, link=link, at=now)
            signed.append(checkpoint)
            connection.execute(
                insert(AuditCheckpoint).values(
                    tenant_id=tenant_id,
                    seq=seq,
                    link=link,
                    signed_at=now,
                    record=checkpoint.line(),
                )
            )
        connection.execute(
            update(AuditHead)
            .where(AuditHead.tenant_id == tenant_id)
            .values(key_id=key_id, mac=head_mac(keys, key_id, tenant_id, seq, link))
        )
    checkpoints.append(settings.audit_checkpoint_path, signed)
    return len(heads)


def _legacy_erasures(connection: Connection, tenant_id: str, seq: int) -> list[dict[str, Any]]:
    table = AuditEvent.__table__
    rows = connection.execute(
        select(*(table.c[name] for name in _EVENT_COLUMNS))
        .where(
            table.c.tenant_id == tenant_id,
            table.c.seq <= seq,
            table.c.redacted_digest.is_not(None),
        )
        .order_by(table.c.seq)
    )
    erased = []
    for row in rows:
        event = AuditEvent(**row._asdict())
        erased.append(
            {"seq": row.seq, "digest": row.redacted_digest, "remains": content_digest(event)}
        )
    return erased
