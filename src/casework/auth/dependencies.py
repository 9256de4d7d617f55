"""Who is calling: principal resolution and the permission aliases routes declare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy.orm import Session

from casework.auth import limits, service
from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.auth.secrets import ACCESS_TOKEN_PREFIX
from casework.infra.dependencies import get_database
from casework.infra.errors import NotAuthenticated

# Declared for OpenAPI's security schemes; resolution below reads the headers itself.
_bearer = HTTPBearer(auto_error=False, description="API key or OAuth2 access token")
_api_key = APIKeyHeader(
    name="apiKey", scheme_name="ApiClientId", auto_error=False, description="API client id"
)
_api_secret = APIKeyHeader(
    name="apiSecret",
    scheme_name="ApiClientSecret",
    auto_error=False,
    description="API client secret",
)


def current_principal(
    request: Request,
    _b: Annotated[Any, Depends(_bearer)] = None,
    _k: Annotated[Any, Depends(_api_key)] = None,
    _s: Annotated[Any, Depends(_api_secret)] = None,
) -> Principal:
    """Resolve the caller in a short read transaction of its own, so that a writing
    request takes the database's write lock only once its own work begins."""
    with get_database(request).lookup() as session:
        principal, attempt = _resolve(request, session)
    if principal is None:
        limits.refused(request, attempt)
        raise NotAuthenticated("credentials are invalid, expired or revoked")
    request.state.principal = principal
    return principal


def _resolve(request: Request, session: Session) -> tuple[Principal | None, limits.Attempt]:
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Authorization must be 'Bearer <api key or access token>'")
        attempt = limits.Attempt.of(request)
        if token.startswith(ACCESS_TOKEN_PREFIX):
            principal = service.by_access_token(session, token, attempt)
        else:
            principal = service.by_api_key(session, token, attempt)
    elif "apikey" in request.headers or "apisecret" in request.headers:
        client_id = request.headers.get("apikey", "")
        secret = request.headers.get("apisecret", "")
        if not client_id or not secret:
            raise NotAuthenticated("both apiKey and apiSecret headers are required")
        attempt = limits.Attempt.of(request, credential=("client", client_id))
        principal = service.by_client_secret(session, client_id, secret, attempt)
    else:
        raise NotAuthenticated("credentials are required")
    return principal, attempt


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def needs(permission: Permission) -> Any:
    """A dependency that returns the caller if it holds ``permission``."""
    return permission_gate(
        current_principal, permission, f"this action needs the {permission.value!r} permission"
    )


CaseReader = Annotated[Principal, needs(Permission.case_read)]
CaseCreator = Annotated[Principal, needs(Permission.case_create)]
CaseUpdater = Annotated[Principal, needs(Permission.case_update)]
CaseAssigner = Annotated[Principal, needs(Permission.case_assign)]
CaseEscalator = Annotated[Principal, needs(Permission.case_escalate)]
CaseResolver = Annotated[Principal, needs(Permission.case_resolve)]
CaseCommenter = Annotated[Principal, needs(Permission.case_comment)]
CaseApprover = Annotated[Principal, needs(Permission.case_approve)]
ReportWriter = Annotated[Principal, needs(Permission.report_write)]
CustomerReader = Annotated[Principal, needs(Permission.customer_read)]
CustomerWriter = Annotated[Principal, needs(Permission.customer_write)]
DocumentReader = Annotated[Principal, needs(Permission.document_read)]
DocumentWriter = Annotated[Principal, needs(Permission.document_write)]
ConfigReader = Annotated[Principal, needs(Permission.config_read)]
ConfigManager = Annotated[Principal, needs(Permission.config_manage)]
AnalyticsReader = Annotated[Principal, needs(Permission.analytics_read)]
AuditReader = Annotated[Principal, needs(Permission.audit_read)]
ScreeningRunner = Annotated[Principal, needs(Permission.screening_run)]
Admin = Annotated[Principal, needs(Permission.admin)]
