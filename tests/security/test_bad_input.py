"""Bad input gets a 4xx that names the field, and writes nothing: no row, no audit event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import AuditEvent, Case, Customer, IdempotencyRecord, Task
from tests.factories import TenantKit, case_body

PAST = (datetime.now(UTC) - timedelta(days=1)).isoformat()


def _footprint(db: Database, tenant_id: str) -> tuple[int, ...]:
    with db.transaction(write=False) as session:
        return tuple(
            session.scalar(
                select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
            )
            or 0
            for model in (Case, Task, Customer, AuditEvent, IdempotencyRecord)
        )


BAD_CASES = [
    ({"title": 123}, "title"),
    ({"title": ""}, "title"),
    ({"priority": "urgent"}, "priority"),
    ({"module": "payments"}, "module"),
    ({"module": "aml", "custom_module": "audit"}, "custom_module"),
    ({"tasks": "review"}, "tasks"),
    ({"tasks": ["ok", 7]}, "tasks.1"),
    ({"tasks": ["x"] * 10_000}, "tasks"),
    ({"attachments": ["0" * 24] * 10_000}, "attachments"),
    ({"due_date": "tomorrow"}, "due_date"),
    ({"due_date": "2031-01-01T00:00:00"}, "due_date"),
    ({"due_date": PAST}, "due_date"),
    ({"record": {"id": "r1"}}, "record.type"),
    ({"customer": {"full_name": "A", "country": "XX"}}, "customer.country"),
    ({"customer": {"full_name": "A", "birth_date": "2999-01-01"}}, "customer.birth_date"),
    ({"customer": {"full_name": "A", "birth_date": "12/01/1980"}}, "customer.birth_date"),
    ({"customer": {"full_name": "A", "customer_type": "ROBOT"}}, "customer.customer_type"),
    ({"customer": {"customer_type": "INDIVIDUAL"}}, "customer"),
    ({"customer_id": "0" * 24, "customer": {"full_name": "A"}}, "customer"),
    ({"customer_id": "0" * 24}, "customer_id"),
    ({"assignee_id": "0" * 24}, "assignee_id"),
    ({"escalate_to": "0" * 24}, "escalate_to"),
    ({"attachments": ["0" * 24]}, "attachments[0]"),
    ({"config": "no-such-config"}, "config"),
    ({"surprise": True}, "surprise"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_CASES, ids=[f for _, f in BAD_CASES])
def test_bad_case_bodies_name_the_field_and_write_nothing(
    client: TestClient, kit: TenantKit, db: Database, overrides: dict, field: str
):
    before = _footprint(db, kit.tenant_id)
    headers = {**kit.analyst.headers, "Idempotency-Key": f"bad-{field}"}
    r = client.post("/v1/cases", json=case_body(**overrides), headers=headers)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in problem["errors"]], problem
    assert problem["correlation_id"]
    assert _footprint(db, kit.tenant_id) == before


def test_assignee_without_case_assign_is_refused(client: TestClient, kit: TenantKit, db: Database):
    before = _footprint(db, kit.tenant_id)
    r = client.post(
        "/v1/cases", json=case_body(assignee_id=kit.viewer.user_id), headers=kit.analyst.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "assignee_id", "message": "this user lacks the case.assign permission"}
    ]
    assert _footprint(db, kit.tenant_id) == before


def test_inactive_assignee_is_refused(client: TestClient, kit: TenantKit):
    client.patch(
        f"/v1/users/{kit.supervisor.user_id}", json={"is_active": False}, headers=kit.admin.headers
    )
    r = client.post(
        "/v1/cases", json=case_body(assignee_id=kit.supervisor.user_id), headers=kit.analyst.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "assignee_id"


def test_oversized_body_is_413(client: TestClient, kit: TenantKit, db: Database):
    before = _footprint(db, kit.tenant_id)
    r = client.post(
        "/v1/cases", json=case_body(description="x" * 1_100_000), headers=kit.analyst.headers
    )
    assert r.status_code == 413
    assert r.json()["errors"][0]["field"] == "body"
    assert _footprint(db, kit.tenant_id) == before


def test_oversized_chunked_body_is_413(client: TestClient, kit: TenantKit, db: Database):
    before = _footprint(db, kit.tenant_id)

    def chunks():
        yield b'{"title": "t", "description": "'
        for _ in range(40):
            yield b"y" * 65_536
        yield b'"}'

    r = client.post(
        "/v1/cases",
        content=chunks(),
        headers={**kit.analyst.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert _footprint(db, kit.tenant_id) == before


def test_invalid_json_is_422(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/cases",
        content=b'{"title": ',
        headers={**kit.analyst.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "body", "message": "invalid JSON at character 10: expecting value"}
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        # The offset is counted as Python's parser counts it, from 0: the second comma.
        (
            b'{"title": "x",, }',
            "application/json",
            "invalid JSON at character 14: expecting property name enclosed in double quotes",
        ),
        (
            b'\n{"title": "x"\n "priority": "high"}',
            "application/json; charset=utf-8",
            "invalid JSON at character 16: expecting ',' delimiter",
        ),
        (
            b'{"title": "x"}',
            None,
            "must be JSON sent with Content-Type: application/json; it has no Content-Type",
        ),
        (
            b'{"title": "x"}',
            "text/plain; charset=utf-8",
            "must be JSON sent with Content-Type: application/json; its Content-Type is text/plain",
        ),
        (
            b"",
            None,
            "must be JSON sent with Content-Type: application/json; it has no Content-Type",
        ),
        (b"", "application/json", "is required: send a JSON object"),
        (b'["x"]', "application/json", "must be a JSON object"),
    ],
    ids=[
        "syntax",
        "syntax-on-a-later-line",
        "no-content-type",
        "text-content-type",
        "nothing-no-content-type",
        "nothing",
        "a-list",
    ],
)
def test_a_body_that_is_no_json_object_says_what_to_send(
    client: TestClient,
    db: Database,
    kit: TenantKit,
    body: bytes,
    content_type: str | None,
    message: str,
):
    before = _footprint(db, kit.tenant_id)
    headers = kit.analyst.headers | ({"Content-Type": content_type} if content_type else {})
    r = client.post("/v1/cases", content=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"] == [{"field": "body", "message": message}]
    assert r.json()["detail"] == "invalid fields: body"
    assert _footprint(db, kit.tenant_id) == before


@pytest.mark.parametrize(
    ("path_suffix", "body", "field"),
    [
        ("/transition", {"to": "done"}, "to"),
        ("/transition", {"to": "in_progress", "resolution": "false_positive"}, "resolution"),
        ("/transition", {"to": "resolved", "resolution": "maybe", "note": "n"}, "resolution"),
        ("/assign", {"assignee_id": 5}, "assignee_id"),
        ("/escalate", {}, "to"),
        ("/tasks", {"text": ""}, "text"),
        ("/tasks", {"text": "x" * 1001}, "text"),
        ("/comments", {"body": ""}, "body"),
        ("/comments", {"body": "x" * 20_001}, "body"),
        ("/attachments", {"document_id": None}, "document_id"),
        ("/reopen", {}, "note"),
    ],
)
def test_bad_action_bodies(
    client: TestClient, kit: TenantKit, db: Database, path_suffix: str, body: dict, field: str
):
    cid = client.post("/v1/cases", json=case_body(), headers=kit.supervisor.headers).json()["id"]
    before = _footprint(db, kit.tenant_id)
    r = client.post(f"/v1/cases/{cid}{path_suffix}", json=body, headers=kit.supervisor.headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert _footprint(db, kit.tenant_id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "A", "country": "DE"}, "country"),
        ({"full_name": "A", "nationality": "Germany"}, "nationality"),
        ({"full_name": "A", "email": "not-an-email"}, "email"),
        ({"full_name": "A", "input_details": "x"}, "input_details"),
        ({"full_name": "A", "input_details": {"blob": "x" * 70_000}}, "input_details"),
        ({"full_name": "A", "birth_date": "1980-13"}, "birth_date"),
        ({"full_name": "A", "birth_date": "1980-02-30"}, "birth_date"),
    ],
)
def test_bad_customer_bodies(
    client: TestClient, kit: TenantKit, db: Database, body: dict, field: str
):
    before = _footprint(db, kit.tenant_id)
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert _footprint(db, kit.tenant_id) == before


def test_duplicate_customer_external_id_is_409(client: TestClient, kit: TenantKit):
    body = {"full_name": "A", "external_id": "ext-1"}
    assert client.post("/v1/customers", json=body, headers=kit.analyst.headers).status_code == 201
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 409
