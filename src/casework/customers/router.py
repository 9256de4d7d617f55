from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from casework.auth.dependencies import CustomerReader, CustomerWriter
from casework.customers import service
from casework.customers.schemas import CustomerCreate, CustomerOut, CustomerUpdate
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=CommittingRoute)


@router.post("", status_code=201, response_model=CustomerOut)
def create_customer(
    body: CustomerCreate, session: DbSession, principal: CustomerWriter, once: Idempotent
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        lambda: CustomerOut.of(service.create_customer(session, actor=principal, data=body)),
        identity=body,
    )


@router.get("")
def list_customers(
    session: DbSession,
    principal: CustomerReader,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name")] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[CustomerOut]:
    rows, next_cursor = service.list_customers(
        session, actor=principal, q=q, external_id=external_id, cursor=cursor, limit=limit
    )
    return Page[CustomerOut](items=[CustomerOut.of(c) for c in rows], next_cursor=next_cursor)


@router.get("/{customer_id}")
def get_customer(customer_id: str, session: DbSession, principal: CustomerReader) -> CustomerOut:
    return CustomerOut.of(service.get_customer(session, actor=principal, customer_id=customer_id))


@router.patch("/{customer_id}")
def update_customer(
    customer_id: str, body: CustomerUpdate, session: DbSession, principal: CustomerWriter
) -> CustomerOut:
    return CustomerOut.of(
        service.update_customer(session, actor=principal, customer_id=customer_id, data=body)
    )
