"""Console administration of integrations: webhooks (with their delivery log) and
transaction-monitoring rules (with backtests)."""

from __future__ import annotations

from fastapi import APIRouter

from casework.console import admin_rules, admin_webhooks
from casework.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
router.include_router(admin_webhooks.router)
router.include_router(admin_rules.router)
