"""Every console page, under ``/console``, kept out of the API's OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from casework.console import (
    case_actions,
    case_page,
    dashboard,
    inbox,
    lists,
    login,
    queue,
    reports,
)
from casework.console.admin import index as admin
from casework.console.admin import integrations as admin_integrations
from casework.console.routing import ConsoleRoute, error_page
from casework.console.web import HOME
from casework.infra.errors import NotFound

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
for part in (
    login,
    queue,
    case_page,
    case_actions,
    reports,
    inbox,
    dashboard,
    lists,
    admin,
    admin_integrations,
):
    router.include_router(part.router)


@router.get("")
def bare_home() -> Response:
    """``/console`` without its slash: a browser is sent on to the home page, with a
    relative Location so that it stays on the scheme and host it came through."""
    return RedirectResponse(HOME, status_code=308)


@router.api_route("/{rest:path}", methods=["GET", "POST"])
def not_found(request: Request, rest: str) -> Response:
    return error_page(request, NotFound(f"there is no console page at /console/{rest}"))
