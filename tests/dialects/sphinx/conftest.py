"""Fixtures of the Sphinx dialect's tests: bearer tokens, console sessions, customers,
documents and a webhook receiver the test app may reach."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.config import Settings
from casework.infra.db import Database
from tests.dialects.sphinx.support import bearer, cookie_headers, start_session
from tests.factories import TenantKit
from tests.webhooks.conftest import OnPremReceiver


@pytest.fixture
def auth(client: TestClient, kit: TenantKit) -> dict[str, str]:
    """An analyst's OAuth2 bearer headers, as a Sphinx integration sends them."""
    return bearer(client, kit.analyst)


@pytest.fixture
def console(db: Database, settings: Settings, kit: TenantKit) -> dict[str, str]:
    """An analyst's browser: session cookie, CSRF cookie and the matching header."""
    csrf = secrets.token_hex(16)
    return cookie_headers(start_session(db, settings, kit.analyst.user_id), csrf, csrf)


@pytest.fixture
def new_customer(client: TestClient, auth: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        body = {"full_name": "Ingrid Halvorsen", "customer_type": "INDIVIDUAL"} | fields
        r = client.post("/api/customers/", json=body, headers=auth)
        assert r.status_code == 201, r.text
        return dict(r.json())

    return make


@pytest.fixture
def new_document(client: TestClient, auth: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def make(content: bytes = b"shareholder register\n", **form: Any) -> dict[str, Any]:
        r = client.post(
            "/api/documents/",
            files={"file": ("register.txt", content, "text/plain")},
            data=form,
            headers=auth,
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    return make


@pytest.fixture
def onprem() -> Iterator[OnPremReceiver]:
    receiver = OnPremReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    receiver.thread.join(10)
