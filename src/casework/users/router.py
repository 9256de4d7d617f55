from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from casework import idempotency
from casework.auth.dependencies import Admin, CaseAssigner
from casework.auth.principal import Principal
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.users import service
from casework.users.schemas import (
    AssigneeOut,
    RoleCreate,
    RoleOut,
    RoleUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/v1/users", tags=["users"], route_class=CommittingRoute)
roles_router = APIRouter(prefix="/v1/roles", tags=["roles"], route_class=CommittingRoute)
assignees_router = APIRouter(prefix="/v1/assignees", tags=["users"], route_class=CommittingRoute)


def _create_identity(body: UserCreate, principal: Principal, key: str | None) -> dict[str, Any]:
    """The request as its fingerprint sees it, the password only as a slow digest."""
    dumped = body.model_dump(mode="json", exclude_unset=True)
    if body.password is not None:
        dumped["password"] = idempotency.secret_fingerprint(
            body.password.get_secret_value(), salt=f"{principal.tenant_id}:{key}"
        )
    return dumped


@router.post("", status_code=201, response_model=UserOut)
def create_user(
    body: UserCreate,
    session: DbSession,
    principal: Admin,
    once: Idempotent,
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        identity=lambda: _create_identity(body, principal, once.key),
        produce=lambda: UserOut.of(
            service.create_user(
                session,
                actor=principal,
                email=body.email,
                first_name=body.first_name,
                last_name=body.last_name,
                role_slug=body.role,
                password=body.password.get_secret_value() if body.password else None,
            )
        ),
    )


@router.get("")
def list_users(
    session: DbSession,
    principal: Admin,
    role: Annotated[str | None, Query(max_length=63, description="A role slug")] = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name or email")] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[UserOut]:
    rows, next_cursor = service.list_users(
        session,
        actor=principal,
        role=role,
        is_active=is_active,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return Page[UserOut](items=[UserOut.of(u) for u in rows], next_cursor=next_cursor)


@router.get("/{user_id}")
def get_user(user_id: str, session: DbSession, principal: Admin) -> UserOut:
    return UserOut.of(service.get_user(session, actor=principal, user_id=user_id))


@router.patch("/{user_id}")
def update_user(user_id: str, body: UserUpdate, session: DbSession, principal: Admin) -> UserOut:
    """Change a user. Nobody can deactivate themselves or take away their own admin role."""
    return UserOut.of(service.update_user(session, actor=principal, user_id=user_id, data=body))


@roles_router.post("", status_code=201, response_model=RoleOut)
def create_role(
    body: RoleCreate,
    session: DbSession,
    principal: Admin,
    once: Idempotent,
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        identity=body,
        produce=lambda: RoleOut.of(service.create_role(session, actor=principal, data=body)),
    )


@roles_router.get("")
def list_roles(
    session: DbSession, principal: Admin, cursor: CursorParam = None, limit: PageSize = 50
) -> Page[RoleOut]:
    rows, next_cursor = service.list_roles(session, actor=principal, cursor=cursor, limit=limit)
    return Page[RoleOut](items=[RoleOut.of(r) for r in rows], next_cursor=next_cursor)


@roles_router.get("/{role_id}")
def get_role(role_id: str, session: DbSession, principal: Admin) -> RoleOut:
    return RoleOut.of(service.get_role(session, actor=principal, role_id=role_id))


@roles_router.patch("/{role_id}")
def update_role(role_id: str, body: RoleUpdate, session: DbSession, principal: Admin) -> RoleOut:
    """Rename a custom role or replace its permissions; built-in roles are fixed."""
    return RoleOut.of(service.update_role(session, actor=principal, role_id=role_id, data=body))


@assignees_router.get("")
def list_assignees(
    session: DbSession,
    principal: CaseAssigner,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name or email")] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[AssigneeOut]:
    """The colleagues a case can be assigned to (active users whose role holds
    case.assign), for anyone who may assign: each ``id`` is an ``assignee_id``."""
    rows, next_cursor = service.list_assignees(
        session, actor=principal, q=q, cursor=cursor, limit=limit
    )
    return Page[AssigneeOut](items=[AssigneeOut.of(u) for u in rows], next_cursor=next_cursor)
