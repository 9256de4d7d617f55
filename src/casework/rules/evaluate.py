"""Evaluating a rule's condition on one transaction, given the customer's history.

Pure: the same transaction, history and country-risk view always give the same answer,
which is what lets a backtest replay the past exactly as the live path would have
seen it. Amounts are the tenant's default currency, compared as Decimals.

Windows are half-open and end at the transaction: a transaction exactly ``window``
before it is outside, one a microsecond later is inside. Thresholds are inclusive
("at least"); structuring counts amounts from ``threshold * (1 - below_by)``
(inclusive) up to ``threshold`` (exclusive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from casework.rules.conditions import (
    AllOf,
    AmountTest,
    AnyOf,
    Condition,
    DormantReactivationTest,
    HighRiskCountryTest,
    NewCounterpartyTest,
    PassThroughTest,
    RoundAmountTest,
    StructuringTest,
    VelocityTest,
    _Test,
)


class Txn(NamedTuple):
    """A transaction as rules see it (a tuple: histories hold many of them)."""

    id: str
    occurred_at: datetime
    amount: Decimal  # in the tenant's default currency
    direction: str  # "in" or "out"
    type: str | None = None
    channel: str | None = None
    counterparty: str | None = None  # the account, else the name
    counterparty_country: str | None = None  # ISO alpha-3


@dataclass(frozen=True)
class Hit:
    transactions: tuple[str, ...]  # the transactions that made it, the evaluated one last
    score: float  # 0.5 just at a threshold, up to 1.0
    reason: str


HighRisk = Callable[[str], bool]


Check = Callable[[Txn, Sequence[Txn], HighRisk], Hit | None]


def evaluate(
    condition: Condition, txn: Txn, history: Sequence[Txn], high_risk: HighRisk
) -> Hit | None:
    """Whether ``txn`` trips ``condition``. ``history`` holds the customer's earlier
    transactions in time order, reaching back at least ``lookback(condition)``."""
    return check_of(condition)(txn, history, high_risk)


def check_of(condition: Condition) -> Check:
    """``condition`` as one function, its structure walked once rather than for every
    transaction a rule sees."""
    if isinstance(condition, AllOf):
        every = [check_of(c) for c in condition.all]

        def all_of(txn: Txn, history: Sequence[Txn], high_risk: HighRisk) -> Hit | None:
            hits = []
            for check in every:
                hit = check(txn, history, high_risk)
                if hit is None:
                    return None
                hits.append(hit)
            return _merge(hits)

        return all_of
    if isinstance(condition, AnyOf):
        some = [check_of(c) for c in condition.any]

        def any_of(txn: Txn, history: Sequence[Txn], high_risk: HighRisk) -> Hit | None:
            found = [h for check in some if (h := check(txn, history, high_risk))]
            return max(found, key=lambda h: h.score) if found else None

        return any_of
    return _check_of_test(condition)


def _check_of_test(test: _Test) -> Check:
    if isinstance(test, PassThroughTest):
        return lambda txn, history, _r: _pass_through(test, txn, history)
    run = _TESTS[type(test)]
    if test.direction is None and test.types is None and test.channels is None:
        return lambda txn, history, high_risk: run(test, txn, history, high_risk)

    def narrowed(txn: Txn, history: Sequence[Txn], high_risk: HighRisk) -> Hit | None:
        return run(test, txn, history, high_risk) if _selected(test, txn) else None

    return narrowed


def lookback(condition: Condition) -> timedelta | None:
    """How far back the history must reach; None: all of it (a counterparty's first
    transaction, a dormant account's last activity)."""
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [
            lookback(c) for c in (condition.all if isinstance(condition, AllOf) else condition.any)
        ]
        return (
            None
            if None in parts
            else max((p for p in parts if p is not None), default=timedelta(0))
        )
    if isinstance(condition, (VelocityTest, StructuringTest, PassThroughTest)):
        return condition.window
    if isinstance(condition, (DormantReactivationTest, NewCounterpartyTest)):
        return None
    return timedelta(0)


def _amount(test: AmountTest, txn: Txn, _h: Sequence[Txn], _r: HighRisk) -> Hit | None:
    return _over(txn.amount, test.at_least, (txn.id,), f"amount {txn.amount} ≥ {test.at_least}")


def _high_risk(
    test: HighRiskCountryTest, txn: Txn, _h: Sequence[Txn], high_risk: HighRisk
) -> Hit | None:
    country = txn.counterparty_country
    if country and txn.amount >= test.at_least and high_risk(country):
        return Hit((txn.id,), 0.8, f"counterparty in high-risk {country}")
    return None


def _round(test: RoundAmountTest, txn: Txn, _h: Sequence[Txn], _r: HighRisk) -> Hit | None:
    if txn.amount >= test.at_least and txn.amount % test.multiple_of == 0:
        return Hit((txn.id,), 0.6, f"round amount {txn.amount}")
    return None


def _selected(test: _Test, txn: Txn) -> bool:
    return (test.direction is None or txn.direction == test.direction) and _kinds(test, txn)


def _kinds(test: _Test, txn: Txn) -> bool:
    return (test.types is None or txn.type in test.types) and (
        test.channels is None or txn.channel in test.channels
    )


def _within(history: Sequence[Txn], txn: Txn, window: timedelta) -> list[Txn]:
    start = txn.occurred_at - window
    return [t for t in history if start < t.occurred_at <= txn.occurred_at]


def _over(value: Decimal, threshold: Decimal, ids: tuple[str, ...], reason: str) -> Hit | None:
    if value < threshold:
        return None
    ratio = float(value / threshold) if threshold > 0 else 2.0
    return Hit(ids, round(min(1.0, 0.5 + 0.5 * (ratio - 1.0)), 4), reason)


def _velocity(test: VelocityTest, txn: Txn, history: Sequence[Txn], _r: HighRisk) -> Hit | None:
    window = [t for t in _within(history, txn, test.window) if _selected(test, t)] + [txn]
    ids = tuple(t.id for t in window)
    hits = []
    if test.count_at_least is not None:
        hit = _over(
            Decimal(len(window)),
            Decimal(test.count_at_least),
            ids,
            f"{len(window)} transactions in {test.window}",
        )
        if hit is None:
            return None
        hits.append(hit)
    if test.sum_at_least is not None:
        total = sum((t.amount for t in window), Decimal(0))
        hit = _over(total, test.sum_at_least, ids, f"{total} in {test.window}")
        if hit is None:
            return None
        hits.append(hit)
    return _merge(hits)


def _structuring(
    test: StructuringTest, txn: Txn, history: Sequence[Txn], _r: HighRisk
) -> Hit | None:
    low = test.threshold * (1 - test.below_by)

    def just_under(t: Txn) -> bool:
        return low <= t.amount < test.threshold

    if not just_under(txn):
        return None
    near = [t for t in _within(history, txn, test.window) if _selected(test, t) and just_under(t)]
    near.append(txn)
    if len(near) < test.count_at_least:
        return None
    return _over(
        Decimal(len(near)),
        Decimal(test.count_at_least),
        tuple(t.id for t in near),
        f"{len(near)} amounts just under {test.threshold} in {test.window}",
    )


def _pass_through(test: PassThroughTest, txn: Txn, history: Sequence[Txn]) -> Hit | None:
    if txn.direction != "out" or not _kinds(test, txn):
        return None
    window = [*_within(history, txn, test.window), txn]
    incoming = [t for t in window if t.direction == "in"]
    outgoing = [t for t in window if t.direction == "out"]
    came = sum((t.amount for t in incoming), Decimal(0))
    went = sum((t.amount for t in outgoing), Decimal(0))
    if came < test.in_at_least or came == 0 or went < came * test.ratio:
        return None
    ids = tuple(t.id for t in window if t.direction in ("in", "out"))
    return Hit(
        ids,
        round(min(1.0, float(went / came)), 4),
        f"{went} out after {came} in within {test.window}",
    )


def _dormant(
    test: DormantReactivationTest, txn: Txn, history: Sequence[Txn], _r: HighRisk
) -> Hit | None:
    earlier = [t for t in history if t.occurred_at < txn.occurred_at]
    if not earlier or txn.amount < test.at_least:
        return None  # a first transaction is not a reactivation
    quiet = txn.occurred_at - earlier[-1].occurred_at
    if quiet < timedelta(days=test.inactive_days):
        return None
    return Hit((earlier[-1].id, txn.id), 0.7, f"first transaction after {quiet.days} days")


def _new_counterparty(
    test: NewCounterpartyTest, txn: Txn, history: Sequence[Txn], _r: HighRisk
) -> Hit | None:
    if txn.counterparty is None or txn.amount < test.at_least:
        return None
    if any(t.counterparty == txn.counterparty for t in history):
        return None
    return _over(txn.amount, test.at_least, (txn.id,), f"first transaction with {txn.counterparty}")


_TESTS: dict[type[_Test], Callable[[Any, Txn, Sequence[Txn], HighRisk], Hit | None]] = {
    AmountTest: _amount,
    VelocityTest: _velocity,
    StructuringTest: _structuring,
    HighRiskCountryTest: _high_risk,
    RoundAmountTest: _round,
    DormantReactivationTest: _dormant,
    NewCounterpartyTest: _new_counterparty,
}


def _merge(hits: list[Hit]) -> Hit:
    ids: dict[str, None] = {}
    for hit in hits:
        ids.update(dict.fromkeys(hit.transactions))
    return Hit(tuple(ids), max(h.score for h in hits), "; ".join(h.reason for h in hits))
