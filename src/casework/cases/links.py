"""Transactions a new case is opened on, named by the caller."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from casework.infra.errors import ValidationFailed
from casework.models import CaseTransaction, Customer, Transaction
from casework.transactions import repository as transactions

FIELD = "transaction_ids"


def named_transactions(
    session: Session, *, tenant_id: str, refs: list[str], customer: Customer | None
) -> list[Transaction]:
    """The tenant's transactions ``refs`` name, by casework id or by external id, in
    order. Each must exist and belong to the case's customer."""
    if not refs:
        return []
    if len(set(refs)) != len(refs):
        raise ValidationFailed.on(FIELD, "names a transaction twice")
    if customer is None:
        raise ValidationFailed.on(FIELD, "transactions are linked to a case about a customer")
    found: dict[str, Transaction] = {}
    for stored in transactions.by_refs(session, tenant_id=tenant_id, refs=refs):
        found.setdefault(stored.id, stored)
        found.setdefault(stored.external_id, stored)
    picked: list[Transaction] = []
    for index, ref in enumerate(refs):
        row = found.get(ref)
        if row is None:
            raise ValidationFailed.on(f"{FIELD}[{index}]", f"no transaction {ref} in this tenant")
        if row.customer_id != customer.id:
            raise ValidationFailed.on(
                f"{FIELD}[{index}]", f"transaction {ref} belongs to another customer"
            )
        if row in picked:
            raise ValidationFailed.on(f"{FIELD}[{index}]", "names a transaction twice")
        picked.append(row)
    return picked


def links(case_id: str, tenant_id: str, rows: list[Transaction]) -> list[CaseTransaction]:
    return [
        CaseTransaction(case_id=case_id, transaction_id=row.id, tenant_id=tenant_id) for row in rows
    ]


def total(rows: list[Transaction]) -> Decimal | None:
    return sum((row.amount_in_default_currency for row in rows), Decimal(0)) if rows else None
