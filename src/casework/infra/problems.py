"""Rendering every error as application/problem+json (RFC 9457), never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from casework.infra.errors import DomainError
from casework.infra.field_paths import field_path, invalid_json, split_source
from casework.infra.logging import correlation_id, get_logger
from casework.infra.routing import other_spelling
from casework.infra.storage.store import StoreUnavailable

log = get_logger("casework.infra.errors")
PROBLEM = "application/problem+json"
TYPE_BASE = "https://casework.dev/problems/"


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(json_schema_extra={"description": "application/problem+json"})

    type: str
    title: str
    status: int
    detail: str
    correlation_id: str
    errors: list[FieldProblem] = []


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
    # List positions stay parts of their own here ("items.0.name"), as clients have
    # always read them; a query, path, header or cookie field keeps its source.
    source, rest = split_source(loc)
    name = field_path(rest, indexed=False)
    if source is None or source in {"body", "form"}:
        return name or (source or "")
    return f"{source}.{name}" if rest else source


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _sent_as_json(media_type: str) -> bool:
    # As FastAPI decides whether to parse a body as JSON: application/json or +json.
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _whole_body(request: Request, kind: str, message: str) -> str:
    """What to say of a JSON body that is wrong as a whole. Without a JSON content type
    FastAPI does not parse the body at all, and pydantic's words ("a valid dictionary")
    would hide that the header is what is missing."""
    media_type = _media_type(request)
    if not _sent_as_json(media_type):
        had = f"its Content-Type is {media_type[:100]}" if media_type else "it has no Content-Type"
        return f"must be JSON sent with Content-Type: application/json; {had}"
    if kind == "missing":
        return "is required: send a JSON object"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "must be a JSON object"
    return message


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc, kind = tuple(err.get("loc", ())), str(err.get("type", ""))
        field, message = _field_name(loc), str(err.get("msg", "is invalid"))
        if kind == "json_invalid":
            # Located by its offset in the text, which is no field.
            field, message = "body", invalid_json(err)
        elif loc == ("body",):
            message = _whole_body(request, kind, message)
        errors.append({"field": field, "message": message})
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


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[BaseRoute], path: str) -> list[str]:
    """The methods of the resource ``path`` names.

    FastAPI makes one route per method, and Starlette's 405 names only the methods of the
    first route whose path matched, so ``Allow`` would leave out the path's others. Where
    a fixed path and a template both match (``/v1/transactions/batch`` and
    ``/v1/transactions/{transaction_id}``), the path names the fixed one.
    """
    matching: dict[int, set[str]] = {}
    for route in iter_route_contexts(routes):
        if route.methods and _answers(route, path):
            parameters = len(getattr(route, "param_convertors", {}) or {})
            matching.setdefault(parameters, set()).update(route.methods)
    methods = matching[min(matching)] if matching else set()
    return sorted(methods, key=lambda m: (*_METHOD_ORDER, m).index(m))


def _answers(route: RouteContext, path: str) -> bool:
    """Whether ``route`` answers ``path`` (a dialect's route in either spelling)."""
    pattern = getattr(route, "path_regex", None)
    if pattern is None:
        return False
    if pattern.match(path):
        return True
    twin = other_spelling(path)
    either = getattr(route.original_route, "either_slash", False)
    return bool(either and twin and pattern.match(twin))


def slash_twin(routes: list[BaseRoute], path: str) -> str | None:
    """The other spelling of ``path``, with or without its trailing slash, when a route
    answers that one: what a client that got ``path`` wrong is told to use."""
    twin = other_spelling(path)
    if twin is None:
        return None
    for route in iter_route_contexts(routes):
        if route.methods and _answers(route, twin):
            return twin
    return None


def _route_path(request: Request) -> str:
    path, root = str(request.scope["path"]), str(request.scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    errors = [{"field": "body", "message": str(exc.detail)}] if exc.status_code == 413 else None
    headers = dict(exc.headers) if exc.headers else {}
    detail = str(exc.detail)
    if exc.status_code == 404 and request.scope.get("route") is None:
        # No route took the path. Each native path has one spelling, and the other is
        # not redirected to it: a redirect would lose a POST's body and, behind a TLS
        # proxy, point at http://. The answer names the path instead.
        path = _route_path(request)
        twin = slash_twin(request.app.router.routes, path)
        if twin is not None:
            slash = "with" if twin.endswith("/") else "without"
            detail = f"no route at {path}; the path is {twin} ({slash} the trailing slash)"
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(
            allowed_methods(request.app.router.routes, _route_path(request))
        )
    return problem_response(
        exc.status_code,
        title,
        detail,
        type_slug=title.lower().replace(" ", "-"),
        errors=errors,
        headers=headers or None,
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


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The document store failed under a request: a 503 the client may retry, with the
    reason (which names the bucket or directory) in the log only."""
    log.warning("store_unavailable", path=request.url.path, reason=str(exc))
    return problem_response(
        503,
        "Document store unavailable",
        "the document store cannot be used now; nothing was changed, try again later",
        type_slug="store-unavailable",
        headers={"Retry-After": "30"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(StarletteHTTPException, _http)
