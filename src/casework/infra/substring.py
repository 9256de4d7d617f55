"""Case-insensitive substring filters on columns, the user's text taken literally (a
name or title box), unlike the watchlist search of casework.screening."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``; ``%`` and ``_`` in it are not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    pattern = f"%{escaped}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
