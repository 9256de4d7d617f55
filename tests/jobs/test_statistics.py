"""Planner statistics: tables grown past PostgreSQL's analyze threshold are found by
the sweep and analyzed; nothing to do on SQLite."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import insert, text

from casework.assembly import job_registry
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.infra.jobs import JobContext, run_job
from casework.maintenance import service
from casework.maintenance.tasks import ANALYZE, stale_statistics
from casework.models import Customer, Transaction
from tests.conftest import BACKEND
from tests.factories import TenantKit

postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL statistics")


@pytest.fixture
def context(db: Database, settings: Settings) -> JobContext:
    return JobContext(database=db, settings=settings, registry=job_registry())


@pytest.fixture
def quiet(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded runner's own sweep would analyze behind the test's back; the test
    calls the sweeper itself."""
    registry = app.state.jobs.context.registry
    assert stale_statistics in registry.sweepers
    monkeypatch.setattr(registry, "sweepers", ())


def _grow(db: Database, tenant_id: str, rows: int) -> None:
    """Add ``rows`` transactions and have this backend's counts published at once."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        customer = Customer(tenant_id=tenant_id, customer_type="INDIVIDUAL", full_name="Grower")
        session.add(customer)
        session.flush()
        session.execute(
            insert(Transaction),
            [
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "external_id": f"grow-{secrets.token_hex(8)}",
                    "customer_id": customer.id,
                    "amount": Decimal("1.0000"),
                    "currency": "EUR",
                    "direction": "in",
                    "occurred_at": now,
                    "metadata_": {},
                    "amount_in_default_currency": Decimal("1.0000"),
                    "fx_rate": Decimal("1"),
                    "fx_rate_date": date(2026, 1, 1),
                    "content_hash": "0" * 64,
                    "created_at": now,
                }
                for _ in range(rows)
            ],
        )
        # Published by this backend as its commit returns, not up to a second later.
        session.execute(text("SELECT pg_stat_force_next_flush()"))


def _live_rows(db: Database, table: str) -> int:
    with db.transaction(write=False) as session:
        found = session.execute(
            text("SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).scalar()
    return int(found or 0)


def _analyzed(db: Database, table: str) -> datetime | None:
    with db.transaction(write=False) as session:
        found: datetime | None = session.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).scalar()
    return found


@postgres_only
def test_a_grown_table_is_swept_and_analyzed(
    db: Database, kit: TenantKit, context: JobContext, quiet: None
):
    with db.transaction() as session:
        service.analyze(session, ["transactions"])
        assert "transactions" not in service.stale_tables(session)
    before = _analyzed(db, "transactions")
    assert before is not None

    _grow(db, kit.tenant_id, 100 + _live_rows(db, "transactions") // 5)
    with db.transaction(write=False) as session:
        assert "transactions" in service.stale_tables(session)
    found = [kwargs for name, kwargs in stale_statistics(context) if name == ANALYZE]
    assert len(found) == 1 and "transactions" in found[0]["tables"]

    run_job(context, ANALYZE, found[0])
    with db.transaction(write=False) as session:
        assert "transactions" not in service.stale_tables(session)
    after = _analyzed(db, "transactions")
    assert after is not None and after > before


@postgres_only
def test_only_casework_tables_are_analyzed(db: Database):
    with db.transaction() as session:
        done = service.analyze(session, ["pg_class", 'transactions"; DROP TABLE cases; --'])
    assert done == []


def test_sqlite_has_nothing_to_analyze(db: Database, context: JobContext, quiet: None):
    if BACKEND != "sqlite":
        pytest.skip("SQLite plans without statistics")
    with db.transaction(write=False) as session:
        assert service.stale_tables(session) == []
    assert stale_statistics(context) == []
