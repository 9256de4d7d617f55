"""The bulk write under ingestion: every column type written as an INSERT would write
it, a duplicate key refused, and a batch that meets a concurrent writer refused whole."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from casework.infra import persist
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.models import Transaction
from casework.models.enums import Direction
from casework.transactions import service
from tests.factories import TenantKit

TABLE = cast(Table, Transaction.__table__)


def _customer(client: TestClient, kit: TenantKit) -> str:
    body = {"full_name": "Bulk Payer", "external_id": f"c-{secrets.token_hex(4)}"}
    made = client.post("/v1/customers", json=body, headers=kit.admin.headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _row(tenant_id: str, customer_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": new_id(),
        "tenant_id": tenant_id,
        "external_id": f"bulk-{secrets.token_hex(6)}",
        "customer_id": customer_id,
        "amount": Decimal("99999999999999.9999"),
        "currency": "GBP",
        "direction": "out",
        "type": "transfer",
        "channel": None,
        "counterparty_name": 'Zoë O\'Brien; "quoted"\ttab',
        "counterparty_account": None,
        "counterparty_bank": None,
        "counterparty_country": "GBR",
        # Stored in UTC whatever the offset given.
        "occurred_at": datetime(2004, 3, 6, 18, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        "metadata": {"nested": {"list": [1, 2.5, None, "ünïcode"]}, "empty": {}},
        "amount_in_default_currency": Decimal("0.0001"),
        "fx_rate": Decimal("1.1764705882"),
        "fx_rate_date": date(2004, 3, 5),
        "content_hash": "0" * 64,
        "created_at": datetime.now(UTC),
    }
    row.update(overrides)
    return row


def test_every_column_reads_back_as_written(client: TestClient, kit: TenantKit, db: Database):
    customer_id = _customer(client, kit)
    rows = [_row(kit.tenant_id, customer_id), _row(kit.tenant_id, customer_id, metadata={})]
    with db.transaction() as session:
        persist.insert_rows(session, TABLE, rows)
    with db.transaction(write=False) as session:
        for row in rows:
            stored = session.get(Transaction, row["id"])
            assert stored is not None
            assert stored.amount == row["amount"]
            assert stored.amount_in_default_currency == row["amount_in_default_currency"]
            assert stored.fx_rate == row["fx_rate"]
            assert stored.fx_rate_date == row["fx_rate_date"]
            assert stored.occurred_at == row["occurred_at"]
            assert stored.occurred_at.utcoffset() == timedelta(0)
            assert stored.metadata_ == row["metadata"]
            assert stored.direction is Direction.outgoing
            assert stored.counterparty_name == row["counterparty_name"]
            assert stored.channel is None


def test_a_duplicate_key_raises_and_the_savepoint_keeps_the_rest(
    client: TestClient, kit: TenantKit, db: Database
):
    customer_id = _customer(client, kit)
    first = _row(kit.tenant_id, customer_id)
    twin = _row(kit.tenant_id, customer_id, external_id=first["external_id"])
    with db.transaction() as session:
        persist.insert_rows(session, TABLE, [first])
        with pytest.raises(IntegrityError), session.begin_nested():
            persist.insert_rows(session, TABLE, [_row(kit.tenant_id, customer_id), twin])
    with db.transaction(write=False) as session:
        stored = session.scalars(
            select(Transaction.id).where(Transaction.customer_id == customer_id)
        ).all()
    assert stored == [first["id"]]


def test_a_batch_meeting_a_concurrent_writer_is_refused_whole(
    client: TestClient, kit: TenantKit, db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Between checking a batch and writing it, another request stores one of its
    external ids: the batch is a 409 and stores nothing."""
    customer_id = _customer(client, kit)
    items = [
        {
            "external_id": f"race-{secrets.token_hex(4)}-{n}",
            "customer_id": customer_id,
            "amount": "10.00",
            "currency": "EUR",
            "direction": "in",
            "occurred_at": "2004-03-08T10:00:00Z",
        }
        for n in range(3)
    ]
    prepare = service._prepare

    def meanwhile(reader: Any, *args: Any, **kwargs: Any) -> Any:
        if db.is_sqlite:
            # Read in the request's own session, the batch would hold SQLite's write lock
            # from here on, and the writer below would wait for it forever.
            assert Database.of(reader) is None, "the batch was checked under the write lock"
        prepared = prepare(reader, *args, **kwargs)
        with db.transaction() as other:
            row = _row(kit.tenant_id, customer_id, external_id=items[1]["external_id"])
            persist.insert_rows(other, TABLE, [row])
        return prepared

    monkeypatch.setattr(service, "_prepare", meanwhile)
    answer = client.post(
        "/v1/transactions/batch", json={"transactions": items}, headers=kit.admin.headers
    )
    assert answer.status_code == 409, answer.text
    assert "send it again" in answer.json()["detail"]
    with db.transaction(write=False) as session:
        stored = session.scalars(
            select(Transaction.external_id).where(Transaction.customer_id == customer_id)
        ).all()
    assert stored == [items[1]["external_id"]]
