"""permission_gate: the caller through when they hold the permission, refused otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from casework.auth.gate import permission_gate
from casework.auth.permissions import Permission
from casework.infra import problems


@dataclass(frozen=True)
class Caller:
    name: str
    granted: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.granted


resolved: list[str] = []


def who_is_calling(request: Request) -> Caller:
    resolved.append(request.url.path)
    granted = frozenset({Permission.case_read}) if request.headers.get("x-reader") else frozenset()
    return Caller(request.headers.get("x-name", "nobody"), granted)


Reader = Annotated[Any, permission_gate(who_is_calling, Permission.case_read, "no reading")]


def _client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/read")
    def read(caller: Reader, again: Reader) -> dict[str, str]:
        assert caller is again
        return {"name": caller.name}

    return TestClient(app)


def test_a_holder_is_let_through_and_resolved_once() -> None:
    resolved.clear()
    r = _client().get("/read", headers={"x-reader": "1", "x-name": "ann"})
    assert r.status_code == 200
    assert r.json() == {"name": "ann"}
    assert resolved == ["/read"]


def test_anyone_else_is_refused_in_the_callers_words() -> None:
    r = _client().get("/read", headers={"x-name": "bob"})
    assert r.status_code == 403
    assert r.json()["detail"] == "no reading"
