"""retention: document expiry, redacted audit events, deliveries linked to their case

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 08:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_EXPIRING = ("cases", "checks", "customers", "documents")


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delete_after", sa.DateTime(timezone=True), nullable=True))
    for table in _EXPIRING:  # the purge job's access path
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_delete_after"), ["delete_after"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redacted_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.String(length=24), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_case_id_status"), ["case_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_case_id_status"))
        batch_op.drop_column("case_id")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("redacted_digest")
    for table in _EXPIRING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_delete_after"))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("delete_after")
