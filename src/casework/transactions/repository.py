"""Transaction queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from casework.infra import persist
from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import CaseTransaction, Transaction
from casework.models.enums import Direction


def get(session: Session, *, tenant_id: str, transaction_id: str) -> Transaction:
    return base.get(session, Transaction, transaction_id, tenant_id=tenant_id, what="transaction")


def by_refs(session: Session, *, tenant_id: str, refs: Sequence[str]) -> list[Transaction]:
    """The tenant's transactions whose id or external id is one of ``refs``."""
    return list(
        session.scalars(
            select(Transaction).where(
                Transaction.tenant_id == tenant_id,
                or_(Transaction.id.in_(refs), Transaction.external_id.in_(refs)),
            )
        )
    )


def stored(
    session: Session, *, tenant_id: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """(content hash, id) of the tenant's stored transaction with each external id."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in persist.in_chunks(sorted(set(external_ids))):
        for external_id, digest, row_id in session.execute(
            select(Transaction.external_id, Transaction.content_hash, Transaction.id).where(
                Transaction.tenant_id == tenant_id, Transaction.external_id.in_(chunk)
            )
        ):
            found[external_id] = (digest, row_id)
    return found


def linked_to_case(
    session: Session, *, tenant_id: str, case_id: str, limit: int
) -> list[Transaction]:
    """The transactions a case was opened on or gathered, newest first."""
    return list(
        session.scalars(
            select(Transaction)
            .join(
                CaseTransaction,
                and_(
                    CaseTransaction.transaction_id == Transaction.id,
                    CaseTransaction.case_id == case_id,
                ),
            )
            .where(Transaction.tenant_id == tenant_id, CaseTransaction.tenant_id == tenant_id)
            .order_by(Transaction.occurred_at.desc(), Transaction.id)
            .limit(limit)
        )
    )


def linked_ids(session: Session, *, tenant_id: str, case_id: str) -> list[str]:
    """The ids of every transaction linked to a case, in id order."""
    stmt = (
        select(CaseTransaction.transaction_id)
        .where(CaseTransaction.tenant_id == tenant_id, CaseTransaction.case_id == case_id)
        .order_by(CaseTransaction.transaction_id)
    )
    return list(session.scalars(stmt))


def external_ids(session: Session, *, tenant_id: str, ids: Sequence[str]) -> dict[str, str]:
    """The external id of each of the tenant's transactions among ``ids``, by id."""
    found: dict[str, str] = {}
    for chunk in persist.in_chunks(sorted(set(ids))):
        stmt = select(Transaction.id, Transaction.external_id).where(
            Transaction.tenant_id == tenant_id, Transaction.id.in_(chunk)
        )
        found.update((row.id, row.external_id) for row in session.execute(stmt))
    return found


def page(
    session: Session,
    *,
    tenant_id: str,
    customer_id: str | None = None,
    case_id: str | None = None,
    direction: Direction | None = None,
    currency: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Transaction], str | None]:
    """Newest first; amounts are in the tenant's default currency, times inclusive
    from and exclusive to."""
    stmt = select(Transaction).where(Transaction.tenant_id == tenant_id)
    if customer_id:
        stmt = stmt.where(Transaction.customer_id == customer_id)
    if case_id:
        linked = select(CaseTransaction.transaction_id).where(CaseTransaction.case_id == case_id)
        stmt = stmt.where(Transaction.id.in_(linked))
    if direction:
        stmt = stmt.where(Transaction.direction == direction)
    if currency:
        stmt = stmt.where(Transaction.currency == currency.upper())
    if occurred_from:
        stmt = stmt.where(Transaction.occurred_at >= occurred_from)
    if occurred_to:
        stmt = stmt.where(Transaction.occurred_at < occurred_to)
    if min_amount is not None:
        stmt = stmt.where(Transaction.amount_in_default_currency >= min_amount)
    if max_amount is not None:
        stmt = stmt.where(Transaction.amount_in_default_currency <= max_amount)
    key = SortKey(
        column=Transaction.occurred_at,
        id_column=Transaction.id,
        descending=True,
        encode=datetime.isoformat,
        decode=datetime.fromisoformat,
    )
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda t: t.occurred_at
    )
