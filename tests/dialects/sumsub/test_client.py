"""A Sumsub integration as Sumsub's documentation writes one, against a real server:
plain httpx, each request signed with the lowercase hex HMAC-SHA256 of the timestamp,
the method, the path with its query string and the body, in the X-App-Token,
X-App-Access-Ts and X-App-Access-Sig headers. Paths are written with and without a
trailing slash, with and without a query string; no redirect is ever followed."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Generator, Iterator

import httpx
import pytest

from tests.dialects.sumsub.support import CASES, Setup
from tests.factories import TenantKit


class SumsubSigning(httpx.Auth):
    """Signs each request over exactly what is sent."""

    requires_request_body = True

    def __init__(self, app_token: str, secret_key: str) -> None:
        self.app_token, self.secret_key = app_token, secret_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        ts = str(int(time.time()))
        signed = ts.encode() + request.method.upper().encode() + request.url.raw_path
        signed += request.content
        digest = hmac.new(self.secret_key.encode(), signed, hashlib.sha256).hexdigest()
        request.headers["X-App-Token"] = self.app_token
        request.headers["X-App-Access-Ts"] = ts
        request.headers["X-App-Access-Sig"] = digest
        yield request


@pytest.fixture
def http(live_server: str, kit: TenantKit) -> Iterator[httpx.Client]:
    signing = SumsubSigning(kit.analyst.client_id, kit.analyst.client_secret)
    with httpx.Client(base_url=live_server, auth=signing, timeout=30) as client:
        yield client


def _answered_in_place(r: httpx.Response, status: int = 200) -> None:
    assert r.status_code == status, r.text
    assert not r.history and "location" not in r.headers


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
@pytest.mark.parametrize("query", ["", "?source=crm&lang=en"], ids=["no-query", "query"])
def test_create_and_read_in_each_spelling(http: httpx.Client, setup: Setup, slash: str, query: str):
    body = setup.case_body()
    r = http.post(f"{CASES}{slash}{query}", json=body)
    _answered_in_place(r)
    case = r.json()
    assert case["name"] == "Case name" and case["priority"] == "medium"
    assert case["applicantReference"]["applicantId"] == body["applicantId"]

    for read_slash in ("", "/"):
        again = http.get(f"{CASES}/{case['id']}{read_slash}{query}")
        _answered_in_place(again)
        assert again.json() == case


def test_a_signature_over_the_other_spelling_is_refused(live_server: str, kit: TenantKit):
    """The signature is checked against the path as sent, not a normalised one."""
    ts = str(int(time.time()))
    signed_path = CASES
    sent_path = CASES + "/"
    message = ts.encode() + b"POST" + signed_path.encode() + b"{}"
    digest = hmac.new(kit.analyst.client_secret.encode(), message, hashlib.sha256).hexdigest()
    headers = {
        "X-App-Token": kit.analyst.client_id,
        "X-App-Access-Ts": ts,
        "X-App-Access-Sig": digest,
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=live_server, timeout=30) as client:
        r = client.post(sent_path, content=b"{}", headers=headers)
    _answered_in_place(r, 401)
    assert r.json()["code"] == 401
