"""rules: transaction-monitoring rules, alerts and their cases

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 11:09:16.238498
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_evaluations",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column(
            "transaction_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("claim_id", sa.String(length=24), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_pending_evaluations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_evaluations")),
    )
    with op.batch_alter_table("pending_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_evaluations_lease_expires_at"),
            ["lease_expires_at"],
            unique=False,
        )

    op.create_table(
        "rules",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_rules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_rules_tenant_id_name")),
    )
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rules_tenant_id_enabled"), ["tenant_id", "enabled"], unique=False
        )

    op.create_table(
        "rule_revisions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("rule_id", sa.String(length=24), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column(
            "condition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rules.id"],
            name=op.f("fk_rule_revisions_rule_id_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_rule_revisions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_revisions")),
        sa.UniqueConstraint("rule_id", "revision", name=op.f("uq_rule_revisions_rule_id_revision")),
    )
    op.create_table(
        "alert_groups",
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_alert_groups_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_alert_groups_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_alert_groups")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("rule_id", sa.String(length=24), nullable=False),
        sa.Column("rule_revision", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=24), nullable=False),
        sa.Column("transaction_id", sa.String(length=24), nullable=False),
        sa.Column(
            "transaction_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_alerts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_alerts_rule_id_rules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_alerts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_alerts_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "rule_id", "transaction_id", name=op.f("uq_alerts_rule_id_transaction_id")
        ),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_tenant_id_case_id"), ["tenant_id", "case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alerts_tenant_id_created_at_id"),
            ["tenant_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_alerts_tenant_id_customer_id_created_at"),
            ["tenant_id", "customer_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "case_transactions",
        sa.Column("case_id", sa.String(length=24), nullable=False),
        sa.Column("transaction_id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_transactions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_case_transactions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_case_transactions_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "transaction_id", name=op.f("pk_case_transactions")),
    )
    with op.batch_alter_table("case_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_transactions_transaction_id"), ["transaction_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_rule_id", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column(
                "created_by_rule",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_cases_created_by_rule_id"), ["created_by_rule_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_created_by_rule_id_rules"),
            "rules",
            ["created_by_rule_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_created_by_rule_id_rules"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_cases_created_by_rule_id"))
        batch_op.drop_column("created_by_rule")
        batch_op.drop_column("created_by_rule_id")

    with op.batch_alter_table("case_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transactions_transaction_id"))

    op.drop_table("case_transactions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_tenant_id_customer_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_tenant_id_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_tenant_id_case_id"))

    op.drop_table("alerts")
    op.drop_table("alert_groups")
    op.drop_table("rule_revisions")
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rules_tenant_id_enabled"))

    op.drop_table("rules")
    with op.batch_alter_table("pending_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_evaluations_lease_expires_at"))

    op.drop_table("pending_evaluations")
