"""Customers' transaction histories, read for evaluation in a few statements.

A rule needs a window of history before each transaction (its longest velocity,
structuring or pass-through window), and two tests look further back: a dormant
account's last transaction and whether a counterparty was ever seen. Those are asked
for only where they can change an answer: for transactions large enough to trip the
test, and only when the window itself does not already answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from casework.infra.persist import in_chunks
from casework.rules import repository
from casework.rules.conditions import (
    AllOf,
    AnyOf,
    Condition,
    DormantReactivationTest,
    NewCounterpartyTest,
    PassThroughTest,
    StructuringTest,
    VelocityTest,
    _Test,
)
from casework.rules.evaluate import Txn


def tests_of(condition: Condition) -> Iterator[_Test]:
    if isinstance(condition, AllOf):
        for part in condition.all:
            yield from tests_of(part)
    elif isinstance(condition, AnyOf):
        for part in condition.any:
            yield from tests_of(part)
    else:
        yield condition


@dataclass(frozen=True)
class Needs:
    """What a set of conditions asks of history."""

    window: timedelta
    dormant_from: Decimal | None  # the smallest amount a dormancy test looks at
    counterparty_from: Decimal | None  # likewise for a new-counterparty test

    @classmethod
    def of(cls, conditions: Iterable[Condition]) -> Needs:
        window = timedelta(0)
        dormant: list[Decimal] = []
        counterparty: list[Decimal] = []
        for condition in conditions:
            for test in tests_of(condition):
                if isinstance(test, (VelocityTest, StructuringTest, PassThroughTest)):
                    window = max(window, test.window)
                elif isinstance(test, DormantReactivationTest):
                    dormant.append(test.at_least)
                elif isinstance(test, NewCounterpartyTest):
                    counterparty.append(test.at_least)
        return cls(window, min(dormant, default=None), min(counterparty, default=None))


def txn(row: Any) -> Txn:
    """A row of ``repository.EVALUATED_COLUMNS`` as rules see it (by position: histories
    are long)."""
    return Txn(row[0], row[2], row[3], row[4], row[5], row[6], row[7] or row[8], row[9])


def order(t: Txn) -> tuple[datetime, str]:
    return (t.occurred_at, t.id)


@dataclass
class Histories:
    """Per customer, the transactions evaluation may look at, in time order."""

    by_customer: dict[str, list[Txn]]
    since: datetime  # the window reaches back to this

    def amounts(self) -> dict[str, Decimal]:
        return {t.id: t.amount for ts in self.by_customer.values() for t in ts}


def load(
    session: Session,
    *,
    tenant_id: str,
    customers: Sequence[str],
    earliest: datetime,
    needs: Needs,
    until: datetime | None = None,
) -> Histories:
    """Every transaction of ``customers`` from ``earliest - needs.window`` (before
    ``until`` when given), in time order, without the deeper look-ups."""
    since = earliest - needs.window
    found: dict[str, list[Txn]] = defaultdict(list)
    for chunk in in_chunks(sorted(customers)):
        rows = repository.window(
            session, tenant_id=tenant_id, customers=chunk, since=since, until=until
        )
        for row in rows:
            found[row.customer_id].append(txn(row))
    for items in found.values():
        items.sort(key=order)
    return Histories(dict(found), since)


def deepen(
    session: Session,
    *,
    tenant_id: str,
    histories: Histories,
    evaluated: dict[str, list[Txn]],
    needs: Needs,
) -> None:
    """Add, before each customer's window, the older transactions the dormancy and
    new-counterparty tests need for the ``evaluated`` transactions (by customer)."""
    dormant: set[str] = set()
    counterparties: dict[str, set[str]] = defaultdict(set)
    for customer_id, items in evaluated.items():
        window = histories.by_customer.get(customer_id, [])
        first = window[0] if window else None
        for t in items:
            # As the dormancy test counts: strictly earlier in time.
            earlier_in_window = first is not None and first.occurred_at < t.occurred_at
            if (
                needs.dormant_from is not None
                and t.amount >= needs.dormant_from
                and not earlier_in_window
            ):
                dormant.add(customer_id)
            if (
                needs.counterparty_from is not None
                and t.counterparty
                and t.amount >= needs.counterparty_from
            ):
                seen = any(w.counterparty == t.counterparty for w in window if order(w) < order(t))
                if not seen:
                    counterparties[customer_id].add(t.counterparty)
    older: dict[str, dict[str, Txn]] = defaultdict(dict)
    for customer_id, last in _last_before(session, tenant_id, sorted(dormant), histories.since):
        older[customer_id][last.id] = last
    for customer_id, known in _seen_before(session, tenant_id, counterparties, histories.since):
        older[customer_id][known.id] = known
    for customer_id, extra in older.items():
        items = histories.by_customer.setdefault(customer_id, [])
        items[:0] = sorted(extra.values(), key=order)


def _last_before(
    session: Session, tenant_id: str, customers: list[str], since: datetime
) -> Iterator[tuple[str, Txn]]:
    """Each customer's last transaction before ``since``: the times from the index
    alone, then the rows at those times (a join lets SQLite scan the tenant instead)."""
    for chunk in in_chunks(customers):
        last = repository.last_times_before(
            session, tenant_id=tenant_id, customers=chunk, since=since
        )
        if not last:
            continue
        rows = repository.at_times(
            session,
            tenant_id=tenant_id,
            customers=sorted(last),
            times=sorted(set(last.values())),
        )
        latest: dict[str, Txn] = {}
        for row in rows:
            t = txn(row)
            if t.occurred_at != last[row.customer_id]:
                continue
            if row.customer_id not in latest or order(latest[row.customer_id]) < order(t):
                latest[row.customer_id] = t
        yield from latest.items()


def _seen_before(
    session: Session, tenant_id: str, wanted: dict[str, set[str]], since: datetime
) -> Iterator[tuple[str, Txn]]:
    """For each customer and counterparty in ``wanted``, one transaction with that
    counterparty before ``since``, if any."""
    customers = sorted(wanted)
    for chunk in in_chunks(customers):
        keys = sorted({key for c in chunk for key in wanted[c]})
        rows = repository.with_counterparties_before(
            session, tenant_id=tenant_id, customers=chunk, keys=keys, since=since
        )
        first: dict[tuple[str, str], Txn] = {}
        for row in rows:
            t = txn(row)
            if t.counterparty in wanted[row.customer_id]:
                first.setdefault((row.customer_id, t.counterparty or ""), t)
        for (customer_id, _), t in first.items():
            yield customer_id, t
