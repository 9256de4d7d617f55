from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from casework.auth.dependencies import Admin, ConfigReader
from casework.fx import repository, service
from casework.fx.schemas import FxRateOut, FxRatesPut, FxRatesPutResult
from casework.infra.dependencies import DbSession, ReadSession
from casework.infra.errors import ValidationFailed
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import ExactNumbersRoute
from casework.infra.validation import currency_code

# Rates are reference data shared by all tenants, like the watchlists: any reader may
# look them up; changing them is for administrators.
router = APIRouter(prefix="/v1/fx-rates", tags=["fx-rates"], route_class=ExactNumbersRoute)


@router.get("")
def list_fx_rates(
    session: ReadSession,
    _caller: ConfigReader,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    on: Annotated[
        date | None,
        Query(description="The rates in force on this day (latest on or before), one per currency"),
    ] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[FxRateOut]:
    if currency is not None:
        try:
            currency = currency_code(currency)
        except ValueError as exc:
            raise ValidationFailed.on("query.currency", str(exc)) from None
    if on is not None:
        rows = repository.latest(session, currency=currency, on=on)
        return Page[FxRateOut](items=[FxRateOut.of(r) for r in rows], next_cursor=None)
    page, next_cursor = repository.page(session, currency=currency, cursor=cursor, limit=limit)
    return Page[FxRateOut](items=[FxRateOut.of(r) for r in page], next_cursor=next_cursor)


@router.put("")
def put_fx_rates(body: FxRatesPut, session: DbSession, principal: Admin) -> FxRatesPutResult:
    """Add or replace the rates of some currencies for one day."""
    report, rows = service.put_rates(
        session, actor=principal, rate_date=body.rate_date, rates=body.rates, source=body.source
    )
    return FxRatesPutResult(
        rate_date=body.rate_date,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rates=[FxRateOut.of(r) for r in rows],
    )
