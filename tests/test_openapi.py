"""The OpenAPI description answers for every error: each status a route can give is
documented, in the shape and content type the route gives it; and a 405 names the
methods its path really has."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from schemathesis.core.jsonschema.patterns import enforced_pattern

from casework.cases.schemas import CaseUpdate
from casework.configs.schemas import CaseConfigUpdate
from casework.rules.schemas import RuleUpdate
from casework.users.schemas import RoleUpdate, UserUpdate
from casework.webhooks.schemas import EndpointUpdate
from tests.factories import TenantKit, case_body

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _errors(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses = spec["paths"][path][method]["responses"]
    return {code: answer for code, answer in responses.items() if code >= "400"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/roles/0123456789abcdef01234567", "GET, PATCH"),
        ("DELETE", "/v1/cases", "GET, POST"),
        ("DELETE", "/api/cases/", "GET, POST"),
        ("POST", "/healthz", "GET"),
        # Also matched by /v1/transactions/{transaction_id}, but it names the batch route.
        ("OPTIONS", "/v1/transactions/batch", "POST"),
    ],
)
def test_a_405_names_every_method_of_its_path(
    client: TestClient, kit: TenantKit, method: str, path: str, allowed: str
):
    response = client.request(method, path, headers=kit.admin.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"].startswith("application/problem+json")


def test_native_errors_are_documented_as_problem_json(spec: dict[str, Any]):
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method in operations:
            for code, answer in _errors(spec, path, method).items():
                assert answer["content"] == {"application/problem+json": PROBLEM}, (
                    f"{method.upper()} {path} {code}"
                )
    assert "HTTPValidationError" not in spec["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        # A write with a body and a path id can fail in every way.
        (
            "patch",
            "/v1/cases/{case_id}",
            {"400", "401", "403", "404", "409", "413", "422", "429", "500"},
        ),
        # A list names no object and changes nothing.
        ("get", "/v1/cases", {"401", "403", "422", "429", "500"}),
        ("get", "/v1/settings/retention", {"401", "403", "429", "500"}),
        # Creating with an Idempotency-Key: a key reused with another body is a 422.
        (
            "post",
            "/v1/customers",
            {"400", "401", "403", "404", "409", "413", "422", "429", "500"},
        ),
        # A token endpoint refuses credentials, and too many refusals.
        ("post", "/oauth/token", {"400", "401", "413", "422", "429", "500"}),
        ("get", "/healthz", {"500"}),
    ],
)
def test_each_route_documents_the_statuses_it_can_answer(
    spec: dict[str, Any], method: str, path: str, statuses: set[str]
):
    assert set(_errors(spec, path, method)) == statuses


def test_a_problem_declared_by_a_route_is_problem_json(spec: dict[str, Any]):
    # POST /v1/screenings declares its 409 (nothing to search) with the Problem model.
    assert _errors(spec, "/v1/screenings", "post")["409"]["content"] == {
        "application/problem+json": PROBLEM
    }


def test_token_errors_are_documented_in_their_oauth_shape(spec: dict[str, Any]):
    errors = _errors(spec, "/oauth/token", "post")
    assert errors["401"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/OAuthProblem"}}
    }
    assert errors["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


@pytest.mark.parametrize(
    ("path", "method", "status", "model"),
    [
        ("/api/cases/{case_id}/", "get", "404", "SphinxError"),
        ("/api/cases/", "post", "400", "SphinxError"),
        ("/api/customers/", "post", "422", "SphinxError"),  # a reused Idempotency-Key
        ("/api/oauth/token/", "post", "401", "OAuthError"),
        ("/case-management", "get", "400", "SigmaError"),
        ("/case-management/create", "post", "401", "SigmaError"),
        ("/resources/api/caseManagement/v2/cases", "post", "401", "SumsubError"),
    ],
)
def test_dialect_errors_are_documented_in_their_own_shape(
    spec: dict[str, Any], path: str, method: str, status: str, model: str
):
    errors = _errors(spec, path, method)
    assert errors[status]["content"]["application/json"] == {
        "schema": {"$ref": f"#/components/schemas/{model}"}
    }
    assert "422" not in errors or model == "SphinxError"
    # Refused by its Content-Length before the route runs, a body too large is problem+json.
    if "413" in errors:
        assert errors["413"]["content"]["application/problem+json"] == PROBLEM
    assert errors["500"]["content"] == {"application/problem+json": PROBLEM}


def test_dialect_routes_declare_their_credentials(spec: dict[str, Any]):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiClientId"]["name"] == "apiKey"
    assert schemes["ApiClientSecret"]["name"] == "apiSecret"
    assert spec["paths"]["/api/cases/"]["get"]["security"] == [
        {"SphinxBearer": []},
        {"SphinxSession": []},
    ]


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (CaseUpdate, ["title", "priority"]),
        (UserUpdate, ["first_name", "last_name", "role", "is_active", "password"]),
        (RoleUpdate, ["name", "permissions"]),
        (CaseConfigUpdate, ["slug", "name", "default_priority", "is_active", "monitoring"]),
        (EndpointUpdate, ["url", "description", "event_types", "is_active"]),
        (RuleUpdate, ["title", "description", "severity", "condition", "enabled"]),
    ],
)
def test_a_field_that_cannot_be_removed_is_not_nullable(model: Any, fields: list[str]):
    properties = model.model_json_schema()["properties"]
    for name in fields:
        assert "null" not in str(properties[name]), f"{model.__name__}.{name}"


def test_a_null_for_such_a_field_is_still_refused(client: TestClient, kit: TenantKit):
    case = client.post("/v1/cases", json=case_body(), headers=kit.admin.headers).json()
    response = client.patch(
        f"/v1/cases/{case['id']}", json={"title": None}, headers=kit.admin.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"


def test_text_that_is_stripped_is_described_as_needing_more_than_whitespace(
    spec: dict[str, Any], client: TestClient, kit: TenantKit
):
    # The models strip their text first: "\r" is an empty note, and refused as one.
    schemas = spec["components"]["schemas"]
    pattern = re.compile(schemas["ReopenBody"]["properties"]["note"]["pattern"])
    assert enforced_pattern(pattern.pattern) is not None
    assert pattern.search("a note") and not pattern.search("\r") and not pattern.search("a\0")
    assert schemas["RoleCreate"]["properties"]["permissions"]["items"]["enum"]
    case = client.post("/v1/cases", json=case_body(), headers=kit.admin.headers).json()
    response = client.post(
        f"/v1/cases/{case['id']}/reopen", json={"note": "\r"}, headers=kit.admin.headers
    )
    assert response.status_code == 422


def test_text_the_guard_refuses_is_described_as_refused(spec: dict[str, Any]):
    # Every string a request can carry leaves out NUL, in values and in object keys, so a
    # schema-valid request is never one the guard refuses; and the patterns are ones a
    # fuzzer's validator compiles rather than drops.
    customer = spec["components"]["schemas"]["CustomerCreate"]
    email = re.compile(customer["properties"]["email"]["anyOf"][0]["pattern"])
    assert email.match("a@b.example") and not email.match("a\0@b.example")
    keys = re.compile(
        customer["properties"]["input_details"]["anyOf"][0]["propertyNames"]["pattern"]
    )
    assert keys.match("country") and not keys.match("coun\0try")
    alerts = spec["paths"]["/v1/alerts"]["get"]["parameters"]
    case_id = next(p for p in alerts if p["name"] == "case_id")
    assert not re.match(case_id["schema"]["anyOf"][0]["pattern"], "\u00e1\0")


def test_an_integer_parameter_is_described_with_the_range_it_takes(
    spec: dict[str, Any], client: TestClient, kit: TenantKit
):
    parameters = spec["paths"]["/v1/rules/{rule_id}/revisions/{revision}"]["get"]["parameters"]
    revision = next(p for p in parameters if p["name"] == "revision")["schema"]
    assert revision["maximum"] == 2**63 - 1
    response = client.get(f"/v1/rules/0/revisions/{2**64}", headers=kit.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.revision"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/analytics/cases", "created_to"),
        ("/v1/transactions", "occurred_to"),
        ("/v1/fx-rates", "on"),
    ],
)
@pytest.mark.parametrize("value", ["0.5", "0", "1767225600"])
def test_a_date_in_a_query_is_not_read_from_a_number(
    client: TestClient, kit: TenantKit, path: str, name: str, value: str
):
    response = client.get(path, params={name: value}, headers=kit.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"query.{name}"


def test_the_sphinx_token_endpoint_refuses_unreadable_input_as_oauth_does(client: TestClient):
    response = client.post(
        "/api/oauth/token/",
        data={"grant_type": "client_credentials", "client_id": "a\0b", "client_secret": "x"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"].startswith("client_id")


@pytest.mark.parametrize(
    ("method", "path", "refused"),
    [
        ("post", "/api/cases/", True),
        ("post", "/api/customers/", True),
        ("post", "/api/documents/", True),
        ("get", "/api/cases/", False),
        ("post", "/api/oauth/token/", False),  # OAuth's own rules: a form, or a 400
        ("post", "/case-management/create", False),
        ("post", "/resources/api/caseManagement/v2/cases", False),
        ("post", "/v1/cases", False),
    ],
)
def test_a_route_that_reads_some_media_types_only_documents_415(
    spec: dict[str, Any], method: str, path: str, refused: bool
):
    errors = _errors(spec, path, method)
    assert ("415" in errors) is refused
    if refused:
        assert errors["415"]["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/SphinxError"}}
        }
