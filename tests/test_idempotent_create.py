"""The ``Idempotent`` dependency: one answer per key, the request identified lazily."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from starlette.requests import Request

from casework.auth.principal import Principal
from casework.idempotency import IdempotentCreate
from casework.infra.db import Database
from casework.infra.errors import IdempotencyMismatch
from tests.factories import TenantKit


class Body(BaseModel):
    name: str
    note: str = ""


def _request(path: str = "/v1/things") -> Request:
    return Request({"type": "http", "method": "POST", "path": path, "headers": []})


def _never() -> dict[str, str]:
    raise AssertionError("the request was identified without a key")


def test_without_a_key_the_request_is_not_identified(db: Database, kit: TenantKit) -> None:
    once = IdempotentCreate(_request(), None)
    with db.transaction() as session:
        answer = once.respond(
            session,
            Principal.system(kit.tenant_id),
            lambda: (Body(name="made"), 200),
            identity=_never,
        )
    assert answer.status_code == 200
    assert answer.body == b'{"name":"made","note":""}'
    assert "idempotent-replayed" not in answer.headers


def test_a_repeated_key_replays_and_a_changed_body_is_refused(db: Database, kit: TenantKit) -> None:
    principal = Principal.system(kit.tenant_id)
    made: list[str] = []

    def produce() -> Body:
        made.append("one")
        return Body(name=f"made {len(made)}")

    def answer(body: Body) -> tuple[int, bytes, str | None]:
        once = IdempotentCreate(_request(), "key-1")
        with db.transaction() as session:
            response = once.respond(session, principal, produce, identity=body)
        return response.status_code, response.body, response.headers.get("idempotent-replayed")

    assert answer(Body(name="a")) == (201, b'{"name":"made 1","note":""}', None)
    assert answer(Body(name="a")) == (201, b'{"name":"made 1","note":""}', "true")
    assert len(made) == 1
    with pytest.raises(IdempotencyMismatch):
        answer(Body(name="a", note="changed"))
    assert len(made) == 1
