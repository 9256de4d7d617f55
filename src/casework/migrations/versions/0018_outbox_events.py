"""Outbox events: the outbound events the audit trail does not record, until published

Revision ID: 0018
Revises: 0017

A check's and a case's completion used to become webhook deliveries in the transaction
that finished them; they are now queued here in that transaction and published after
it commits, by the job that publishes the audit trail's case events. Nothing is moved:
deliveries made before this step stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=True),
        sa.Column("case_url", sa.String(length=2000), nullable=True),
        sa.Column("url_variant", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_outbox_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_events_tenant_id_id"), ["tenant_id", "id"], unique=False
        )


def downgrade() -> None:
    # Events not yet published are lost with the table: publish them before going down.
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_tenant_id_id"))
    op.drop_table("outbox_events")
