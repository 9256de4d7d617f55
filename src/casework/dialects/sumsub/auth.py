"""Sumsub's request signing: X-App-Token, X-App-Access-Ts and X-App-Access-Sig.

The signature is the lowercase hex HMAC-SHA256, keyed by the client secret, of the
timestamp, the upper-case method, the path with its query string as sent, and the raw
body bytes.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from casework.auth import limits
from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.auth.signatures import by_signed_request
from casework.config import Settings
from casework.infra.dependencies import AppSettings, get_database
from casework.infra.errors import NotAuthenticated
from casework.infra.secrets_box import box_for

APP_HEADER = "X-App-Token"
TS_HEADER = "X-App-Access-Ts"
SIG_HEADER = "X-App-Access-Sig"
# Sumsub refuses requests whose timestamp is further than this from its clock.
MAX_SKEW_SECONDS = 300

# Declared for OpenAPI's security schemes; the dependency reads the headers itself.
_token = APIKeyHeader(
    name=APP_HEADER, scheme_name="SumsubAppToken", auto_error=False, description="API client id"
)
_ts = APIKeyHeader(
    name=TS_HEADER, scheme_name="SumsubAccessTs", auto_error=False, description="Unix seconds"
)
_sig = APIKeyHeader(
    name=SIG_HEADER,
    scheme_name="SumsubAccessSig",
    auto_error=False,
    description="Hex HMAC-SHA256 of ts + method + path with query + body, keyed by the secret",
)


def path_as_sent(request: Request) -> str:
    """The request target the client signed: raw path, then ``?query`` if any."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def message(ts: str, method: str, target: str, body: bytes) -> bytes:
    return ts.encode() + method.upper().encode() + target.encode() + body


def _verify(
    request: Request, settings: Settings, client_id: str, sig: str, msg: bytes
) -> Principal:
    attempt = limits.Attempt.of(request, credential=("client", client_id))
    with get_database(request).lookup() as session:
        principal = by_signed_request(
            session,
            box=box_for(settings),
            client_id=client_id,
            signature=sig,
            message=msg,
            attempt=attempt,
        )
    if principal is None:
        limits.refused(request, attempt)
        raise NotAuthenticated("the request signature is invalid, or the app token is unknown")
    return principal


async def signed_principal(
    request: Request,
    settings: AppSettings,
    _k: Annotated[Any, Depends(_token)] = None,
    _t: Annotated[Any, Depends(_ts)] = None,
    _s: Annotated[Any, Depends(_sig)] = None,
) -> Principal:
    """The API client that signed this request. async, to read the raw body (which
    Starlette caches, so the body model still parses it)."""
    client_id = request.headers.get(APP_HEADER, "").strip()
    ts = request.headers.get(TS_HEADER, "").strip()
    sig = request.headers.get(SIG_HEADER, "").strip()
    if not client_id or not ts or not sig:
        raise NotAuthenticated(
            f"the {APP_HEADER}, {TS_HEADER} and {SIG_HEADER} headers are required"
        )
    if not ts.isascii() or not ts.isdigit():
        raise NotAuthenticated(f"{TS_HEADER} must be a Unix timestamp in seconds")
    if abs(time.time() - int(ts)) > MAX_SKEW_SECONDS:
        raise NotAuthenticated(
            f"{TS_HEADER} is more than {MAX_SKEW_SECONDS} seconds away from the server time"
        )
    msg = message(ts, request.method, path_as_sent(request), await request.body())
    principal = await run_in_threadpool(_verify, request, settings, client_id, sig, msg)
    request.state.principal = principal
    return principal


def needs(permission: Permission) -> Any:
    """A dependency that returns the signing client if it holds ``permission``."""
    return permission_gate(
        signed_principal, permission, f"this action needs the {permission.value!r} permission"
    )


CaseCreator = Annotated[Principal, needs(Permission.case_create)]
CaseReader = Annotated[Principal, needs(Permission.case_read)]
