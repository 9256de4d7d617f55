from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from casework.auth.dependencies import ConfigManager, ConfigReader
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.infra.secrets_box import box_for
from casework.models import WebhookDeliveryStatus, WebhookEventType
from casework.webhooks import case_secret, repository, service
from casework.webhooks.outbound import resolver_for
from casework.webhooks.schemas import (
    CaseWebhookSecretOut,
    CaseWebhookSecretWithSecret,
    DeliveryDetail,
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
)

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"], route_class=CommittingRoute)
deliveries_router = APIRouter(
    prefix="/v1/webhook-deliveries", tags=["webhooks"], route_class=CommittingRoute
)
case_secret_router = APIRouter(
    prefix="/v1/settings/case-webhook-secret", tags=["webhooks"], route_class=CommittingRoute
)


@router.post("", status_code=201)
def create_endpoint(
    body: EndpointCreate,
    response: Response,
    session: DbSession,
    principal: ConfigManager,
    settings: AppSettings,
) -> EndpointWithSecret:
    """Register a receiver. Its signing secret is in this response only.

    There is no ``Idempotency-Key`` here: a replay would have to store the secret.
    """
    endpoint, secret = service.create_endpoint(
        session,
        actor=principal,
        data=body,
        box=box_for(settings),
        allowed_hosts=settings.webhook_allowed_hosts,
        resolver=resolver_for(settings.outbound_network),
    )
    response.headers["Cache-Control"] = "no-store"
    return EndpointWithSecret.with_secret(endpoint, secret)


@router.get("")
def list_endpoints(
    session: DbSession,
    principal: ConfigReader,
    is_active: bool | None = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[EndpointOut]:
    rows, next_cursor = repository.list_endpoints(
        session, tenant_id=principal.tenant_id, is_active=is_active, cursor=cursor, limit=limit
    )
    return Page[EndpointOut](items=[EndpointOut.of(e) for e in rows], next_cursor=next_cursor)


@router.get("/{endpoint_id}")
def get_endpoint(endpoint_id: str, session: DbSession, principal: ConfigReader) -> EndpointOut:
    return EndpointOut.of(
        repository.endpoint(session, tenant_id=principal.tenant_id, endpoint_id=endpoint_id)
    )


@router.patch("/{endpoint_id}")
def update_endpoint(
    endpoint_id: str,
    body: EndpointUpdate,
    session: DbSession,
    principal: ConfigManager,
    settings: AppSettings,
) -> EndpointOut:
    return EndpointOut.of(
        service.update_endpoint(
            session,
            actor=principal,
            endpoint_id=endpoint_id,
            data=body,
            allowed_hosts=settings.webhook_allowed_hosts,
            resolver=resolver_for(settings.outbound_network),
        )
    )


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, session: DbSession, principal: ConfigManager) -> Response:
    """Remove an endpoint. Its pending deliveries are abandoned; past ones stay listed."""
    service.delete_endpoint(session, actor=principal, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret")
def rotate_secret(
    endpoint_id: str,
    response: Response,
    session: DbSession,
    principal: ConfigManager,
    settings: AppSettings,
) -> EndpointWithSecret:
    """Issue a new signing secret (in this response only). For 24 hours requests carry
    signatures made with both the new and the previous secret."""
    endpoint, secret = service.rotate_secret(
        session, actor=principal, endpoint_id=endpoint_id, box=box_for(settings)
    )
    response.headers["Cache-Control"] = "no-store"
    return EndpointWithSecret.with_secret(endpoint, secret)


@deliveries_router.get("")
def list_deliveries(
    session: DbSession,
    principal: ConfigReader,
    endpoint_id: Annotated[str | None, Query(max_length=24)] = None,
    status: WebhookDeliveryStatus | None = None,
    event_type: WebhookEventType | None = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[DeliveryOut]:
    rows, next_cursor = repository.list_deliveries(
        session,
        tenant_id=principal.tenant_id,
        endpoint_id=endpoint_id,
        status=status,
        event_type=event_type.value if event_type else None,
        cursor=cursor,
        limit=limit,
    )
    return Page[DeliveryOut](items=[DeliveryOut.of(d) for d in rows], next_cursor=next_cursor)


@deliveries_router.get("/{delivery_id}")
def get_delivery(delivery_id: str, session: DbSession, principal: ConfigReader) -> DeliveryDetail:
    delivery = repository.delivery(
        session, tenant_id=principal.tenant_id, delivery_id=delivery_id, with_attempts=True
    )
    return DeliveryDetail.detail(delivery)


@deliveries_router.post("/{delivery_id}/replay", status_code=202)
def replay_delivery(delivery_id: str, session: DbSession, principal: ConfigManager) -> DeliveryOut:
    """Send the delivery again with the same ``webhook-id`` (due now, with a fresh retry
    window); its earlier attempts stay in its history."""
    return DeliveryOut.of(service.replay(session, actor=principal, delivery_id=delivery_id))


@case_secret_router.get("")
def get_case_webhook_secret(session: DbSession, principal: ConfigReader) -> CaseWebhookSecretOut:
    """Whether the tenant has a secret for signing deliveries to cases' own
    ``webhook_url``, and when it was made and rotated. Never the secret itself."""
    return CaseWebhookSecretOut.of(case_secret.current(session, tenant_id=principal.tenant_id))


@case_secret_router.post("/rotate")
def rotate_case_webhook_secret(
    response: Response, session: DbSession, principal: ConfigManager, settings: AppSettings
) -> CaseWebhookSecretWithSecret:
    """Issue a new secret for signing deliveries to cases' own ``webhook_url`` (in this
    response only), making the tenant's first if it has none. For 24 hours requests
    carry signatures made with both the new and the previous secret."""
    value, secret = case_secret.rotate(session, actor=principal, box=box_for(settings))
    response.headers["Cache-Control"] = "no-store"
    return CaseWebhookSecretWithSecret.with_secret(value, secret)
