"""Customers, documents and checks get per-tenant sequential integers, whoever makes them."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import Check, Customer, Document
from casework.models.enums import CustomerType
from casework.tenants import numbering
from tests.factories import TenantKit, case_body


def _numbers(
    db: Database, model: type[Customer] | type[Document] | type[Check], tenant_id: str
) -> list[int]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(model.number).where(model.tenant_id == tenant_id).order_by(model.number)
            )
        )


def test_each_tenant_counts_its_own_customers_from_one(
    client: TestClient, db: Database, kit: TenantKit, other_kit: TenantKit
) -> None:
    for name in ("A", "B", "C"):
        client.post("/v1/customers", json={"full_name": name}, headers=kit.analyst.headers)
    client.post("/v1/customers", json={"full_name": "Z"}, headers=other_kit.analyst.headers)
    # A customer made inline with a case is numbered too.
    client.post(
        "/v1/cases", json=case_body(customer={"full_name": "D"}), headers=kit.analyst.headers
    )
    assert _numbers(db, Customer, kit.tenant_id) == [1, 2, 3, 4]
    assert _numbers(db, Customer, other_kit.tenant_id) == [1]


def test_documents_and_checks_are_numbered(
    client: TestClient, db: Database, kit: TenantKit
) -> None:
    for name in ("a.txt", "b.txt"):
        r = client.post(
            "/v1/documents",
            files={"file": (name, b"hello", "text/plain")},
            headers=kit.analyst.headers,
        )
        assert r.status_code == 201, r.text
    assert _numbers(db, Document, kit.tenant_id) == [1, 2]
    checks = [{"type": "JURISDICTION", "input_details": {"country": "DEU"}}, {"type": "PEP"}]
    body = case_body(
        customer={"full_name": "Ann Other", "country": "DEU"}, checks=checks, auto_start=False
    )
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    assert _numbers(db, Check, kit.tenant_id) == [1, 2]


def test_the_database_alone_brings_no_numbering_with_it() -> None:
    # The engine and sessions sit below every feature: numbering is installed by
    # whoever assembles a process, not as a side effect of opening the database.
    code = (
        "import sys, casework.infra.db; print(sorted(m for m in sys.modules if 'casework.' in m))"
    )
    loaded = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "casework.tenants" not in loaded
    assert "casework.models" not in loaded


def test_installing_again_changes_nothing(db: Database, kit: TenantKit) -> None:
    numbering.install()
    numbering.install()
    with db.transaction() as session:
        session.add_all(
            Customer(tenant_id=kit.tenant_id, customer_type=CustomerType.individual, full_name=n)
            for n in ("A", "B")
        )
    assert _numbers(db, Customer, kit.tenant_id) == [1, 2]
