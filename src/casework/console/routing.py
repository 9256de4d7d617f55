"""The console's route class: its work committed, its errors rendered as pages.

A missing session sends the browser to sign in and back. Anything else that goes
wrong inside a console route (a form field that does not validate, a domain error
such as a resolution refused while the checklist is open, a permission the user
lacks) is answered with an HTML page carrying the right 4xx status, naming the field,
after the request's transaction has been rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from casework.console.templating import redirect, render
from casework.console.web import SignInRequired, login_url, safe_next
from casework.dialects.routing import validation_errors
from casework.infra.errors import DomainError
from casework.infra.routing import CommittingRoute


def error_page(
    request: Request, exc: RequestValidationError | DomainError | HTTPException
) -> Response:
    if isinstance(exc, RequestValidationError):
        status, title, detail = 422, "Validation failed", "Some fields are not valid."
        fields = validation_errors(exc)
    elif isinstance(exc, DomainError):
        status, title, detail = exc.status, exc.title, exc.detail
        fields = [(e.field, e.message) for e in exc.errors]
    else:
        status, title, detail, fields = exc.status_code, "Error", str(exc.detail), []
    back = safe_next(request.headers.get("referer", "").partition(request.url.netloc)[2] or None)
    context = {"status": status, "title": title, "detail": detail, "fields": fields, "back": back}
    return render(request, "error.html", context, status=status)


class ConsoleRoute(CommittingRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                if request.method in {"GET", "HEAD"}:
                    return redirect(login_url(request))
                return redirect("/console/login")
            except (RequestValidationError, DomainError, HTTPException) as exc:
                return error_page(request, exc)

        return page
