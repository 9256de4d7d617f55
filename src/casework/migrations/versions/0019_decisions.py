"""Four-eyes decisions: changes held for a second person, and who may approve them

Revision ID: 0019
Revises: 0018

A decision a policy holds (a case config's ``approvals``, or the tenant's default) is
stored until someone holding ``case.approve`` approves or rejects it; the case (for a
resolution) or the screening match (for a decision on it) points at the one that waits. The built-in administrator and supervisor roles of every tenant get
the new permission, as new tenants' do; custom roles are left for their admins to grant.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from casework.migrations.grants import grant, revoke
from casework.models.base import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
APPROVE = "case.approve"
_GRANTEES = ["admin", "supervisor"]


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("change", _JSON, nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("proposed_by_user_id", sa.String(length=24), nullable=True),
        sa.Column("proposed_by_client_id", sa.String(length=24), nullable=True),
        sa.Column("proposed_by_name", sa.String(length=200), nullable=False),
        sa.Column("proposed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_user_id", sa.String(length=24), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_decisions_decided_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_user_id"],
            ["users.id"],
            name=op.f("fk_decisions_proposed_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_decisions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(
        op.f("ix_decisions_tenant_id_case_id_proposed_at"),
        "decisions",
        ["tenant_id", "case_id", "proposed_at"],
    )
    op.create_index(
        op.f("ix_decisions_tenant_id_status_proposed_at"),
        "decisions",
        ["tenant_id", "status", "proposed_at"],
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_decision_id", sa.String(length=24), nullable=True))
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_decision_id", sa.String(length=24), nullable=True))
    with op.batch_alter_table("case_configs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approvals", _JSON, nullable=True))
    grant(APPROVE, _GRANTEES)


def downgrade() -> None:
    revoke(APPROVE, _GRANTEES)
    with op.batch_alter_table("case_configs", schema=None) as batch_op:
        batch_op.drop_column("approvals")
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.drop_column("pending_decision_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pending_decision_id")
    op.drop_index(op.f("ix_decisions_tenant_id_status_proposed_at"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_tenant_id_case_id_proposed_at"), table_name="decisions")
    op.drop_table("decisions")
