"""Where a validation error is: pydantic's location tuple written as the field path
people read, ``owners[2].name``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Where in a request FastAPI says a parameter came from: the first part of its location.
SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form"})


def field_path(loc: Iterable[Any], *, indexed: bool = True, empty: str = "") -> str:
    """The parts joined by dots; with ``indexed``, a list position follows its list in
    brackets (``owners[2]``) instead of as a part of its own (``owners.2``). ``empty``
    names a location with no parts (the whole document)."""
    out: list[str] = []
    for part in loc:
        if indexed and isinstance(part, int) and out:
            out[-1] = f"{out[-1]}[{part}]"
        else:
            out.append(str(part))
    return ".".join(out) or empty


def split_source(loc: Sequence[Any]) -> tuple[str | None, tuple[Any, ...]]:
    """A request error's source (``body``, ``query``, ...), if it names one, and the
    location within it."""
    if loc and loc[0] in SOURCES:
        return str(loc[0]), tuple(loc[1:])
    return None, tuple(loc)


def field_name(loc: Sequence[Any]) -> str:
    """A request error's field without its source, list positions in brackets;
    ``body`` for the request as a whole."""
    return field_path(split_source(loc)[1], empty="body")


def invalid_json(error: Mapping[str, Any]) -> str:
    """What a JSON syntax error (FastAPI's ``json_invalid``) says: where it is, counted in
    characters from the start of the body as Python's parser counts them (from 0), and
    what the parser expected there. Its location ends with that offset, no field name."""
    loc = tuple(error.get("loc", ()))
    where = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
    reason = str((error.get("ctx") or {}).get("error", "")).strip()
    return f"invalid JSON{where}" + (f": {reason[:1].lower()}{reason[1:]}" if reason else "")
