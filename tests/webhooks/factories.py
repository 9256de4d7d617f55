"""Webhook rows for tests: endpoints made through the service, deliveries on a timeline
of the test's own (far from the present, so no background sweep finds them due)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.secrets_box import box_for
from casework.models import WebhookDelivery, WebhookDeliveryStatus
from casework.models.base import utcnow
from casework.webhooks import service
from casework.webhooks.schemas import EndpointCreate

LOOPBACK = ("127.0.0.1",)


def later(days: int = 400) -> datetime:
    """A moment far ahead: deliveries due then are not due for anyone living in the present."""
    return utcnow() + timedelta(days=days)


def make_endpoint(
    db: Database,
    *,
    tenant_id: str,
    url: str,
    event_types: Sequence[str] = ("case.created",),
    allowed_hosts: Sequence[str] = LOOPBACK,
) -> tuple[str, str]:
    """A new endpoint's id and secret."""
    with db.transaction() as session:
        endpoint, secret = service.create_endpoint(
            session,
            actor=Principal.system(tenant_id),
            data=EndpointCreate.model_validate({"url": url, "event_types": list(event_types)}),
            box=box_for(db.settings),
            allowed_hosts=allowed_hosts,
        )
        return endpoint.id, secret


def emit_at(
    db: Database,
    *,
    tenant_id: str,
    at: datetime,
    event_type: str = "case.created",
    payload: dict[str, Any] | None = None,
    case_webhook_url: str | None = None,
) -> list[str]:
    with db.transaction() as session:
        deliveries = service.emit(
            session,
            tenant_id=tenant_id,
            event_type=event_type,
            payload=payload if payload is not None else {"case_id": "c" * 24},
            case_webhook_url=case_webhook_url,
            now=at,
        )
        return [d.id for d in deliveries]


def settled_delivery(db: Database, *, tenant_id: str) -> str:
    """A delivery that is history already (failed), so no worker ever sends it."""
    with db.transaction() as session:
        delivery = WebhookDelivery(
            tenant_id=tenant_id,
            url="https://1.2.3.4/hooks",
            event_type="case.created",
            payload={"case_id": "c" * 24},
            status=WebhookDeliveryStatus.failed,
            last_error="receiver answered 500",
        )
        session.add(delivery)
        session.flush()
        return delivery.id
