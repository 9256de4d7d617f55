from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from casework.auth.dependencies import ConfigManager, ConfigReader
from casework.infra.dependencies import DbSession
from casework.infra.routing import CommittingRoute
from casework.infra.strict import StrictModel
from casework.retention import service

router = APIRouter(prefix="/v1/settings", tags=["retention"], route_class=CommittingRoute)


class RetentionSetting(StrictModel):
    retention_days: int | None = Field(
        ge=-1,
        le=36_500,
        description="Days new cases, customers and documents are kept unless they say "
        "otherwise (0: once done; "
        "-1 or null: keep).",
    )


@router.get("/retention")
def get_retention(session: DbSession, principal: ConfigReader) -> RetentionSetting:
    return RetentionSetting(retention_days=service.default_days(session, principal.tenant_id))


@router.put("/retention")
def put_retention(
    body: RetentionSetting, session: DbSession, principal: ConfigManager
) -> RetentionSetting:
    service.set_default_days(session, actor=principal, days=body.retention_days)
    return body
