from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text

from casework.config import Settings
from casework.infra.logging import get_logger
from casework.infra.storage import Store
from casework.screening import scope

router = APIRouter(tags=["health"])
log = get_logger("casework.health")


class Health(BaseModel):
    status: str


class ListHealth(BaseModel):
    name: str
    version: int
    published_at: datetime | None
    imported_at: datetime
    age_days: int = Field(description="Since publication, else since import")
    stale: bool


class Liveness(Health):
    warnings: list[str] = Field(
        default_factory=list, description="Stale shared watchlists, or none loaded"
    )
    lists: list[ListHealth] = Field(
        default_factory=list, description="The watchlists every tenant shares"
    )


@router.get("/healthz")
def healthz(request: Request) -> Liveness:
    """Liveness: the process answers (always 200). Also the state of the shared
    watchlists, so that a stale or missing list is seen where the service is watched;
    a tenant's own lists are not shown here."""
    settings: Settings = request.app.state.settings
    try:
        with request.app.state.db.transaction(write=False) as session:
            lists = scope.searchable(
                session, tenant_id=None, max_age_days=settings.list_max_age_days
            )
    except Exception:
        log.warning("healthz could not read the watchlists", exc_info=True)
        return Liveness(status="ok", warnings=["the watchlists could not be read"])
    warnings = scope.warnings(lists)
    if not lists:
        warnings.append(
            f"no shared watchlist is loaded: screening has nothing to search; {scope.LOAD_HINT}"
        )
    return Liveness(
        status="ok",
        warnings=warnings,
        lists=[ListHealth.model_validate(item, from_attributes=True) for item in lists],
    )


@router.get("/readyz", responses={503: {"description": "Database or document store unavailable"}})
def readyz(request: Request, response: Response) -> Health:
    """Readiness: the database answers, and the document store can be listed (in an S3
    bucket: one listing of at most one key). Why the store cannot be used is logged,
    not shown to whoever probes."""
    try:
        with request.app.state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        response.status_code = 503
        return Health(status="database unavailable")
    store: Store = request.app.state.storage
    try:
        store.check()
    except Exception as exc:
        log.warning("readyz: the document store cannot be used", reason=str(exc))
        response.status_code = 503
        return Health(status="document store unavailable")
    return Health(status="ok")


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
