"""Watchlists: a dataset may belong to one tenant; a version records its publication time

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watchlist_datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tenant_id", sa.String(length=24), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_watchlist_datasets_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_watchlist_datasets_tenant_id_tenants"),
            "tenants",
            ["tenant_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("watchlist_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watchlist_versions", schema=None) as batch_op:
        batch_op.drop_column("published_at")
    with op.batch_alter_table("watchlist_datasets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_watchlist_datasets_tenant_id_tenants"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_watchlist_datasets_tenant_id"))
        batch_op.drop_column("tenant_id")
