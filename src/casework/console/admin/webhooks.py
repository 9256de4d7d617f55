"""Administration of webhooks: endpoints, their signing secrets, and the delivery log.

Reading needs ``config.read`` and every change ``config.manage``, as on /v1. A signing
secret appears once, on the page that answers the create or rotate form; afterwards
only its existence is known.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from casework.console.admin.forms import ConfigManagerViewer as Manager
from casework.console.admin.forms import ConfigReaderViewer as Reader
from casework.console.forms import FormText, validated
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.infra import jobs
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.errors import ValidationFailed
from casework.infra.secrets_box import box_for
from casework.models import WebhookDeliveryStatus, WebhookEndpoint, WebhookEventType
from casework.webhooks import repository, service
from casework.webhooks.jobs import DELIVER
from casework.webhooks.schemas import EndpointCreate, EndpointUpdate

router = APIRouter(route_class=ConsoleRoute)

Checked = Annotated[list[str] | None, Form()]

HOME = "/console/admin/webhooks"
LOG = f"{HOME}/deliveries"
PAGE = 50
EVENT_TYPES = [e.value for e in WebhookEventType]
STATUSES = [s.value for s in WebhookDeliveryStatus]


def _secret_page(
    request: Request, endpoint: WebhookEndpoint, secret: str, *, created: bool
) -> Response:
    context = {"endpoint": endpoint, "secret": secret, "created": created}
    return render(request, "admin/webhooks_secret.html", context, status=201 if created else 200)


@router.get("/admin/webhooks")
def endpoints_page(
    request: Request, session: DbSession, viewer: Reader, cursor: str | None = None
) -> Response:
    rows, next_cursor = repository.list_endpoints(
        session, tenant_id=viewer.tenant_id, is_active=None, cursor=cursor, limit=PAGE
    )
    context = {
        "endpoints": rows,
        "next_cursor": next_cursor,
        "paged": bool(cursor),
        "event_types": EVENT_TYPES,
    }
    return render(request, "admin/webhooks.html", context)


@router.post("/admin/webhooks")
def create_endpoint(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    viewer: Manager,
    url: FormText = "",
    description: FormText = "",
    event_types: Checked = None,
) -> Response:
    data = validated(
        EndpointCreate,
        {"url": url, "description": description, "event_types": event_types or []},
    )
    endpoint, secret = service.create_endpoint(
        session,
        actor=viewer.principal,
        data=data,
        box=box_for(settings),
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    return _secret_page(request, endpoint, secret, created=True)


def _status_filter(status: str) -> WebhookDeliveryStatus | None:
    if not status:
        return None
    if status not in STATUSES:
        raise ValidationFailed.on("status", f"must be one of {', '.join(STATUSES)}")
    return WebhookDeliveryStatus(status)


@router.get("/admin/webhooks/deliveries")
def deliveries_page(
    request: Request,
    session: DbSession,
    viewer: Reader,
    endpoint_id: str = "",
    status: str = "",
    cursor: str | None = None,
) -> Response:
    wanted = _status_filter(status)
    if len(endpoint_id) > 24:
        raise ValidationFailed.on("endpoint_id", "is not an endpoint id")
    rows, next_cursor = repository.list_deliveries(
        session,
        tenant_id=viewer.tenant_id,
        endpoint_id=endpoint_id or None,
        status=wanted,
        event_type=None,
        cursor=cursor,
        limit=PAGE,
    )
    # A tenant has a handful of endpoints: one query names them all for the log.
    endpoints, _ = repository.list_endpoints(
        session, tenant_id=viewer.tenant_id, is_active=None, cursor=None, limit=200
    )
    context = {
        "deliveries": rows,
        "endpoints": {e.id: e for e in endpoints},
        "filters": {"endpoint_id": endpoint_id, "status": status},
        "statuses": STATUSES,
        "next_cursor": next_cursor,
        "paged": bool(cursor),
    }
    return render(request, "admin/webhooks_deliveries.html", context)


@router.get("/admin/webhooks/deliveries/{delivery_id}")
def delivery_page(
    request: Request, delivery_id: str, session: DbSession, viewer: Reader
) -> Response:
    delivery = repository.delivery(
        session, tenant_id=viewer.tenant_id, delivery_id=delivery_id, with_attempts=True
    )
    endpoint = (
        repository.endpoint(session, tenant_id=viewer.tenant_id, endpoint_id=delivery.endpoint_id)
        if delivery.endpoint_id
        else None
    )
    context = {"delivery": delivery, "endpoint": endpoint}
    return render(request, "admin/webhooks_delivery.html", context)


@router.post("/admin/webhooks/deliveries/{delivery_id}/replay")
def replay_delivery(delivery_id: str, session: DbSession, viewer: Manager) -> Response:
    delivery = service.replay(session, actor=viewer.principal, delivery_id=delivery_id)
    # The sweep would find the due delivery too; this sends it as soon as we commit.
    jobs.defer_on_commit(session, DELIVER, delivery_id=delivery.id)
    return redirect(f"{LOG}/{delivery.id}", notice="Replay queued: the delivery is sent again.")


@router.get("/admin/webhooks/{endpoint_id}")
def endpoint_page(
    request: Request, endpoint_id: str, session: DbSession, viewer: Reader
) -> Response:
    endpoint = repository.endpoint(session, tenant_id=viewer.tenant_id, endpoint_id=endpoint_id)
    context = {"endpoint": endpoint, "event_types": EVENT_TYPES}
    return render(request, "admin/webhooks_endpoint.html", context)


@router.post("/admin/webhooks/{endpoint_id}")
def update_endpoint(
    endpoint_id: str,
    session: DbSession,
    settings: AppSettings,
    viewer: Manager,
    url: FormText = "",
    description: FormText = "",
    event_types: Checked = None,
    is_active: FormText = "",
) -> Response:
    data = validated(
        EndpointUpdate,
        {
            "url": url,
            "description": description,
            "event_types": event_types or [],
            "is_active": is_active == "on",
        },
    )
    service.update_endpoint(
        session,
        actor=viewer.principal,
        endpoint_id=endpoint_id,
        data=data,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    return redirect(f"{HOME}/{endpoint_id}", notice="Endpoint saved.")


@router.post("/admin/webhooks/{endpoint_id}/rotate-secret")
def rotate_secret(
    request: Request,
    endpoint_id: str,
    session: DbSession,
    settings: AppSettings,
    viewer: Manager,
) -> Response:
    endpoint, secret = service.rotate_secret(
        session, actor=viewer.principal, endpoint_id=endpoint_id, box=box_for(settings)
    )
    return _secret_page(request, endpoint, secret, created=False)


@router.post("/admin/webhooks/{endpoint_id}/delete")
def delete_endpoint(endpoint_id: str, session: DbSession, viewer: Manager) -> Response:
    service.delete_endpoint(session, actor=viewer.principal, endpoint_id=endpoint_id)
    return redirect(HOME, notice="Endpoint deleted; its past deliveries stay in the log.")
