"""Every refused sign-in costs one credential check, as an accepted one does, so the time
of an answer does not tell which accounts or clients exist.

The checks are counted by the application's own metric; no test measures time.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import update

from casework.infra.db import Database
from casework.models import User
from casework.models.base import utcnow
from tests.console.support import PASSWORD, Browser, csrf_in
from tests.dialects.sumsub.support import CASES, signature_headers
from tests.factories import Member, TenantKit, make_member, make_tenant_kit


def _checks(kind: str) -> float:
    value = REGISTRY.get_sample_value("casework_credential_checks_total", {"kind": kind})
    return value or 0.0


@contextmanager
def _counted(kind: str) -> Iterator[Callable[[], float]]:
    before = _checks(kind)
    yield lambda: _checks(kind) - before


@pytest.fixture
def staff(db: Database) -> TenantKit:
    return make_tenant_kit(db, password=PASSWORD)


def _sign_in(app: FastAPI, email: str, password: str, organisation: str = "") -> int:
    browser = Browser(app)
    member = Member("", email, "", "", "", "", "")
    if not organisation:
        return browser.sign_in(member, password=password).status_code
    form = browser.get("/console/login")
    return browser.client.post(
        "/console/login",
        data={
            "email": email,
            "password": password,
            "organisation": organisation,
            "csrf_token": csrf_in(form.text),
        },
    ).status_code


def test_each_console_refusal_costs_one_password_hash(
    app: FastAPI, db: Database, staff: TenantKit, other_kit: TenantKit
):
    no_password = make_member(db, tenant_id=staff.tenant_id, role="analyst")
    inactive = make_member(db, tenant_id=staff.tenant_id, role="viewer", password=PASSWORD)
    locked = make_member(db, tenant_id=staff.tenant_id, role="viewer", password=PASSWORD)
    with db.transaction() as session:
        session.execute(update(User).where(User.id == inactive.user_id).values(is_active=False))
        session.execute(
            update(User)
            .where(User.id == locked.user_id)
            .values(locked_until=utcnow() + timedelta(hours=1))
        )
    refusals = {
        "unknown email": (f"nobody-{staff.slug}@example.test", PASSWORD, ""),
        "wrong password": (staff.analyst.email, "not the password", ""),
        "no password": (no_password.email, PASSWORD, ""),
        "inactive user": (inactive.email, PASSWORD, ""),
        "locked user": (locked.email, PASSWORD, ""),
        "another organisation": (staff.analyst.email, PASSWORD, other_kit.slug),
        "unknown organisation": (staff.analyst.email, PASSWORD, "no-such-organisation"),
    }
    for name, (email, password, organisation) in refusals.items():
        with _counted("password") as hashes:
            assert _sign_in(app, email, password, organisation) == 401, name
        assert hashes() == 1, name
    with _counted("password") as hashes:
        assert _sign_in(app, staff.supervisor.email, PASSWORD) == 303
    assert hashes() == 1


def _token(client: TestClient, path: str, client_id: str, secret: str, basic: bool) -> int:
    if basic:
        pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return client.post(
            path,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {pair}"},
        ).status_code
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post(path, data=form).status_code


@pytest.mark.parametrize("path", ["/oauth/token", "/api/oauth/token/"])
@pytest.mark.parametrize("basic", [False, True], ids=["form", "basic"])
def test_each_token_refusal_costs_one_secret_check(
    client: TestClient, kit: TenantKit, path: str, basic: bool
):
    m = kit.analyst
    revoked = kit.viewer
    r = client.post(f"/v1/api-clients/{revoked.api_client_id}/revoke", headers=kit.admin.headers)
    assert r.status_code == 200
    for client_id, secret in [
        ("cwc_" + "0" * 24, m.client_secret),  # no such client
        (m.client_id, m.client_secret + "x"),  # wrong secret
        (revoked.client_id, revoked.client_secret),  # revoked
    ]:
        with _counted("secret") as checks:
            assert _token(client, path, client_id, secret, basic) == 401
        assert checks() == 1
    with _counted("secret") as checks:
        assert _token(client, path, m.client_id, m.client_secret, basic) == 200
    assert checks() == 1


@pytest.mark.parametrize("path", ["/v1/cases", "/case-management"])
def test_each_key_and_secret_refusal_costs_one_secret_check(
    client: TestClient, kit: TenantKit, path: str
):
    m = kit.analyst
    for client_id, secret in [("cwc_" + "0" * 24, "x" * 43), (m.client_id, "x" * 43)]:
        with _counted("secret") as checks:
            r = client.get(path, headers={"apiKey": client_id, "apiSecret": secret})
            assert r.status_code == 401
        assert checks() == 1


def test_each_signature_refusal_costs_one_signature_check(client: TestClient, kit: TenantKit):
    body = json.dumps({"name": "x"}).encode()
    good = signature_headers(kit.analyst, "POST", CASES, body)
    for headers in (
        good | {"X-App-Token": "cwc_" + "0" * 24},
        good | {"X-App-Access-Sig": "00" * 32},
    ):
        with _counted("signature") as checks:
            r = client.post(
                CASES, content=body, headers={"Content-Type": "application/json", **headers}
            )
            assert r.status_code == 401
        assert checks() == 1
