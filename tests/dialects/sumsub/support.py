"""Calling the Sumsub dialect as a Sumsub client would: every request signed over the
exact bytes sent, and the tenant's data set up through /v1."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from casework.auth.signatures import sign
from tests.factories import Member, TenantKit

CASES = "/resources/api/caseManagement/v2/cases"
WHEN = "2024-10-14T12:00:00+00:00"


def signature_headers(
    member: Member,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    ts: int | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """The three headers Sumsub's request signing adds; ``target`` is path and query."""
    stamp = str(int(time.time()) if ts is None else ts)
    message = stamp.encode() + method.upper().encode() + target.encode() + body
    return {
        "X-App-Token": member.client_id,
        "X-App-Access-Ts": stamp,
        "X-App-Access-Sig": sign(secret or member.client_secret, message),
    }


class Sumsub:
    """A member's signed calls to the dialect."""

    def __init__(self, client: TestClient, member: Member) -> None:
        self.client, self.member = client, member

    def post_raw(
        self, body: bytes, *, path: str = CASES, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = signature_headers(self.member, "POST", path, body)
        return self.client.post(
            path,
            content=body,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
        )

    def create(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.post_raw(json.dumps(payload).encode(), **kwargs)

    def get(self, target: str) -> httpx.Response:
        return self.client.get(target, headers=signature_headers(self.member, "GET", target))

    def case(self, case_id: str) -> httpx.Response:
        return self.get(f"{CASES}/{case_id}")


class Setup:
    """A tenant's customers, transactions and configs, made through /v1."""

    def __init__(self, client: TestClient, kit: TenantKit) -> None:
        self.client, self.kit = client, kit

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(path, json=body, headers=self.kit.admin.headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def customer(self, **fields: Any) -> dict[str, Any]:
        body = {
            "first_name": "John",
            "last_name": "Doe",
            "birth_date": "1999-12-09",
            "country": "GBR",
            "external_id": f"app-{secrets.token_hex(6)}",
        }
        return self._post("/v1/customers", body | fields)

    def transaction(self, customer: dict[str, Any], amount: str) -> dict[str, Any]:
        body = {
            "external_id": f"txn-{secrets.token_hex(6)}",
            "customer_id": customer["id"],
            "amount": amount,
            "currency": "EUR",
            "direction": "out",
            "occurred_at": WHEN,
        }
        return self._post("/v1/transactions", body)

    def config(self, **fields: Any) -> dict[str, Any]:
        body = {
            "slug": f"bp-{secrets.token_hex(4)}",
            "name": "AML investigation",
            "module": "aml",
            "default_priority": "medium",
            "checklist": ["Review the transactions", "Record the decision"],
        }
        return self._post("/v1/case-configs", body | fields)

    def case_body(self, **fields: Any) -> dict[str, Any]:
        """A valid request body on a new applicant, transaction and blueprint."""
        customer = self.customer()
        txn = self.transaction(customer, "250")
        body = {
            "applicantId": customer["id"],
            "txnIds": [txn["id"]],
            "blueprintId": self.config()["id"],
            "name": "Case name",
        }
        return body | fields


def assert_error(r: httpx.Response, code: int, description: str | None = None) -> str:
    """The response is a Sumsub error with ``code``; returns its description."""
    assert r.status_code == code, r.text
    body = r.json()
    assert set(body) == {"code", "correlationId", "description"}, body
    assert body["code"] == code
    assert body["correlationId"] == r.headers["x-correlation-id"]
    assert isinstance(body["description"], str) and body["description"]
    if description is not None:
        assert body["description"] == description
    return str(body["description"])
