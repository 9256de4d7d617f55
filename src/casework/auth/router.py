"""OAuth2 client-credentials token endpoint (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from casework.auth import limits, service
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.errors import ValidationFailed
from casework.infra.logging import correlation_id
from casework.infra.routing import CommittingRoute

router = APIRouter(tags=["auth"], route_class=CommittingRoute)


class OAuthProblem(BaseModel):
    """An OAuth2 error (RFC 6749, 5.2) that is also a problem document."""

    error: str
    error_description: str
    type: str
    title: str
    status: int
    detail: str
    correlation_id: str
    errors: list[dict[str, str]] = []


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_in: int


def _oauth_error(status: int, error: str, description: str, basic: bool = False) -> JSONResponse:
    body = {
        "error": error,
        "error_description": description,
        "type": f"https://casework.dev/problems/oauth-{error.replace('_', '-')}",
        "title": error,
        "status": status,
        "detail": description,
        "correlation_id": correlation_id.get(),
        "errors": [],
    }
    headers = {"Cache-Control": "no-store"}
    if basic:
        headers["WWW-Authenticate"] = 'Basic realm="casework"'
    return JSONResponse(body, status_code=status, headers=headers)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from HTTP Basic, each form-decoded (RFC 6749, 2.3.1)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


# What FastAPI reads form fields from; RFC 6749 (4.4.2) names the first.
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def form_encoded(request: Request) -> None:
    """Refuses a token request sent in another encoding (JSON, most often) before its
    fields are read, where each would only seem to be missing."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in _FORM_TYPES:
        raise ValidationFailed.on(
            "body",
            "the token request must be form-encoded (Content-Type: "
            "application/x-www-form-urlencoded), as OAuth 2 requires",
        )


@router.post(
    "/oauth/token",
    response_model=TokenOut,
    responses={
        400: {"model": OAuthProblem, "description": "Unsupported grant type"},
        401: {"model": OAuthProblem, "description": "Client authentication failed"},
    },
    dependencies=[Depends(form_encoded)],
)
def issue_token(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    grant_type: Annotated[
        str, Form(max_length=50, json_schema_extra={"enum": ["client_credentials"]})
    ],
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> JSONResponse:
    """Exchange client credentials (form fields or HTTP Basic) for a bearer token."""
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    basic = basic_credentials(request)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        return _oauth_error(401, "invalid_client", "client credentials are required", basic=True)
    attempt = limits.Attempt.of(request, credential=("client", client_id))
    limits.check(session, attempt)
    client = service.client_by_credentials(session, client_id, client_secret)
    if client is None:
        limits.record_failure(session, attempt, limits.Limits.of(settings))
        return _oauth_error(401, "invalid_client", "client authentication failed", basic=True)
    issued = service.issue_access_token(
        session, client=client, ttl_seconds=settings.access_token_ttl_seconds
    )
    body = TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)
    return JSONResponse(
        body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )
