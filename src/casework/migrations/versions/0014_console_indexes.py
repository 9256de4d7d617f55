"""Index the console queue's tabs and its priority order

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_cases_tenant_id_id": ["tenant_id", "id"],
    "ix_cases_tenant_id_assignee_id_id": ["tenant_id", "assignee_id", "id"],
    "ix_cases_tenant_id_is_escalated_id": ["tenant_id", "is_escalated", "id"],
    "ix_cases_tenant_id_priority_id": ["tenant_id", "priority", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(batch_op.f(name), columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(batch_op.f(name))
