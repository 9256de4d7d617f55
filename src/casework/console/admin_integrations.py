"""Console pages: admin_integrations (to be filled in)."""

from __future__ import annotations

from fastapi import APIRouter

from casework.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
