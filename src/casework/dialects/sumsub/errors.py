"""Errors in Sumsub's shape: ``{"code", "correlationId", "description"}``, with the HTTP
status equal to ``code``."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from casework.dialects.routing import DialectError, validation_errors
from casework.infra.errors import DomainError, IdempotencyMismatch, ValidationFailed
from casework.infra.logging import correlation_id

# The native field a service names, as the Sumsub request calls it.
NATIVE_FIELDS = {
    "title": "name",
    "customer_id": "applicantId",
    "transaction_ids": "txnIds",
    "config": "blueprintId",
    "priority": "priority",
}
_HEAD = re.compile(r"^[A-Za-z_]+")


def sumsub_field(native: str) -> str:
    """``transaction_ids[1]`` -> ``txnIds[1]``; names without a counterpart are kept."""
    head = _HEAD.match(native)
    if head is None or head.group(0) not in NATIVE_FIELDS:
        return native
    return NATIVE_FIELDS[head.group(0)] + native[head.end() :]


def describe(field: str, message: str = "") -> str:
    """Sumsub's sentence for a parameter it could not use, with the reason when it says
    more than that the parameter is missing."""
    sentence = f"Couldn't find or parse value of `{field}` parameter"
    # Whatever is wrong with a blueprint, the vendor names it in this one sentence.
    if not message or message == "is required" or field == "blueprintId":
        return sentence + "."
    return f"{sentence}: {message.rstrip('.')}."


def error_response(code: int, description: str) -> JSONResponse:
    body = {"code": code, "correlationId": correlation_id.get(), "description": description}
    return JSONResponse(body, status_code=code)


def _invalid_request(exc: RequestValidationError) -> JSONResponse:
    problems = validation_errors(exc)
    if not problems:
        return error_response(400, "The request is invalid.")
    field, message = problems[0]
    if message == "body is not valid JSON":
        return error_response(400, "The request body is not valid JSON.")
    if field == "body":
        return error_response(400, "The request body must be a JSON object.")
    return error_response(400, describe(field, message))


def _domain(exc: DomainError) -> JSONResponse:
    if isinstance(exc, ValidationFailed | IdempotencyMismatch):
        if exc.errors:
            first = exc.errors[0]
            return error_response(400, describe(sumsub_field(first.field), first.message))
        return error_response(400, exc.detail)
    return error_response(exc.status, exc.detail)


def render(_request: Request, exc: DialectError) -> JSONResponse:
    if isinstance(exc, RequestValidationError):
        return _invalid_request(exc)
    if isinstance(exc, DomainError):
        return _domain(exc)
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, str(exc.detail))
    raise TypeError(f"unexpected error {exc!r}")  # pragma: no cover
