"""monitoring: monitored customers, rescreen runs, delisted matches, related cases

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 09:20:37.763024
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_runs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("dataset_id", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cursor", sa.String(length=24), nullable=True),
        sa.Column("claim_id", sa.String(length=24), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "stats",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["watchlist_datasets.id"],
            name=op.f("fk_monitoring_runs_dataset_id_watchlist_datasets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_runs")),
        sa.UniqueConstraint(
            "dataset_id", "version", name=op.f("uq_monitoring_runs_dataset_id_version")
        ),
    )
    with op.batch_alter_table("monitoring_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_runs_status_lease_expires_at"),
            ["status", "lease_expires_at"],
            unique=False,
        )

    op.create_table(
        "monitored_customers",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=True),
        sa.Column(
            "checks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "subjects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_monitored_customers_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_monitored_customers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_monitored_customers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitored_customers")),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", name=op.f("uq_monitored_customers_tenant_id_customer_id")
        ),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("related_case_id", sa.String(length=24), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cases_related_case_id"), ["related_case_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_related_case_id_cases"),
            "cases",
            ["related_case_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delisted_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.drop_column("delisted_version")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_related_case_id_cases"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_related_case_id"))
        batch_op.drop_column("related_case_id")

    op.drop_table("monitored_customers")
    with op.batch_alter_table("monitoring_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_runs_status_lease_expires_at"))

    op.drop_table("monitoring_runs")
