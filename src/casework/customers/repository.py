"""Customer queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from casework.infra import persist
from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.infra.substring import contains
from casework.models import Customer


def get(session: Session, *, tenant_id: str, customer_id: str) -> Customer:
    return base.get(session, Customer, customer_id, tenant_id=tenant_id, what="customer")


def of_tenant(tenant_id: str) -> Select[Customer]:
    return select(Customer).where(Customer.tenant_id == tenant_id)


def by_number(session: Session, *, tenant_id: str, number: int) -> Customer | None:
    """The tenant's customer with this integer id (the caller checks its range)."""
    return session.scalar(of_tenant(tenant_id).where(Customer.number == number))


def numbers(session: Session, ids: Collection[str]) -> dict[str, int]:
    """The integer id of each customer in ``ids``."""
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.number).where(Customer.id.in_(ids)))
    return {row.id: row.number for row in rows}


def names(session: Session, *, tenant_id: str, ids: Collection[str]) -> dict[str, str]:
    """The full name of each of the tenant's customers in ``ids``."""
    if not ids:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.full_name).where(
            Customer.tenant_id == tenant_id, Customer.id.in_(ids)
        )
    )
    return {row.id: row.full_name for row in rows}


def id_with_external_id(session: Session, *, tenant_id: str, external_id: str) -> str | None:
    return session.scalar(
        select(Customer.id).where(
            Customer.tenant_id == tenant_id, Customer.external_id == external_id
        )
    )


def known_ids(session: Session, *, tenant_id: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are the tenant's customers."""
    found: set[str] = set()
    for chunk in persist.in_chunks(ids):
        found.update(
            session.scalars(
                select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.id.in_(chunk))
            )
        )
    return found


def ids_by_external_id(
    session: Session, *, tenant_id: str, external_ids: Sequence[str]
) -> dict[str, str]:
    """The id of the tenant's customer with each of ``external_ids`` that one has."""
    found: dict[str, str] = {}
    for chunk in persist.in_chunks(external_ids):
        for customer_id, external_id in session.execute(
            select(Customer.id, Customer.external_id).where(
                Customer.tenant_id == tenant_id, Customer.external_id.in_(chunk)
            )
        ):
            found[str(external_id)] = customer_id
    return found


def ids_named(tenant_id: str, q: str) -> Select[str]:
    """The ids of the tenant's customers whose name contains ``q`` (a subquery)."""
    return select(Customer.id).where(
        Customer.tenant_id == tenant_id,
        contains(q, Customer.full_name, Customer.full_name_en),
    )


def ids_known_as(tenant_id: str, text: str) -> Select[str]:
    """The ids of the tenant's customers ``text`` names: by id, by external id, or by
    part of their name (a subquery)."""
    return select(Customer.id).where(
        Customer.tenant_id == tenant_id,
        or_(
            Customer.id == text,
            Customer.external_id == text,
            contains(text, Customer.full_name, Customer.full_name_en),
        ),
    )


def page(
    session: Session,
    *,
    tenant_id: str,
    q: str | None,
    external_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Customer], str | None]:
    """The tenant's customers, newest first."""
    stmt = of_tenant(tenant_id)
    if external_id:
        stmt = stmt.where(Customer.external_id == external_id)
    if q:
        stmt = stmt.where(contains(q, Customer.full_name, Customer.full_name_en))
    key = SortKey(column=None, id_column=Customer.id, descending=True)
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)
