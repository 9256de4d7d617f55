"""Regulatory reports drafted from a case, and the XML schema each tenant validates against

Revision ID: 0020
Revises: 0019

A report (goAML or FinCEN SAR) belongs to its case and is deleted with it. Writing
reports needs the new ``report.write`` permission, which the built-in administrator,
supervisor and analyst roles of every tenant get, as new tenants' do; custom roles are
left for their admins to grant.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from casework.migrations.grants import grant, revoke
from casework.models.base import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WRITE = "report.write"
_GRANTEES = ["admin", "supervisor", "analyst"]


def upgrade() -> None:
    op.create_table(
        "report_schemas",
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("xsd", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_report_schemas_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "format", name=op.f("pk_report_schemas")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("report_code", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "ready",
                "approved",
                "filed",
                "rejected",
                name="reportstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("suspect_identified", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("amends_report_id", sa.String(length=24), nullable=True),
        sa.Column("continues_report_id", sa.String(length=24), nullable=True),
        sa.Column("prior_reference", sa.String(length=255), nullable=True),
        sa.Column("pending_decision_id", sa.String(length=24), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=24), nullable=True),
        sa.Column("created_by_client_id", sa.String(length=24), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("ready_by_name", sa.String(length=200), nullable=True),
        sa.Column("ready_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_user_id", sa.String(length=24), nullable=True),
        sa.Column("approved_by_name", sa.String(length=200), nullable=True),
        sa.Column("approved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("xml_sha256", sa.String(length=64), nullable=True),
        sa.Column("filed_by_name", sa.String(length=200), nullable=True),
        sa.Column("filed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("fiu_rejected_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("fiu_rejection_note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["amends_report_id"],
            ["reports.id"],
            name=op.f("fk_reports_amends_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_user_id"], ["users.id"], name=op.f("fk_reports_approved_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["continues_report_id"],
            ["reports.id"],
            name=op.f("fk_reports_continues_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_reports_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reports_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_reports_tenant_id_number")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reports_tenant_id_case_id"), ["tenant_id", "case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reports_tenant_id_review_on"), ["tenant_id", "review_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reports_tenant_id_status_due_on"),
            ["tenant_id", "status", "due_on"],
            unique=False,
        )

    grant(WRITE, _GRANTEES)
    # Every tenant numbers its reports from 1, as new tenants do.
    op.execute(
        sa.text(
            "INSERT INTO tenant_counters (tenant_id, name, value) "
            "SELECT id, 'report_number', 0 FROM tenants"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM tenant_counters WHERE name = 'report_number'"))
    revoke(WRITE, _GRANTEES)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_tenant_id_status_due_on"))
        batch_op.drop_index(batch_op.f("ix_reports_tenant_id_review_on"))
        batch_op.drop_index(batch_op.f("ix_reports_tenant_id_case_id"))
    op.drop_table("reports")
    op.drop_table("report_schemas")
