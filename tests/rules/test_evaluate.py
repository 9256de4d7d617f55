"""Each rule test on hand-built sequences at the edges of its window and threshold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from casework.rules.conditions import parse
from casework.rules.evaluate import Hit, Txn, evaluate, lookback

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HIGH_RISK = {"IRN", "PRK"}


def txn(n: int, amount: str, *, at: timedelta = timedelta(0), **fields: Any) -> Txn:
    return Txn(
        id=f"t{n}",
        occurred_at=T0 + at,
        amount=Decimal(amount),
        direction=fields.pop("direction", "out"),
        **fields,
    )


def run(condition: dict[str, Any], last: Txn, history: Sequence[Txn] = ()) -> Hit | None:
    return evaluate(parse(condition), last, history, HIGH_RISK.__contains__)


def test_amount_threshold_is_inclusive():
    rule = {"test": "amount", "at_least": "10000"}
    assert run(rule, txn(1, "9999.99")) is None
    hit = run(rule, txn(1, "10000.00"))
    assert hit is not None and hit.score == 0.5 and hit.transactions == ("t1",)
    assert run(rule, txn(1, "20000"))
    assert run(rule | {"direction": "in"}, txn(1, "20000")) is None


def test_velocity_counts_within_a_half_open_window():
    rule = {"test": "velocity", "window": "24h", "count_at_least": 3}
    last = txn(3, "10", at=timedelta(hours=24))
    exactly_a_day_before = txn(1, "10")
    just_inside = txn(1, "10", at=timedelta(microseconds=1))
    middle = txn(2, "10", at=timedelta(hours=5))
    assert run(rule, last, [exactly_a_day_before, middle]) is None
    hit = run(rule, last, [just_inside, middle])
    assert hit is not None and hit.transactions == ("t1", "t2", "t3")


def test_velocity_by_sum_and_direction():
    rule = {"test": "velocity", "window": "7d", "sum_at_least": "5000", "direction": "out"}
    history = [txn(1, "2500"), txn(2, "9000", direction="in", at=timedelta(days=1))]
    assert run(rule, txn(3, "2499.99", at=timedelta(days=2)), history) is None
    assert run(rule, txn(3, "2500", at=timedelta(days=2)), history)


def test_structuring_counts_amounts_just_under_the_threshold():
    rule = {
        "test": "structuring",
        "threshold": "10000",
        "below_by": "0.1",
        "window": "72h",
        "count_at_least": 3,
    }
    history = [txn(1, "9000"), txn(2, "9999.99", at=timedelta(hours=10))]
    assert run(rule, txn(3, "9500", at=timedelta(hours=20)), history)
    assert run(rule, txn(3, "10000", at=timedelta(hours=20)), history) is None, "at it"
    assert run(rule, txn(3, "8999.99", at=timedelta(hours=20)), history) is None, "too far under"
    late = txn(3, "9500", at=timedelta(hours=72))
    assert run(rule, late, history) is None, "the first is exactly 72h before: outside"


def test_high_risk_counterparty_country():
    rule = {"test": "high_risk_country", "at_least": "100"}
    assert run(rule, txn(1, "100", counterparty_country="IRN"))
    assert run(rule, txn(1, "99", counterparty_country="IRN")) is None
    assert run(rule, txn(1, "5000", counterparty_country="DEU")) is None
    assert run(rule, txn(1, "5000")) is None


def test_round_amounts():
    rule = {"test": "round_amount", "multiple_of": "1000", "at_least": "5000"}
    assert run(rule, txn(1, "5000.00"))
    assert run(rule, txn(1, "4000")) is None
    assert run(rule, txn(1, "5000.01")) is None


def test_pass_through_needs_most_of_the_money_out_within_the_window():
    rule = {"test": "pass_through", "window": "48h", "ratio": "0.9", "in_at_least": "10000"}
    incoming = txn(1, "10000", direction="in")
    assert run(rule, txn(2, "9000", at=timedelta(hours=47)), [incoming])
    assert run(rule, txn(2, "8999.99", at=timedelta(hours=47)), [incoming]) is None
    assert run(rule, txn(2, "9000", at=timedelta(hours=48)), [incoming]) is None, "outside"
    small = txn(1, "9999.99", direction="in")
    assert run(rule, txn(2, "9999.99", at=timedelta(hours=1)), [small]) is None
    assert run(rule, txn(2, "9000", direction="in", at=timedelta(hours=1)), [incoming]) is None


def test_dormant_reactivation():
    rule = {"test": "dormant_reactivation", "inactive_days": 180, "at_least": "1000"}
    old = txn(1, "50")
    assert run(rule, txn(2, "1000", at=timedelta(days=180)), [old])
    assert run(rule, txn(2, "1000", at=timedelta(days=179, hours=23)), [old]) is None
    assert run(rule, txn(2, "999", at=timedelta(days=400)), [old]) is None
    assert run(rule, txn(2, "1000", at=timedelta(days=400))) is None, "a first transaction"


def test_new_counterparty_above_an_amount():
    rule = {"test": "new_counterparty", "at_least": "5000"}
    seen = txn(1, "10", counterparty="DE89370400440532013000")
    assert run(rule, txn(2, "5000", counterparty="GB33BUKB20201555555555"), [seen])
    assert run(rule, txn(2, "5000", counterparty="DE89370400440532013000"), [seen]) is None
    assert run(rule, txn(2, "4999.99", counterparty="GB33BUKB20201555555555"), [seen]) is None


def test_all_and_any_combine_hits():
    both = {
        "all": [
            {"test": "amount", "at_least": "1000"},
            {"test": "high_risk_country"},
        ]
    }
    assert run(both, txn(1, "1000", counterparty_country="PRK"))
    assert run(both, txn(1, "1000", counterparty_country="FRA")) is None
    either = {
        "any": [
            {"test": "amount", "at_least": "1000000"},
            {"test": "round_amount", "multiple_of": "100"},
        ]
    }
    hit = run(either, txn(1, "300"))
    assert hit is not None and "round" in hit.reason


def test_lookback_is_the_longest_window_or_everything():
    assert lookback(parse({"test": "velocity", "window": "3d", "count_at_least": 2})) == timedelta(
        days=3
    )
    combined = parse(
        {
            "all": [
                {"test": "velocity", "window": "3d", "count_at_least": 2},
                {"test": "pass_through", "window": "5d", "in_at_least": "1"},
            ]
        }
    )
    assert lookback(combined) == timedelta(days=5)
    assert lookback(parse({"test": "new_counterparty", "at_least": "1"})) is None
    assert lookback(parse({"test": "amount", "at_least": "1"})) == timedelta(0)


def test_types_and_channels_narrow_the_transaction_and_what_it_counts():
    rule = {"test": "amount", "at_least": "100", "types": ["cash"], "channels": ["branch"]}
    assert run(rule, txn(1, "500", type="cash", channel="branch"))
    assert run(rule, txn(1, "500", type="card", channel="branch")) is None
    assert run(rule, txn(1, "500", type="cash", channel="online")) is None
    assert run(rule, txn(1, "500")) is None  # no type or channel given

    velocity = {"test": "velocity", "window": "24h", "count_at_least": 2, "types": ["cash"]}
    last = txn(3, "10", at=timedelta(hours=2), type="cash")
    card = txn(1, "10", type="card")
    cash = txn(2, "10", at=timedelta(hours=1), type="cash")
    assert run(velocity, last, [card]) is None
    hit = run(velocity, last, [card, cash])
    assert hit is not None and hit.transactions == ("t2", "t3")
    assert run(velocity, txn(3, "10", at=timedelta(hours=2), type="card"), [cash, cash]) is None


def test_pass_through_narrowed_by_type_looks_at_the_outgoing_one():
    rule = {
        "test": "pass_through",
        "window": "48h",
        "ratio": "0.9",
        "in_at_least": "1000",
        "types": ["transfer"],
    }
    incoming = txn(1, "1000", direction="in", type="card")
    assert run(rule, txn(2, "950", at=timedelta(hours=1), type="transfer"), [incoming])
    assert run(rule, txn(2, "950", at=timedelta(hours=1), type="card"), [incoming]) is None
