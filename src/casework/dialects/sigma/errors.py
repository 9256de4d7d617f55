"""Sigma's error shape: ``{"message", "data": null, "errors": [{"field", "message"}]}``.

Sigma clients know 400 for any refused request, so casework's 422 (a request that is
well formed but names things that do not fit) is answered as 400 here as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from casework.dialects.routing import DialectError
from casework.dialects.sigma.schemas import sigma_field
from casework.infra.errors import DomainError
from casework.infra.field_paths import field_name

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not an accepted field",
    "json_invalid": "is not valid JSON",
}


def error_response(
    status: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"message": message, "data": None, "errors": errors or []}
    return JSONResponse(body, status_code=status, headers=headers)


def _problems(exc: RequestValidationError) -> list[dict[str, str]]:
    found = []
    for err in exc.errors():
        kind = str(err.get("type", ""))
        loc = tuple(err.get("loc", ()))
        # A JSON syntax error is located by character offset, which is no field name.
        field = "body" if kind == "json_invalid" else field_name(loc)
        message = _MESSAGES.get(kind) or str(err.get("msg", "is invalid"))
        found.append({"field": field, "message": message.removeprefix("Value error, ")})
    return found


def _summary(errors: list[dict[str, str]]) -> str:
    if not errors:
        return "The request is invalid"
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['message']}{more}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def render(_request: Request, exc: DialectError) -> JSONResponse:
    if isinstance(exc, RequestValidationError):
        errors = _problems(exc)
        return error_response(400, _summary(errors), errors)
    if isinstance(exc, DomainError):
        errors = [{"field": sigma_field(e.field), "message": e.message} for e in exc.errors]
        if exc.status == 422:
            return error_response(400, _summary(errors) if errors else exc.detail, errors)
        return error_response(exc.status, _sentence(exc.detail), errors)
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, _sentence(str(exc.detail)), headers=exc.headers)
    raise exc
