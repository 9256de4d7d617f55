"""A Sphinx integration as an OAuth2 library writes one, against a real server: authlib's
client-credentials flow (HTTP Basic and form credentials alike) for the token, then
bearer requests with JSON, URL-encoded and multipart bodies, paths with and without
their trailing slash, no redirect ever followed; the customer's country given the way
Sphinx integrations give it reaching the JURISDICTION check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import TenantKit


@pytest.fixture(params=["client_secret_basic", "client_secret_post"])
def oauth(
    request: pytest.FixtureRequest, live_server: str, client: TestClient, kit: TenantKit
) -> Iterator[OAuth2Client]:
    """Signed in as the integration's library does it. (``client`` runs the app's jobs.)"""
    session = OAuth2Client(
        client_id=kit.analyst.client_id,
        client_secret=kit.analyst.client_secret,
        token_endpoint_auth_method=request.param,
        base_url=live_server,
        timeout=30,
    )
    with session:
        token = session.fetch_token(
            f"{live_server}/api/oauth/token/", grant_type="client_credentials"
        )
        assert token["token_type"] == "Bearer" and token["expires_in"] > 0
        yield session


def _answered_in_place(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert not r.history and "location" not in r.headers
    return dict(r.json())


@pytest.mark.parametrize("path", ["/api/cases/", "/api/cases"], ids=["slash", "no-slash"])
def test_json_cases_in_either_spelling(oauth: OAuth2Client, path: str):
    body = {"customer": {"full_name": "Solveig Aasen"}, "auto_start": False}
    case = _answered_in_place(oauth.post(path, json=body), 201)
    for read in (f"/api/cases/{case['id']}/", f"/api/cases/{case['id']}"):
        assert _answered_in_place(oauth.get(read), 200) == case
    listed = _answered_in_place(oauth.get(path.rstrip("/")), 200)
    assert listed["results"][0]["id"] == case["id"]


def test_token_endpoint_without_its_slash(oauth: OAuth2Client, live_server: str):
    token = oauth.fetch_token(f"{live_server}/api/oauth/token", grant_type="client_credentials")
    assert token["access_token"]


def test_url_encoded_case_with_nested_customer_and_checks(app: FastAPI, oauth: OAuth2Client):
    form = {
        "customer.full_name": "Dariush Karimi",
        "customer.customer_type": "INDIVIDUAL",
        "customer.input_details": '{"country": "IRN"}',
        "checks[0]check_type": "JURISDICTION",
        "checks[0]input_details": '{"counterparty_countries": ["PRK"]}',
        "auto_start": "true",
        "delete_after": "30",
    }
    case = _answered_in_place(oauth.post("/api/cases", data=form), 201)
    assert case["customer"]["full_name"] == "Dariush Karimi" and case["delete_after"] == 30
    assert [c["check_type"] for c in case["checks"]] == ["JURISDICTION"]
    app.state.jobs.join()

    done = _answered_in_place(oauth.get(f"/api/cases/{case['id']}/"), 200)
    (check,) = done["checks"]
    assert check["title"] == "Customer country IRN: FATF call for action"
    lines = check["reasoning"].splitlines()
    assert lines[0].startswith("Customer country IRN: ")
    assert lines[1].startswith("Counterparty country PRK: ")


def test_multipart_customer_with_its_country_in_input_details(oauth: OAuth2Client):
    fields = {
        "full_name": (None, "Nordlys Shipping AS"),
        "customer_type": (None, "BUSINESS"),
        "input_details.country": (None, "NO"),
        "input_details.registration_number": (None, "912345678"),
    }
    customer = _answered_in_place(oauth.post("/api/customers/", files=fields), 201)
    assert customer["country"] == "NOR"
    assert customer["input_details"] == {"country": "NO", "registration_number": "912345678"}
    assert _answered_in_place(oauth.get(f"/api/customers/{customer['id']}"), 200) == customer


def test_a_form_field_that_is_not_what_the_body_needs(oauth: OAuth2Client):
    r = oauth.post("/api/cases/", data={"customer_id": "1.0", "document_ids": ["4", "x"]})
    assert _answered_in_place(r, 400) == {
        "customer_id": ["A valid integer is required."],
        "document_ids": ["A valid integer is required."],
    }


def test_a_body_of_another_media_type_is_415(oauth: OAuth2Client):
    r = oauth.post("/api/cases/", content=b"customer_id=1", headers={"Content-Type": "text/plain"})
    assert _answered_in_place(r, 415) == {
        "detail": 'Unsupported media type "text/plain" in request.'
    }
