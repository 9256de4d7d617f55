"""Rendering every error as application/problem+json (RFC 9457), never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from casework.errors import DomainError
from casework.logging import correlation_id, get_logger

log = get_logger("casework.errors")
PROBLEM = "application/problem+json"
TYPE_BASE = "https://casework.dev/problems/"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        "correlation_id": correlation_id.get(),
        "errors": errors or [],
    }
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source, rest = parts[0], parts[1:]
        if source == "body" or source == "form":
            return ".".join(rest) or source
        return f"{source}.{'.'.join(rest)}" if rest else source
    return ".".join(parts)


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "is invalid"))
        if err.get("type") == "json_invalid":
            message = "body is not valid JSON"
        errors.append({"field": _field_name(tuple(err.get("loc", ()))), "message": message})
    names = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(
        422,
        "Validation failed",
        f"invalid fields: {names}",
        type_slug="validation-failed",
        errors=errors,
    )


async def _domain(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    headers.update(exc.headers())
    return problem_response(
        exc.status,
        exc.title,
        exc.detail,
        type_slug=exc.type_slug,
        errors=[e.as_dict() for e in exc.errors],
        headers=headers or None,
        extra=exc.extra(),
    )


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    errors = [{"field": "body", "message": str(exc.detail)}] if exc.status_code == 413 else None
    return problem_response(
        exc.status_code,
        title,
        str(exc.detail),
        type_slug=title.lower().replace(" ", "-"),
        errors=errors,
        headers=dict(exc.headers) if exc.headers else None,
    )


_HTTP_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
}


def unexpected(method: str, path: str, exc: BaseException) -> JSONResponse:
    """A 500 that says nothing about the failure; the log line has the details."""
    log.error(
        "unhandled_error", path=path, method=method, error_type=type(exc).__name__, exc_info=exc
    )
    return problem_response(
        500,
        "Internal server error",
        "an unexpected error occurred; quote the correlation id when reporting it",
        type_slug="internal-error",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
