"""Failed authentications are limited per client address and per credential: after the
limit, 429 with Retry-After, whatever is tried; other addresses and credentials go on.

Each test calls from addresses of its own (TestClient's ``client``), so that the
failures of other tests, all made from "testclient", count for nothing here, and
against an app with the default limits (the suite's own are raised: see conftest).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from casework.app import create_app
from casework.auth import limits
from casework.config import Settings
from casework.infra.db import Database
from casework.models import FailedAuthentications
from casework.models.base import utcnow
from tests.console.support import PASSWORD, csrf_in
from tests.dialects.sumsub.support import CASES, signature_headers
from tests.factories import TenantKit, make_tenant_kit

Caller = Callable[[], TestClient]


_USED: set[str] = set()


def _fresh_v4() -> str:
    # Random addresses of the documentation networks; a clash with another test's would
    # only ever make that test see a count of its own plus ours.
    while True:
        candidate = f"203.0.{secrets.randbelow(113) + 1}.{secrets.randbelow(254) + 1}"
        if candidate not in _USED:
            _USED.add(candidate)
            return candidate


LIMITS = (
    "auth_failures_per_address",
    "auth_failures_per_credential",
    "auth_failure_window_seconds",
)


@pytest.fixture(scope="module")
def limited(settings: Settings) -> Settings:
    """The test settings with the limits at their defaults."""
    defaults = {name: Settings.model_fields[name].default for name in LIMITS}
    return settings.model_copy(update=defaults)


@pytest.fixture(scope="module")
def limited_app(limited: Settings, db: Database) -> FastAPI:
    return create_app(limited, db)


@pytest.fixture
def caller(limited_app: FastAPI) -> Callable[..., TestClient]:
    """A client calling from an address of its own (or the one given)."""
    opened: list[TestClient] = []

    def make(address: str | None = None) -> TestClient:
        # Not entered: the session-wide client already runs the application's lifespan.
        test_client = TestClient(limited_app, client=(address or _fresh_v4(), 40000))
        opened.append(test_client)
        return test_client

    return make


def _assert_throttled(response: httpx.Response, settings: Settings) -> None:
    assert response.status_code == 429, response.text
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= settings.auth_failure_window_seconds


def _wrong_key() -> dict[str, str]:
    return {"Authorization": f"Bearer cwk_{secrets.token_urlsafe(32)}"}


def test_wrong_api_keys_from_one_address_meet_a_limit(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings
):
    attacker = caller()
    for _ in range(limited.auth_failures_per_address):
        assert attacker.get("/v1/cases", headers=_wrong_key()).status_code == 401
    refused = attacker.get("/v1/cases", headers=_wrong_key())
    _assert_throttled(refused, limited)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/too-many-attempts")
    assert refused.json()["retry_after"] == int(refused.headers["retry-after"])
    # Over the limit, even a good key is not tried from there.
    _assert_throttled(attacker.get("/v1/cases", headers=kit.analyst.headers), limited)
    # Another address is not affected: its good key works, a wrong one is a plain 401.
    bystander = caller()
    assert bystander.get("/v1/cases", headers=kit.analyst.headers).status_code == 200
    assert bystander.get("/v1/cases", headers=_wrong_key()).status_code == 401


def test_the_limit_covers_every_api_and_dialect_from_that_address(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings
):
    attacker = caller()
    for _ in range(limited.auth_failures_per_address):
        attacker.get("/v1/cases", headers=_wrong_key())
    m = kit.analyst
    sigma = attacker.get("/case-management", headers={"apiKey": m.client_id, "apiSecret": "x"})
    _assert_throttled(sigma, limited)
    sphinx = attacker.get("/api/cases/1/", headers=m.headers)
    _assert_throttled(sphinx, limited)
    assert "throttled" in sphinx.json()["detail"]
    token = attacker.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": m.client_secret,
        },
    )
    _assert_throttled(token, limited)
    body = json.dumps({"name": "x"}).encode()
    signed = signature_headers(m, "POST", CASES, body)
    sumsub = attacker.post(
        CASES, content=body, headers={"Content-Type": "application/json", **signed}
    )
    _assert_throttled(sumsub, limited)
    assert sumsub.json()["code"] == 429


def test_one_client_id_is_limited_from_every_address(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings
):
    target = kit.analyst
    wrong = {"apiKey": target.client_id, "apiSecret": secrets.token_urlsafe(32)}
    for _ in range(limited.auth_failures_per_credential):
        assert caller().get("/v1/cases", headers=wrong).status_code == 401
    good = {"apiKey": target.client_id, "apiSecret": target.client_secret}
    _assert_throttled(caller().get("/v1/cases", headers=good), limited)
    # Other clients, from an address that failed for the target, are not affected.
    other = kit.supervisor
    assert caller().get("/v1/cases", headers=other.headers).status_code == 200
    assert (
        caller()
        .get("/v1/cases", headers={"apiKey": other.client_id, "apiSecret": other.client_secret})
        .status_code
        == 200
    )


@pytest.mark.parametrize("path", ["/oauth/token", "/api/oauth/token/"])
def test_token_endpoints_limit_a_client_id(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings, path: str
):
    m = kit.analyst
    for _ in range(limited.auth_failures_per_credential):
        pair = base64.b64encode(f"{m.client_id}:wrong".encode()).decode()
        r = caller().post(
            path,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {pair}"},
        )
        assert r.status_code == 401
    good = {"grant_type": "client_credentials", "client_id": m.client_id}
    _assert_throttled(caller().post(path, data=good | {"client_secret": m.client_secret}), limited)
    other = kit.viewer
    r = caller().post(
        path,
        data={
            "grant_type": "client_credentials",
            "client_id": other.client_id,
            "client_secret": other.client_secret,
        },
    )
    assert r.status_code == 200


def test_signed_requests_limit_an_app_token(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings
):
    body = json.dumps({"name": "x"}).encode()
    m = kit.analyst
    for _ in range(limited.auth_failures_per_credential):
        forged = signature_headers(m, "POST", CASES, body, secret="not-the-secret")
        r = caller().post(
            CASES, content=body, headers={"Content-Type": "application/json", **forged}
        )
        assert r.status_code == 401
    signed = signature_headers(m, "POST", CASES, body)
    r = caller().post(CASES, content=body, headers={"Content-Type": "application/json", **signed})
    _assert_throttled(r, limited)


def _sign_in(browser: TestClient, email: str, password: str) -> httpx.Response:
    form = browser.get("/console/login")
    return browser.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": csrf_in(form.text)},
        follow_redirects=False,
    )


def test_console_sign_in_limits_an_email_with_a_readable_page(
    caller: Callable[..., TestClient], db: Database, limited: Settings
):
    staff = make_tenant_kit(db, password=PASSWORD)
    email = staff.analyst.email
    for _ in range(limited.auth_failures_per_credential):
        assert _sign_in(caller(), email, "not the password").status_code == 401
    # The email typed in another case is the same credential.
    page = _sign_in(caller(), email.upper(), PASSWORD)
    _assert_throttled(page, limited)
    assert page.headers["content-type"].startswith("text/html")
    assert "Too many failed sign-ins" in page.text and "try again in" in page.text
    assert _sign_in(caller(), staff.supervisor.email, PASSWORD).status_code == 303


def test_console_sign_in_counts_against_the_address_as_api_keys_do(
    caller: Callable[..., TestClient], db: Database, limited: Settings
):
    staff = make_tenant_kit(db, password=PASSWORD)
    address = _fresh_v4()
    # Each console sign-in costs a deliberate password hash: the address's count is
    # mostly made with cheap wrong API keys, which share it.
    for _ in range(limited.auth_failures_per_address - 1):
        assert caller(address).get("/v1/cases", headers=_wrong_key()).status_code == 401
    assert _sign_in(caller(address), "guess@example.test", "x").status_code == 401
    _assert_throttled(_sign_in(caller(address), staff.analyst.email, PASSWORD), limited)
    assert _sign_in(caller(), staff.analyst.email, PASSWORD).status_code == 303


def test_a_client_that_does_not_fail_is_not_counted(
    caller: Callable[..., TestClient], db: Database, kit: TenantKit, limited: Settings
):
    address = _fresh_v4()
    honest = caller(address)
    for _ in range(limited.auth_failures_per_address + 5):
        assert honest.get("/v1/cases", headers=kit.analyst.headers).status_code == 200
    token = honest.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": kit.analyst.client_id,
            "client_secret": kit.analyst.client_secret,
        },
    )
    assert token.status_code == 200
    with db.transaction(write=False) as session:
        attempt = limits.Attempt.at(address, credential=("client", kit.analyst.client_id))
        rows = session.scalars(
            select(FailedAuthentications).where(FailedAuthentications.key.in_(attempt.keys))
        ).all()
    assert rows == []


def test_the_limit_passes_with_its_window(
    caller: Callable[..., TestClient], db: Database, kit: TenantKit, limited: Settings
):
    address = _fresh_v4()
    attacker = caller(address)
    for _ in range(limited.auth_failures_per_address):
        attacker.get("/v1/cases", headers=_wrong_key())
    _assert_throttled(attacker.get("/v1/cases", headers=kit.analyst.headers), limited)
    key = limits.Attempt.at(address).address_key
    past = utcnow() - timedelta(seconds=limited.auth_failure_window_seconds + 1)
    with db.transaction() as session:
        session.execute(
            update(FailedAuthentications)
            .where(FailedAuthentications.key == key)
            .values(window_start=past, blocked_until=past)
        )
    assert attacker.get("/v1/cases", headers=kit.analyst.headers).status_code == 200
    # A new window counts from one again.
    assert attacker.get("/v1/cases", headers=_wrong_key()).status_code == 401
    with db.transaction(write=False) as session:
        row = session.get(FailedAuthentications, key)
        assert row is not None and row.failures == 1 and row.blocked_until is None
    # Counters whose window has passed are forgotten by housekeeping.
    with db.transaction() as session:
        session.execute(
            update(FailedAuthentications)
            .where(FailedAuthentications.key == key)
            .values(window_start=past)
        )
    window = timedelta(seconds=limited.auth_failure_window_seconds)
    with db.transaction() as session:
        assert limits.expired_exist(session, window=window)
        assert limits.forget_expired(session, window=window) >= 1
        assert session.get(FailedAuthentications, key) is None


def test_an_ipv6_client_counts_by_its_network(
    caller: Callable[..., TestClient], kit: TenantKit, limited: Settings
):
    network = f"2001:db8:{secrets.randbelow(65535):x}:{secrets.randbelow(65535):x}"
    for n in range(limited.auth_failures_per_address):
        # Each request from another address of the same /64.
        r = caller(f"{network}:{n:x}::1").get("/v1/cases", headers=_wrong_key())
        assert r.status_code == 401
    blocked = caller(f"{network}:ffff::7").get("/v1/cases", headers=kit.analyst.headers)
    _assert_throttled(blocked, limited)
    elsewhere = caller(f"{network}1:0::1").get("/v1/cases", headers=kit.analyst.headers)
    assert elsewhere.status_code == 200
    assert limits.counted_address("::ffff:192.0.2.1") == "192.0.2.1"


def test_two_application_instances_share_the_counters(
    limited_app: FastAPI, limited: Settings, kit: TenantKit
):
    """Two apps with their own engines and pools, as two `casework serve` processes:
    failures made at either count at both."""
    settings = limited
    second_db = Database(settings)
    second_app = create_app(settings, second_db)
    try:
        address = _fresh_v4()
        first = TestClient(limited_app, client=(address, 1))
        second = TestClient(second_app, client=(address, 2))
        for n in range(limited.auth_failures_per_address):
            via = first if n % 2 else second
            assert via.get("/v1/cases", headers=_wrong_key()).status_code == 401
        _assert_throttled(first.get("/v1/cases", headers=kit.analyst.headers), settings)
        _assert_throttled(second.get("/v1/cases", headers=kit.analyst.headers), settings)
    finally:
        second_db.dispose()


def test_a_good_key_is_authenticated_in_one_lookup_that_also_reads_the_limits(
    caller: Callable[..., TestClient], kit: TenantKit
):
    """No statement of its own, no write: the limit rides on the credential's lookup."""
    seen: list[str] = []

    def record(conn, cursor, statement: str, *args: object) -> None:
        # The housekeeping sweep (window_start) may run meanwhile in a job thread.
        if "failed_authentications" in statement and "window_start" not in statement:
            seen.append(statement)

    honest = caller()
    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert honest.get("/v1/cases", headers=kit.analyst.headers).status_code == 200
        m = kit.analyst
        good = {"apiKey": m.client_id, "apiSecret": m.client_secret}
        assert honest.get("/v1/cases", headers=good).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len(seen) == 2
    assert all("api_clients" in s and s.lstrip().upper().startswith("SELECT") for s in seen)
