"""Credentials for the Sphinx dialect's tests: bearer tokens and console sessions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from casework.auth import sessions
from casework.config import Settings
from casework.infra.db import Database
from casework.models import User
from tests.factories import Member


def token_for(client: TestClient, member: Member) -> str:
    r = client.post(
        "/api/oauth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": member.client_id,
            "client_secret": member.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def bearer(client: TestClient, member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, member)}"}


def start_session(db: Database, settings: Settings, user_id: str) -> str:
    with db.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return sessions.start(session, user=user, settings=settings)


def cookie_headers(
    token: str, csrf: str | None = None, header: str | None = None
) -> dict[str, str]:
    """The Cookie header (and X-CSRFToken) a browser sends; passed explicitly because the
    test client is shared by every test."""
    cookie = f"sessionid={token}"
    if csrf is not None:
        cookie += f"; csrftoken={csrf}"
    out = {"Cookie": cookie}
    if header is not None:
        out["X-CSRFToken"] = header
    return out
