"""Users and roles of a tenant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth import secrets
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.infra.lookalikes import normalise_email, skeleton
from casework.models import Role, User
from casework.users import repository
from casework.users.schemas import RoleCreate, RoleUpdate, UserUpdate, email_address, password_text

_KNOWN_PERMISSIONS = frozenset(p.value for p in Permission)


def _checked(field: str, value: str, check: Callable[[str], str]) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed.on(field, str(exc)) from exc


def _name(field: str, value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 100:
        raise ValidationFailed.on(field, "must be 1 to 100 characters")
    return value


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role.slug,
        "is_active": user.is_active,
        "has_password": user.password_hash is not None,
    }


def _role_snapshot(role: Role) -> dict[str, Any]:
    return {"slug": role.slug, "name": role.name, "permissions": sorted(role.permissions)}


def _role_by_slug(session: Session, tenant_id: str, role_slug: str) -> Role:
    role = repository.role_by_slug(session, tenant_id=tenant_id, slug=role_slug)
    if role is None:
        raise ValidationFailed.on("role", f"no role {role_slug!r} in this tenant")
    return role


def _without_admin(role: Role) -> bool:
    return Permission.admin.value not in role.permissions


def create_user(
    session: Session,
    *,
    actor: Principal,
    email: str,
    first_name: str,
    last_name: str,
    role_slug: str,
    password: str | None = None,
) -> User:
    email = _checked("email", email, email_address)
    first_name = _name("first_name", first_name)
    last_name = _name("last_name", last_name)
    if password is not None:
        password = _checked("password", password, password_text)
    role = _role_by_slug(session, actor.tenant_id, role_slug)
    _refuse_taken_email(session, actor.tenant_id, email)
    user = User(
        tenant_id=actor.tenant_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        password_hash=secrets.hash_password(password) if password is not None else None,
        is_active=True,
    )
    return audit.record_created(
        session, user, actor=actor, entity_type="user", after=_user_snapshot
    )


def _refuse_taken_email(session: Session, tenant_id: str, email: str) -> None:
    """An email another user of the tenant has, or one that looks the same ("admin"
    spelt with a Cyrillic a, "paypa1"), would let a newcomer pass for that user."""
    looks = skeleton(email)
    for existing in repository.emails(session, tenant_id=tenant_id):
        if existing == email:
            raise Conflict(
                f"a user with email {email!r} exists",
                errors=[FieldError("email", "is taken by another user")],
            )
        if skeleton(existing) == looks:
            raise Conflict(
                f"the email {email!r} looks the same as another user's, {existing!r}",
                errors=[FieldError("email", "looks the same as another user's email")],
            )


def get_user(session: Session, *, actor: Principal, user_id: str) -> User:
    return repository.get(session, tenant_id=actor.tenant_id, user_id=user_id)


def get_user_by_email(session: Session, *, tenant_id: str, email: str) -> User:
    user = repository.by_email(session, tenant_id=tenant_id, email=normalise_email(email))
    if user is None:
        raise NotFound(f"no user with email {email!r}")
    return user


def update_user(session: Session, *, actor: Principal, user_id: str, data: UserUpdate) -> User:
    user = get_user(session, actor=actor, user_id=user_id)
    values = data.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None:
            raise ValidationFailed.on(name, "cannot be removed")
    is_self = actor.user_id == user.id
    role = _role_by_slug(session, actor.tenant_id, values["role"]) if "role" in values else None
    if is_self and role is not None and _without_admin(role):
        raise Conflict("you cannot remove the admin permission from your own account")
    if is_self and values.get("is_active") is False:
        raise Conflict("you cannot deactivate your own account")
    before = _user_snapshot(user)
    if role is not None:
        user.role = role
    for name in ("first_name", "last_name", "is_active"):
        if name in values:
            setattr(user, name, values[name])
    if data.password is not None:
        user.password_hash = secrets.hash_password(data.password.get_secret_value())
    old, new = audit.changes(before, _user_snapshot(user))
    if data.password is not None:
        new["password_changed"] = True
    if new:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="user.updated",
            entity_type="user",
            entity_id=user.id,
            before=old,
            after=new,
        )
    return user


def list_users(
    session: Session,
    *,
    actor: Principal,
    role: str | None,
    is_active: bool | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[User], str | None]:
    return repository.page(
        session,
        tenant_id=actor.tenant_id,
        role=role,
        is_active=is_active,
        q=q,
        cursor=cursor,
        limit=limit,
    )


def list_assignees(
    session: Session, *, actor: Principal, q: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[User], str | None]:
    """The colleagues a case can be assigned to: the tenant's active users whose role
    holds case.assign."""
    role_ids = repository.role_ids_with(
        session, tenant_id=actor.tenant_id, permission=Permission.case_assign.value
    )
    return repository.active_page(
        session, tenant_id=actor.tenant_id, role_ids=role_ids, q=q, cursor=cursor, limit=limit
    )


def _permissions(values: list[str]) -> list[str]:
    for index, value in enumerate(values):
        if value not in _KNOWN_PERMISSIONS:
            raise ValidationFailed.on(f"permissions[{index}]", f"unknown permission {value!r}")
    return sorted(set(values))


def create_role(session: Session, *, actor: Principal, data: RoleCreate) -> Role:
    permissions = _permissions(data.permissions)
    if repository.role_slug_taken(session, tenant_id=actor.tenant_id, slug=data.slug):
        raise Conflict(f"a role with slug {data.slug!r} exists")
    role = Role(
        tenant_id=actor.tenant_id,
        slug=data.slug,
        name=data.name,
        permissions=permissions,
        is_builtin=False,
    )
    return audit.record_created(
        session, role, actor=actor, entity_type="role", after=_role_snapshot
    )


def get_role(session: Session, *, actor: Principal, role_id: str) -> Role:
    return repository.get_role(session, tenant_id=actor.tenant_id, role_id=role_id)


def update_role(session: Session, *, actor: Principal, role_id: str, data: RoleUpdate) -> Role:
    role = get_role(session, actor=actor, role_id=role_id)
    if role.is_builtin:
        raise Conflict(f"the built-in role {role.slug!r} cannot be changed")
    values = data.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None:
            raise ValidationFailed.on(name, "cannot be removed")
    before = _role_snapshot(role)
    if "permissions" in values:
        permissions = _permissions(values["permissions"])
        own_role_id = repository.role_id_of(session, actor.user_id) if actor.user_id else None
        if own_role_id == role.id and Permission.admin.value not in permissions:
            raise Conflict("you cannot remove the admin permission from your own role")
        role.permissions = permissions
    if "name" in values:
        role.name = values["name"]
    old, new = audit.changes(before, _role_snapshot(role))
    if new:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="role.updated",
            entity_type="role",
            entity_id=role.id,
            before=old,
            after=new,
        )
    return role


def list_roles(
    session: Session, *, actor: Principal, cursor: str | None, limit: int
) -> tuple[Sequence[Role], str | None]:
    return repository.role_page(session, tenant_id=actor.tenant_id, cursor=cursor, limit=limit)
