"""Answering an upload (the file stored as it arrives, a document made once per
idempotency key, rendered by the API that received it) and a download (the stored bytes
streamed as an attachment)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from anyascii import anyascii
from fastapi import UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from casework.auth.principal import Principal
from casework.config import Settings
from casework.documents import service
from casework.idempotency import IdempotentCreate
from casework.infra.storage import Store
from casework.models import Document

_NOT_FOR_FALLBACK = re.compile(r'[^\x20-\x7e]|["\\/%]')


def content_disposition(filename: str) -> str:
    """RFC 6266: the exact name as RFC 5987 ``filename*``, plus a plain ASCII fallback."""
    fallback = _NOT_FOR_FALLBACK.sub("_", anyascii(filename)).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(document: Document, storage: Store) -> StreamingResponse:
    """The bytes, read from the store a chunk at a time as they are sent, typed with the
    content type sniffed on upload (never the uploader's)."""
    stored = storage.open(document.storage_key)
    return StreamingResponse(
        iter(stored),
        media_type=document.content_type,
        headers={
            "Content-Length": str(stored.size),
            "Content-Disposition": content_disposition(document.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
        background=BackgroundTask(stored.close),
    )


def respond(
    session: Session,
    file: UploadFile,
    *,
    principal: Principal,
    settings: Settings,
    storage: Store,
    customer_id: str | None,
    delete_after: int | None,
    once: IdempotentCreate,
    fields: dict[str, Any],
    render: Callable[[Document], BaseModel],
) -> JSONResponse:
    """Store ``file`` as a document; ``fields`` are the form fields as the caller gave
    them, which with the file's digest identify the request for idempotent replays."""
    with service.receive(
        storage, file.file, filename=file.filename, max_bytes=settings.max_upload_bytes
    ) as upload:

        def produce() -> BaseModel:
            document = service.create_document(
                session,
                actor=principal,
                storage=storage,
                upload=upload,
                customer_id=customer_id,
                delete_after=delete_after,
            )
            return render(document)

        return once.respond(
            session,
            principal,
            produce,
            identity=lambda: {"sha256": upload.sha256, "filename": upload.filename} | fields,
        )
