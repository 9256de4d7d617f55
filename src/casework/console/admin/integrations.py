"""Console administration of integrations: webhooks (with their delivery log) and
transaction-monitoring rules (with backtests)."""

from __future__ import annotations

from fastapi import APIRouter

from casework.console.admin import rules, webhooks
from casework.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
router.include_router(webhooks.router)
router.include_router(rules.router)
