"""A new permission for the built-in roles of every existing tenant, as new tenants'
roles get it from ``casework.auth.permissions``; custom roles are left to their admins.

Shared by the migrations that add a permission, which run it in their own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_roles = sa.table(
    "roles",
    sa.column("id", sa.String),
    sa.column("slug", sa.String),
    sa.column("is_builtin", sa.Boolean),
    sa.column("permissions", _JSON),
)


def _builtin_roles(slugs: Sequence[str]) -> list[tuple[str, list[str]]]:
    rows = op.get_bind().execute(
        sa.select(_roles.c.id, _roles.c.permissions).where(
            _roles.c.is_builtin.is_(True), _roles.c.slug.in_(list(slugs))
        )
    )
    return [(row.id, list(row.permissions or [])) for row in rows]


def _set(role_id: str, permissions: list[str]) -> None:
    op.get_bind().execute(
        _roles.update().where(_roles.c.id == role_id).values(permissions=permissions)
    )


def grant(permission: str, slugs: Sequence[str]) -> None:
    for role_id, permissions in _builtin_roles(slugs):
        if permission not in permissions:
            _set(role_id, [*permissions, permission])


def revoke(permission: str, slugs: Sequence[str]) -> None:
    for role_id, permissions in _builtin_roles(slugs):
        if permission in permissions:
            _set(role_id, [p for p in permissions if p != permission])
