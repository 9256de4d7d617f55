"""transactions: FX reference rates and customer transactions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 10:47:26.085163
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint("currency", "rate_date", name=op.f("uq_fx_rates_currency_rate_date")),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="direction", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=60), nullable=True),
        sa.Column("channel", sa.String(length=60), nullable=True),
        sa.Column("counterparty_name", sa.String(length=400), nullable=True),
        sa.Column("counterparty_account", sa.String(length=100), nullable=True),
        sa.Column("counterparty_bank", sa.String(length=200), nullable=True),
        sa.Column("counterparty_country", sa.String(length=3), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("amount_in_default_currency", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("fx_rate", sa.Numeric(precision=24, scale=10), nullable=False),
        sa.Column("fx_rate_date", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_transactions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_transactions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_transactions_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transactions_tenant_id_customer_id_occurred_at"),
            ["tenant_id", "customer_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_transactions_tenant_id_occurred_at_id"),
            ["tenant_id", "occurred_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_tenant_id_occurred_at_id"))
        batch_op.drop_index(batch_op.f("ix_transactions_tenant_id_customer_id_occurred_at"))

    op.drop_table("transactions")
    op.drop_table("fx_rates")
