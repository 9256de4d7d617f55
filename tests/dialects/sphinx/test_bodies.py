"""Request bodies as Django REST framework reads them: JSON of any JSON media type, the
same fields as a URL-encoded or multipart form, and 415 in DRF's words for anything
else; a refused body changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

Make = Any


def _cases(client: TestClient, auth: dict[str, str]) -> int:
    return int(client.get("/api/cases/", headers=auth).json()["count"])


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/cases/", "text/plain"),
        ("/api/cases/", "application/xml"),
        ("/api/cases/", "text/plain; charset=utf-8"),
        ("/api/customers/", "text/csv"),
        ("/api/documents/", "application/octet-stream"),
        ("/api/cases", "text/plain"),
    ],
)
def test_another_media_type_is_415_in_drf_words(
    client: TestClient, auth: dict[str, str], path: str, content_type: str
):
    before = _cases(client, auth)
    r = client.post(
        path,
        content=b'{"customer": {"full_name": "Kari Berg"}}',
        headers={**auth, "Content-Type": content_type},
    )
    assert r.status_code == 415, r.text
    assert r.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}
    assert _cases(client, auth) == before


def test_a_body_without_a_content_type_is_415(client: TestClient, auth: dict[str, str]):
    r = client.post("/api/cases/", content=b'{"customer": {"full_name": "Kari"}}', headers=auth)
    assert r.status_code == 415, r.text
    assert r.json() == {"detail": 'Unsupported media type "" in request.'}


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.api+json"]
)
def test_any_json_media_type_is_json(client: TestClient, auth: dict[str, str], content_type: str):
    body = json.dumps({"customer": {"full_name": "Kari Berg"}}).encode()
    r = client.post("/api/cases/", content=body, headers={**auth, "Content-Type": content_type})
    assert r.status_code == 201, r.text


def test_a_form_case_is_the_json_case(client: TestClient, auth: dict[str, str], new_customer: Make):
    customer = new_customer()
    form = {
        "customer_id": str(customer["id"]),
        "checks[0]check_type": "PEP",
        "checks[1].check_type": "JURISDICTION",
        "checks[1].input_details.counterparty_countries": "PRK",
        "auto_start": "false",
        "notes": "Referred by the branch",
        "webhook_url": "",
    }
    r = client.post("/api/cases/", data=form, headers=auth)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["customer"]["id"] == customer["id"]
    assert [(c["check_type"], c["status"]) for c in case["checks"]] == [
        ("PEP", "PENDING"),
        ("JURISDICTION", "PENDING"),
    ]
    assert case["checks"][1]["input_details"] == {"counterparty_countries": "PRK"}
    assert case["notes"] == "Referred by the branch"


def test_form_fields_refused_as_json_fields_are(client: TestClient, auth: dict[str, str]):
    before = _cases(client, auth)
    r = client.post(
        "/api/cases/",
        data={"customer.full_name": "", "auto_start": "yes", "checks[0]check_type": "FOO"},
        headers=auth,
    )
    assert r.status_code == 400, r.text
    assert r.json() == {"auto_start": ["Must be a valid boolean."]}
    r = client.post(
        "/api/cases/",
        data={"customer.full_name": "", "checks[0]check_type": "FOO"},
        headers=auth,
    )
    assert r.json() == {
        "customer": {"full_name": ["This field may not be blank."]},
        "checks": [{"check_type": ['"FOO" is not a valid choice.']}],
    }
    r = client.post("/api/customers/", data={"full_name": "X", "input_details": "{"}, headers=auth)
    assert r.json() == {"input_details": ["Value must be valid JSON."]}
    assert _cases(client, auth) == before


def test_repeated_or_numbered_document_ids(
    client: TestClient, auth: dict[str, str], new_customer: Make, new_document: Make
):
    customer, first, second = new_customer(), new_document(), new_document(b"second file\n")
    for form in (
        [
            ("customer_id", str(customer["id"])),
            ("document_ids", str(first["id"])),
            ("document_ids", str(second["id"])),
        ],
        [
            ("customer_id", str(customer["id"])),
            ("document_ids[1]", str(second["id"])),
            ("document_ids[0]", str(first["id"])),
        ],
    ):
        body = "&".join(f"{k}={v}" for k, v in form).encode()
        r = client.post(
            "/api/cases/",
            content=body,
            headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 201, r.text


def test_the_token_endpoint_keeps_oauths_rules(client: TestClient):
    r = client.post(
        "/api/oauth/token/",
        content=b"grant_type=client_credentials",
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_json_text_in_a_form_is_held_to_what_a_json_body_is(
    client: TestClient, auth: dict[str, str]
):
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post("/api/customers/", data={"full_name": "X", "input_details": deep}, headers=auth)
    assert r.status_code == 400, r.text
    assert r.json() == {"input_details": ["Value nests JSON more than 32 levels deep."]}
    nested = '{"a": ' * 40 + "1" + "}" * 40
    r = client.post(
        "/api/customers/", data={"full_name": "X", "input_details": nested}, headers=auth
    )
    assert r.status_code == 400, r.text
    assert list(r.json()) == ["input_details"]
    for hostile in ('{"note": "a\\u0000b"}', '{"risk": NaN}'):
        r = client.post(
            "/api/customers/", data={"full_name": "X", "input_details": hostile}, headers=auth
        )
        assert r.status_code == 400, r.text
        assert list(r.json()) == ["input_details"]
