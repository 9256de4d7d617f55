"""Case-webhook payload shapes: a dialect's shape serves the cases created through it,
every other case keeps the native shape, and the application registers Sphinx's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from casework.assembly import register_adapters
from casework.cases import payloads
from casework.db import Database
from casework.dialects.sphinx import views as sphinx
from casework.models import Case


def test_a_dialect_shapes_only_its_own_cases(db: Database, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(payloads, "_SHAPERS", {})

    def acme(_session: Session, case: Case) -> dict[str, Any]:
        return {"acme": case.id}

    payloads.register_case_payload("acme", acme)
    with db.session(write=False) as session:
        assert payloads.case_payload(session, Case(id="c1", dialect="acme")) == {"acme": "c1"}
        assert payloads.case_payload(session, Case(id="c2", dialect=None)) is None
        assert payloads.case_payload(session, Case(id="c3", dialect="sigma")) is None


def test_the_assembly_registers_the_sphinx_shape(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(payloads, "_SHAPERS", {})
    assert payloads.registered("sphinx") is None
    register_adapters()
    assert payloads.registered("sphinx") is sphinx.case_body
