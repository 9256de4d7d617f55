"""Fixtures of the transaction-monitoring tests: the seeded FX rates, an API driver for
the test's own tenant, and a way to run the evaluation job by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.config import Settings
from casework.fx.ecb import Quote
from casework.fx.service import upsert_rates
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner, JobContext
from tests.factories import TenantKit
from tests.rules.pipeline import RATES_FROM, Api


@pytest.fixture(scope="module", autouse=True)
def rates(db: Database) -> None:
    with db.transaction() as session:
        upsert_rates(
            session,
            [
                Quote("USD", RATES_FROM, Decimal("1.2500")),
                Quote("GBP", RATES_FROM, Decimal("0.8000")),
            ],
            source="test",
        )


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


@pytest.fixture
def context(db: Database, settings: Settings) -> JobContext:
    return JobContext(database=db, settings=settings)


@pytest.fixture
def jobs_by_hand(app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is deferred to the embedded runner (nor by its periodic sweep): the test
    runs the evaluation job itself."""
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    monkeypatch.setattr(runner, "defer", lambda *_args, **_kwargs: None)
