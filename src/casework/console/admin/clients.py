"""Administration: API clients, whose secret and key are shown once, when issued."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework.api_clients import service
from casework.console.admin.forms import CHOICES_LIMIT, PAGE_SIZE, AdminViewer
from casework.console.forms import FormText, optional
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.secrets_box import box_for
from casework.users.service import list_users

router = APIRouter(route_class=ConsoleRoute)


@router.get("/admin/api-clients")
def clients_page(
    request: Request, session: DbSession, viewer: AdminViewer, cursor: str = ""
) -> Response:
    clients, next_cursor = service.list_api_clients(
        session, actor=viewer.principal, cursor=optional(cursor), limit=PAGE_SIZE
    )
    context = {"clients": clients, "next_cursor": next_cursor, "first_page": bool(cursor)}
    return render(request, "admin/clients.html", context)


@router.get("/admin/api-clients/new")
def new_client_page(request: Request, session: DbSession, viewer: AdminViewer) -> Response:
    users, _ = list_users(
        session,
        actor=viewer.principal,
        role=None,
        is_active=True,
        q=None,
        cursor=None,
        limit=CHOICES_LIMIT,
    )
    return render(request, "admin/client_new.html", {"users": users})


@router.post("/admin/api-clients")
def create_client(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    viewer: AdminViewer,
    name: FormText = "",
    acting_user_id: FormText = "",
) -> Response:
    client, client_secret, api_key = service.create_api_client(
        session,
        actor=viewer.principal,
        name=name,
        acting_user_id=acting_user_id.strip(),
        box=box_for(settings),
    )
    # The credentials exist in this response only: they are stored as digests, and the
    # page is rendered here (not after a redirect) and is never cached.
    context = {"client": client, "client_secret": client_secret, "api_key": api_key}
    return render(request, "admin/client_created.html", context, status=201)


@router.get("/admin/api-clients/{api_client_id}")
def client_page(
    request: Request, api_client_id: str, session: DbSession, viewer: AdminViewer
) -> Response:
    client = service.get_api_client(session, actor=viewer.principal, api_client_id=api_client_id)
    return render(request, "admin/client.html", {"client": client})


@router.post("/admin/api-clients/{api_client_id}/revoke")
def revoke_client(api_client_id: str, session: DbSession, viewer: AdminViewer) -> Response:
    service.revoke_api_client(session, actor=viewer.principal, api_client_id=api_client_id)
    return redirect(f"/console/admin/api-clients/{api_client_id}", notice="API client revoked.")
