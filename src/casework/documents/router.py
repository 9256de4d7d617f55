from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session

from casework.auth.dependencies import DocumentReader, DocumentWriter
from casework.checks.schemas import RetentionDays
from casework.documents import service, uploads
from casework.documents.schemas import DocumentOut
from casework.idempotency import Idempotent
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.infra.storage import Store
from casework.models import Document

router = APIRouter(prefix="/v1/documents", tags=["documents"], route_class=CommittingRoute)


def get_storage(request: Request) -> Store:
    """The application's one store (see ``create_app``)."""
    store: Store = request.app.state.storage
    return store


Storage = Annotated[Store, Depends(get_storage)]


def _out(session: Session, documents: Sequence[Document]) -> list[DocumentOut]:
    users = service.uploaders(session, documents)
    return [DocumentOut.of(d, u) for d, u in zip(documents, users, strict=True)]


@router.post("", status_code=201, response_model=DocumentOut)
def upload_document(
    file: Annotated[UploadFile, File(description="The file; its type is sniffed from its bytes.")],
    session: DbSession,
    principal: DocumentWriter,
    settings: AppSettings,
    storage: Storage,
    once: Idempotent,
    customer_id: Annotated[
        str | None, Form(min_length=1, max_length=64, description="A customer of this tenant.")
    ] = None,
    delete_after: Annotated[
        RetentionDays | None,
        Form(
            description="Days to keep the document once uploaded; 0: delete as soon as "
            "possible; -1: keep. Default: the tenant's setting. A legal hold on a case it is "
            "attached to keeps it."
        ),
    ] = None,
) -> JSONResponse:
    """Upload one file as multipart/form-data, at most ``max_upload_bytes`` long."""
    return uploads.respond(
        session,
        file,
        principal=principal,
        settings=settings,
        storage=storage,
        customer_id=customer_id,
        delete_after=delete_after,
        once=once,
        fields={
            "customer_id": customer_id,
            # Only when given, so uploads without it keep their earlier fingerprint.
            **({"delete_after": delete_after} if delete_after is not None else {}),
        },
        render=lambda document: _out(session, [document])[0],
    )


@router.get("")
def list_documents(
    session: DbSession,
    principal: DocumentReader,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[DocumentOut]:
    rows, next_cursor = service.list_documents(
        session, actor=principal, customer_id=customer_id, cursor=cursor, limit=limit
    )
    return Page[DocumentOut](items=_out(session, rows), next_cursor=next_cursor)


@router.get("/{document_id}")
def get_document(document_id: str, session: DbSession, principal: DocumentReader) -> DocumentOut:
    document = service.get_document(session, actor=principal, document_id=document_id)
    return _out(session, [document])[0]


@router.get(
    "/{document_id}/content",
    response_class=StreamingResponse,
    responses={200: {"description": "The stored bytes, as an attachment"}},
)
def download_document(
    document_id: str, session: DbSession, principal: DocumentReader, storage: Storage
) -> StreamingResponse:
    """The bytes, typed with the sniffed content type (never the uploader's)."""
    document = service.get_document(session, actor=principal, document_id=document_id)
    return uploads.download(document, storage)
