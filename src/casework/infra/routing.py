"""The route class every API router uses: commit where the work was done, and guard
the request before anything reads it.

A synchronous endpoint runs in a worker thread. Committing there, as soon as it
returns, keeps a writing transaction (and on SQLite the database's write lock) as
short as the work itself; committing in the session dependency's exit would first
wait for the event loop to schedule another thread hop. The dependency still closes
the session, and rolls back whatever an error left uncommitted.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from casework.infra import guard


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return result

    return run


class CommittingRoute(APIRoute):
    """Before any dependency or handler runs, the request passes casework.infra.guard: text
    with NUL or unpaired surrogates, over-deep JSON and loosely spelt numbers in the
    query, path or form are refused as a RequestValidationError naming the field, which
    each route family renders as it renders every other (problem+json, a dialect's own
    errors, a console page)."""

    # Whether JSON numbers with a fraction or exponent are parsed as Decimal.
    exact_numbers = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        inputs = guard.Inputs.of(self.dependant, exact_numbers=self.exact_numbers)

        async def guarded(request: Request) -> Response:
            checked = guard.GuardedRequest(request.scope, request.receive, inputs=inputs)
            try:
                guard.check_text(checked, inputs)
                return await handler(checked)
            except guard.Refused as refused:
                raise refused.validation_error() from None

        return guarded


def other_spelling(path: str) -> str | None:
    """``path`` with one trailing slash added or taken away; None for the root."""
    if not path or path == "/":
        return None
    return path[:-1] if path.endswith("/") else path + "/"


def _indexed(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """("body", "transactions", 12, "amount") -> ("body", "transactions[12]", "amount")."""
    out: list[Any] = []
    for part in loc:
        if isinstance(part, int) and out and isinstance(out[-1], str) and out[-1] != "body":
            out[-1] = f"{out[-1]}[{part}]"
        else:
            out.append(part)
    return tuple(out)


class ExactNumbersRoute(CommittingRoute):
    """For bodies carrying money: JSON numbers are parsed as Decimal, never through
    float (NaN and Infinity too, so they can be named), and invalid list items are
    named ``items[3].field`` like the domain errors about the same items."""

    exact_numbers = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = [{**e, "loc": _indexed(tuple(e.get("loc", ())))} for e in exc.errors()]
                raise RequestValidationError(errors, body=exc.body) from None

        return exact
