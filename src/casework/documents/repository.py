"""Document queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import Document


def get(session: Session, *, tenant_id: str, document_id: str) -> Document:
    return base.get(session, Document, document_id, tenant_id=tenant_id, what="document")


def of_tenant(tenant_id: str) -> Select[Document]:
    return select(Document).where(Document.tenant_id == tenant_id)


def by_id(session: Session, *, tenant_id: str, ids: Collection[str]) -> dict[str, Document]:
    """The tenant's documents with these ids, by id."""
    return base.by_id(session, Document, ids, tenant_id=tenant_id)


def known_ids(session: Session, *, tenant_id: str, ids: Collection[str]) -> set[str]:
    """Which of ``ids`` are the tenant's documents."""
    return set(
        session.scalars(
            select(Document.id).where(Document.tenant_id == tenant_id, Document.id.in_(ids))
        )
    )


def by_number(session: Session, *, tenant_id: str, number: int) -> Document | None:
    """The tenant's document with this integer id (the caller checks its range)."""
    return session.scalar(of_tenant(tenant_id).where(Document.number == number))


def ids_by_number(session: Session, *, tenant_id: str, numbers: Collection[int]) -> dict[int, str]:
    """The id of the tenant's document with each of ``numbers`` that one has."""
    if not numbers:
        return {}
    rows = session.execute(
        select(Document.number, Document.id).where(
            Document.tenant_id == tenant_id, Document.number.in_(numbers)
        )
    )
    return {row.number: row.id for row in rows}


def page(
    session: Session,
    *,
    tenant_id: str,
    customer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Document], str | None]:
    """The tenant's documents (of one customer, when given), newest first."""
    stmt = of_tenant(tenant_id)
    if customer_id:
        stmt = stmt.where(Document.customer_id == customer_id)
    key = SortKey(column=None, id_column=Document.id, descending=True)
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)


def stored_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` a document (of any tenant) keeps its bytes under."""
    if not keys:
        return set()
    return set(session.scalars(select(Document.storage_key).where(Document.storage_key.in_(keys))))
