"""checks, case webhook url and legal hold, config checks and policy

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21 07:57:06.260539
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "SANCTIONS",
                "PEP",
                "ADVERSE_MEDIA",
                "UBO_RESOLUTION",
                "JURISDICTION",
                "TRANSACTION_RISK",
                name="checktype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "PROCESSING",
                "COMPLETED",
                "ERROR",
                name="processingstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "input_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "document_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("risk_score", sa.Double(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "ACCEPTED", "REJECTED", "PENDING", name="outcome", native_enum=False, length=40
            ),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "reasoning",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "dataset_versions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_checks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_checks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checks_status_lease_expires_at"),
            ["status", "lease_expires_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_checks_tenant_id_case_id_attempt"),
            ["tenant_id", "case_id", "attempt"],
            unique=False,
        )

    op.create_table(
        "screening_matches",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("check_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("subject_role", sa.String(length=40), nullable=False),
        sa.Column("dataset", sa.String(length=63), nullable=False),
        sa.Column("entity_key", sa.String(length=200), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=False),
        sa.Column("schema", sa.String(length=40), nullable=False),
        sa.Column(
            "topics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "programs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum(
                "unreviewed",
                "false_positive",
                "true_positive",
                name="matchdecision",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.String(length=24), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["checks.id"],
            name=op.f("fk_screening_matches_check_id_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_screening_matches_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_screening_matches_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_matches")),
    )
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_matches_check_id_position"),
            ["check_id", "position"],
            unique=False,
        )

    with op.batch_alter_table("case_configs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "checks",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch_op.add_column(
            sa.Column(
                "outcome_policy",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
        batch_op.add_column(
            sa.Column("monitoring", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("kyc_config_id", sa.String(length=24), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_configs_kyc_config_id_case_configs"),
            "case_configs",
            ["kyc_config_id"],
            ["id"],
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("legal_hold")
        batch_op.drop_column("webhook_url")

    with op.batch_alter_table("case_configs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_configs_kyc_config_id_case_configs"), type_="foreignkey"
        )
        batch_op.drop_column("kyc_config_id")
        batch_op.drop_column("monitoring")
        batch_op.drop_column("outcome_policy")
        batch_op.drop_column("checks")

    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_matches_check_id_position"))

    op.drop_table("screening_matches")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_tenant_id_case_id_attempt"))
        batch_op.drop_index(batch_op.f("ix_checks_status_lease_expires_at"))

    op.drop_table("checks")
