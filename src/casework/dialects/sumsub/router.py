"""Sumsub's Case Management 2.0 case API over the case services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.cases import service as cases
from casework.cases.schemas import CaseCreate
from casework.configs import service as configs
from casework.customers import service as customers
from casework.dialects.routing import route_class
from casework.dialects.sumsub import views
from casework.dialects.sumsub.auth import CaseCreator, CaseReader
from casework.dialects.sumsub.errors import render
from casework.dialects.sumsub.schemas import CaseBody, SumsubCaseCreate, SumsubError
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.errors import FieldError, NotFound, ValidationFailed
from casework.infra.field_paths import field_name
from casework.infra.openapi import ErrorShape
from casework.models import Customer

PREFIX = "/resources/api/caseManagement/v2/cases"
DEFAULT_PRIORITY = "medium"

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": SumsubError, "description": text}
    for status, text in [
        (400, "A parameter is missing or cannot be used"),
        (401, "The request is not signed by a live API client, or not within 300 s"),
        (403, "The API client lacks the permission"),
        (404, "No such case in the client's tenant"),
        (409, "Conflict"),
    ]
}

router = APIRouter(
    route_class=route_class(
        render, ErrorShape(SumsubError, invalid_status=400, reused_key_status=400)
    ),
    tags=["sumsub"],
    responses=_ERRORS,
)


def _applicant(session: Session, actor: Principal, ref: str) -> Customer:
    """The customer with id ``ref``, else the one with that external id."""
    try:
        return customers.get_customer(session, actor=actor, customer_id=ref)
    except NotFound:
        pass
    found, _ = customers.list_customers(
        session, actor=actor, q=None, external_id=ref, cursor=None, limit=1
    )
    if not found:
        raise ValidationFailed.on("applicantId", f"no applicant {ref} in this tenant")
    return found[0]


def _blueprint_slug(session: Session, actor: Principal, ref: str) -> str:
    """A config id as its slug; anything else is taken as a slug, which the case
    service checks like any other."""
    try:
        return configs.get_config(session, actor=actor, config_id=ref).slug
    except NotFound:
        return ref


def _case_create(session: Session, actor: Principal, body: SumsubCaseCreate) -> CaseCreate:
    data = {
        "title": body.name,
        "customer_id": _applicant(session, actor, body.applicant_id).id,
        "transaction_ids": body.txn_ids,
        "config": _blueprint_slug(session, actor, body.blueprint_id),
        # Sumsub documents medium as the default; a blueprint's own default priority is
        # casework's idea, which a Sumsub client cannot expect.
        "priority": body.priority or DEFAULT_PRIORITY,
    }
    try:
        return CaseCreate.model_validate(data)
    except ValidationError as exc:
        errors = [FieldError(field_name(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
        raise ValidationFailed("the case is invalid", errors=errors) from None


@router.post(PREFIX, response_model=None)
def create_case(
    body: SumsubCaseCreate,
    session: DbSession,
    principal: CaseCreator,
    once: Idempotent,
) -> JSONResponse:
    """Open a case for an applicant from a blueprint, on transactions already ingested."""

    def produce() -> CaseBody:
        data = _case_create(session, principal, body)
        # The applicant is named back as the client named it, here and on every read.
        case = cases.create_case(
            session, actor=principal, data=data, customer_ref=body.applicant_id
        )
        return CaseBody(views.case_body(session, case))

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
        status_code=200,
    )


@router.get(PREFIX + "/{case_id}", response_model=None)
def get_case(case_id: str, session: DbSession, principal: CaseReader) -> JSONResponse:
    case = cases.get_case(session, actor=principal, case_id=case_id)
    return JSONResponse(views.case_body(session, case))
