"""Schemas shared by several features."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from casework.models import User


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
