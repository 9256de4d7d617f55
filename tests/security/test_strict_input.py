"""Strict input, one defect at a time: a JSON false is not 0, text with NUL or unpaired
surrogates is refused before it reaches the database (PostgreSQL cannot store NUL),
numeric query filters stay within what is stored, and JSON nests at most 32 levels."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.factories import TenantKit
from tests.security.test_hostile_sweep import footprint


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _raw(client: TestClient, method: str, url: str, text: str, headers: dict[str, str]) -> Any:
    """A JSON body sent as written, so that escapes such as \\ud800 arrive as they are."""
    return client.request(
        method,
        url,
        content=text.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


def test_false_is_not_zero_days_for_a_customer(client: TestClient, kit: TenantKit, db: Database):
    h = kit.admin.headers
    customer = client.post("/v1/customers", json={"full_name": "Keep Me"}, headers=h).json()
    before = footprint(db, kit.tenant_id)
    for value in (False, True, 1.0, "0"):
        r = client.patch(f"/v1/customers/{customer['id']}", json={"delete_after": value}, headers=h)
        assert r.status_code == 422, r.text
        assert _fields(r) == ["delete_after"]
    assert footprint(db, kit.tenant_id) == before
    kept = client.get(f"/v1/customers/{customer['id']}", headers=h).json()
    assert kept["delete_after"] == customer["delete_after"]
    assert (
        client.patch(
            f"/v1/customers/{customer['id']}", json={"delete_after": 30}, headers=h
        ).status_code
        == 200
    )


def test_false_is_not_zero_retention_days(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    assert (
        client.put("/v1/settings/retention", json={"retention_days": 365}, headers=h).status_code
        == 200
    )
    for value in (False, 30.0, "30"):
        r = client.put("/v1/settings/retention", json={"retention_days": value}, headers=h)
        assert r.status_code == 422, r.text
        assert _fields(r) == ["retention_days"]
    assert client.get("/v1/settings/retention", headers=h).json() == {"retention_days": 365}


@pytest.mark.parametrize("value", [0, 1, "false", None])
def test_is_active_takes_only_a_boolean(client: TestClient, kit: TenantKit, value: Any):
    h = kit.admin.headers
    r = client.patch(f"/v1/users/{kit.analyst.user_id}", json={"is_active": value}, headers=h)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["is_active"]
    assert client.get(f"/v1/users/{kit.analyst.user_id}", headers=h).json()["is_active"] is True
    config = client.post("/v1/case-configs", json={"slug": "kyc", "name": "KYC"}, headers=h)
    r = client.patch(
        f"/v1/case-configs/{config.json()['id']}", json={"is_active": value}, headers=h
    )
    assert r.status_code == 422, r.text
    assert "is_active" in _fields(r)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_amount=1e15", "query.min_amount"),
        ("max_amount=0.00001", "query.max_amount"),
        ("max_amount=100000000000000", "query.max_amount"),
        ("min_amount=NaN", "query.min_amount"),
    ],
)
def test_amount_filters_are_range_checked(
    client: TestClient, kit: TenantKit, query: str, field: str
):
    r = client.get(f"/v1/transactions?{query}", headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == [field]


def test_amount_filters_within_range_work(client: TestClient, kit: TenantKit):
    r = client.get(
        "/v1/transactions?min_amount=0&max_amount=99999999999999.9999", headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1.0", "query.limit"),
        ("limit=true", "query.limit"),
        ("limit=99999999999999999999", "query.limit"),
        ("limit=" + "9" * 5000, "query.limit"),
        ("is_active=1", "query.is_active"),
        ("is_active=yes", "query.is_active"),
    ],
)
def test_query_numbers_and_booleans_are_spelt_as_such(
    client: TestClient, kit: TenantKit, query: str, field: str
):
    r = client.get(f"/v1/users?{query}", headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == [field]
    ok = client.get("/v1/users?limit=5&is_active=true", headers=kit.admin.headers)
    assert ok.status_code == 200


def test_deep_input_details_with_an_idempotency_key(
    client: TestClient, kit: TenantKit, db: Database
):
    before = footprint(db, kit.tenant_id)
    headers = {**kit.analyst.headers, "Idempotency-Key": "deep-customer"}
    body = {"full_name": "Deep", "input_details": _deep(255)}
    r = client.post("/v1/customers", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["input_details"]
    assert footprint(db, kit.tenant_id) == before
    # Thirty-two levels, the root included, are allowed.
    body = {"full_name": "Deep", "input_details": _deep(31)}
    assert client.post("/v1/customers", json=body, headers=headers).status_code == 201


def test_deep_transaction_metadata(client: TestClient, kit: TenantKit, db: Database):
    customer = client.post("/v1/customers", json={"full_name": "M"}, headers=kit.analyst.headers)
    transaction = {
        "external_id": "deep-1",
        "customer_id": customer.json()["id"],
        "amount": "10",
        "currency": "EUR",
        "direction": "in",
        "occurred_at": "2024-01-05T10:00:00Z",
        "metadata": _deep(300),
    }
    before = footprint(db, kit.tenant_id)
    r = client.post("/v1/transactions", json=transaction, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["metadata"]
    r = client.post(
        "/v1/transactions/batch", json={"transactions": [transaction]}, headers=kit.analyst.headers
    )
    assert r.status_code == 422, r.text
    assert _fields(r) == ["transactions[0].metadata"]
    # Deeper than the parser itself can go.
    text = '{"transactions": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = _raw(client, "POST", "/v1/transactions/batch", text, kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert footprint(db, kit.tenant_id) == before


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_nul_and_lone_surrogates_in_json_text(
    client: TestClient, kit: TenantKit, db: Database, escape: str
):
    before = footprint(db, kit.tenant_id)
    h = kit.analyst.headers
    r = _raw(client, "POST", "/v1/customers", f'{{"full_name": "A{escape}B"}}', h)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["full_name"]
    text = f'{{"full_name": "A", "input_details": {{"notes": ["ok", "x{escape}"]}}}}'
    r = _raw(client, "POST", "/v1/customers", text, h)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["input_details.notes.1"]
    text = f'{{"full_name": "A", "input_details": {{"k{escape}": 1}}}}'
    r = _raw(client, "POST", "/v1/customers", text, h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].startswith("input_details.k")
    assert footprint(db, kit.tenant_id) == before
    # A pair of surrogates is one character, and welcome.
    r = _raw(client, "POST", "/v1/customers", '{"full_name": "A \\ud83d\\ude00"}', h)
    assert r.status_code == 201, r.text
    assert r.json()["full_name"] == "A \U0001f600"


def test_nul_in_a_path_id_query_and_header(client: TestClient, kit: TenantKit, db: Database):
    before = footprint(db, kit.tenant_id)
    h = kit.analyst.headers
    r = client.get("/v1/customers/abc%00def", headers=h)
    assert r.status_code == 422 and _fields(r) == ["path.customer_id"], r.text
    r = client.get("/v1/customers", params={"q": "a\x00"}, headers=h)
    assert r.status_code == 422 and _fields(r) == ["query.q"], r.text
    r = client.post(
        "/v1/customers", json={"full_name": "A"}, headers={**h, "Idempotency-Key": "k\x00"}
    )
    assert r.status_code == 422 and _fields(r) == ["header.idempotency-key"], r.text
    assert footprint(db, kit.tenant_id) == before


def test_nul_on_the_token_endpoints_without_credentials(client: TestClient, kit: TenantKit):
    for url in ("/oauth/token", "/api/oauth/token/"):
        for field in ("client_id", "client_secret", "grant_type"):
            data = {
                "grant_type": "client_credentials",
                "client_id": kit.admin.client_id,
                "client_secret": kit.admin.client_secret,
            }
            data[field] += "\x00"
            r = client.post(url, data=data)
            assert 400 <= r.status_code < 500, (url, field, r.text)
            assert field in r.text


def test_nul_in_the_console_sign_in(client: TestClient, kit: TenantKit):
    r = client.post("/console/login", data={"email": "a\x00@example.test", "password": "x"})
    assert r.status_code == 422, r.text
    assert "email" in r.text
    r = client.post("/console/login", data={"email": kit.admin.email, "password": "pass\x00word"})
    assert r.status_code == 422, r.text


def test_typed_form_fields_are_spelt_as_such(client: TestClient, kit: TenantKit, db: Database):
    before = footprint(db, kit.tenant_id)
    for value in ("1.0", "true", "-1e0"):
        r = client.post(
            "/api/documents/",
            files={"file": ("a.txt", b"text", "text/plain")},
            data={"delete_after": value},
            headers=kit.admin.headers,
        )
        assert r.status_code == 400, r.text
        assert "delete_after" in r.json()
    assert footprint(db, kit.tenant_id) == before


def test_a_nul_file_name_is_refused(client: TestClient, kit: TenantKit, db: Database):
    before = footprint(db, kit.tenant_id)
    # Written out by hand: a client library would escape the NUL in the file name.
    body = (
        b"--b\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a\x00.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
        b"text\r\n"
        b"--b--\r\n"
    )
    r = client.post(
        "/v1/documents",
        content=body,
        headers={**kit.admin.headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 422, r.text
    assert _fields(r) == ["file"]
    assert footprint(db, kit.tenant_id) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/case-management/create", {"tasks": [1]}, "tasks"),
        ("/api/cases/", {"customer": {"full_name": "A"}, "delete_after": False}, "delete_after"),
        ("/api/cases/", {"customer": {"full_name": "A"}, "auto_start": 0}, "auto_start"),
        ("/api/cases/", {"customer_id": "CUSTOMER"}, "customer_id"),
        ("/api/cases/", {"customer_id": 1.0}, "customer_id"),
    ],
)
def test_dialects_take_json_types_as_their_references_document(
    client: TestClient, kit: TenantKit, db: Database, path: str, body: dict[str, Any], field: str
):
    if path.startswith("/case-management"):
        headers = {"apiKey": kit.admin.client_id, "apiSecret": kit.admin.client_secret}
    else:
        headers = kit.admin.headers
        # The tenant's first customer, so that only the type of its id can be wrong.
        customer = client.post("/api/customers/", json={"full_name": "C"}, headers=headers)
        assert customer.json()["id"] == 1
        if body.get("customer_id") == "CUSTOMER":
            body = {"customer_id": str(customer.json()["id"])}
    before = footprint(db, kit.tenant_id)
    r = client.post(path, json=body, headers=headers)
    assert r.status_code in (400, 422), r.text
    assert field in r.text
    assert footprint(db, kit.tenant_id) == before


@pytest.mark.parametrize("number", ["1.5", "9340599751.159231", "1e10", "-2.5", "0.0"])
def test_a_number_is_no_object_where_bodies_carry_money(
    client: TestClient, kit: TenantKit, number: str
):
    # Such routes read JSON numbers as Decimal; every field of these settings has a
    # default, so a number read as an object would have set them all back.
    url = "/v1/settings/transaction-monitoring"
    h = kit.admin.headers
    assert client.put(url, json={"sla_hours": 24}, headers=h).status_code == 200
    r = _raw(client, "PUT", url, number, h)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["body"]
    assert client.get(url, headers=h).json()["sla_hours"] == 24
    nested = _raw(client, "POST", "/v1/transactions/batch", f'{{"transactions": [{number}]}}', h)
    assert nested.status_code == 422, nested.text


@pytest.fixture(scope="module")
def small_list(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"strict-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    record = {"id": "p", "schema": "Person", "target": True, "properties": {"name": ["Ann Lee"]}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


@pytest.mark.parametrize(
    ("query", "field"), [({"limit": True}, "limit"), ({"threshold": False}, "threshold")]
)
def test_a_batch_answers_a_loosely_typed_query_in_its_place(
    client: TestClient, kit: TenantKit, small_list: str, query: dict[str, Any], field: str
):
    queries = [{"name": "Ann Lee", "datasets": [small_list], **query}, {"name": "Ann Lee"}]
    r = client.post("/v1/screenings/batch", json={"queries": queries}, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert [e["field"] for e in first["error"]["errors"]] == [f"queries[0].{field}"]
    assert "error" not in second


@pytest.mark.parametrize(
    "raw",
    [
        '{"v": null, "i": "a\\u0000"}',
        '{"v": "a\\ud800", "i": "x"}',
        '{"v": 100000000000000000000, "i": "x"}',
        '{"v": {"a": 1}, "i": "x"}',
        '{"v": null, "i": 5}',
    ],
)
def test_a_forged_cursor_is_refused(client: TestClient, kit: TenantKit, raw: str):
    cursor = base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()
    for url in ("/v1/customers", "/v1/cases", "/v1/transactions"):
        r = client.get(url, params={"cursor": cursor}, headers=kit.analyst.headers)
        assert r.status_code == 422, (url, r.text)
        assert _fields(r) == ["cursor"]


def test_form_text_for_dates_is_left_for_the_model_to_read():
    from datetime import date

    from casework.infra.strict import typed_text
    from casework.reports.schemas import ReportUpdate

    values = {
        "detected_on": "2026-01-31",
        "content": {"transactions": [{"occurred_at": "2026-01-31T10:00:00Z", "amount": "12.50"}]},
    }
    typed, problems = typed_text(ReportUpdate, values)
    assert problems == []
    assert typed["detected_on"] == "2026-01-31"
    assert typed["content"]["transactions"][0]["occurred_at"] == "2026-01-31T10:00:00Z"
    assert str(typed["content"]["transactions"][0]["amount"]) == "12.50"
    read = ReportUpdate.model_validate({**typed, "content": {"transactions": []}})
    assert read.detected_on == date(2026, 1, 31)
    _, problems = typed_text(ReportUpdate, {"detected_on": "20260131"})
    assert [message for _loc, message in problems] == [
        "must be an ISO 8601 date or date and time, such as 2026-01-31"
    ]
