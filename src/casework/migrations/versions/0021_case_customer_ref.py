"""The reference a case's creating request named its customer by

Revision ID: 0021
Revises: 0020

A vendor API names the customer back as its client named it: Sumsub's ``applicantId``
may be a customer's casework id or its external id, and the case answers with the one
the client sent, on creation and on every read. Cases created before this step have
none and are named by the customer's id, as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_ref", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("customer_ref")
