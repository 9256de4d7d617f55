from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.infra.schemas import not_null
from casework.infra.strict import StrictModel
from casework.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
)

if TYPE_CHECKING:
    from casework.webhooks.case_secret import CaseWebhookSecret

WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="https (or http) URL of the receiver; private, loopback and link-local "
        "addresses are refused unless the operator allow-listed them.",
    ),
]
Description = Annotated[str, Field(max_length=500)]
EventTypes = Annotated[
    list[WebhookEventType],
    Field(min_length=1, max_length=50, description="The events this endpoint receives."),
]


def _unique(values: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
    return None if values is None else list(dict.fromkeys(values))


class EndpointCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: WebhookUrl
    description: Description = ""
    event_types: EventTypes

    @field_validator("event_types")
    @classmethod
    def _dedupe(cls, values: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
        return _unique(values)


class EndpointUpdate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: WebhookUrl | None = Field(default=None, json_schema_extra=not_null)
    description: Description | None = Field(default=None, json_schema_extra=not_null)
    event_types: EventTypes | None = Field(default=None, json_schema_extra=not_null)
    is_active: bool | None = Field(
        json_schema_extra=not_null,
        default=None,
        description="false disables the endpoint: its pending deliveries are abandoned and "
        "no new events are queued for it (replay resends any of them); true enables it again.",
    )

    @field_validator("event_types")
    @classmethod
    def _dedupe(cls, values: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
        return _unique(values)


class EndpointOut(BaseModel):
    id: str
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then requests also carry a signature made with the previous secret."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointOut:
        return cls(**_endpoint_fields(endpoint))


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_...). Shown in this "
        "response only: store it now."
    )

    @classmethod
    def with_secret(cls, endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
        return cls(**_endpoint_fields(endpoint), secret=secret)


def _endpoint_fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "is_active": endpoint.is_active,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


class AttemptOut(BaseModel):
    id: str
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None

    @classmethod
    def of(cls, attempt: WebhookAttempt) -> AttemptOut:
        return cls(
            id=attempt.id,
            attempted_at=attempt.attempted_at,
            duration_ms=attempt.duration_ms,
            status_code=attempt.status_code,
            error=attempt.error,
            response_excerpt=attempt.response_excerpt,
        )


class DeliveryOut(BaseModel):
    id: str = Field(description="Also the webhook-id header, the same on retries and replays.")
    endpoint_id: str | None
    url: str | None = Field(description="Set when the event went to a case's own webhook URL.")
    event_type: str
    status: WebhookDeliveryStatus
    attempt_count: int = Field(description="Attempts since the delivery was emitted or replayed.")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls(**_delivery_fields(delivery))


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any]
    attempts: list[AttemptOut] = Field(description="Every attempt, replays included, oldest first.")

    @classmethod
    def detail(cls, delivery: WebhookDelivery) -> DeliveryDetail:
        return cls(
            **_delivery_fields(delivery),
            payload=dict(delivery.payload),
            attempts=[AttemptOut.of(a) for a in delivery.attempts],
        )


def _delivery_fields(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "url": delivery.url,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }


def event_body(delivery: WebhookDelivery) -> bytes:
    """What a receiver is sent: the event type, when it happened and its data (or the
    data alone, for a delivery made in another API's shape)."""
    if not delivery.enveloped:
        return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    event = {
        "type": delivery.event_type,
        "timestamp": delivery.created_at.isoformat().replace("+00:00", "Z"),
        "data": delivery.payload,
    }
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


class CaseWebhookSecretOut(BaseModel):
    """The tenant's secret for signing deliveries to cases' own ``webhook_url``: whether
    there is one and its history, never the secret itself."""

    exists: bool = Field(description="false until the first case delivery or rotation.")
    created_at: datetime | None = Field(description="When the tenant's first secret was made.")
    rotated_at: datetime | None = Field(
        description="When the current secret replaced another (null while it is the first)."
    )
    previous_expires_at: datetime | None = Field(
        description="Until then requests also carry a signature made with the previous secret."
    )

    @classmethod
    def of(cls, value: CaseWebhookSecret | None) -> CaseWebhookSecretOut:
        return cls(**_case_secret_fields(value))


class CaseWebhookSecretWithSecret(CaseWebhookSecretOut):
    secret: str = Field(
        description="The new signing secret (Standard Webhooks, whsec_...). Shown in this "
        "response only: store it now."
    )

    @classmethod
    def with_secret(cls, value: CaseWebhookSecret, secret: str) -> CaseWebhookSecretWithSecret:
        return cls(**_case_secret_fields(value), secret=secret)


def _case_secret_fields(value: CaseWebhookSecret | None) -> dict[str, Any]:
    if value is None:
        return {
            "exists": False,
            "created_at": None,
            "rotated_at": None,
            "previous_expires_at": None,
        }
    return {
        "exists": True,
        "created_at": value.created_at,
        "rotated_at": value.rotated_at,
        "previous_expires_at": value.previous_secret_expires_at,
    }
