"""``Idempotency-Key`` for creating POSTs.

The key is claimed by inserting a row in the same transaction as the object it
creates. A concurrent request with the same key blocks on the unique index (on
PostgreSQL) or on the write lock (on SQLite) until the first commits, then finds the
row and replays its stored response; if the first rolled back, the second proceeds.
A creating route takes the key with the ``Idempotent`` dependency and answers through
it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.audit.chain import canonical
from casework.auth.principal import Principal
from casework.infra.errors import Conflict, IdempotencyMismatch
from casework.infra.routing import other_spelling
from casework.models import IdempotencyRecord

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Replays the first response for a repeated request with the same key.",
    ),
]


def fingerprint(method: str, path: str, body: Any) -> str:
    return hashlib.sha256(
        method.encode() + b" " + path.encode() + b"\n" + canonical(body)
    ).hexdigest()


def declared_path(request: Request) -> str:
    """The request's path as its route declares it. A route that answers its path with
    or without a trailing slash (a vendor dialect's) takes a retry in the other spelling
    for the same request."""
    path = request.url.path
    route = request.scope.get("route")
    if not getattr(route, "either_slash", False):
        return path
    declared_slash = str(getattr(route, "path", "")).endswith("/")
    return path if path.endswith("/") == declared_slash else other_spelling(path) or path


def body_fingerprint(request: Request, body: BaseModel) -> str:
    """The fingerprint of a JSON request: its method, path and the fields it set."""
    dumped = body.model_dump(mode="json", exclude_unset=True)
    return fingerprint(request.method, declared_path(request), dumped)


def secret_fingerprint(value: str, *, salt: str) -> str:
    """A stand-in for a secret inside a fingerprint: deterministic (so a retry matches)
    but slow to invert, since fingerprints are stored."""
    return hashlib.scrypt(value.encode(), salt=salt.encode(), n=2**14, r=8, p=1).hex()


class _Answer(JSONResponse):
    """Rendered by orjson: a batch's answer lists up to 10,000 items."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def respond(
    session: Session,
    *,
    principal: Principal,
    key: str | None,
    request_fingerprint: str,
    produce: Callable[[], BaseModel | tuple[BaseModel, int]],
    status_code: int = 201,
) -> JSONResponse:
    """Run ``produce`` once per key and answer with its (stored) JSON. ``produce`` may
    return its own status code with the body (a create that found the object stored)."""

    def run() -> tuple[dict[str, Any], int]:
        produced = produce()
        model, status = produced if isinstance(produced, tuple) else (produced, status_code)
        return model.model_dump(mode="json"), status

    if key is None:
        body, status = run()
        return _Answer(body, status_code=status)
    record = IdempotencyRecord(
        tenant_id=principal.tenant_id,
        principal_id=principal.key,
        key=key,
        fingerprint=request_fingerprint,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        existing = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == principal.tenant_id,
                IdempotencyRecord.principal_id == principal.key,
                IdempotencyRecord.key == key,
            )
        )
        if existing is None or existing.status_code is None:
            raise Conflict("a request with this Idempotency-Key is still in progress") from None
        if existing.fingerprint != request_fingerprint:
            raise IdempotencyMismatch(
                "this Idempotency-Key was used with a different request body"
            ) from None
        return _Answer(
            existing.response,
            status_code=existing.status_code,
            headers={"Idempotent-Replayed": "true"},
        )
    body, status = run()
    record.status_code = status
    record.response = body
    session.flush()
    return _Answer(body, status_code=status)


class IdempotentCreate:
    """A creating request with its ``Idempotency-Key`` header, as a route dependency
    (``Idempotent``): ``respond`` answers it once per key."""

    def __init__(self, request: Request, idempotency_key: IdempotencyKey = None) -> None:
        self.request = request
        self.key = idempotency_key

    def respond(
        self,
        session: Session,
        principal: Principal,
        produce: Callable[[], BaseModel | tuple[BaseModel, int]],
        *,
        identity: BaseModel | Callable[[], Any],
        status_code: int = 201,
    ) -> JSONResponse:
        """``respond`` for this request. ``identity`` tells a repeated request from
        another: the request's body model (the fields it set), or a function giving
        what identifies the request; either is read only when a key asks for replays,
        since a large body costs time to dump."""
        request_fingerprint = ""
        if self.key is not None:
            request_fingerprint = (
                body_fingerprint(self.request, identity)
                if isinstance(identity, BaseModel)
                else fingerprint(self.request.method, declared_path(self.request), identity())
            )
        return respond(
            session,
            principal=principal,
            key=self.key,
            request_fingerprint=request_fingerprint,
            produce=produce,
            status_code=status_code,
        )


Idempotent = Annotated[IdempotentCreate, Depends()]
