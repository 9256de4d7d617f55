"""Signing in and out of the console."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from casework.auth import limits, sessions, signin
from casework.console.forms import FormText
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.console.web import CSRF_COOKIE, CSRF_FIELD, CurrentViewer, csrf_for, safe_next
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.errors import ValidationFailed
from casework.infra.lookalikes import normalise_email

router = APIRouter(route_class=ConsoleRoute)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request,
    *,
    next_url: str,
    error: str | None = None,
    status: int = 200,
    email: str = "",
    organisation: str = "",
    fields: list[tuple[str, str]] | None = None,
) -> Response:
    # Before sign-in there is no session to bind a token to: the form repeats a random
    # cookie instead, so another site cannot post sign-ins in the user's browser.
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_hex(32)
    context = {
        "login_csrf": token,
        "next_url": next_url,
        "error": error,
        "email": email,
        "organisation": organisation,
        "fields": fields or [],
    }
    response = render(request, "login.html", context, status=status)
    response.set_cookie(
        CSRF_COOKIE, token, path="/", samesite="lax", secure=_secure(request), httponly=False
    )
    return response


@router.get("/")
def home() -> Response:
    return redirect("/console/cases")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FormText = "",
    password: FormText = "",
    organisation: FormText = "",
    next: FormText = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    next_url = safe_next(next)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(
            request,
            next_url=next_url,
            error="The sign-in form expired. Please try again.",
            status=403,
            email=email,
        )
    attempt = limits.Attempt.of(request, credential=("email", normalise_email(email)))
    wait = limits.retry_after(session, attempt)
    if wait is not None:
        response = _login_page(
            request,
            next_url=next_url,
            error=signin.throttled(wait),
            status=429,
            email=email,
            organisation=organisation,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        signed = signin.sign_in(
            session, email=email, password=password, organisation=organisation, settings=settings
        )
    except ValidationFailed as exc:
        session.rollback()
        fields = [(e.field, e.message) for e in exc.errors]
        return _login_page(
            request,
            next_url=next_url,
            error=exc.detail,
            status=422,
            email=email,
            organisation=organisation,
            fields=fields,
        )
    if signed is None:
        limits.record_failure(session, attempt, limits.Limits.of(settings))
    # A refusal is committed too: the failure counts and any lock-out must stick.
    session.commit()
    if signed is None:
        return _login_page(
            request,
            next_url=next_url,
            error=signin.REFUSED,
            status=401,
            email=email,
            organisation=organisation,
        )
    _user, token = signed
    # Whatever session the browser brought is ended, so a planted cookie is worthless.
    previous = request.cookies.get(sessions.COOKIE)
    if previous:
        sessions.end(session, previous)
        session.commit()
    response = redirect(next_url)
    secure = _secure(request)
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_for(token),
        max_age=max_age,
        path="/",
        httponly=False,
        secure=secure,
        samesite="lax",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    signin.sign_out(session, actor=viewer.principal, token=request.cookies[sessions.COOKIE])
    response = redirect("/console/login", notice="You have signed out.")
    response.delete_cookie(sessions.COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
