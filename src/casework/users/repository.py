"""User and role queries (a user's role is loaded where its permissions are read)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload

from casework.infra import repository as base
from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey
from casework.infra.substring import contains
from casework.models import Role, Tenant, User


def get(session: Session, *, tenant_id: str, user_id: str) -> User:
    """The tenant's user, with their role; NotFound otherwise."""
    user = session.scalar(
        select(User)
        .options(joinedload(User.role))
        .where(User.tenant_id == tenant_id, User.id == user_id)
    )
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def by_email(session: Session, *, tenant_id: str, email: str) -> User | None:
    """The tenant's user with this (normalised) email, with their role."""
    return session.scalar(
        select(User)
        .options(joinedload(User.role))
        .where(User.tenant_id == tenant_id, User.email == email)
    )


def by_id_with_role(session: Session, user_id: str) -> User | None:
    """The user with this id, of whichever tenant, with their role (a session's user)."""
    return session.scalar(select(User).options(joinedload(User.role)).where(User.id == user_id))


def active(
    session: Session, *, tenant_id: str, user_id: str, with_role: bool = False
) -> User | None:
    """The tenant's user if they are active."""
    stmt = select(User)
    if with_role:
        stmt = stmt.options(joinedload(User.role))
    return session.scalar(
        stmt.where(User.id == user_id, User.tenant_id == tenant_id, User.is_active.is_(True))
    )


def active_with_email(
    session: Session, *, email: str, organisation: str | None = None
) -> list[User]:
    """The active users with this (normalised) email, with their roles: of every tenant,
    or of the tenant with slug ``organisation`` only."""
    stmt = (
        select(User)
        .options(joinedload(User.role))
        .where(User.email == email, User.is_active.is_(True))
    )
    if organisation is not None:
        stmt = stmt.join(Tenant, Tenant.id == User.tenant_id).where(Tenant.slug == organisation)
    return list(session.scalars(stmt))


def by_id(session: Session, *, tenant_id: str, ids: Collection[str]) -> dict[str, User]:
    """The tenant's users with these ids, by id, in one query."""
    return base.by_id(session, User, ids, tenant_id=tenant_id)


def names(session: Session, *, tenant_id: str, ids: Collection[str]) -> dict[str, str]:
    """The full names of the tenant's users with these ids, by id."""
    if not ids:
        return {}
    found = session.execute(
        select(User.id, User.first_name, User.last_name).where(
            User.tenant_id == tenant_id, User.id.in_(ids)
        )
    )
    return {row.id: f"{row.first_name} {row.last_name}".strip() for row in found}


def emails(session: Session, *, tenant_id: str) -> list[str]:
    return list(session.scalars(select(User.email).where(User.tenant_id == tenant_id)))


def active_people(session: Session, *, tenant_id: str) -> list[User]:
    """The tenant's active users with their roles, by name."""
    return list(
        session.scalars(
            select(User)
            .options(joinedload(User.role))
            .where(User.tenant_id == tenant_id, User.is_active.is_(True))
            .order_by(User.first_name, User.last_name, User.id)
        )
    )


def of_tenant_by_email(session: Session, *, tenant_id: str) -> list[User]:
    """All the tenant's users with their roles, by email."""
    return list(
        session.scalars(
            select(User)
            .options(joinedload(User.role))
            .where(User.tenant_id == tenant_id)
            .order_by(User.email)
        )
    )


def mentionable(
    session: Session, *, tenant_id: str, emails: Collection[str], local_parts: Collection[str]
) -> list[tuple[str, str]]:
    """(id, lowercased email) of the tenant's active users whose email is one of
    ``emails`` (lowercase) or starts with one of ``local_parts`` and an "@"."""
    email = func.lower(User.email)
    named: list[ColumnElement[bool]] = []
    if emails:
        named.append(email.in_(sorted(emails)))
    for local in sorted(local_parts):
        named.append(email.like(f"{_like_literal(local)}@%", escape="\\"))
    found = session.execute(
        select(User.id, email).where(User.tenant_id == tenant_id, User.is_active, or_(*named))
    ).all()
    return [(user_id, address) for user_id, address in found]


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page(
    session: Session,
    *,
    tenant_id: str,
    role: str | None,
    is_active: bool | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[User], str | None]:
    """The tenant's users, by email."""
    stmt = select(User).options(joinedload(User.role)).where(User.tenant_id == tenant_id)
    if role:
        stmt = stmt.where(
            User.role_id.in_(select(Role.id).where(Role.tenant_id == tenant_id, Role.slug == role))
        )
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    if q:
        stmt = stmt.where(
            contains(
                q,
                User.email,
                User.first_name,
                User.last_name,
                User.first_name + " " + User.last_name,
            )
        )
    key = SortKey(column=User.email, id_column=User.id, descending=False)
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda u: u.email
    )


def role_ids_with(session: Session, *, tenant_id: str, permission: str) -> list[str]:
    """The ids of the tenant's roles that hold ``permission`` (a tenant has a handful of
    roles; their permission lists are read here rather than searched in SQL, whose JSON
    operators differ between SQLite and PostgreSQL)."""
    roles = session.execute(
        select(Role.id, Role.permissions).where(Role.tenant_id == tenant_id)
    ).all()
    return sorted(role_id for role_id, permissions in roles if permission in permissions)


def active_page(
    session: Session,
    *,
    tenant_id: str,
    role_ids: Collection[str],
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[User], str | None]:
    """The tenant's active users of these roles, with their roles, by email."""
    stmt = (
        select(User)
        .options(joinedload(User.role))
        .where(
            User.tenant_id == tenant_id,
            User.is_active.is_(True),
            User.role_id.in_(sorted(role_ids)),
        )
    )
    if q:
        stmt = stmt.where(
            contains(
                q,
                User.email,
                User.first_name,
                User.last_name,
                User.first_name + " " + User.last_name,
            )
        )
    key = SortKey(column=User.email, id_column=User.id, descending=False)
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda u: u.email
    )


def role_by_slug(session: Session, *, tenant_id: str, slug: str) -> Role | None:
    return session.scalar(select(Role).where(Role.tenant_id == tenant_id, Role.slug == slug))


def role_slug_taken(session: Session, *, tenant_id: str, slug: str) -> bool:
    taken = session.scalar(select(Role.id).where(Role.tenant_id == tenant_id, Role.slug == slug))
    return bool(taken)


def get_role(session: Session, *, tenant_id: str, role_id: str) -> Role:
    return base.get(session, Role, role_id, tenant_id=tenant_id, what="role")


def role_id_of(session: Session, user_id: str) -> str | None:
    return session.scalar(select(User.role_id).where(User.id == user_id))


def role_page(
    session: Session, *, tenant_id: str, cursor: str | None, limit: int
) -> tuple[Sequence[Role], str | None]:
    """The tenant's roles, by slug."""
    stmt = select(Role).where(Role.tenant_id == tenant_id)
    key = SortKey(column=Role.slug, id_column=Role.id, descending=False)
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda r: r.slug
    )
