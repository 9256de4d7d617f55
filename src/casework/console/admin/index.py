"""Administration: the index of the tenant's settings pages, and the pages themselves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework.auth.permissions import Permission
from casework.console.admin import clients, configs, users
from casework.console.routing import ConsoleRoute
from casework.console.templating import render
from casework.console.web import CurrentViewer
from casework.infra.errors import PermissionDenied

router = APIRouter(route_class=ConsoleRoute)


@router.get("/admin")
def admin_index(request: Request, viewer: CurrentViewer) -> Response:
    # The same people the navigation offers the page to: administrators, and those who
    # manage the configuration without administering users.
    if not (viewer.can(Permission.admin) or viewer.can(Permission.config_manage)):
        raise PermissionDenied("this page needs the 'admin' or 'config.manage' permission")
    return render(request, "admin/index.html")


for part in (users, clients, configs):
    router.include_router(part.router)
