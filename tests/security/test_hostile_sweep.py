"""Every operation of the OpenAPI description, fed hostile values in each of its inputs:
NUL and unpaired surrogates in every string (body fields, path ids, query parameters,
headers), JSON booleans, fractions and strings where an integer is expected, numbers
where a boolean is, numbers spelt loosely in the query, and JSON nested too deeply.

Each must be a 4xx that names the field (never a 2xx, never a 500), and none may write
anything: the tenant's rows in every table are counted before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import Base, Tenant
from tests.dialects.sigma.support import sigma
from tests.dialects.sumsub.support import signature_headers
from tests.factories import TenantKit
from tests.security.routes import OPERATIONS, fill

NUL, SURROGATE = "nul\x00ed", "lone\ud800"
# What each kind of value is fed, in a JSON body.
HOSTILE_JSON: dict[str, list[Any]] = {
    "string": [NUL, SURROGATE],
    "integer": [False, True, 1.0, "5"],
    "boolean": [0, 1, "true"],
    "number": [True],
    "object": ["DEEP", {"key": NUL}, {NUL: 1}],
}
# ... and in a query string (text by nature, but spelt as its type).
HOSTILE_TEXT: dict[str, list[str]] = {
    "string": [NUL],
    "integer": [NUL, "1.0", "true", "99999999999999999999"],
    "boolean": [NUL, "1", "yes"],
    "number": [NUL, "abc", "1e999"],
}
# A batch answers a query of the wrong shape in its place and screens the others
# (tests/security/test_strict_input.py); hostile text is refused for the whole batch.
IN_PLACE = {"/v1/screenings/batch"}
MAX_PATH = 6
PROBES = {
    "/healthz",
    "/readyz",
    "/metrics",
}  # recursive schemas (nested rule conditions) are followed this far


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


@dataclass(frozen=True)
class Attempt:
    method: str
    path: str  # as sent, ids filled in
    template: str
    field: str  # the name the answer must mention
    query: dict[str, str] | None = None
    json_body: Any = None
    form: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    def describe(self) -> str:
        value = self.json_body if self.json_body is not None else self.form or self.query
        shown = json.dumps(value, default=str)[:160] if value is not None else ""
        return f"{self.method} {self.template} [{self.field}] {shown}"


class Schemas:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def leaves(self, schema: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple]:
        """(path, kind) of every value a body may carry."""
        schema = self.resolve(schema)
        if len(path) > MAX_PATH:
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                yield from self.leaves(option, path)
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            for name, sub in properties.items():
                yield from self.leaves(sub, (*path, name))
            if not properties and path:
                yield path, "object"
        elif kind == "array":
            yield from self.leaves(schema.get("items", {}), (*path, 0))
        elif kind in HOSTILE_JSON and path:
            yield path, kind


def _placed(base: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``base`` with ``value`` at ``path``, creating what is missing."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(base) if isinstance(base, list) and base else [{}]
        items[0] = _placed(items[0], rest, value)
        return items
    container = dict(base) if isinstance(base, dict) else {}
    container[head] = _placed(container.get(head, {}), rest, value)
    return container


def _field(path: tuple[Any, ...]) -> str:
    return next(str(p) for p in reversed(path) if isinstance(p, str))


BASE_BODIES: dict[tuple[str, str], Any] = {
    (op.method, op.path): op.body for op in OPERATIONS if op.body is not None
}


def _base_body(method: str, path: str, kit: TenantKit) -> Any:
    if (method, path) in BASE_BODIES:
        return BASE_BODIES[method, path]
    if path == "/case-management/create":
        return {
            "title": "t",
            "description": "d",
            "priority": "medium",
            "assignedTo": kit.supervisor.user_id,
        }
    if path.startswith("/resources/api/caseManagement"):
        return {"applicantId": "a", "blueprintId": "b", "name": "n"}
    if path == "/api/cases/":
        return {"customer": {"full_name": "n"}}
    if path == "/api/customers/":
        return {"full_name": "n"}
    return {}


def attempts(spec: dict[str, Any], kit: TenantKit) -> Iterator[Attempt]:
    schemas = Schemas(spec)
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            method = method.upper()
            path = fill(template)
            if template not in PROBES:
                # Every other route reads a credential, whatever its dialect calls it.
                headers = {"Authorization": f"Bearer {NUL}"}
                yield Attempt(method, path, template, "authorization", headers=headers)
            params = [schemas.resolve(p) for p in operation.get("parameters", [])]
            base_query: dict[str, str] = {}
            for param in params:
                schema = schemas.resolve(param.get("schema", {}))
                kinds = {schemas.resolve(o).get("type") for o in schema.get("anyOf", [schema])} - {
                    "null",
                    None,
                }
                kind = kinds.pop() if len(kinds) == 1 else "string"
                if kind == "array":
                    kind = schemas.resolve(schema.get("items", {})).get("type", "string")
                name = param["name"]
                for value in HOSTILE_TEXT.get(kind, [NUL]):
                    if param["in"] == "path":
                        sent = template.replace("{" + name + "}", quote(value, safe=""))
                        yield Attempt(method, fill(sent), template, name)
                    elif param["in"] == "query":
                        query = {**base_query, name: value}
                        yield Attempt(method, path, template, name, query=query)
                    elif param["in"] == "header" and value == NUL:
                        yield Attempt(method, path, template, name, headers={name: value})
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body_schema = content["application/json"]["schema"]
                base = _base_body(method, template, kit)
                seen = set()
                for leaf, kind in schemas.leaves(body_schema):
                    if (leaf, kind) in seen:
                        continue
                    seen.add((leaf, kind))
                    for value in HOSTILE_JSON[kind]:
                        if template in IN_PLACE and leaf[0] == "queries" and kind != "string":
                            continue
                        value = _deep(40) if value == "DEEP" else value
                        body = _placed(base, leaf, value)
                        yield Attempt(method, path, template, _field(leaf), json_body=body)
            for media in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if media not in content:
                    continue
                form_schema = schemas.resolve(content[media]["schema"])
                for name, prop in form_schema.get("properties", {}).items():
                    prop = schemas.resolve(prop)
                    kinds = {schemas.resolve(o).get("type") for o in prop.get("anyOf", [prop])}
                    kinds -= {"null", None}
                    if prop.get("format") == "binary" or "binary" in str(prop):
                        continue
                    kind = kinds.pop() if len(kinds) == 1 else "string"
                    for value in HOSTILE_TEXT.get(kind, [NUL]):
                        yield Attempt(method, path, template, name, form={name: value})


def _credentials(attempt: Attempt, kit: TenantKit, content: bytes, target: str) -> dict[str, str]:
    if attempt.template.startswith("/case-management"):
        return sigma(kit.admin)
    if attempt.template.startswith("/resources/api/caseManagement"):
        return signature_headers(kit.admin, attempt.method, target, content)
    return kit.admin.headers


def send(client: TestClient, attempt: Attempt, kit: TenantKit) -> httpx.Response:
    request = client.build_request(
        attempt.method,
        attempt.path,
        params=attempt.query,
        content=json.dumps(attempt.json_body).encode() if attempt.json_body is not None else None,
        data=attempt.form,
        headers={"Content-Type": "application/json"} if attempt.json_body is not None else None,
    )
    target = request.url.raw_path.decode()
    headers = {**_credentials(attempt, kit, request.content, target), **(attempt.headers or {})}
    request.headers.update(headers)
    return client.send(request)


# The periodic checkpoint job signs a new chain whenever it wakes, request or not.
WRITTEN_BY_THE_CLOCK = {"audit_checkpoints"}


def footprint(db: Database, tenant_id: str) -> dict[str, int]:
    """Rows of the tenant in every table that has tenants, and the number of tenants."""
    counts: dict[str, int] = {}
    with db.transaction(write=False) as session:
        for table in Base.metadata.sorted_tables:
            if "tenant_id" in table.c and table.name not in WRITTEN_BY_THE_CLOCK:
                stmt = select(func.count()).select_from(table)
                counts[table.name] = session.scalar(stmt.where(table.c.tenant_id == tenant_id)) or 0
        counts["tenants"] = session.scalar(select(func.count()).select_from(Tenant)) or 0
    return counts


def _verdict(attempt: Attempt, response: httpx.Response) -> str | None:
    status = response.status_code
    if not 400 <= status < 500:
        return f"{status}"
    if attempt.template.startswith("/api/") and "{" + attempt.field + "}" in attempt.template:
        # Sphinx, like the framework it mirrors, answers an id it cannot read with 404.
        return None if status == 404 else f"{status}, not 404"
    if attempt.field.lower() not in response.text.lower():
        return f"{status} without naming {attempt.field}: {response.text[:200]}"
    return None


def test_every_operation_refuses_hostile_input_and_writes_nothing(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database
):
    spec = app.openapi()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    tried: set[tuple[str, str]] = set()
    before = footprint(db, kit.tenant_id)
    failures = []
    for attempt in attempts(spec, kit):
        tried.add((attempt.method, attempt.template))
        response = send(client, attempt, kit)
        problem = _verdict(attempt, response)
        if problem is not None:
            failures.append(f"{attempt.describe()} -> {problem}")
    assert not failures, f"{len(failures)} hostile requests not refused:\n" + "\n".join(failures)
    assert footprint(db, kit.tenant_id) == before
    # Only the probes read nothing of a request.
    untried = sorted(f"{m} {p}" for m, p in operations - tried)
    assert untried == ["GET /healthz", "GET /metrics", "GET /readyz"], untried
