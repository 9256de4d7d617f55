"""The Sphinx API: ``/api/oauth/token/``, cases, customers and documents, integer ids."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, RootModel
from sqlalchemy.orm import Session, joinedload

from casework.auth import limits
from casework.auth import service as auth
from casework.auth.principal import Principal
from casework.auth.router import basic_credentials
from casework.cases import repository
from casework.cases import service as cases
from casework.checks import service as checks
from casework.customers import repository as customer_repository
from casework.customers import service as customers
from casework.dialects.routing import DialectError, route_class
from casework.dialects.sphinx import errors, translate, views
from casework.dialects.sphinx.auth import (
    CaseCreator,
    CaseReader,
    CaseStarter,
    CustomerReader,
    CustomerWriter,
    DocumentReader,
    DocumentWriter,
)
from casework.dialects.sphinx.pages import paged
from casework.dialects.sphinx.parsers import DrfBodies
from casework.dialects.sphinx.schemas import MAX_DELETE_AFTER, CaseIn, CustomerIn
from casework.documents import repository as document_repository
from casework.documents import uploads
from casework.documents.router import Storage
from casework.idempotency import Idempotent
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.field_paths import field_name
from casework.infra.openapi import ErrorShape
from casework.models import Case, Customer, Document

# Invalid input is a 400 keyed by field, and an id in a URL that is not an integer a 404.
SHAPE = ErrorShape(errors.SphinxError, invalid_status=400, invalid_path_status=404)
# Bodies are read as the framework Sphinx's API is built on reads them: JSON or forms.
router = APIRouter(route_class=route_class(errors.render, SHAPE, DrfBodies), tags=["sphinx"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(BaseModel):
    error: str
    error_description: str


class Shaped(RootModel[dict[str, Any]]):
    """A body already in the dialect's shape, for idempotent replays."""


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="api"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _token_render(request: Request, exc: DialectError) -> JSONResponse:
    """A token endpoint answers unreadable input as OAuth does, with the field named."""
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        name = field_name(tuple(first.get("loc", ()))) or "request"
        return _oauth_error(400, "invalid_request", f"{name}: {first.get('msg', 'invalid')}")
    return errors.render(request, exc)


token_router = APIRouter(route_class=route_class(_token_render, SHAPE), tags=["sphinx"])


@token_router.post(
    "/api/oauth/token/",
    tags=["sphinx"],
    responses={
        400: {"model": OAuthError, "description": "Missing or unsupported grant type"},
        401: {"model": OAuthError, "description": "Client authentication failed"},
    },
)
def issue_token(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """OAuth2 client credentials: form fields or HTTP Basic, answered with a bearer."""
    if not grant_type:
        return _oauth_error(400, "invalid_request", "Missing grant_type parameter.")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    basic = basic_credentials(request)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret or len(client_id) > 100 or len(client_secret) > 200:
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    attempt = limits.Attempt.of(request, credential=("client", client_id))
    limits.check(session, attempt)
    client = auth.client_by_credentials(session, client_id, client_secret)
    if client is None:
        limits.record_failure(session, attempt, limits.Limits.of(settings))
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    issued = auth.issue_access_token(
        session, client=client, ttl_seconds=settings.access_token_ttl_seconds
    )
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        },
        headers=_NO_STORE,
    )


def _case(session: Session, principal: Principal, number: int, *, lock: bool = False) -> Case:
    case_id = repository.number_to_id(session, tenant_id=principal.tenant_id, number=number)
    if lock:
        return cases.locked_case(session, actor=principal, case_id=case_id)
    return cases.get_case(session, actor=principal, case_id=case_id)


@router.post("/api/cases/", status_code=201)
def create_case(
    body: CaseIn,
    session: DbSession,
    settings: AppSettings,
    principal: CaseCreator,
    once: Idempotent,
) -> JSONResponse:
    """Open a case for an existing customer (customer_id) or a new one (customer). The
    fields may also come as a URL-encoded or multipart form, named as Django REST
    framework names form fields (``customer.full_name``, ``checks[0]check_type``)."""

    def produce() -> Shaped:
        data = translate.case_create(session, tenant_id=principal.tenant_id, body=body)
        case = cases.create_case(
            session,
            actor=principal,
            data=data,
            dialect="sphinx",
            webhook_allowed_hosts=settings.webhook_allowed_hosts,
        )
        return Shaped(views.case_body(session, case))

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
    )


@router.get("/api/cases/")
def list_cases(request: Request, session: DbSession, principal: CaseReader) -> JSONResponse:
    """Newest first; ``page`` and ``page_size`` (at most 100)."""
    stmt = repository.cases_of(principal.tenant_id).options(joinedload(Case.customer))
    page = paged(
        session,
        request,
        stmt,
        order_by=[Case.number.desc()],
        render=lambda rows: views.case_bodies(session, rows),
    )
    return JSONResponse(page)


@router.get("/api/cases/{case_id}/")
def get_case(case_id: int, session: DbSession, principal: CaseReader) -> JSONResponse:
    return JSONResponse(views.case_body(session, _case(session, principal, case_id)))


@router.post("/api/cases/{case_id}/start/")
def start_case(case_id: int, session: DbSession, principal: CaseStarter) -> JSONResponse:
    """Start the case's checks, or rerun them once they have finished; 409 while they
    run or when the case has none."""
    case = _case(session, principal, case_id, lock=True)
    checks.start(session, actor=principal, case=case)
    return JSONResponse(views.case_body(session, case))


@router.post("/api/customers/", status_code=201)
def create_customer(
    body: CustomerIn,
    session: DbSession,
    principal: CustomerWriter,
    once: Idempotent,
) -> JSONResponse:
    """Create a customer; its fields may also come as a URL-encoded or multipart form.
    A country code in ``input_details.country`` is the customer's country unless
    ``country`` is given."""

    def produce() -> Shaped:
        data = translate.customer_create(body)
        return Shaped(
            views.customer_body(customers.create_customer(session, actor=principal, data=data))
        )

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
    )


@router.get("/api/customers/")
def list_customers(request: Request, session: DbSession, principal: CustomerReader) -> JSONResponse:
    page = paged(
        session,
        request,
        customer_repository.of_tenant(principal.tenant_id),
        order_by=[Customer.number.desc()],
        render=lambda rows: [views.customer_body(c) for c in rows],
    )
    return JSONResponse(page)


@router.get("/api/customers/{customer_id}/")
def get_customer(customer_id: int, session: DbSession, principal: CustomerReader) -> JSONResponse:
    customer = translate.customer_by_number(
        session, tenant_id=principal.tenant_id, number=customer_id
    )
    return JSONResponse(views.customer_body(customer))


@router.post("/api/documents/", status_code=201)
def upload_document(
    file: Annotated[UploadFile, File(description="The file; its type is sniffed from its bytes.")],
    session: DbSession,
    principal: DocumentWriter,
    settings: AppSettings,
    storage: Storage,
    once: Idempotent,
    customer_id: Annotated[int | None, Form(description="A customer's integer id.")] = None,
    delete_after: Annotated[int | None, Form(ge=-1, le=MAX_DELETE_AFTER)] = None,
) -> JSONResponse:
    """Upload one file as multipart/form-data."""
    owner = translate.customer_id_of(session, tenant_id=principal.tenant_id, number=customer_id)
    return uploads.respond(
        session,
        file,
        principal=principal,
        settings=settings,
        storage=storage,
        customer_id=owner,
        delete_after=delete_after,
        once=once,
        fields={"customer_id": customer_id, "delete_after": delete_after},
        render=lambda document: Shaped(views.document_bodies(session, [document])[0]),
    )


@router.get("/api/documents/")
def list_documents(request: Request, session: DbSession, principal: DocumentReader) -> JSONResponse:
    page = paged(
        session,
        request,
        document_repository.of_tenant(principal.tenant_id),
        order_by=[Document.number.desc()],
        render=lambda rows: views.document_bodies(session, rows),
    )
    return JSONResponse(page)


@router.get("/api/documents/{document_id}/")
def get_document(document_id: int, session: DbSession, principal: DocumentReader) -> JSONResponse:
    document = translate.document_by_number(
        session, tenant_id=principal.tenant_id, number=document_id
    )
    return JSONResponse(views.document_bodies(session, [document])[0])


router.include_router(token_router)
