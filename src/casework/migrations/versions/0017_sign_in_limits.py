"""Sign-in: failed-authentication counters shared by every process; emails in one form

Revision ID: 0017
Revises: 0016

Users' emails are stored NFKC-normalised and case-folded from now on, and looked up in
that form. Stored emails are brought to it here, except where two users of one tenant
would then have the same email: those are left as they are (the one already in the
normal form keeps signing in) for an admin to sort out, since picking one of two
look-alike accounts is not a migration's decision. The normal form is written out
here rather than imported, so that this step stays what it was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models.base import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _normal(email: str) -> str:
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def _normalise_emails() -> None:
    users = sa.table(
        "users", sa.column("id", sa.String), sa.column("tenant_id"), sa.column("email")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.tenant_id, users.c.email)).all()
    wanted: dict[tuple[str, str], list[str]] = {}
    for user_id, tenant_id, email in rows:
        wanted.setdefault((tenant_id, _normal(email)), []).append(user_id)
    for user_id, tenant_id, email in rows:
        normal = _normal(email)
        # A user that already has the normal form is counted among those who want it.
        if normal == email or len(wanted[(tenant_id, normal)]) > 1:
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=normal))


def upgrade() -> None:
    op.create_table(
        "failed_authentications",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_failed_authentications")),
    )
    op.create_index(
        op.f("ix_failed_authentications_window_start"),
        "failed_authentications",
        ["window_start"],
        unique=False,
    )
    _normalise_emails()


def downgrade() -> None:
    # Normalised emails stay: they were valid emails before, too.
    op.drop_index(
        op.f("ix_failed_authentications_window_start"), table_name="failed_authentications"
    )
    op.drop_table("failed_authentications")
