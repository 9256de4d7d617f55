"""Errors in the shape of a Django REST Framework API.

Everything but validation is ``{"detail": "..."}``. Validation is a 400 keyed by field,
each field holding a list of messages; nested objects nest, a list of objects is a
list with one entry per item (``{}`` for the items without errors), errors about a
list of scalars (``document_ids``) are that field's flat list of messages, and
errors about the body as a whole go under ``non_field_errors``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import RootModel
from starlette.exceptions import HTTPException

from casework.auth.limits import TooManyAttempts
from casework.dialects.routing import DialectError
from casework.infra.errors import (
    DomainError,
    FieldError,
    IdempotencyMismatch,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)

NON_FIELD = "non_field_errors"
NOT_FOUND = "Not found."
NOT_PROVIDED = "Authentication credentials were not provided."
FORBIDDEN = "You do not have permission to perform this action."
CHALLENGE = 'Bearer realm="api"'

Path = tuple[str | int, ...]

# Native field names that Sphinx calls otherwise (first path element only).
_RENAMED = {"config": "case_config", "attachments": "document_ids"}
_RENAMED_IN_CHECKS = {"type": "check_type"}
_INDEXED = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


class SphinxError(RootModel[dict[str, Any]]):
    """``{"detail": "..."}``; for invalid input, the messages keyed by field and nested as
    the body is, with ``non_field_errors`` for the body as a whole."""


def detail(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": text}, status_code=status, headers=headers)


def not_authenticated(text: str = NOT_PROVIDED) -> JSONResponse:
    return detail(401, text, {"WWW-Authenticate": CHALLENGE})


def render(_request: Request, exc: DialectError) -> JSONResponse:
    """The route class's renderer: every error raised inside a Sphinx route."""
    if isinstance(exc, RequestValidationError):
        return _request_invalid(exc)
    if isinstance(exc, ValidationFailed):
        problems = [(sphinx_path(parse_field(e.field)), _sentence(e)) for e in exc.errors]
        return field_errors(problems or [((), exc.detail)])
    if isinstance(exc, NotAuthenticated):
        return not_authenticated(exc.detail)
    if isinstance(exc, NotFound):
        return detail(404, NOT_FOUND)
    if isinstance(exc, IdempotencyMismatch):
        return detail(422, exc.detail)
    if isinstance(exc, TooManyAttempts):
        # Django REST framework's words for a throttled request.
        return detail(
            429, f"Request was throttled. Expected available in {exc.retry_after} seconds."
        )
    if isinstance(exc, DomainError):
        return detail(exc.status, exc.detail)
    headers = dict(exc.headers) if isinstance(exc, HTTPException) and exc.headers else None
    return detail(exc.status_code, str(exc.detail), headers)


def _sentence(error: FieldError) -> str:
    """A service's message as a sentence, as the API's own messages are."""
    if error.field == "file" and error.message == "is empty":
        return "The submitted file is empty."
    text = error.message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def parse_field(field: str) -> Path:
    """``checks[0].document_ids[1]`` -> ("checks", 0, "document_ids", 1)."""
    path: list[str | int] = []
    for part in field.split("."):
        match = _INDEXED.match(part)
        if match is None:
            path.append(part)
            continue
        path.append(match.group(1))
        path.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(path)


def sphinx_path(path: Path) -> Path:
    """A native request path renamed to the Sphinx request's names."""
    if not path:
        return path
    head = path[0]
    renamed: list[str | int] = [_RENAMED.get(head, head) if isinstance(head, str) else head]
    rest = list(path[1:])
    if head == "checks" and len(rest) >= 2 and isinstance(rest[1], str):
        rest[1] = _RENAMED_IN_CHECKS.get(rest[1], rest[1])
    return (*renamed, *rest)


def _request_invalid(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return detail(400, "JSON parse error - the request body is not valid JSON.")
    # An id in the URL that is not an integer names no object, as in a URL pattern.
    if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors):
        return detail(404, NOT_FOUND)
    problems: list[tuple[Path, str]] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        path: Path = tuple(p for p in loc[1:] if isinstance(p, str | int))
        problems.append((path, message(err)))
    return field_errors(problems, exc.body)


def field_errors(problems: list[tuple[Path, str]], body: Any = None) -> JSONResponse:
    return JSONResponse(nest(problems, body), status_code=400)


def nest(problems: list[tuple[Path, str]], body: Any = None) -> dict[str, Any]:
    """The field-keyed tree of ``problems``, lists of objects padded to ``body``'s."""
    tree: dict[str | int, Any] = {}
    for path, text in problems:
        # A list of scalars reports its items' errors as the list field's own messages.
        trimmed = path[:-1] if path and isinstance(path[-1], int) else path
        keys: Path = trimmed if trimmed else (NON_FIELD,)
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        messages = node.setdefault(keys[-1], [])
        if isinstance(messages, list) and text not in messages:
            messages.append(text)
    finished = _finish(tree, body)
    assert isinstance(finished, dict)
    return finished


def _finish(node: Any, body: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        length = max(max(node) + 1, len(body) if isinstance(body, list) else 0)
        return [
            _finish(node.get(i, {}), body[i] if isinstance(body, list) and i < len(body) else None)
            for i in range(length)
        ]
    return {
        str(k): _finish(v, body.get(k) if isinstance(body, dict) else None) for k, v in node.items()
    }


def message(err: Any) -> str:
    """A pydantic error in the words such an API uses."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    given = err.get("input")
    loc = tuple(err.get("loc", ()))
    if kind == "missing" and len(loc) <= 1:
        return "No data provided"
    if kind == "missing":
        return "No file was submitted." if loc[-1:] == ("file",) else "This field is required."
    if given is None and kind not in {"value_error", "assertion_error"}:
        return "This field may not be null."
    if kind in {"enum", "literal_error"}:
        return f'"{given}" is not a valid choice.'
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "A valid integer is required."
    if kind in {"bool_type", "bool_parsing"}:
        return "Must be a valid boolean."
    if kind == "string_type":
        return "Not a valid string."
    if kind == "string_too_short":
        return "This field may not be blank."
    if kind == "string_too_long":
        return f"Ensure this field has no more than {ctx.get('max_length')} characters."
    if kind == "too_long":
        return f"Ensure this field has no more than {ctx.get('max_length')} elements."
    if kind == "greater_than_equal":
        return f"Ensure this value is greater than or equal to {ctx.get('ge')}."
    if kind == "less_than_equal":
        return f"Ensure this value is less than or equal to {ctx.get('le')}."
    if kind == "list_type":
        return f'Expected a list of items but got type "{type(given).__name__}".'
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"Invalid data. Expected a dictionary, but got {type(given).__name__}."
    if kind in {"value_error", "assertion_error"} and "error" in ctx:
        return str(ctx["error"])
    return str(err.get("msg", "Invalid value."))
