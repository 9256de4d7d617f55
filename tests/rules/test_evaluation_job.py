"""The evaluation job: evaluating twice changes nothing, leases keep two workers apart,
the sweep finds what a dead worker left, and refused input queues nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.infra.jobs import JobContext
from casework.models import Case, PendingEvaluation, Transaction
from casework.models.base import utcnow
from casework.processing import evaluation as tasks
from casework.rules.service import EVALUATE
from tests.rules.pipeline import (
    HOUR,
    SECOND,
    Api,
    alert_count,
    case_total,
    only_case,
    pending_row,
    tx,
)

# -- 4. evaluating twice, leases and the sweep ------------------------------------------


def _row(db: Database, row_id: str) -> PendingEvaluation | None:
    with db.transaction(write=False) as session:
        return session.get(PendingEvaluation, row_id)


def test_evaluating_a_batch_again_changes_nothing(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    api.rule({"test": "amount", "at_least": "1000"})
    api.rule({"test": "velocity", "window": "24h", "count_at_least": 2}, severity="high")
    c = api.customer()
    ids = api.post(tx(c, "1250.00", currency="USD"), tx(c, "800.00", currency="GBP", at=HOUR))
    # Deferring is off: the batch's own row is evaluated by hand, here.
    with db.transaction(write=False) as session:
        (own,) = session.scalars(
            select(PendingEvaluation.id).where(PendingEvaluation.tenant_id == api.kit.tenant_id)
        )
    tasks.evaluate_pending(context, pending_id=own)
    assert _row(db, own) is None
    case = only_case(api, c)
    alerts = api.alerts(customer_id=c)
    assert len(alerts) == 3  # the amount twice, the velocity once
    check = api.risk_check(case["id"])
    assert case_total(api, case) == Decimal(2000)

    again = pending_row(db, api.kit.tenant_id, ids)
    tasks.evaluate_pending(context, pending_id=again)
    assert _row(db, again) is None
    assert api.alerts(customer_id=c) == alerts
    assert api.cases(c) == [case]
    assert api.risk_check(case["id"]) == check
    assert api.linked(case["id"]) == {ids[0]: Decimal(1000), ids[1]: Decimal(1000)}

    # Once more after the case was resolved: still nothing new, no second case.
    resolved = api.resolve(case["id"])
    again = pending_row(db, api.kit.tenant_id, list(reversed(ids)))
    tasks.evaluate_pending(context, pending_id=again)
    assert api.alerts(customer_id=c) == alerts
    assert [x["id"] for x in api.cases(c)] == [case["id"]]
    assert api.case(case["id"])["updated_at"] == resolved["updated_at"]
    # A row naming nothing that still exists is simply done with.
    gone = pending_row(db, api.kit.tenant_id, ["0" * 24])
    tasks.evaluate_pending(context, pending_id=gone)
    assert _row(db, gone) is None
    tasks.evaluate_pending(context, pending_id=gone)  # and a row already gone is no error


def test_a_batch_sent_again_is_not_evaluated_again(api: Api, db: Database):
    api.rule({"test": "amount", "at_least": "1000"})
    c = api.customer()
    first = [tx(c, "1000"), tx(c, "2000", at=HOUR)]
    ids = api.post(*first)
    api.settle()
    case = only_case(api, c)
    alerts = api.alerts(customer_id=c)
    r = api.client.post(
        "/v1/transactions/batch", json={"transactions": first}, headers=api.kit.analyst.headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["duplicates"]) == (0, 2)
    assert api.pending() == 0  # nothing new: nothing queued
    # Half old, half new: only the new one is evaluated, into the same case.
    r = api.client.post(
        "/v1/transactions/batch",
        json={"transactions": [first[0], tx(c, "3000", at=2 * HOUR)]},
        headers=api.kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    new = r.json()["items"][1]["id"]
    api.settle()
    assert api.alerts(customer_id=c)[:2] == alerts
    assert api.alerted(c) == [*ids, new]
    assert [x["id"] for x in api.cases(c)] == [case["id"]]
    assert case_total(api, api.case(case["id"])) == Decimal(6000)
    assert alert_count(db, api.kit.tenant_id) == 3


def test_a_live_lease_keeps_the_batch_and_an_expired_one_frees_it(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    rule = api.rule({"test": "amount", "at_least": "1000"})
    # Transactions stored while the rule is off are not queued ...
    api.patch_rule(rule["id"], enabled=False)
    c = api.customer()
    ids = api.post(tx(c, "1000"), tx(c, "2000", at=HOUR))
    assert api.pending() == 0
    api.patch_rule(rule["id"], enabled=True)

    # ... so the rows here stand for batches in various states.
    held = pending_row(
        db,
        api.kit.tenant_id,
        ids[:1],
        claim_id=new_id(),
        lease_expires_at=utcnow() + timedelta(hours=1),
        attempts=1,
    )
    fresh = pending_row(db, api.kit.tenant_id, ids[1:])
    lost = pending_row(db, api.kit.tenant_id, ids[1:], created_at=utcnow() - timedelta(minutes=5))

    swept = [
        kwargs["pending_id"] for name, kwargs in tasks.unevaluated(context) if name == EVALUATE
    ]
    assert held not in swept  # a live worker has it
    assert fresh not in swept  # its job is surely still on the way
    assert lost in swept  # nobody took it

    tasks.evaluate_pending(context, pending_id=held)
    row = _row(db, held)
    assert row is not None and row.attempts == 1
    assert api.alerted(c) == []

    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == held)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    swept = [
        kwargs["pending_id"] for name, kwargs in tasks.unevaluated(context) if name == EVALUATE
    ]
    assert held in swept
    tasks.evaluate_pending(context, pending_id=held)
    assert _row(db, held) is None
    assert api.alerted(c) == [ids[0]]

    tasks.evaluate_pending(context, pending_id=lost)
    tasks.evaluate_pending(context, pending_id=fresh)
    assert _row(db, lost) is None and _row(db, fresh) is None
    assert api.alerted(c) == ids
    case = only_case(api, c)
    assert case_total(api, case) == Decimal(3000)
    assert api.risk_check(case["id"])["evidence"]["alert_count"] == 2


def test_a_worker_whose_lease_ran_out_writes_nothing(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    rule = api.rule({"test": "amount", "at_least": "1"}, enabled=False)
    c = api.customer()
    ids = api.post(tx(c, "5"))
    api.patch_rule(rule["id"], enabled=True)
    row_id = pending_row(db, api.kit.tenant_id, ids)

    first = tasks._claim(context, row_id)
    assert first is not None
    assert tasks._claim(context, row_id) is None  # the lease is live
    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == row_id)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    second = tasks._claim(context, row_id)
    assert second is not None and second.claim_id != first.claim_id
    row = _row(db, row_id)
    assert row is not None and row.attempts == 2
    # The whole job with the second lease live: it is not taken a third time.
    tasks.evaluate_pending(context, pending_id=row_id)
    assert _row(db, row_id) is not None
    assert api.alerted(c) == []
    # Once that lease runs out too, the batch is evaluated after all.
    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == row_id)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    tasks.evaluate_pending(context, pending_id=row_id)
    assert _row(db, row_id) is None
    assert api.alerted(c) == ids


# -- 5. bad input changes nothing ---------------------------------------------------------

BAD = [
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "CHF"}, "currency"),  # a real currency without rates
    ({"amount": "-5"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"customer_id": "0" * 24}, "customer_id"),
    ({"customer_id": None, "customer_external_id": "nobody"}, "customer_external_id"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD, ids=[f"{f}-{o}" for o, f in BAD])
def test_bad_input_stores_nothing_and_raises_nothing(
    api: Api, db: Database, overrides: dict[str, Any], field: str
):
    api.rule({"test": "amount", "at_least": "1"})
    c = api.customer()
    good = tx(c, "5000", currency="USD")
    bad = {k: v for k, v in (tx(c, "5000") | overrides).items() if v is not None}
    r = api.client.post(
        "/v1/transactions/batch",
        json={"transactions": [good, bad]},
        headers=api.kit.analyst.headers,
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [f"transactions[1].{field}"]
    api.settle()
    with db.transaction(write=False) as session:
        stored = session.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.tenant_id == api.kit.tenant_id)
        )
        cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.tenant_id == api.kit.tenant_id)
        )
    assert (stored, api.pending(), alert_count(db, api.kit.tenant_id), cases) == (0, 0, 0, 0)
    # The rule was live all along: the good item alone trips it.
    (tid,) = api.post(good)
    api.settle()
    assert api.alerted(c) == [tid]
