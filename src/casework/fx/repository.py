"""FX rate queries (the rates are shared by every tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import FxRate


def last_dates_on_or_before(
    session: Session, currencies: Sequence[str], day: date
) -> dict[str, date]:
    """Each currency's last rate date on or before ``day``, if it has one."""
    return dict(
        session.execute(
            select(FxRate.currency, func.max(FxRate.rate_date))
            .where(FxRate.currency.in_(currencies), FxRate.rate_date <= day)
            .group_by(FxRate.currency)
        ).all()
    )


def between(
    session: Session, currencies: Sequence[str], *, first: date, last: date
) -> list[Row[str, date, Decimal]]:
    """(currency, date, rate) of the currencies' rates from ``first`` to ``last``,
    by currency and date."""
    return list(
        session.execute(
            select(FxRate.currency, FxRate.rate_date, FxRate.rate)
            .where(
                FxRate.currency.in_(currencies),
                FxRate.rate_date >= first,
                FxRate.rate_date <= last,
            )
            .order_by(FxRate.currency, FxRate.rate_date)
        )
    )


def stored(
    session: Session, currencies: Sequence[str], *, first: date, last: date
) -> dict[tuple[str, date], tuple[str, Decimal]]:
    """(row id, rate) of the currencies' stored rates from ``first`` to ``last``, by
    (currency, date)."""
    return {
        (currency, rate_date): (row_id, rate)
        for row_id, currency, rate_date, rate in session.execute(
            select(FxRate.id, FxRate.currency, FxRate.rate_date, FxRate.rate).where(
                FxRate.currency.in_(currencies),
                FxRate.rate_date >= first,
                FxRate.rate_date <= last,
            )
        )
    }


def latest(session: Session, *, currency: str | None, on: date) -> list[FxRate]:
    """For each currency (or the one given), its latest rate on or before ``on``."""
    newest = select(FxRate.currency, func.max(FxRate.rate_date).label("rate_date")).where(
        FxRate.rate_date <= on
    )
    if currency:
        newest = newest.where(FxRate.currency == currency)
    sub = newest.group_by(FxRate.currency).subquery()
    stmt = (
        select(FxRate)
        .join(sub, (FxRate.currency == sub.c.currency) & (FxRate.rate_date == sub.c.rate_date))
        .order_by(FxRate.currency)
    )
    return list(session.scalars(stmt))


def page(
    session: Session, *, currency: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[FxRate], str | None]:
    """Rates (of one currency, when given), newest date first."""
    stmt = select(FxRate)
    if currency:
        stmt = stmt.where(FxRate.currency == currency)
    key = SortKey(
        column=FxRate.rate_date,
        id_column=FxRate.id,
        descending=True,
        encode=date.isoformat,
        decode=date.fromisoformat,
    )
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda r: r.rate_date
    )


def on_day(session: Session, *, rate_date: date, currencies: Sequence[str]) -> list[FxRate]:
    stmt = (
        select(FxRate)
        .where(FxRate.rate_date == rate_date, FxRate.currency.in_(currencies))
        .order_by(FxRate.currency)
    )
    return list(session.scalars(stmt))
