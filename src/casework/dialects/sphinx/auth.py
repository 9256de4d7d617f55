"""Who is calling a Sphinx route: a bearer token, or a browser's ``sessionid`` cookie.

A bearer is an OAuth2 access token from ``/api/oauth/token/`` or a casework API key. A
cookie-authenticated request that changes something must also prove it comes from
the console's own pages: the ``X-CSRFToken`` header must repeat the ``csrftoken``
cookie, as Django's double-submit protection has it.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBearer
from sqlalchemy.orm import Session

from casework.auth import limits, service, sessions
from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.auth.secrets import ACCESS_TOKEN_PREFIX
from casework.config import Settings
from casework.dialects.sphinx.errors import FORBIDDEN, NOT_PROVIDED
from casework.infra.dependencies import get_database, get_settings
from casework.infra.errors import NotAuthenticated, PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FAILED = "CSRF Failed: CSRF token missing or incorrect."


def _bearer(request: Request, session: Session, token: str) -> Principal | None:
    if not token:
        raise NotAuthenticated("Invalid token header. No credentials provided.")
    attempt = limits.Attempt.of(request)
    if token.startswith(ACCESS_TOKEN_PREFIX):
        return service.by_access_token(session, token, attempt)
    return service.by_api_key(session, token, attempt)


def _csrf_ok(request: Request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    return bool(cookie and header) and hmac.compare_digest(cookie.encode(), header.encode())


def _from_cookie(request: Request, session: Session, settings: Settings) -> sessions.Resolved:
    token = request.cookies.get(sessions.COOKIE)
    resolved = sessions.resolve(session, token, settings=settings) if token else None
    # An ended or expired session makes the caller anonymous, as a missing one does.
    if resolved is None:
        raise NotAuthenticated(NOT_PROVIDED)
    if request.method not in SAFE_METHODS and not _csrf_ok(request):
        raise PermissionDenied(CSRF_FAILED)
    return resolved


# Declared for OpenAPI's security schemes; the dependency reads the header and cookie itself.
_bearer_scheme = HTTPBearer(
    scheme_name="SphinxBearer",
    auto_error=False,
    description="An access token from /api/oauth/token/ or a casework API key",
)
_session_cookie = APIKeyCookie(
    name=sessions.COOKIE,
    scheme_name="SphinxSession",
    auto_error=False,
    description="A console session; a request that changes something also needs X-CSRFToken",
)


def sphinx_principal(
    request: Request,
    _b: Annotated[Any, Depends(_bearer_scheme)] = None,
    _s: Annotated[Any, Depends(_session_cookie)] = None,
) -> Principal:
    """The caller, resolved in a short read transaction of its own."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    resolved: sessions.Resolved | None = None
    principal: Principal | None
    with get_database(request).lookup() as session:
        if scheme.lower() == "bearer":
            principal = _bearer(request, session, token.strip())
        else:
            resolved = _from_cookie(request, session, get_settings(request))
            principal = resolved.principal
    if principal is None:
        limits.refused(request, limits.Attempt.of(request))
        raise NotAuthenticated("Invalid token.")
    if resolved is not None and resolved.stale:
        with get_database(request).transaction() as writing:
            sessions.touch(writing, resolved.session_id)
    request.state.principal = principal
    return principal


def needs(permission: Permission) -> Any:
    """A dependency that returns the caller if it holds ``permission``."""
    return permission_gate(sphinx_principal, permission, FORBIDDEN)


CaseReader = Annotated[Principal, needs(Permission.case_read)]
CaseCreator = Annotated[Principal, needs(Permission.case_create)]
CaseStarter = Annotated[Principal, needs(Permission.case_update)]
CustomerReader = Annotated[Principal, needs(Permission.customer_read)]
CustomerWriter = Annotated[Principal, needs(Permission.customer_write)]
DocumentReader = Annotated[Principal, needs(Permission.document_read)]
DocumentWriter = Annotated[Principal, needs(Permission.document_write)]
