"""Cursor (keyset) pagination: a page is ``{items, next_cursor}``.

A cursor is the opaque, url-safe encoding of the last row's sort value and id; the
next page starts strictly after it, so pages stay stable while rows are inserted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_

from casework.infra.errors import ValidationFailed
from casework.infra.strict import INT_MAX, INT_MIN, json_problem

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class SortKey:
    """Order by ``column`` then by ``id`` in the same direction; nulls (if any) last."""

    column: Any
    id_column: Any
    descending: bool
    encode: Any = None  # value -> JSON-safe
    decode: Any = None  # JSON-safe -> value
    # Only a nullable column gets the extra "IS NULL" sort term, which stops an index
    # on the sort column from serving the ORDER BY.
    nullable: bool = False

    def order_by(self) -> list[Any]:
        ident = self.id_column.desc() if self.descending else self.id_column.asc()
        if self.column is None:
            return [ident]
        col = self.column.desc() if self.descending else self.column.asc()
        return [self.column.is_(None).asc(), col, ident] if self.nullable else [col, ident]

    def after(self, cursor: str) -> ColumnElement[bool]:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
            value, last_id = raw["v"], raw["i"]
            # A cursor comes back from the client: only what cursor_for writes is taken.
            if not isinstance(last_id, str) or not _sort_value(value) or json_problem(raw):
                raise ValueError("not a cursor")
            if value is not None and self.decode is not None:
                value = self.decode(value)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationFailed.on("cursor", "is not a cursor this list produced") from exc
        beyond_id: ColumnElement[bool] = (
            self.id_column < last_id if self.descending else self.id_column > last_id
        )
        if self.column is None:
            return beyond_id
        if value is None:
            return and_(self.column.is_(None), beyond_id)
        beyond = self.column < value if self.descending else self.column > value
        following: ColumnElement[bool] = or_(beyond, and_(self.column == value, beyond_id))
        if self.nullable:
            following = or_(following, self.column.is_(None))
        return following

    def cursor_for(self, value: Any, row_id: str) -> str:
        if value is not None and self.encode is not None:
            value = self.encode(value)
        raw = json.dumps({"v": value, "i": row_id}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _sort_value(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return INT_MIN <= value <= INT_MAX
    return isinstance(value, float)


def paginate(
    stmt: Select[Any],
    *,
    key: SortKey,
    cursor: str | None,
    limit: int,
    session: Any,
    value_of: Any,
) -> tuple[Sequence[Any], str | None]:
    """Run ``stmt`` for one page; ``value_of(row)`` gives the row's sort value."""
    if cursor:
        stmt = stmt.where(key.after(cursor))
    rows = list(session.scalars(stmt.order_by(*key.order_by()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, key.cursor_for(value_of(last) if key.column is not None else None, last.id)


PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page (at most 200).")]
CursorParam = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` from the previous page.")
]
