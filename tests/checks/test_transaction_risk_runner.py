"""The TRANSACTION_RISK runner on its own: given the rules, the transactions and the
history read for it, it evaluates, and nothing else (no database here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from casework.checks import runners
from casework.checks.country_risk import load_table, with_overrides
from casework.checks.policy import OutcomePolicy
from casework.checks.runners import CheckFailed, CheckInputs, LinkedTransactions, RunContext
from casework.models.enums import CheckType, Outcome, Priority
from casework.rules import conditions
from casework.rules.engine import CompiledRule, Loaded
from casework.rules.evaluate import Txn
from casework.rules.history import Histories

T0 = datetime(2024, 10, 14, 12, 0, tzinfo=UTC)
VIEW = with_overrides(load_table(), ())
CONTEXT = RunContext(matcher=None, lists=(), policy=OutcomePolicy(), country_risk=VIEW)


def _rule(name: str, condition: dict[str, Any], revision: int = 1) -> CompiledRule:
    return CompiledRule(
        f"id-{name}", name, name.title(), revision, Priority.medium, conditions.parse(condition)
    )


def _txn(n: int, amount: str, at: timedelta, **fields: Any) -> Txn:
    return Txn(f"t{n:02}", T0 + at, Decimal(amount), "out", **fields)


def _inputs(
    rules: list[CompiledRule], linked: list[Txn], history: list[Txn] | None = None
) -> CheckInputs:
    every = sorted([*linked, *(history or [])], key=lambda t: (t.occurred_at, t.id))
    loaded = Loaded({"c1": linked}, Histories({"c1": every}, T0 - timedelta(days=1)))
    return CheckInputs(
        check_type=CheckType.transaction_risk,
        params={},
        input_details={},
        customer=None,
        documents={},
        today=date(2024, 10, 20),
        transactions=LinkedTransactions(
            rules=tuple(rules),
            loaded=loaded,
            external_ids={t.id: f"ext-{t.id}" for t in every},
        ),
    )


def test_the_same_inputs_give_the_same_result():
    rules = [
        _rule("big", {"test": "amount", "at_least": "1000"}),
        _rule("risky", {"test": "high_risk_country"}, revision=3),
    ]
    linked = [
        _txn(1, "1500", timedelta(0), counterparty_country="IRN"),
        _txn(2, "2000", timedelta(hours=1)),
    ]
    first = runners.run(_inputs(rules, linked), CONTEXT)
    assert first == runners.run(_inputs(rules, linked), CONTEXT)
    assert first.outcome is Outcome.pending
    # Twice the threshold scores 1.0, above the high-risk country's 0.8.
    assert first.risk_score == 1.0
    assert first.reasoning[2:5] == [
        "Hit: Big (rule big, revision 1) on ext-t01: amount 1500 ≥ 1000 (score 0.75); "
        "transactions ext-t01.",
        "Hit: Risky (rule risky, revision 3) on ext-t01: counterparty in high-risk IRN "
        "(score 0.80); transactions ext-t01.",
        "Hit: Big (rule big, revision 1) on ext-t02: amount 2000 ≥ 1000 (score 1.00); "
        "transactions ext-t02.",
    ]
    assert first.dataset_versions["country_risk"] == VIEW.table.version


def test_a_hit_over_many_transactions_names_the_first_and_counts_the_rest():
    rule = _rule("burst", {"test": "velocity", "window": "24h", "count_at_least": 25})
    history = [_txn(n, "10", timedelta(minutes=n - 30)) for n in range(1, 25)]
    linked = [_txn(30, "10", timedelta(0))]
    result = runners.run(_inputs([rule], linked, history), CONTEXT)
    (line,) = [line for line in result.reasoning if line.startswith("Hit:")]
    named = ", ".join(f"ext-t{n:02}" for n in range(1, 21))
    assert line.endswith(f"transactions {named} and 5 more.")
    assert len(result.evidence["hits"][0]["transaction_ids"]) == 25


@pytest.mark.parametrize("what", ["nothing-read", "no-transactions", "no-rules"])
def test_nothing_to_evaluate_cannot_run(what: str):
    rule = _rule("big", {"test": "amount", "at_least": "1000"})
    inputs = {
        "nothing-read": _inputs([rule], []),
        "no-transactions": _inputs([rule], []),
        "no-rules": _inputs([], [_txn(1, "5000", timedelta(0))]),
    }[what]
    if what == "nothing-read":
        inputs = CheckInputs(
            check_type=inputs.check_type,
            params={},
            input_details={},
            customer=None,
            documents={},
            today=inputs.today,
        )
    with pytest.raises(CheckFailed) as failed:
        runners.run(inputs, CONTEXT)
    title = "Not checked: no enabled rule" if what == "no-rules" else None
    assert failed.value.title == (title or "Not checked: no linked transactions")
