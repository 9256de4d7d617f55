"""Reading console forms: text fields, blanks, the /v1 body models, and clashes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Form
from pydantic import BaseModel, ValidationError

from casework.infra.errors import Conflict, FieldError, ValidationFailed
from casework.infra.field_paths import field_name
from casework.infra.strict import DEPTH_MESSAGE, json_problem, typed_text

Model = TypeVar("Model", bound=BaseModel)

FormText = Annotated[str, Form()]


def optional(value: str) -> str | None:
    """A form field left blank means "not given"."""
    value = value.strip()
    return value or None


def form_text(value: str, field: str, *, limit: int, required: bool = True) -> str | None:
    """A form's text, trimmed; an empty optional field is None."""
    text = value.strip()
    if not text:
        if required:
            raise ValidationFailed.on(field, "is required")
        return None
    if len(text) > limit:
        raise ValidationFailed.on(field, f"must be at most {limit} characters")
    return text


def required_text(value: str, field: str, *, limit: int) -> str:
    text = form_text(value, field, limit=limit)
    assert text is not None
    return text


def _message(error: Any) -> str:
    if error.get("type") == "missing":
        return "is required"
    return str(error.get("msg", "is invalid")).removeprefix("Value error, ")


def validated(model: type[Model], values: dict[str, Any]) -> Model:
    """``values`` read as ``model``; any problem is a 422 naming each field. A form is
    text, so its integers, booleans and numbers are read from their spelling first."""
    typed, problems = typed_text(model, values)
    if problems:
        errors = [FieldError(field_name(loc), message) for loc, message in problems]
        raise ValidationFailed(f"{errors[0].field}: {errors[0].message}", errors=errors)
    try:
        return model.model_validate(typed)
    except ValidationError as exc:
        errors = [
            FieldError(field_name(tuple(error.get("loc", ()))), _message(error))
            for error in exc.errors()
        ]
        first = errors[0] if errors else FieldError("form", "is invalid")
        raise ValidationFailed(f"{first.field}: {first.message}", errors=errors) from exc


def json_text(text: str, field: str, **options: Any) -> Any:
    """A textarea holding JSON, parsed and held to what a JSON body is held to."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise ValidationFailed.on(field, DEPTH_MESSAGE) from None
    except ValueError as exc:
        raise ValidationFailed.on(field, f"is not valid JSON ({exc})") from None
    found = json_problem(value)
    if found is not None:
        loc, message = found
        # Too deep is said of the whole textarea, anything else of where it is.
        where = field if message == DEPTH_MESSAGE else field_name((field, *loc))
        raise ValidationFailed.on(where, message)
    return value


@contextmanager
def conflict_on(field: str) -> Iterator[None]:
    """A clash with an existing row (a taken email or slug) is reported against ``field``."""
    try:
        yield
    except Conflict as exc:
        if exc.errors:
            raise
        raise Conflict(exc.detail, errors=[FieldError(field, exc.detail)]) from exc
