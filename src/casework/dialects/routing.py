"""The route class of a dialect: its errors in its own shape, its work committed, and
its path answered with or without a trailing slash.

Everything that can go wrong inside a route (a credential refused by the dialect's
auth dependency, a body that does not validate, a domain error from a service) is
rendered by the dialect's ``render`` instead of as problem+json. Errors outside any
route (an unknown path) keep the application's shape.

Vendor clients spell paths as their vendor does, and some write them with a trailing
slash where the vendor has none, or the other way round. A redirect does not help them:
a signature made over the path sent no longer matches the path redirected to, most HTTP
clients do not follow a redirect by default, and a POST body may be dropped on the way.
So a dialect route answers both spellings itself, and the request keeps the path the
client sent (``raw_path`` as well as ``path``), which Sumsub's signature is checked
against. The route is declared, and described in OpenAPI, once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from casework.infra.errors import DomainError
from casework.infra.field_paths import field_name
from casework.infra.openapi import ErrorShape
from casework.infra.routing import CommittingRoute, other_spelling

DialectError = RequestValidationError | DomainError | HTTPException
Renderer = Callable[[Request, DialectError], Response]


def route_class(
    render: Renderer, shape: ErrorShape, base: type[CommittingRoute] = CommittingRoute
) -> type[CommittingRoute]:
    """Routes whose errors ``render`` answers, described in OpenAPI as ``shape``, each
    answering its path with and without a trailing slash. ``base`` may read requests in
    a dialect's own way; what it raises is rendered as any other error."""

    class DialectRoute(base):  # type: ignore[valid-type,misc]
        error_shape = shape
        either_slash = True

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child_scope = super().matches(scope)
            if match is not Match.NONE or scope["type"] != "http":
                return match, child_scope
            twin = other_spelling(scope["path"])
            if twin is None:
                return match, child_scope
            # Only the path is matched in its other spelling; the scope the route gets
            # still holds the path as sent.
            other: tuple[Match, Scope] = super().matches({**scope, "path": twin})
            return other

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def translated(request: Request) -> Response:
                try:
                    answer: Response = await handler(request)
                    return answer
                except (RequestValidationError, DomainError, HTTPException) as exc:
                    response = render(request, exc)
                    if isinstance(exc, DomainError):
                        # Retry-After and the like mean the same in every dialect.
                        response.headers.update(exc.headers())
                    return response

            return translated

    return DialectRoute


def validation_errors(exc: RequestValidationError) -> list[tuple[str, str]]:
    """(field, message) for each problem pydantic found in a request."""
    found = []
    for err in exc.errors():
        message = str(err.get("msg", "is invalid"))
        if err.get("type") == "json_invalid":
            message = "body is not valid JSON"
        elif err.get("type") == "missing":
            message = "is required"
        found.append((field_name(tuple(err.get("loc", ()))), message))
    return found
