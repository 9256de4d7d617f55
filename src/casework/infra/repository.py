"""The reads every feature's repository is built from.

Each feature keeps its queries in its own ``repository.py``; these are the shapes they
share: one row of the tenant's by id (another tenant's is as missing as one that does
not exist), a keyset page, an offset page with its total, and a batch of rows by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey, paginate
from casework.infra.tenancy import owned

T = TypeVar("T")


class Row(Protocol):
    id: str
    tenant_id: str


R = TypeVar("R", bound=Row)


def get(session: Session, model: type[R], row_id: str, *, tenant_id: str, what: str) -> R:
    """The tenant's ``model`` row ``row_id``, or NotFound ("<what> <id> not found")."""
    row = owned(session, model, row_id, tenant_id=tenant_id)
    if row is None:
        raise NotFound(f"{what} {row_id} not found")
    return row


def by_ids(
    session: Session,
    model: type[R],
    ids: Iterable[str],
    *,
    tenant_id: str,
    options: Sequence[Any] = (),
) -> list[R]:
    """The tenant's rows with these ids, in the order asked; ids of nothing, or of
    another tenant's rows, are left out, and an id asked twice gives its row once."""
    wanted = list(dict.fromkeys(ids))
    found = by_id(session, model, wanted, tenant_id=tenant_id, options=options)
    return [found[i] for i in wanted if i in found]


def by_id(
    session: Session,
    model: type[R],
    ids: Iterable[str],
    *,
    tenant_id: str,
    options: Sequence[Any] = (),
) -> dict[str, R]:
    """The tenant's rows with these ids, by id, in one query (none for no ids)."""
    wanted = set(ids)
    if not wanted:
        return {}
    columns: Any = model  # the mapped class: its attributes are columns, not values
    stmt = select(model).where(columns.tenant_id == tenant_id, columns.id.in_(wanted))
    return {row.id: row for row in session.scalars(stmt.options(*options)).unique()}


def keyset_page(
    session: Session,
    stmt: Select[T],
    *,
    key: SortKey,
    cursor: str | None,
    limit: int,
    value_of: Callable[[T], Any] | None = None,
) -> tuple[Sequence[T], str | None]:
    """One page of ``stmt`` after ``cursor`` in ``key``'s order, and the next cursor;
    ``value_of(row)`` gives a row's sort value when ``key`` sorts by a column."""
    return paginate(stmt, key=key, cursor=cursor, limit=limit, session=session, value_of=value_of)


@dataclass(frozen=True)
class OffsetPage(Generic[T]):
    items: list[T]
    total: int


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` gives (its order, if any, dropped)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def rows(
    session: Session,
    stmt: Select[T],
    *,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
    options: Sequence[Any] = (),
) -> list[T]:
    """Rows ``offset`` to ``offset + limit`` of ``stmt`` in this order, loaded with
    ``options``."""
    stmt = stmt.options(*options).order_by(*order_by).offset(offset).limit(limit)
    return list(session.scalars(stmt).unique())


def offset_page(
    session: Session,
    stmt: Select[T],
    *,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
    options: Sequence[Any] = (),
) -> OffsetPage[T]:
    """A page by position and how many rows there are in all, for APIs that number
    pages and show a total; ``options`` load the page's rows, not the count."""
    total = count(session, stmt)
    items = rows(session, stmt, order_by=order_by, offset=offset, limit=limit, options=options)
    return OffsetPage(items=items, total=total)
