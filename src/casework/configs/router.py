from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from casework.auth.dependencies import ConfigManager, ConfigReader
from casework.configs import service
from casework.configs.schemas import CaseConfigCreate, CaseConfigOut, CaseConfigUpdate
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.models.enums import Module

router = APIRouter(prefix="/v1/case-configs", tags=["case-configs"], route_class=CommittingRoute)


@router.post("", status_code=201, response_model=CaseConfigOut)
def create_config(
    body: CaseConfigCreate,
    session: DbSession,
    principal: ConfigManager,
    once: Idempotent,
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        identity=body,
        produce=lambda: CaseConfigOut.of(
            service.create_config(session, actor=principal, data=body)
        ),
    )


@router.get("")
def list_configs(
    session: DbSession,
    principal: ConfigReader,
    is_active: bool | None = None,
    module: Module | None = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[CaseConfigOut]:
    rows, next_cursor = service.list_configs(
        session, actor=principal, is_active=is_active, module=module, cursor=cursor, limit=limit
    )
    return Page[CaseConfigOut](items=[CaseConfigOut.of(c) for c in rows], next_cursor=next_cursor)


@router.get("/{config_id}")
def get_config(config_id: str, session: DbSession, principal: ConfigReader) -> CaseConfigOut:
    return CaseConfigOut.of(service.get_config(session, actor=principal, config_id=config_id))


@router.patch("/{config_id}")
def update_config(
    config_id: str, body: CaseConfigUpdate, session: DbSession, principal: ConfigManager
) -> CaseConfigOut:
    """Change a config; cases already opened from it keep what they were given."""
    return CaseConfigOut.of(
        service.update_config(session, actor=principal, config_id=config_id, data=body)
    )
