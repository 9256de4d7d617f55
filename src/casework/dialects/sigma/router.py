"""Sigma's case-management API over casework's case services."""

from __future__ import annotations

from math import ceil
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.cases import repository, service
from casework.dialects.routing import route_class
from casework.dialects.sigma import references, views
from casework.dialects.sigma.auth import CaseCreator, CaseReader
from casework.dialects.sigma.errors import render
from casework.dialects.sigma.schemas import CreateCaseBody, Envelope, ListQuery, SigmaError
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.errors import ValidationFailed
from casework.infra.openapi import ErrorShape
from casework.models import Case
from casework.users import repository as users

router = APIRouter(
    route_class=route_class(
        render,
        ErrorShape(SigmaError, invalid_status=400, reused_key_status=400),
        references.NamesEveryField,
    ),
    tags=["sigma"],
)


def _rendered(session: Session, principal: Principal, cases: list[Case]) -> list[dict[str, object]]:
    logs = repository.logs(session, tenant_id=principal.tenant_id, case_ids=[c.id for c in cases])
    acted = {e.actor_user_id for events in logs.values() for e in events if e.actor_user_id}
    actors = users.by_id(session, tenant_id=principal.tenant_id, ids=acted)
    return [views.case_data(c, logs.get(c.id, []), actors) for c in cases]


@router.post("/case-management/create", status_code=201, response_model=Envelope)
def create_case(
    body: CreateCaseBody,
    session: DbSession,
    principal: CaseCreator,
    once: Idempotent,
) -> JSONResponse:
    """Open a case the way Sigma does; the assignee must hold ``case.assign``."""

    def produce() -> Envelope:
        try:
            native = body.to_case_create()
        except ValidationFailed as invalid:
            raise references.with_references(
                session, principal, body.model_dump(), invalid
            ) from None
        case = service.create_case(session, actor=principal, data=native)
        [data] = _rendered(session, principal, [case])
        return Envelope(message="Case created successfully", data=data)

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
    )


@router.get("/case-management", response_model=Envelope)
def list_cases(
    query: Annotated[ListQuery, Query()], session: DbSession, principal: CaseReader
) -> Envelope:
    """The tenant's cases, newest first, a numbered page at a time."""
    # Sigma numbers its pages and shows a total, which the keyset list does not give.
    found = repository.numbered_page(
        session, actor=principal, filters=query.filters(), page=query.page, size=query.limit
    )
    pagination = {
        "page": query.page,
        "limit": query.limit,
        "total": found.total,
        "pages": ceil(found.total / query.limit),
    }
    return Envelope(
        message="Cases retrieved successfully",
        data={"cases": _rendered(session, principal, found.items), "pagination": pagination},
    )


@router.get("/case-management/{case_id}", response_model=Envelope)
def get_case(case_id: str, session: DbSession, principal: CaseReader) -> Envelope:
    case = service.get_case(session, actor=principal, case_id=case_id)
    [data] = _rendered(session, principal, [case])
    return Envelope(message="Case retrieved successfully", data=data)
