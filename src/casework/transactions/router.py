from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from casework.auth.dependencies import CustomerReader, CustomerWriter
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import ExactNumbersRoute
from casework.models.enums import Direction
from casework.models.transaction import AMOUNT_SCALE
from casework.transactions import service
from casework.transactions.schemas import (
    MAX_AMOUNT,
    BatchItem,
    BatchResult,
    TransactionBatch,
    TransactionIn,
    TransactionOut,
)

# Transactions are what customers did: the customer permissions cover them.
# Bounded like the amounts stored, so that a filter always compares with a stored value.
AmountFilter = Annotated[
    Decimal | None,
    Query(
        ge=0,
        lt=MAX_AMOUNT,
        decimal_places=AMOUNT_SCALE,
        description="In the default currency, inclusive",
    ),
]

router = APIRouter(prefix="/v1/transactions", tags=["transactions"], route_class=ExactNumbersRoute)


@router.post(
    "",
    status_code=201,
    response_model=TransactionOut,
    responses={200: {"model": TransactionOut, "description": "Already stored (same content)"}},
)
def create_transaction(
    body: TransactionIn,
    session: DbSession,
    principal: CustomerWriter,
    once: Idempotent,
) -> JSONResponse:
    def produce() -> tuple[TransactionOut, int]:
        transaction, created = service.create_transaction(session, actor=principal, data=body)
        currency = service.default_currency(session, actor=principal)
        return TransactionOut.of(transaction, default_currency=currency), 201 if created else 200

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
    )


@router.post(
    "/batch",
    status_code=201,
    response_model=BatchResult,
    responses={200: {"model": BatchResult, "description": "Every item was already stored"}},
)
def ingest_batch(
    body: TransactionBatch,
    session: DbSession,
    principal: CustomerWriter,
    once: Idempotent,
) -> JSONResponse:
    """Up to 10,000 transactions, all or nothing: any invalid item is a 422 (any
    conflicting one a 409) naming it as ``transactions[i].field``, and nothing is stored."""

    def produce() -> tuple[BatchResult, int]:
        result = service.ingest_batch(session, actor=principal, items=body.transactions)
        answer = BatchResult(
            batch_id=result.batch_id,
            inserted=result.inserted,
            duplicates=result.duplicates,
            # Built from values the service made, 10,000 at a time: nothing to validate.
            items=[
                BatchItem.model_construct(
                    index=o.index, id=o.id, external_id=o.external_id, duplicate=o.duplicate
                )
                for o in result.outcomes
            ],
        )
        return answer, 201 if result.inserted else 200

    return once.respond(session, principal, produce, identity=body)


@router.get("")
def list_transactions(
    session: DbSession,
    principal: CustomerReader,
    customer_id: Annotated[str | None, Query(max_length=24)] = None,
    case_id: Annotated[
        str | None, Query(max_length=24, description="Transactions linked to this case")
    ] = None,
    direction: Direction | None = None,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    occurred_from: Annotated[AwareDatetime | None, Query(description="Inclusive")] = None,
    occurred_to: Annotated[AwareDatetime | None, Query(description="Exclusive")] = None,
    min_amount: AmountFilter = None,
    max_amount: AmountFilter = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[TransactionOut]:
    rows, next_cursor = service.list_transactions(
        session,
        actor=principal,
        customer_id=customer_id,
        case_id=case_id,
        direction=direction,
        currency=currency,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        min_amount=min_amount,
        max_amount=max_amount,
        cursor=cursor,
        limit=limit,
    )
    default = service.default_currency(session, actor=principal)
    return Page[TransactionOut](
        items=[TransactionOut.of(t, default_currency=default) for t in rows],
        next_cursor=next_cursor,
    )


@router.get("/{transaction_id}")
def get_transaction(
    transaction_id: str, session: DbSession, principal: CustomerReader
) -> TransactionOut:
    transaction = service.get_transaction(session, actor=principal, transaction_id=transaction_id)
    return TransactionOut.of(
        transaction, default_currency=service.default_currency(session, actor=principal)
    )
