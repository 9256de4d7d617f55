"""Ingesting transactions: one at a time or in batches, all through ``ingest``.

A batch is checked in Python against what a few queries return (its customers, the
external ids already stored, the FX rates of its period) and written with one
multi-row insert, so 10,000 transactions cost a handful of statements. An external id
re-sent with the same content is a duplicate, answered with the stored transaction;
with other content it is a conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.audit.chain import jsonable
from casework.auth.principal import Principal
from casework.customers import repository as customer_repository
from casework.fx.service import MissingRate, RateTable
from casework.infra import persist
from casework.infra.db import reads_before_writing
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.infra.ids import new_id
from casework.models import Tenant, Transaction
from casework.models.base import utcnow
from casework.models.enums import Direction
from casework.rules import service as rules
from casework.transactions import repository
from casework.transactions.schemas import MAX_AMOUNT, TransactionIn

T = TypeVar("T")


def content_hash(item: TransactionIn, customer_id: str) -> str:
    """What makes a re-sent transaction "the same": every field, with the customer
    resolved (by id or external id alike) and the time in UTC. Built as one flat list,
    as it is for every item of every batch."""
    body = [
        item.external_id,
        str(item.amount),
        item.currency,
        item.direction.value,
        item.type,
        item.channel,
        item.counterparty_name,
        item.counterparty_account,
        item.counterparty_bank,
        item.counterparty_country,
        item.metadata,
        customer_id,
        item.occurred_at.astimezone(UTC).isoformat(),
    ]
    return hashlib.sha256(
        # ``jsonable`` writes what orjson cannot: a Decimal read from a JSON number in metadata.
        orjson.dumps(body, default=jsonable, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()


@dataclass
class Outcome:
    """One item's fate: stored now, or already stored (``duplicate``)."""

    index: int
    id: str
    external_id: str
    duplicate: bool


@dataclass
class IngestResult:
    batch_id: str
    outcomes: list[Outcome] = field(default_factory=list)
    refused: list[tuple[int, FieldError]] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(not o.duplicate for o in self.outcomes)

    @property
    def duplicates(self) -> int:
        return sum(o.duplicate for o in self.outcomes)


def ingest(
    session: Session,
    *,
    actor: Principal,
    items: Sequence[TransactionIn],
    name: Callable[[int, str], str],
    skip_invalid: bool = False,
) -> IngestResult:
    """Store ``items`` for the actor's tenant.

    ``name(index, field)`` names an item's field in errors. All or nothing by default:
    any invalid item raises ValidationFailed (422), any conflicting one Conflict (409),
    each error naming its item. With ``skip_invalid`` those items are left out and
    listed in ``refused`` instead (the CSV import reports them by line).
    """
    with reads_before_writing(session) as reader:
        tenant = reader.get(Tenant, actor.tenant_id)
        if tenant is None:
            raise NotFound("tenant not found")
        prepared = _prepare(reader, tenant, items, name)
    result, rows, invalid = prepared.result, prepared.rows, prepared.invalid
    # A repeat of an item refused just now is refused with it, not counted as stored.
    inserted_ids = {row["id"] for _, row in rows} | {k[1] for k in prepared.stored.values()}
    for outcome in [o for o in result.outcomes if o.id not in inserted_ids]:
        result.outcomes.remove(outcome)
        invalid[outcome.index] = FieldError(
            name(outcome.index, "external_id"), "repeats an item refused earlier in this batch"
        )
    if not skip_invalid:
        if invalid:
            _raise(ValidationFailed, "invalid transactions", invalid)
        if prepared.conflicts:
            what = "external ids already stored with different content"
            _raise(Conflict, what, prepared.conflicts)
    result.refused = sorted({**invalid, **prepared.conflicts}.items())
    for index, row in rows:
        result.outcomes.append(Outcome(index, row["id"], row["external_id"], duplicate=False))
    result.outcomes.sort(key=lambda o: o.index)
    if rows:
        try:
            with session.begin_nested():
                persist.insert_rows(
                    session, cast(Table, Transaction.__table__), [row for _, row in rows]
                )
        except IntegrityError:
            raise Conflict(
                "another request changed what this batch refers to at the same moment (stored "
                "one of its external ids, or deleted a customer); send it again"
            ) from None
        rules.queue_evaluation(
            session, tenant_id=tenant.id, transaction_ids=[row["id"] for _, row in rows]
        )
    return result


@dataclass
class _Prepared:
    result: IngestResult  # with the duplicates found
    rows: list[tuple[int, dict[str, Any]]]  # index, row to insert
    invalid: dict[int, FieldError]
    conflicts: dict[int, FieldError]
    stored: dict[str, tuple[str, str]]  # external id -> (hash, id) of what was stored


def _prepare(
    session: Session,
    tenant: Tenant,
    items: Sequence[TransactionIn],
    name: Callable[[int, str], str],
) -> _Prepared:
    """Every item checked against what is stored, and the rows to insert."""
    invalid: dict[int, FieldError] = {}
    conflicts: dict[int, FieldError] = {}
    customers = _resolve_customers(session, tenant.id, items, name, invalid)

    stored = _stored(session, tenant.id, [i.external_id for i in items])
    result = IngestResult(batch_id=new_id())
    fresh: list[tuple[int, TransactionIn, str, str]] = []  # index, item, customer, hash
    pending: dict[str, tuple[str, str]] = {}  # external id -> (hash, new id) in this batch
    for index, item in enumerate(items):
        if index in invalid:
            continue
        digest = content_hash(item, customers[index])
        known = stored.get(item.external_id) or pending.get(item.external_id)
        if known is None:
            row_id = new_id()
            pending[item.external_id] = (digest, row_id)
            fresh.append((index, item, customers[index], digest))
        elif known[0] == digest:
            result.outcomes.append(Outcome(index, known[1], item.external_id, duplicate=True))
        else:
            where = "stored" if item.external_id in stored else "earlier in this batch"
            conflicts[index] = FieldError(
                name(index, "external_id"),
                f"{item.external_id!r} is {where} with different content",
            )

    rows = _rows(session, tenant, fresh, pending, name, invalid)
    return _Prepared(result, rows, invalid, conflicts, stored)


def _raise(
    error: type[ValidationFailed | Conflict], what: str, errors: dict[int, FieldError]
) -> None:
    listed = [errors[i] for i in sorted(errors)]
    raise error(f"{what}: {', '.join(e.field for e in listed[:10])}", errors=listed[:100])


def _resolve_customers(
    session: Session,
    tenant_id: str,
    items: Sequence[TransactionIn],
    name: Callable[[int, str], str],
    invalid: dict[int, FieldError],
) -> dict[int, str]:
    ids = sorted({i.customer_id for i in items if i.customer_id})
    external = sorted({i.customer_external_id for i in items if i.customer_external_id})
    known_ids = customer_repository.known_ids(session, tenant_id=tenant_id, ids=ids)
    by_external = customer_repository.ids_by_external_id(
        session, tenant_id=tenant_id, external_ids=external
    )
    resolved: dict[int, str] = {}
    for index, item in enumerate(items):
        if item.customer_id and item.customer_external_id:
            invalid[index] = FieldError(
                name(index, "customer_id"), "give customer_id or customer_external_id, not both"
            )
        elif item.customer_id:
            if item.customer_id in known_ids:
                resolved[index] = item.customer_id
            else:
                invalid[index] = FieldError(name(index, "customer_id"), "no such customer")
        elif item.customer_external_id:
            if item.customer_external_id in by_external:
                resolved[index] = by_external[item.customer_external_id]
            else:
                invalid[index] = FieldError(
                    name(index, "customer_external_id"), "no customer has this external id"
                )
        else:
            invalid[index] = FieldError(
                name(index, "customer_id"), "customer_id or customer_external_id is required"
            )
    return resolved


def _stored(
    session: Session, tenant_id: str, external_ids: list[str]
) -> dict[str, tuple[str, str]]:
    return repository.stored(session, tenant_id=tenant_id, external_ids=external_ids)


def _rows(
    session: Session,
    tenant: Tenant,
    fresh: list[tuple[int, TransactionIn, str, str]],
    pending: dict[str, tuple[str, str]],
    name: Callable[[int, str], str],
    invalid: dict[int, FieldError],
) -> list[tuple[int, dict[str, Any]]]:
    """The rows to insert, each converted to the tenant's currency at its day's rate."""
    if not fresh:
        return []
    days = [item.occurred_at.astimezone(UTC).date() for _, item, _, _ in fresh]
    rates = RateTable.load(
        session,
        {item.currency for _, item, _, _ in fresh} | {tenant.default_currency},
        first=min(days),
        last=max(days),
    )
    now = utcnow()
    rows: list[tuple[int, dict[str, Any]]] = []
    for (index, item, customer_id, digest), day in zip(fresh, days, strict=True):
        try:
            conversion = rates.convert(item.amount, item.currency, tenant.default_currency, day)
        except MissingRate as exc:
            invalid[index] = FieldError(name(index, "currency"), f"{exc}; FX rates need importing")
            continue
        if conversion.amount >= MAX_AMOUNT:
            invalid[index] = FieldError(
                name(index, "amount"), f"is too large once converted to {tenant.default_currency}"
            )
            continue
        row = {
            "id": pending[item.external_id][1],
            "tenant_id": tenant.id,
            "external_id": item.external_id,
            "customer_id": customer_id,
            "amount": item.amount,
            "currency": item.currency,
            "direction": item.direction.value,
            "type": item.type,
            "channel": item.channel,
            "counterparty_name": item.counterparty_name,
            "counterparty_account": item.counterparty_account,
            "counterparty_bank": item.counterparty_bank,
            "counterparty_country": item.counterparty_country,
            "occurred_at": item.occurred_at,
            "metadata": item.metadata,
            "amount_in_default_currency": conversion.amount,
            "fx_rate": conversion.rate,
            "fx_rate_date": conversion.rate_date,
            "content_hash": digest,
            "created_at": now,
        }
        rows.append((index, row))
    return rows


def _single(_index: int, field_name: str) -> str:
    return field_name


def _batch(index: int, field_name: str) -> str:
    return f"transactions[{index}].{field_name}"


def create_transaction(
    session: Session, *, actor: Principal, data: TransactionIn
) -> tuple[Transaction, bool]:
    """The stored transaction, and whether this call stored it (False: a duplicate)."""
    result = ingest(session, actor=actor, items=[data], name=_single)
    outcome = result.outcomes[0]
    transaction = get_transaction(session, actor=actor, transaction_id=outcome.id)
    if not outcome.duplicate:
        audit.record(
            session,
            actor=actor,
            action="transaction.created",
            entity_type="transaction",
            entity_id=transaction.id,
            after=snapshot(transaction),
        )
    return transaction, not outcome.duplicate


def ingest_batch(
    session: Session,
    *,
    actor: Principal,
    items: Sequence[TransactionIn],
    skip_invalid: bool = False,
    name: Callable[[int, str], str] = _batch,
) -> IngestResult:
    """A batch, with one audit event for the whole of it."""
    result = ingest(session, actor=actor, items=items, name=name, skip_invalid=skip_invalid)
    audit.record(
        session,
        actor=actor,
        action="transactions.ingested",
        entity_type="transaction_batch",
        entity_id=result.batch_id,
        after={
            "received": len(items),
            "inserted": result.inserted,
            "duplicates": result.duplicates,
            "refused": len(result.refused),
        },
    )
    return result


def snapshot(transaction: Transaction) -> dict[str, Any]:
    return {
        "external_id": transaction.external_id,
        "customer_id": transaction.customer_id,
        "amount": transaction.amount,
        "currency": transaction.currency,
        "direction": transaction.direction,
        "occurred_at": transaction.occurred_at,
        "amount_in_default_currency": transaction.amount_in_default_currency,
        "fx_rate": transaction.fx_rate,
        "fx_rate_date": transaction.fx_rate_date,
    }


def default_currency(session: Session, *, actor: Principal) -> str:
    tenant = session.get(Tenant, actor.tenant_id)
    return tenant.default_currency if tenant is not None else "EUR"


def get_transaction(session: Session, *, actor: Principal, transaction_id: str) -> Transaction:
    return repository.get(session, tenant_id=actor.tenant_id, transaction_id=transaction_id)


def list_transactions(
    session: Session,
    *,
    actor: Principal,
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
    return repository.page(
        session,
        tenant_id=actor.tenant_id,
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
