from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from casework.auth.dependencies import CustomerReader, CustomerWriter
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.monitoring import service
from casework.monitoring.schemas import MonitoredCustomerOut

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"], route_class=CommittingRoute)


@router.get("/customers")
def list_monitored(
    session: DbSession,
    principal: CustomerReader,
    customer_id: Annotated[str | None, Query(max_length=24)] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[MonitoredCustomerOut]:
    """Customers rescreened whenever a list they were screened against changes."""
    rows, next_cursor = service.list_monitored(
        session, actor=principal, customer_id=customer_id, cursor=cursor, limit=limit
    )
    return Page[MonitoredCustomerOut](
        items=[MonitoredCustomerOut.of(r) for r in rows], next_cursor=next_cursor
    )


@router.delete("/customers/{customer_id}", status_code=204)
def stop_monitoring(customer_id: str, session: DbSession, principal: CustomerWriter) -> Response:
    service.stop(session, actor=principal, customer_id=customer_id)
    return Response(status_code=204)
