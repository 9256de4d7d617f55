"""FX reference rates: storing them, looking them up and converting amounts.

Every conversion crosses through the euro, the ECB's base: an amount in X is
``amount / rate(X) * rate(Y)`` in Y, each rate being the latest published on or before
the day asked for (a weekend or holiday takes the previous business day's rate).
Arithmetic is Decimal throughout; results are rounded half-even to the scale of the
column that keeps them.
"""

from __future__ import annotations

import bisect
import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.fx import repository
from casework.fx.ecb import Quote
from casework.infra.errors import ValidationFailed
from casework.infra.ids import new_id
from casework.infra.validation import decimal_number
from casework.models import FxRate
from casework.models.base import utcnow
from casework.models.fx import MAX_RATE, RATE_SCALE
from casework.models.transaction import AMOUNT_SCALE

BASE = "EUR"
ONE = Decimal(1)
AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
RATE_QUANTUM = Decimal(1).scaleb(-RATE_SCALE)
# Enough digits that a cross rate of two 10-place rates times a 20-digit amount is
# exact before the one final rounding.
_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Conversion:
    amount: Decimal
    rate: Decimal
    rate_date: date


class MissingRate(LookupError):
    def __init__(self, currency: str, on: date) -> None:
        super().__init__(f"no {currency} exchange rate on or before {on}")
        self.currency = currency
        self.on = on


@dataclass
class RateTable:
    """Rates of a few currencies over a period, in memory, for converting many amounts
    with the queries made once."""

    dates: dict[str, list[date]] = field(default_factory=dict)
    rates: dict[str, list[Decimal]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, session: Session, currencies: Iterable[str], *, first: date, last: date
    ) -> RateTable:
        """Every rate of ``currencies`` needed for days from ``first`` to ``last``: those
        in the period and, for each currency, the last one before it."""
        table = cls()
        wanted = sorted(set(currencies) - {BASE})
        if not wanted:
            return table
        starts = repository.last_dates_on_or_before(session, wanted, first)
        for currency in wanted:
            table.dates[currency], table.rates[currency] = [], []
        rows = repository.between(
            session, wanted, first=min(starts.values(), default=first), last=last
        )
        for currency, rate_date, rate in rows:
            if rate_date >= starts.get(currency, first):
                table.dates[currency].append(rate_date)
                table.rates[currency].append(rate)
        return table

    def rate(self, currency: str, on: date) -> tuple[Decimal, date]:
        if currency == BASE:
            return ONE, on
        dates = self.dates.get(currency, [])
        index = bisect.bisect_right(dates, on) - 1
        if index < 0:
            raise MissingRate(currency, on)
        return self.rates[currency][index], dates[index]

    def convert(self, amount: Decimal, currency: str, to: str, on: date) -> Conversion:
        if currency == to:
            return Conversion(amount=amount.quantize(AMOUNT_QUANTUM), rate=ONE, rate_date=on)
        from_rate, from_date = self.rate(currency, on)
        to_rate, to_date = self.rate(to, on)
        with decimal.localcontext(_CONTEXT):
            converted = (amount * to_rate / from_rate).quantize(AMOUNT_QUANTUM)
            rate = (to_rate / from_rate).quantize(RATE_QUANTUM)
        # The older of the two legs says how current the conversion is.
        return Conversion(amount=converted, rate=rate, rate_date=min(from_date, to_date))


def convert(session: Session, amount: Decimal, currency: str, to: str, on: date) -> Conversion:
    """``amount`` of ``currency`` in ``to``, at the latest rates on or before ``on``."""
    table = RateTable.load(session, {currency, to}, first=on, last=on)
    try:
        return table.convert(amount, currency, to, on)
    except MissingRate as exc:
        raise ValidationFailed.on("currency", f"{exc}; FX rates need importing") from None


@dataclass
class UpsertReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": self.changes,
        }


def upsert_rates(session: Session, quotes: Sequence[Quote], *, source: str) -> UpsertReport:
    """Insert new rates and update changed ones; an identical re-import changes nothing."""
    report = UpsertReport()
    if not quotes:
        return report
    existing = repository.stored(
        session,
        sorted({q.currency for q in quotes}),
        first=min(q.rate_date for q in quotes),
        last=max(q.rate_date for q in quotes),
    )
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    for quote in quotes:
        try:
            rate = decimal_number(quote.rate, places=RATE_SCALE, below=MAX_RATE)
        except ValueError as exc:
            raise ValidationFailed.on(f"rates.{quote.currency}", str(exc)) from None
        found = existing.get((quote.currency, quote.rate_date))
        if found is None:
            new_rows.append(
                {
                    "id": new_id(),
                    "currency": quote.currency,
                    "rate_date": quote.rate_date,
                    "rate": rate,
                    "source": source,
                    "imported_at": now,
                }
            )
        elif found[1] != rate:
            changed_rows.append({"row_id": found[0], "rate": rate, "source": source, "now": now})
            report.changes.append(
                {
                    "currency": quote.currency,
                    "rate_date": quote.rate_date.isoformat(),
                    "before": str(found[1]),
                    "after": str(rate),
                }
            )
        else:
            report.unchanged += 1
    if new_rows:
        session.execute(insert(FxRate), new_rows)
    if changed_rows:
        table = cast(Table, FxRate.__table__)
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                rate=bindparam("rate"), source=bindparam("source"), imported_at=bindparam("now")
            ),
            changed_rows,
        )
    report.inserted = len(new_rows)
    report.updated = len(changed_rows)
    return report


def put_rates(
    session: Session,
    *,
    actor: Principal,
    rate_date: date,
    rates: Mapping[str, Decimal],
    source: str,
) -> tuple[UpsertReport, list[FxRate]]:
    """Add or replace some currencies' rates for one day, on the actor's audit trail
    (the rates themselves are shared by every tenant)."""
    quotes = [Quote(code, rate_date, rate) for code, rate in sorted(rates.items())]
    report = upsert_rates(session, quotes, source=source)
    audit.record(
        session,
        actor=actor,
        action="fx_rates.updated",
        entity_type="fx_rates",
        entity_id=rate_date.isoformat(),
        after={"source": source, **report.as_dict()},
    )
    return report, repository.on_day(session, rate_date=rate_date, currencies=sorted(rates))
