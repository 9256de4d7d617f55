"""dialects: integer numbers, requests for information, sessions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 14:09:08.834117
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERED = {
    "customers": "customer_number",
    "documents": "document_number",
    "checks": "check_number",
}


def _number_existing_rows(table: str, counter: str, order: str) -> None:
    """Numbers rows per tenant in creation order, and starts the counter after them."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, tenant_id FROM {table} ORDER BY {order}, id"))  # noqa: S608
    taken: dict[str, int] = {}
    for row_id, tenant_id in rows.fetchall():
        taken[tenant_id] = taken.get(tenant_id, 0) + 1
        bind.execute(
            sa.text(f"UPDATE {table} SET number = :n WHERE id = :id"),  # noqa: S608
            {"n": taken[tenant_id], "id": row_id},
        )
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).fetchall():
        bind.execute(
            sa.text("INSERT INTO tenant_counters (tenant_id, name, value) VALUES (:t, :n, :v)"),
            {"t": tenant_id, "n": counter, "v": taken.get(tenant_id, 0)},
        )


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_sessions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_expires_at"), ["expires_at"])
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"])

    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret_sealed", sa.Text(), nullable=True))

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enveloped", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rfi", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("rfi_requested_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rfi_sent_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dialect", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_rfi_requested_at"), ["rfi_requested_at"])

    for table, counter in NUMBERED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        _number_existing_rows(table, counter, "created_at")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_tenant_id_number"), ["tenant_id", "number"]
            )


def downgrade() -> None:
    for table, counter in NUMBERED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_tenant_id_number"), type_="unique")
            batch_op.drop_column("number")
        op.execute(sa.text(f"DELETE FROM tenant_counters WHERE name = '{counter}'"))  # noqa: S608

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_rfi_requested_at"))
        batch_op.drop_column("dialect")
        batch_op.drop_column("rfi_sent_at")
        batch_op.drop_column("rfi_requested_at")
        batch_op.drop_column("rfi")

    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("secret_sealed")

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("enveloped")

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))
    op.drop_table("user_sessions")
