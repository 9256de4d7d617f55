"""Sigma's apiKey/apiSecret headers: every refusal in Sigma's error shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.dialects.sigma.support import assert_error, body, create, sigma
from tests.factories import TenantKit

INVALID = "Invalid API credentials"
BOTH = "Both the apiKey and apiSecret headers are required"


def _routes(kit: TenantKit, case_id: str) -> list[tuple[str, str, object]]:
    return [
        ("POST", "/case-management/create", body(kit)),
        ("GET", "/case-management", None),
        ("GET", f"/case-management/{case_id}", None),
    ]


def _call(client: TestClient, method: str, url: str, json: object, headers: dict[str, str]):
    return client.request(method, url, json=json, headers=headers)


def test_missing_credentials(client: TestClient, kit: TenantKit):
    case_id = create(client, kit)["_id"]
    good = sigma(kit.analyst)
    for method, url, json in _routes(kit, case_id):
        assert_error(_call(client, method, url, json, {}), 401, message=BOTH)
        only_key = {"apiKey": good["apiKey"]}
        assert_error(_call(client, method, url, json, only_key), 401, message=BOTH)
        only_secret = {"apiSecret": good["apiSecret"]}
        assert_error(_call(client, method, url, json, only_secret), 401, message=BOTH)
        blank = {"apiKey": good["apiKey"], "apiSecret": " "}
        assert_error(_call(client, method, url, json, blank), 401, message=BOTH)


@pytest.mark.parametrize("which", ["secret", "key", "swapped", "bearer"])
def test_wrong_credentials(client: TestClient, kit: TenantKit, which: str):
    case_id = create(client, kit)["_id"]
    member = kit.analyst
    headers = {
        "secret": {"apiKey": member.client_id, "apiSecret": member.client_secret + "x"},
        "key": {"apiKey": "cw_unknown_client", "apiSecret": member.client_secret},
        "swapped": {"apiKey": member.client_secret, "apiSecret": member.client_id},
        # The native API key is no Sigma credential: the dialect reads only its own headers.
        "bearer": {**member.headers, "apiKey": member.api_key, "apiSecret": member.api_key},
    }[which]
    for method, url, json in _routes(kit, case_id):
        assert_error(_call(client, method, url, json, headers), 401, message=INVALID)


def test_native_bearer_alone_is_not_enough(client: TestClient, kit: TenantKit):
    r = client.get("/case-management", headers=kit.analyst.headers)
    assert_error(r, 401, message=BOTH)


def test_revoked_client(client: TestClient, kit: TenantKit):
    case_id = create(client, kit)["_id"]
    headers = sigma(kit.analyst)
    assert client.get(f"/case-management/{case_id}", headers=headers).status_code == 200
    r = client.post(
        f"/v1/api-clients/{kit.analyst.api_client_id}/revoke", headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    for method, url, json in _routes(kit, case_id):
        assert_error(_call(client, method, url, json, headers), 401, message=INVALID)


def test_other_tenant_cannot_see_the_case(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    case_id = create(client, kit)["_id"]
    r = client.get(f"/case-management/{case_id}", headers=sigma(other_kit.admin))
    answer = assert_error(r, 404)
    assert case_id in answer["message"]
    listed = client.get("/case-management", headers=sigma(other_kit.admin)).json()["data"]
    assert case_id not in [c["_id"] for c in listed["cases"]]


def test_unknown_case(client: TestClient, kit: TenantKit):
    assert_error(client.get(f"/case-management/{'0' * 24}", headers=sigma(kit.viewer)), 404)
