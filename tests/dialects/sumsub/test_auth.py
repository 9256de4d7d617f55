"""Request signing: only a request signed now, over what was sent, by a live client of
the case's tenant gets through; every refusal is in Sumsub's error shape."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.dialects.sumsub.support import CASES, Setup, Sumsub, assert_error, signature_headers
from tests.factories import TenantKit


@pytest.fixture
def body(setup: Setup) -> bytes:
    return json.dumps(setup.case_body()).encode()


def _post(client: TestClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post(CASES, content=body, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("dropped", ["X-App-Token", "X-App-Access-Ts", "X-App-Access-Sig"])
def test_each_header_is_required(client: TestClient, kit: TenantKit, body: bytes, dropped: str):
    headers = signature_headers(kit.analyst, "POST", CASES, body)
    del headers[dropped]
    assert_error(_post(client, body, headers), 401)


def test_no_credentials_at_all(client: TestClient, kit: TenantKit, body: bytes):
    assert_error(_post(client, body, {}), 401)
    # The native API's credentials are not the dialect's.
    assert_error(_post(client, body, kit.analyst.headers), 401)


def test_wrong_signature_secret_or_token(client: TestClient, kit: TenantKit, body: bytes):
    good = signature_headers(kit.analyst, "POST", CASES, body)
    wrong_secret = signature_headers(kit.analyst, "POST", CASES, body, secret="not-the-secret")
    other_client = good | {"X-App-Token": kit.supervisor.client_id}
    unknown_client = good | {"X-App-Token": "cw_unknown"}
    garbage = good | {"X-App-Access-Sig": "zz" * 32}
    for headers in (wrong_secret, other_client, unknown_client, garbage):
        assert_error(_post(client, body, headers), 401)


def test_signature_covers_method_path_and_body(client: TestClient, kit: TenantKit, body: bytes):
    as_get = signature_headers(kit.analyst, "GET", CASES, body)
    other_path = signature_headers(kit.analyst, "POST", CASES + "/x", body)
    no_body = signature_headers(kit.analyst, "POST", CASES)
    for headers in (as_get, other_path, no_body):
        assert_error(_post(client, body, headers), 401)
    signed = signature_headers(kit.analyst, "POST", CASES, body)
    tampered = body.replace(b'"Case name"', b'"Case nam3"')
    assert tampered != body
    assert_error(_post(client, tampered, signed), 401)


def test_get_signature_covers_the_query_string(sumsub: Sumsub, setup: Setup, client: TestClient):
    made = sumsub.create(setup.case_body()).json()
    path = f"{CASES}/{made['id']}"
    without_query = signature_headers(sumsub.member, "GET", path)
    assert_error(client.get(path + "?x=1", headers=without_query), 401)
    assert client.get(path, headers=without_query).status_code == 200


@pytest.mark.parametrize("skew", [-301, 301, -3600, 10**9])
def test_timestamp_more_than_300_seconds_away(
    client: TestClient, kit: TenantKit, body: bytes, skew: int
):
    headers = signature_headers(kit.analyst, "POST", CASES, body, ts=int(time.time()) + skew)
    assert "300 seconds" in assert_error(_post(client, body, headers), 401)


@pytest.mark.parametrize("skew", [-240, 240])
def test_timestamp_within_300_seconds(client: TestClient, kit: TenantKit, body: bytes, skew: int):
    headers = signature_headers(kit.analyst, "POST", CASES, body, ts=int(time.time()) + skew)
    r = _post(client, body, headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("stamp", ["", "abc", "1.5e9", "-5"])
def test_timestamp_must_be_unix_seconds(
    client: TestClient, kit: TenantKit, body: bytes, stamp: str
):
    headers = signature_headers(kit.analyst, "POST", CASES, body) | {"X-App-Access-Ts": stamp}
    assert_error(_post(client, body, headers), 401)


def test_revoked_client(client: TestClient, kit: TenantKit, setup: Setup):
    sumsub = Sumsub(client, kit.supervisor)
    made = sumsub.create(setup.case_body())
    assert made.status_code == 200, made.text
    r = client.post(
        f"/v1/api-clients/{kit.supervisor.api_client_id}/revoke", headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    assert_error(sumsub.case(made.json()["id"]), 401)
    assert_error(sumsub.create(setup.case_body()), 401)


def test_other_tenant_cannot_read_the_case(
    sumsub: Sumsub, setup: Setup, client: TestClient, other_kit: TenantKit
):
    made = sumsub.create(setup.case_body()).json()
    outsider = Sumsub(client, other_kit.admin)
    assert_error(outsider.case(made["id"]), 404)
    assert_error(sumsub.case("0" * 24), 404)
    assert sumsub.case(made["id"]).status_code == 200


def test_reading_needs_no_more_than_case_read(sumsub: Sumsub, setup: Setup, client: TestClient):
    made = sumsub.create(setup.case_body()).json()
    viewer = Sumsub(client, setup.kit.viewer)
    assert viewer.case(made["id"]).json()["id"] == made["id"]
