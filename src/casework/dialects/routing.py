"""The route class of a dialect: its errors in its own shape, its work committed.

Everything that can go wrong inside a route (a credential refused by the dialect's
auth dependency, a body that does not validate, a domain error from a service) is
rendered by the dialect's ``render`` instead of as problem+json. Errors outside any
route (an unknown path) keep the application's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from casework.infra.errors import DomainError
from casework.infra.field_paths import field_name
from casework.infra.openapi import ErrorShape
from casework.infra.routing import CommittingRoute

DialectError = RequestValidationError | DomainError | HTTPException
Renderer = Callable[[Request, DialectError], Response]


def route_class(render: Renderer, shape: ErrorShape) -> type[CommittingRoute]:
    """Routes whose errors ``render`` answers, described in OpenAPI as ``shape``."""

    class DialectRoute(CommittingRoute):
        error_shape = shape

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def translated(request: Request) -> Response:
                try:
                    return await handler(request)
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
