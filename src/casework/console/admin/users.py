"""Administration: the tenant's users and roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.auth.permissions import Permission
from casework.console.admin.forms import (
    CHOICES_LIMIT,
    PAGE_SIZE,
    AdminViewer,
)
from casework.console.forms import FormText, conflict_on, optional, validated
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.console.web import Viewer
from casework.infra.dependencies import DbSession
from casework.models import Role
from casework.users import service
from casework.users.schemas import RoleCreate, RoleUpdate, UserUpdate

router = APIRouter(route_class=ConsoleRoute)

PermissionBoxes = Annotated[list[str] | None, Form()]
ALL_PERMISSIONS = [p.value for p in Permission]
STATUSES = {"active": True, "inactive": False}


def _roles(session: Session, viewer: Viewer) -> Sequence[Role]:
    roles, _ = service.list_roles(session, actor=viewer.principal, cursor=None, limit=CHOICES_LIMIT)
    return roles


@router.get("/admin/users")
def users_page(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    q: str = "",
    role: str = "",
    status: str = "",
    cursor: str = "",
) -> Response:
    users, next_cursor = service.list_users(
        session,
        actor=viewer.principal,
        role=optional(role),
        is_active=STATUSES.get(status),
        q=optional(q[:200]),
        cursor=optional(cursor),
        limit=PAGE_SIZE,
    )
    filters = {"q": q, "role": role, "status": status}
    context = {
        "users": users,
        "roles": _roles(session, viewer),
        "filters": filters,
        "next_cursor": next_cursor,
        "first_page": bool(cursor),
    }
    return render(request, "admin/users.html", context)


@router.get("/admin/users/new")
def new_user_page(request: Request, session: DbSession, viewer: AdminViewer) -> Response:
    return render(request, "admin/user_new.html", {"roles": _roles(session, viewer)})


@router.post("/admin/users")
def create_user(
    session: DbSession,
    viewer: AdminViewer,
    email: FormText = "",
    first_name: FormText = "",
    last_name: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    with conflict_on("email"):
        user = service.create_user(
            session,
            actor=viewer.principal,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role_slug=role.strip(),
            password=password or None,
        )
    return redirect(f"/console/admin/users/{user.id}", notice="User created.")


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: str, session: DbSession, viewer: AdminViewer) -> Response:
    user = service.get_user(session, actor=viewer.principal, user_id=user_id)
    context = {"user": user, "roles": _roles(session, viewer), "is_self": user.id == viewer.user_id}
    return render(request, "admin/user.html", context)


def _update_user(session: Session, viewer: Viewer, user_id: str, values: dict[str, Any]) -> None:
    data = validated(UserUpdate, values)
    service.update_user(session, actor=viewer.principal, user_id=user_id, data=data)


@router.post("/admin/users/{user_id}")
def update_user(
    user_id: str,
    session: DbSession,
    viewer: AdminViewer,
    first_name: FormText = "",
    last_name: FormText = "",
    role: FormText = "",
) -> Response:
    values = {"first_name": first_name, "last_name": last_name, "role": role}
    _update_user(session, viewer, user_id, values)
    return redirect(f"/console/admin/users/{user_id}", notice="User saved.")


@router.post("/admin/users/{user_id}/password")
def reset_password(
    user_id: str, session: DbSession, viewer: AdminViewer, password: FormText = ""
) -> Response:
    _update_user(session, viewer, user_id, {"password": password})
    return redirect(f"/console/admin/users/{user_id}", notice="Password changed.")


@router.post("/admin/users/{user_id}/deactivate")
def deactivate_user(user_id: str, session: DbSession, viewer: AdminViewer) -> Response:
    _update_user(session, viewer, user_id, {"is_active": False})
    return redirect(f"/console/admin/users/{user_id}", notice="User deactivated.")


@router.post("/admin/users/{user_id}/activate")
def activate_user(user_id: str, session: DbSession, viewer: AdminViewer) -> Response:
    _update_user(session, viewer, user_id, {"is_active": True})
    return redirect(f"/console/admin/users/{user_id}", notice="User reactivated.")


@router.get("/admin/roles")
def roles_page(
    request: Request, session: DbSession, viewer: AdminViewer, cursor: str = ""
) -> Response:
    roles, next_cursor = service.list_roles(
        session, actor=viewer.principal, cursor=optional(cursor), limit=PAGE_SIZE
    )
    context = {"roles": roles, "next_cursor": next_cursor, "first_page": bool(cursor)}
    return render(request, "admin/roles.html", context)


@router.get("/admin/roles/new")
def new_role_page(request: Request, _viewer: AdminViewer) -> Response:
    return render(request, "admin/role_new.html", {"permissions": ALL_PERMISSIONS})


@router.post("/admin/roles")
def create_role(
    session: DbSession,
    viewer: AdminViewer,
    slug: FormText = "",
    name: FormText = "",
    permissions: PermissionBoxes = None,
) -> Response:
    data = validated(RoleCreate, {"slug": slug, "name": name, "permissions": permissions or []})
    with conflict_on("slug"):
        role = service.create_role(session, actor=viewer.principal, data=data)
    return redirect(f"/console/admin/roles/{role.id}", notice="Role created.")


@router.get("/admin/roles/{role_id}")
def role_page(request: Request, role_id: str, session: DbSession, viewer: AdminViewer) -> Response:
    role = service.get_role(session, actor=viewer.principal, role_id=role_id)
    return render(request, "admin/role.html", {"role": role, "permissions": ALL_PERMISSIONS})


@router.post("/admin/roles/{role_id}")
def update_role(
    role_id: str,
    session: DbSession,
    viewer: AdminViewer,
    name: FormText = "",
    permissions: PermissionBoxes = None,
) -> Response:
    data = validated(RoleUpdate, {"name": name, "permissions": permissions or []})
    service.update_role(session, actor=viewer.principal, role_id=role_id, data=data)
    return redirect(f"/console/admin/roles/{role_id}", notice="Role saved.")
