"""Page-number pagination as DRF does it: ``{count, next, previous, results}``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from casework.infra import repository

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


def _positive(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if number > 0 else None


def page_size(request: Request) -> int:
    """``page_size`` from the query, capped; a missing or unusable one gives the default."""
    asked = _positive(request.query_params.get("page_size"))
    return min(asked, MAX_PAGE_SIZE) if asked else DEFAULT_PAGE_SIZE


def paged(
    session: Session,
    request: Request,
    stmt: Select[T],
    *,
    order_by: Sequence[Any],
    render: Callable[[Sequence[T]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """One page of ``stmt``; a page beyond the last (or not a number) is a 404."""
    size = page_size(request)
    raw = request.query_params.get("page")
    page = 1 if raw is None or raw == "last" else _positive(raw)
    count = repository.count(session, stmt)
    last = max(1, math.ceil(count / size))
    if raw == "last":
        page = last
    if page is None or page > last:
        raise HTTPException(404, "Invalid page.")
    rows = repository.rows(session, stmt, order_by=order_by, offset=(page - 1) * size, limit=size)
    previous: str | None = None
    if page > 1:
        url = request.url
        previous = str(
            url.remove_query_params("page")
            if page == 2
            else url.include_query_params(page=page - 1)
        )
    return {
        "count": count,
        "next": str(request.url.include_query_params(page=page + 1)) if page < last else None,
        "previous": previous,
        "results": render(rows),
    }
