"""Workers evaluating batches of one customer at the same moment open one case between
them (PostgreSQL: the alert group's row lock; SQLite has one writer at a time)."""

from __future__ import annotations

import secrets
import threading
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner, JobContext
from casework.processing import evaluation as tasks
from tests.conftest import BACKEND
from tests.factories import TenantKit
from tests.rules.pipeline import SECOND, Api, pending_row, tx

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="concurrent writers need PostgreSQL's row locks"
)

ROUNDS = 5
WORKERS = 4
PER_BATCH = 3


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


@pytest.fixture
def context(db: Database, settings: Settings) -> JobContext:
    return JobContext(database=db, settings=settings)


@pytest.fixture
def jobs_by_hand(app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded runner (and its sweep) is kept out: the test's threads are the workers."""
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    monkeypatch.setattr(runner, "defer", lambda *_args, **_kwargs: None)


def _together(context: JobContext, pending_ids: list[str]) -> None:
    """Run the evaluation job for every row at once, one thread each."""
    barrier = threading.Barrier(len(pending_ids))
    errors: list[BaseException] = []

    def work(pending_id: str) -> None:
        try:
            barrier.wait(timeout=30)
            tasks.evaluate_pending(context, pending_id=pending_id)
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in pending_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]


def _batches(api: Api, customers: list[str], *, start: int = 0) -> list[list[str]]:
    """WORKERS batches, each with PER_BATCH transactions of every customer, stored while
    no rule is enabled (so nothing is queued for them)."""
    batches = []
    for w in range(WORKERS):
        items = [
            tx(c, f"{w + 1}.{n:02d}", at=(start + w * PER_BATCH + n) * SECOND)
            for n in range(PER_BATCH)
            for c in customers
        ]
        batches.append(api.post(*items))
    return batches


def _one_case_with_everything(api: Api, customer_id: str, ids: set[str], alerts: int) -> None:
    (case,) = api.cases(customer_id)
    linked = api.linked(case["id"])
    assert set(linked) == ids
    assert Decimal(case["total_amount_in_default_currency"]) == sum(linked.values())
    found = api.alerts(customer_id=customer_id)
    assert len(found) == alerts
    assert {a["case_id"] for a in found} == {case["id"]}
    check = api.risk_check(case["id"])
    assert check["evidence"]["alert_count"] == alerts
    assert len(check["evidence"]["alerts"]) == alerts


def test_parallel_batches_of_one_customer_open_one_case(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    rule = api.rule({"test": "amount", "at_least": "1"}, enabled=False)
    rounds = []
    for r in range(ROUNDS):
        customer = api.customer(f"Racer {r} {secrets.token_hex(2)}")
        rounds.append((customer, _batches(api, [customer])))
    assert api.pending() == 0
    api.patch_rule(rule["id"], enabled=True)

    for customer, batches in rounds:
        rows = [pending_row(db, api.kit.tenant_id, ids) for ids in batches]
        _together(context, rows)
        assert api.pending() == 0
        everything = {i for ids in batches for i in ids}
        _one_case_with_everything(api, customer, everything, len(everything))

    # A second wave for the same customers: their open cases take it, the totals add up.
    api.patch_rule(rule["id"], enabled=False)
    later = [(c, _batches(api, [c], start=3600)) for c, _ in rounds]
    api.patch_rule(rule["id"], enabled=True)
    for (customer, first), (_, batches) in zip(rounds, later, strict=True):
        _together(context, [pending_row(db, api.kit.tenant_id, ids) for ids in batches])
        everything = {i for ids in first + batches for i in ids}
        _one_case_with_everything(api, customer, everything, len(everything))


def test_parallel_batches_of_several_groups_neither_split_nor_deadlock(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    """Every batch holds both customers' transactions and trips both rules: each worker
    locks four groups, in the same order as every other worker."""
    api.settings(group_by="rule_and_customer")
    amount = api.rule({"test": "amount", "at_least": "1"}, enabled=False)
    velocity = api.rule(
        {"test": "velocity", "window": "24h", "count_at_least": 1}, severity="high", enabled=False
    )
    rounds = []
    for _ in range(ROUNDS):
        pair = [api.customer(), api.customer()]
        rounds.append((pair, _batches(api, pair, start=0)))
    for rule in (amount, velocity):
        api.patch_rule(rule["id"], enabled=True)

    for pair, batches in rounds:
        # The workers take the batches in opposite orders of customers, too.
        rows = [
            pending_row(db, api.kit.tenant_id, ids if n % 2 else list(reversed(ids)))
            for n, ids in enumerate(batches)
        ]
        _together(context, rows)
        assert api.pending() == 0
        for customer in pair:
            mine = {a["transaction_id"] for a in api.alerts(customer_id=customer)}
            cases = api.cases(customer)
            assert len(cases) == 2
            assert {c["created_by_rule"]["id"] for c in cases} == {amount["id"], velocity["id"]}
            for case in cases:
                alerts = api.alerts(case_id=case["id"])
                assert len(alerts) == WORKERS * PER_BATCH
                assert {a["rule_id"] for a in alerts} == {case["created_by_rule"]["id"]}
                assert {a["customer_id"] for a in alerts} == {customer}
                assert api.risk_check(case["id"])["evidence"]["alert_count"] == len(alerts)
                linked = api.linked(case["id"])
                assert mine <= set(linked)
                assert Decimal(case["total_amount_in_default_currency"]) == sum(linked.values())
