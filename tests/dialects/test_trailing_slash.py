"""Every dialect route answers its path with and without a trailing slash itself, never
with a redirect; OpenAPI lists each route once; casework's own paths have one spelling,
and the other is a 404 that names it, never a redirect."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from casework.app import NATIVE_API
from casework.infra.routing import other_spelling
from tests.dialects.sigma.support import body as sigma_body
from tests.dialects.sigma.support import sigma
from tests.factories import TenantKit
from tests.security.routes import DIALECT_OPERATIONS, fill

# Each dialect's answer to a request without credentials, which shows the route (not a
# 404 for an unknown path) answered.
NOT_SIGNED_IN = {
    "/case-management": lambda body: set(body) == {"message", "data", "errors"},
    "/resources/": lambda body: set(body) == {"code", "correlationId", "description"},
    "/api/": lambda body: "detail" in body or "error" in body,
}


def _dialect_of(path: str) -> Any:
    return next(check for prefix, check in NOT_SIGNED_IN.items() if path.startswith(prefix))


def _spellings() -> list[tuple[str, str]]:
    out = []
    for operation in DIALECT_OPERATIONS:
        method, path = operation.split(" ", 1)
        twin = other_spelling(path)
        assert twin is not None
        out.append((method, twin))
        out.append((method, path))
    return out


@pytest.mark.parametrize(("method", "path"), _spellings(), ids=lambda v: v)
def test_each_dialect_route_answers_both_spellings_itself(
    client: TestClient, method: str, path: str
):
    r = client.request(method, fill(path, {"case_id": "1", "customer_id": "1", "document_id": "1"}))
    assert r.status_code in (400, 401), r.text
    assert "location" not in r.headers
    assert _dialect_of(path)(r.json()), r.text


def test_a_method_the_route_lacks_names_the_methods_it_has_in_either_spelling(
    client: TestClient,
):
    for path in ("/api/cases", "/api/cases/"):
        r = client.put(path)
        assert r.status_code == 405
        assert r.headers["allow"] == "GET, POST"


def test_openapi_lists_each_route_once(app: FastAPI):
    paths = set(app.openapi()["paths"])
    assert not {p for p in paths if other_spelling(p) in paths}
    documented = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if not path.startswith("/v1/")
    }
    assert set(DIALECT_OPERATIONS) <= documented


def test_no_route_answers_the_other_spelling_of_a_dialect_path(app: FastAPI):
    """A dialect route takes both spellings of its path: no other route may declare one
    of them, or which of the two answers would depend on their order."""
    declared = [
        (route.original_route, route.path_format)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and route.path_format
    ]
    dialect = {path for route, path in declared if getattr(route, "either_slash", False)}
    others = {path for route, path in declared if not getattr(route, "either_slash", False)}
    assert dialect, "the dialect routes are found"
    assert not {other_spelling(p) for p in dialect} & others
    assert not {other_spelling(p) for p in dialect} & dialect


@pytest.mark.parametrize(
    ("path", "twin"),
    [("/v1/cases/", "/v1/cases"), ("/v1/customers/", "/v1/customers"), ("/healthz/", "/healthz")],
)
def test_native_paths_have_one_spelling_and_the_other_names_it(
    client: TestClient, kit: TenantKit, path: str, twin: str
):
    r = client.get(path, headers=kit.admin.headers, follow_redirects=False)
    assert r.status_code == 404
    assert "location" not in r.headers
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        r.json()["detail"] == f"no route at {path}; the path is {twin} (without the trailing slash)"
    )
    assert client.get(twin, headers=kit.admin.headers).status_code == 200


def test_a_native_post_to_the_other_spelling_creates_nothing(client: TestClient, kit: TenantKit):
    before = client.get("/v1/cases?limit=200", headers=kit.admin.headers).json()["items"]
    body = {"title": "Cash structuring", "priority": "high"}
    r = client.post("/v1/cases/", json=body, headers=kit.admin.headers, follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    assert client.get("/v1/cases?limit=200", headers=kit.admin.headers).json()["items"] == before


def test_native_routers_declare_no_trailing_slash():
    for router in NATIVE_API:
        for route in router.routes:
            assert not getattr(route, "path", "").endswith("/"), route


def test_the_console_without_its_slash_goes_home_on_the_same_scheme_and_host(client: TestClient):
    r = client.get("/console", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == "/console/"


def test_a_retry_in_the_other_spelling_is_the_same_request(client: TestClient, kit: TenantKit):
    headers = {**sigma(kit.analyst), "Idempotency-Key": f"create-{secrets.token_hex(4)}"}
    first = client.post("/case-management/create", json=sigma_body(kit), headers=headers)
    again = client.post("/case-management/create/", json=sigma_body(kit), headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
