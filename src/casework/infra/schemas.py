"""JSON Schema adjustments that several features' request models share."""

from __future__ import annotations

from pydantic.config import JsonDict


def not_null(schema: JsonDict) -> None:
    """A field's JSON Schema without null, for a field that may be left out (and is then
    kept as it is) but is refused when given as null."""
    any_of = schema.pop("anyOf", None)
    if isinstance(any_of, list):
        branches = [b for b in any_of if not (isinstance(b, dict) and b.get("type") == "null")]
        if len(branches) == 1 and isinstance(branches[0], dict):
            schema.update(branches[0])
        else:
            schema["anyOf"] = branches
    schema.pop("default", None)
