from __future__ import annotations

from fastapi import APIRouter, Response

from casework.api_clients import service
from casework.api_clients.schemas import ApiClientCreate, ApiClientCreated, ApiClientOut
from casework.auth.dependencies import Admin
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.infra.secrets_box import box_for

router = APIRouter(prefix="/v1/api-clients", tags=["api-clients"], route_class=CommittingRoute)


@router.post("", status_code=201)
def create_api_client(
    body: ApiClientCreate,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    principal: Admin,
) -> ApiClientCreated:
    """Issue a client. Its secret and API key are shown in this response only.

    There is no ``Idempotency-Key`` here: a replay would have to store the secrets.
    """
    client, client_secret, api_key = service.create_api_client(
        session,
        actor=principal,
        name=body.name,
        acting_user_id=body.acting_user_id,
        box=box_for(settings),
    )
    response.headers["Cache-Control"] = "no-store"
    return ApiClientCreated.of(client, client_secret=client_secret, api_key=api_key)


@router.get("")
def list_api_clients(
    session: DbSession, principal: Admin, cursor: CursorParam = None, limit: PageSize = 50
) -> Page[ApiClientOut]:
    rows, next_cursor = service.list_api_clients(
        session, actor=principal, cursor=cursor, limit=limit
    )
    return Page[ApiClientOut](items=[ApiClientOut.of(c) for c in rows], next_cursor=next_cursor)


@router.get("/{api_client_id}")
def get_api_client(api_client_id: str, session: DbSession, principal: Admin) -> ApiClientOut:
    return ApiClientOut.of(
        service.get_api_client(session, actor=principal, api_client_id=api_client_id)
    )


@router.post("/{api_client_id}/revoke")
def revoke_api_client(api_client_id: str, session: DbSession, principal: Admin) -> ApiClientOut:
    """Revoke a client: its API key, secret and access tokens stop working at once."""
    return ApiClientOut.of(
        service.revoke_api_client(session, actor=principal, api_client_id=api_client_id)
    )
