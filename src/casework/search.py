"""Case-insensitive substring search that treats the user's text literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``; ``%`` and ``_`` in it are not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    pattern = f"%{escaped}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
