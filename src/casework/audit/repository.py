"""Appending one event to a tenant's chain, in as few round trips as each database allows."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, text, update

from casework.audit.chain import link_digest
from casework.models import AuditEvent, AuditHead

_CHAINED = frozenset({"seq", "prev_hash", "hash"})
_COLUMNS = [c for c in AuditEvent.__table__.columns if c.key not in _CHAINED]

_ADVANCE_HEAD = (
    update(AuditHead)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .values(seq=AuditHead.seq + 1)
    .returning(AuditHead.seq, AuditHead.hash)
)
_SET_HEAD_HASH = (
    update(AuditHead)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .values(hash=bindparam("new_hash"))
)
_INSERT_EVENT = insert(AuditEvent)

# The head's row lock orders a tenant's writers and is held until commit, so on
# PostgreSQL taking it, linking the event and moving the head are one statement: no
# round trip to the application happens while other writers of the tenant wait.
# The hash is link_digest() computed by the database. FOR UPDATE re-reads the newest
# head after waiting for a concurrent writer, so the link is never stale.
_APPEND_POSTGRESQL_SQL = f"""
    WITH old AS (
        SELECT seq, hash FROM audit_heads WHERE tenant_id = :tenant_id FOR UPDATE
    ), link AS (
        SELECT old.seq + 1 AS seq, old.hash AS prev_hash,
               encode(sha256(convert_to(
                   old.hash || ':' || (old.seq + 1)::text || ':' || :content, 'UTF8'
               )), 'hex') AS hash
        FROM old
    ), head AS (
        UPDATE audit_heads SET seq = link.seq, hash = link.hash
        FROM link WHERE audit_heads.tenant_id = :tenant_id
    )
    INSERT INTO audit_events ({", ".join(c.name for c in _COLUMNS)}, seq, prev_hash, hash)
    SELECT {", ".join(f":{c.key}" for c in _COLUMNS)}, link.seq, link.prev_hash, link.hash
    FROM link
    RETURNING seq, prev_hash, hash
"""  # noqa: S608 (the column names come from the model; every value is bound)
_APPEND_POSTGRESQL = text(_APPEND_POSTGRESQL_SQL).bindparams(
    *(bindparam(c.key, type_=c.type) for c in _COLUMNS), bindparam("content")
)


def append(connection: Connection, event: AuditEvent, content: str) -> None:
    """Give ``event`` the next place in its tenant's chain and insert it.

    ``content`` is the event's content_digest(); seq, prev_hash and hash are set here.
    """
    params = {c.key: getattr(event, c.key) for c in _COLUMNS}
    if connection.dialect.name == "postgresql":
        row = connection.execute(_APPEND_POSTGRESQL, {**params, "content": content}).one()
        event.seq, event.prev_hash, event.hash = row
        return
    # Elsewhere (SQLite) the database's write lock already orders writers.
    seq, prev_hash = connection.execute(_ADVANCE_HEAD, {"tenant": event.tenant_id}).one()
    event.seq, event.prev_hash = seq, prev_hash
    event.hash = link_digest(prev_hash, seq, content)
    connection.execute(
        _INSERT_EVENT, {**params, "seq": seq, "prev_hash": prev_hash, "hash": event.hash}
    )
    connection.execute(_SET_HEAD_HASH, {"tenant": event.tenant_id, "new_hash": event.hash})


_LOCK_HEAD = (
    select(AuditHead.seq, AuditHead.hash)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .with_for_update()
)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.tenant_id == bindparam("tenant"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append_many(
    connection: Connection, tenant_id: str, items: list[tuple[AuditEvent, str]]
) -> None:
    """Append several events of one tenant in order: lock the head, link the events
    here, insert them together and move the head (three statements however many)."""
    if not items:
        return
    seq, prev_hash = connection.execute(_LOCK_HEAD, {"tenant": tenant_id}).one()
    rows = []
    for event, content in items:
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = link_digest(prev_hash, seq, content)
        rows.append(
            {c.key: getattr(event, c.key) for c in _COLUMNS}
            | {"seq": seq, "prev_hash": event.prev_hash, "hash": event.hash}
        )
    connection.execute(_INSERT_EVENT, rows)
    connection.execute(_MOVE_HEAD, {"tenant": tenant_id, "new_seq": seq, "new_hash": prev_hash})
