"""Signing in to the console: cookies, CSRF, lock-out, fixation, redirects, timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from casework.auth import secrets, sessions
from casework.auth.signin import REFUSED
from casework.config import Settings
from casework.infra.db import Database
from casework.models import AuditEvent, User, UserSession
from casework.models.base import utcnow
from tests.console.support import PASSWORD, Browser, csrf_in
from tests.factories import Member, TenantKit, make_member, make_tenant_kit

Open = Callable[..., Browser]


def _user(db: Database, user_id: str) -> User:
    with db.transaction(write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _set_cookies(response_cookies: list[str]) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response_cookies}


def _signed_in(browser: Browser) -> bool:
    return browser.get("/console/cases").status_code == 200


def test_sign_in_starts_a_session_with_safe_cookie_flags(browser: Open, staff: TenantKit) -> None:
    opened = browser()
    response = opened.sign_in(staff.analyst, next="/console/cases?tab=all")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/cases?tab=all"
    cookies = _set_cookies(response.headers.get_list("set-cookie"))
    session_cookie = cookies["sessionid"].lower()
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie
    assert "path=/" in session_cookie and "secure" not in session_cookie
    # The CSRF cookie is readable by the page's own scripts, so not HttpOnly.
    assert "httponly" not in cookies["csrftoken"].lower()
    assert _signed_in(opened)


def test_pages_forbid_framing_inline_scripts_and_caching(browser: Open) -> None:
    headers = browser().get("/console/login").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_cookies_are_secure_when_served_over_tls(app: FastAPI, staff: TenantKit) -> None:
    opened = Browser(app)
    opened.client.base_url = opened.client.base_url.copy_with(scheme="https")
    response = opened.sign_in(staff.analyst)
    assert response.status_code == 303
    cookies = _set_cookies(response.headers.get_list("set-cookie"))
    assert "secure" in cookies["sessionid"].lower()
    assert "secure" in cookies["csrftoken"].lower()


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    browser: Open, staff: TenantKit, db: Database
) -> None:
    opened = browser()
    wrong = opened.sign_in(staff.analyst, password="not the password")
    unknown = opened.sign_in(
        Member("u", "nobody@example.test", "analyst", "", "", "", ""), password="whatever"
    )
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert REFUSED.replace(",", "") in response.text.replace(",", "")
        assert "sessionid" not in _set_cookies(response.headers.get_list("set-cookie"))
    assert _user(db, staff.analyst.user_id).failed_logins == 1
    assert not _signed_in(opened)


def test_repeated_failures_lock_the_user_out_for_a_while(
    browser: Open, staff: TenantKit, db: Database, settings: Settings
) -> None:
    opened = browser()
    for _ in range(settings.login_max_failures):
        assert opened.sign_in(staff.analyst, password="guess").status_code == 401
    user = _user(db, staff.analyst.user_id)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # Locked: even the right password is refused, with the same message.
    locked = opened.sign_in(staff.analyst)
    assert locked.status_code == 401 and "sessionid" not in locked.headers.get("set-cookie", "")
    with db.transaction(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == staff.analyst.user_id)
        ).all()
    assert actions.count("user.sign_in_failed") == settings.login_max_failures - 1
    assert "user.locked_out" in actions
    # Once the lock-out has passed, the right password works and the count starts again.
    with db.transaction() as session:
        session.execute(
            update(User)
            .where(User.id == staff.analyst.user_id)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert opened.sign_in(staff.analyst).status_code == 303
    user = _user(db, staff.analyst.user_id)
    assert user.failed_logins == 0 and user.locked_until is None


def test_a_lock_out_of_one_user_leaves_others_alone(browser: Open, staff: TenantKit) -> None:
    opened = browser()
    for _ in range(6):
        opened.sign_in(staff.analyst, password="guess")
    assert browser().sign_in(staff.supervisor).status_code == 303


@pytest.mark.parametrize("token", ["", "forged", None])
def test_the_sign_in_form_needs_its_csrf_token(
    app: FastAPI, staff: TenantKit, token: str | None
) -> None:
    opened = Browser(app)
    page = opened.get("/console/login")
    data = {"email": staff.analyst.email, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = opened.client.post("/console/login", data=data)
    assert response.status_code == 403
    assert "sessionid" not in response.headers.get("set-cookie", "")
    # A token from another browser's form does not do either.
    other = Browser(app)
    other_token = csrf_in(other.get("/console/login").text)
    assert other_token != csrf_in(page.text)
    response = opened.client.post("/console/login", data={**data, "csrf_token": other_token})
    assert response.status_code == 403


def test_signing_in_replaces_a_planted_session(
    browser: Open, staff: TenantKit, db: Database, settings: Settings
) -> None:
    with db.transaction() as session:
        attacker = session.scalar(select(User).where(User.id == staff.viewer.user_id))
        assert attacker is not None
        planted = sessions.start(session, user=attacker, settings=settings)
    opened = browser()
    opened.client.cookies.set("sessionid", planted)
    response = opened.sign_in(staff.analyst)
    assert response.status_code == 303
    cookie = _set_cookies(response.headers.get_list("set-cookie"))["sessionid"]
    issued = cookie.split(";")[0].partition("=")[2]
    assert issued and issued != planted
    with db.transaction(write=False) as session:
        assert sessions.resolve(session, planted, settings=settings) is None
        resolved = sessions.resolve(session, issued, settings=settings)
    assert resolved is not None and resolved.principal.user_id == staff.analyst.user_id


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/console/cases",
        "//evil.example/console",
        "/\\evil.example",
        "javascript:alert(1)",
        "/v1/cases",
        "/console\r\nLocation: https://evil.example",
        "http:/console",
    ],
)
def test_no_redirect_leaves_the_console_after_sign_in(
    browser: Open, staff: TenantKit, target: str
) -> None:
    opened = browser()
    form = opened.get("/console/login", params={"next": target})
    assert 'name="next" value="/console/"' in form.text
    response = opened.sign_in(staff.analyst, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"


def test_a_signed_out_visit_comes_back_after_sign_in(browser: Open, staff: TenantKit) -> None:
    opened = browser()
    response = opened.get("/console/cases", params={"tab": "all"})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/console/login?next=")
    back = unquote(location.partition("next=")[2])
    assert back == "/console/cases?tab=all"
    assert opened.sign_in(staff.analyst, next=back).headers["location"] == back


def test_signing_out_ends_the_session_and_needs_the_csrf_token(
    browser: Open, staff: TenantKit, db: Database, settings: Settings
) -> None:
    opened = browser(staff.analyst)
    token = opened.client.cookies.get("sessionid")
    assert token
    refused = opened.client.post("/console/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and _signed_in(opened)
    response = opened.post("/console/logout")
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    with db.transaction(write=False) as session:
        assert sessions.resolve(session, token, settings=settings) is None
    # The old cookie, replayed, is worth nothing.
    replay = browser()
    replay.client.cookies.set("sessionid", token)
    assert not _signed_in(replay)


def test_idle_and_absolute_limits_end_a_console_session(
    browser: Open, staff: TenantKit, db: Database, settings: Settings
) -> None:
    for column, age in (
        ("last_seen_at", timedelta(minutes=settings.session_idle_minutes + 1)),
        ("expires_at", timedelta(seconds=1)),
    ):
        opened = browser(staff.analyst)
        token = opened.client.cookies.get("sessionid")
        assert token and _signed_in(opened)
        with db.transaction() as session:
            session.execute(
                update(UserSession)
                .where(UserSession.token_hash == secrets.digest(token))
                .values({column: utcnow() - age})
            )
        response = opened.get("/console/cases")
        assert response.status_code == 303, column
        assert response.headers["location"].startswith("/console/login")


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(
    browser: Open, staff: TenantKit, db: Database
) -> None:
    opened = browser(staff.analyst)
    with db.transaction() as session:
        session.execute(
            update(User).where(User.id == staff.analyst.user_id).values(is_active=False)
        )
    assert not _signed_in(opened)
    assert browser().sign_in(staff.analyst).status_code == 401


def test_a_user_without_a_password_cannot_sign_in(
    browser: Open, staff: TenantKit, db: Database
) -> None:
    member = make_member(db, tenant_id=staff.tenant_id, role="analyst")
    assert browser().sign_in(member, password="").status_code == 422
    assert browser().sign_in(member, password="anything at all").status_code == 401


def test_an_email_in_two_organisations_signs_in_with_the_organisation_named(
    browser: Open, staff: TenantKit, db: Database
) -> None:
    other = make_tenant_kit(db)
    with db.transaction() as session:
        twin = session.get(User, other.analyst.user_id)
        assert twin is not None
        twin.email = staff.analyst.email
        twin.password_hash = secrets.hash_password(PASSWORD)
    opened = browser()
    ambiguous = opened.sign_in(staff.analyst)
    assert ambiguous.status_code == 422 and "organisation" in ambiguous.text
    form = opened.get("/console/login")
    response = opened.client.post(
        "/console/login",
        data={
            "email": staff.analyst.email,
            "password": PASSWORD,
            "organisation": other.slug,
            "csrf_token": csrf_in(form.text),
        },
    )
    assert response.status_code == 303
    token = opened.client.cookies.get("sessionid")
    assert token
    with db.transaction(write=False) as session:
        user_id = session.scalar(
            select(UserSession.user_id).where(UserSession.token_hash == secrets.digest(token))
        )
    assert user_id == other.analyst.user_id


def test_the_console_session_drives_the_sphinx_api_with_its_csrf_cookie(
    browser: Open, staff: TenantKit
) -> None:
    opened = browser(staff.analyst)
    assert opened.client.get("/api/cases/").status_code == 200
    body = {"customer": {"full_name": "Cookie Customer"}}
    refused = opened.client.post("/api/cases/", json=body)
    assert refused.status_code == 403
    created = opened.client.post("/api/cases/", json=body, headers={"X-CSRFToken": opened.csrf})
    assert created.status_code == 201, created.text


def test_a_form_posted_with_another_sessions_token_is_refused(
    browser: Open, staff: TenantKit
) -> None:
    mine = browser(staff.analyst)
    theirs = browser(staff.supervisor)
    assert mine.csrf != theirs.csrf
    response = mine.client.post("/console/logout", data={"csrf_token": theirs.csrf})
    assert response.status_code == 403
    assert _signed_in(mine)
