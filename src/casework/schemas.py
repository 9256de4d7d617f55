"""Schemas shared by several features."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

from casework.models import User


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


class UserRef(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str

    @classmethod
    def of(cls, user: User | None) -> UserRef | None:
        if user is None:
            return None
        return cls(
            id=user.id, first_name=user.first_name, last_name=user.last_name, email=user.email
        )


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(json_schema_extra={"description": "application/problem+json"})

    type: str
    title: str
    status: int
    detail: str
    correlation_id: str
    errors: list[FieldProblem] = []
