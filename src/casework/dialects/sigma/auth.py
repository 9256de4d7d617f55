"""Sigma's credentials: the ``apiKey`` and ``apiSecret`` headers of an API client."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from casework.auth import limits, service
from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.infra.dependencies import get_database
from casework.infra.errors import NotAuthenticated

# Declared so that OpenAPI shows the two headers; the dependency reads them itself.
_api_key = APIKeyHeader(
    name="apiKey", scheme_name="ApiClientId", auto_error=False, description="API client id"
)
_api_secret = APIKeyHeader(
    name="apiSecret",
    scheme_name="ApiClientSecret",
    auto_error=False,
    description="API client secret",
)

INVALID = "Invalid API credentials"


def sigma_principal(
    request: Request,
    _k: Annotated[Any, Depends(_api_key)] = None,
    _s: Annotated[Any, Depends(_api_secret)] = None,
) -> Principal:
    """The API client named by the headers, read in a short transaction of its own."""
    client_id = request.headers.get("apikey", "").strip()
    secret = request.headers.get("apisecret", "").strip()
    if not client_id or not secret:
        raise NotAuthenticated("Both the apiKey and apiSecret headers are required")
    attempt = limits.Attempt.of(request, credential=("client", client_id))
    with get_database(request).lookup() as session:
        principal = service.by_client_secret(session, client_id, secret, attempt)
    if principal is None:
        limits.refused(request, attempt)
        raise NotAuthenticated(INVALID)
    request.state.principal = principal
    return principal


def needs(permission: Permission) -> Any:
    return permission_gate(
        sigma_principal, permission, f"These credentials lack the {permission.value} permission"
    )


CaseCreator = Annotated[Principal, needs(Permission.case_create)]
CaseReader = Annotated[Principal, needs(Permission.case_read)]
