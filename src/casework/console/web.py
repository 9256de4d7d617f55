"""Who is using the console, and proof that a form was posted from its own pages.

A page needs a live ``sessionid`` session; without one the browser is sent to the
sign-in page. Every form carries a CSRF token derived from the session's secret
token, which only the HttpOnly cookie holds, so another site can neither read nor
compute it. The same value is set as the ``csrftoken`` cookie, which the Sphinx
routes compare with their ``X-CSRFToken`` header.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from casework.auth import sessions
from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.infra.dependencies import get_database, get_settings
from casework.infra.errors import DomainError

CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrf_token"
HOME = "/console/"


class SignInRequired(DomainError):
    """No live session: the browser is redirected to the sign-in page."""

    status = 401
    title = "Sign-in required"
    type_slug = "sign-in-required"


class CsrfFailed(DomainError):
    status = 403
    title = "Form expired"
    type_slug = "csrf-failed"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a console request."""

    principal: Principal
    session_id: str
    csrf: str

    @property
    def user_id(self) -> str:
        assert self.principal.user_id is not None
        return self.principal.user_id

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    def can(self, permission: Permission | str) -> bool:
        return self.principal.can(Permission(permission))


def csrf_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"casework-console-csrf", hashlib.sha256).hexdigest()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path of this site, never elsewhere."""
    if not target:
        return HOME
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/console")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return HOME
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/console/login?next={quote(here, safe='')}"


def _resolve(request: Request, session: Session) -> sessions.Resolved | None:
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    resolved = sessions.resolve(session, token, settings=get_settings(request))
    if resolved is None or resolved.principal.user_id is None:
        return None
    return resolved


def signed_in(request: Request) -> Viewer:
    """The session behind the cookie, read in a short transaction of its own."""
    database = get_database(request)
    with database.lookup() as session:
        resolved = _resolve(request, session)
    if resolved is None:
        raise SignInRequired("sign in to continue")
    if resolved.stale:
        with database.transaction() as writing:
            sessions.touch(writing, resolved.session_id)
    token = request.cookies[sessions.COOKIE]
    return Viewer(resolved.principal, resolved.session_id, csrf_for(token))


async def _form_token(request: Request) -> str:
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return request.headers.get("x-csrftoken", "")


async def current_viewer(request: Request, viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    """The signed-in user; a request that changes something must carry the CSRF token."""
    if request.method not in {"GET", "HEAD"}:
        sent = await _form_token(request)
        if not sent or not hmac.compare_digest(sent.encode(), viewer.csrf.encode()):
            raise CsrfFailed("the form has expired or did not come from this site; reload it")
    request.state.principal = viewer.principal
    request.state.viewer = viewer
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def allowed(permission: Permission) -> object:
    """A dependency that returns the viewer if they hold ``permission``."""
    return permission_gate(
        current_viewer, permission, f"this page needs the {permission.value!r} permission"
    )
