"""Audit: keyed chain links, erasure records and checkpoints

Events get the id of the key their link was made with (NULL: a link made before the
chain was keyed), heads a MAC, and two tables appear: the seals of chains written
before (where the unkeyed rule ends) and each tenant's last signed checkpoint.

Existing chains are sealed here, with the keys of the settings the upgrade runs with
(``casework db upgrade`` passes its own; otherwise they are read from the
environment): a seal record MACed with the new key and a signed checkpoint appended
to the checkpoint file. Downgrading drops the seals and key ids; the keyed links
written meanwhile no longer verify under the old rule.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("audit_heads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_seals",
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=False),
        sa.Column("erased", _JSON, nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_seals_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_seals")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_checkpoints_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_checkpoints")),
    )
    _seal_existing_chains()


def _seal_existing_chains() -> None:
    from casework.audit.seal import seal_legacy_chains, unsealed_heads
    from casework.config import Settings
    from casework.models.base import utcnow

    connection = op.get_bind()
    if not unsealed_heads(connection):
        return  # a new installation: no keys are needed yet
    settings = context.config.attributes.get("settings") or Settings()
    seal_legacy_chains(connection, settings, now=utcnow())


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_seals")
    with op.batch_alter_table("audit_heads", schema=None) as batch_op:
        batch_op.drop_column("mac")
        batch_op.drop_column("key_id")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
