"""Strict input: what the API accepts as a number, a boolean and a piece of text.

- In a JSON body an integer is a JSON integer and a boolean a JSON boolean: ``false`` is
  not 0, ``1.0`` is not 1 and ``"5"`` is not 5. Request models derive from
  ``StrictModel``, which makes every int, bool and float it declares strict.
- Query strings, path segments and form fields are text by nature: there an integer is
  written in digits, a boolean as ``true`` or ``false``, a number in decimal notation
  (``text_problem`` and ``scalar_text_problem``).
- Text never carries NUL (PostgreSQL cannot store it) or an unpaired surrogate (not
  Unicode at all), and a JSON document nests at most ``MAX_JSON_DEPTH`` levels
  (``json_problem``). The route class applies these checks to every request before
  its handler runs (casework.infra.routing).
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AwareDatetime,
    BaseModel,
    FutureDate,
    GetCoreSchemaHandler,
    NaiveDatetime,
    PastDate,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError

MAX_JSON_DEPTH = 32
# Every integer column is at most 64 bits wide on both databases.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

Loc = tuple[str | int, ...]
ScalarKind = Literal["int", "bool", "number", "moment"]

_HOSTILE = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must not contain unpaired surrogates (it is not valid Unicode)"
DEPTH_MESSAGE = f"nests JSON more than {MAX_JSON_DEPTH} levels deep"
FINITE_MESSAGE = "must be a finite number"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    found = _HOSTILE.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def printable(value: str) -> str:
    """``value`` with NUL and surrogates escaped, fit to name a field in an answer."""
    return _HOSTILE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _find(value: Any, depth: int) -> tuple[list[str | int], str] | None:
    """The first problem inside a parsed JSON value, its location reversed. Recursion
    stops at the depth limit, so it stays shallow."""
    kind = type(value)
    if kind is str:
        problem = text_problem(value)
        return ([], problem) if problem else None
    if kind is float or kind is Decimal:
        return None if math.isfinite(value) else ([], FINITE_MESSAGE)
    if kind is dict:
        items: Any = value.items()
    elif kind is list:
        items = enumerate(value)
    else:
        return None
    if depth > MAX_JSON_DEPTH:
        return [], DEPTH_MESSAGE
    for key, item in items:
        if type(key) is str and (problem := text_problem(key)):
            return [printable(key)], problem
        if type(item) in (int, bool) or item is None:
            continue
        found = _find(item, depth + 1)
        if found is not None:
            found[0].append(printable(key) if type(key) is str else key)
            return found
    return None


def _shape_fine(value: Any, depth: int) -> bool:
    """Whether a container nests within the limit and holds only finite numbers: the
    checks of ``_find`` that do not look into text, at a fraction of its cost."""
    if depth > MAX_JSON_DEPTH:
        return False
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is dict or kind is list:
            if not _shape_fine(item, depth + 1):
                return False
        elif (kind is float or kind is Decimal) and not math.isfinite(item):
            return False
    return True


# In JSON text, NUL or a surrogate can only be written as a \u escape, or (read with
# surrogatepass, as json.loads reads bytes) as the UTF-8 form of a surrogate.
_HOSTILE_JSON_TEXT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]")


def json_problem(document: Any, text: bytes | None = None) -> tuple[Loc, str] | None:
    """The location and nature of the first thing in a parsed JSON document that no
    handler should see: text with NUL or unpaired surrogates (in values and keys), a
    NaN, an Infinity or a number too large for a double, or nesting deeper than
    ``MAX_JSON_DEPTH``. Given the ``text`` it was parsed from, its strings are only
    read when that text could have put such characters in them."""
    if (
        text is not None
        and type(document) in (dict, list)
        and _HOSTILE_JSON_TEXT.search(text) is None
        and _shape_fine(document, 1)
    ):
        return None
    found = _find(document, 1)
    if found is None:
        return None
    path, message = found
    return tuple(reversed(path)), message


_INT_TEXT = re.compile(r"^[+-]?[0-9]+$")
_NUMBER_TEXT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def scalar_text_problem(kind: ScalarKind, value: str) -> str | None:
    """Why ``value`` (from a query string, path or form) is not a ``kind`` written as
    text, or None."""
    text = value.strip()
    if kind == "int":
        if not _INT_TEXT.match(text):
            return "must be a whole number written in digits, such as 25"
        # (Length first: Python refuses to read integers of thousands of digits.)
        if len(text.lstrip("+-").lstrip("0")) > 19 or not INT_MIN <= int(text) <= INT_MAX:
            return f"must be between {INT_MIN} and {INT_MAX}"
        return None
    if kind == "bool":
        return None if text.lower() in {"true", "false"} else "must be true or false"
    if kind == "moment":
        # A date or time spelt as a number would be read as seconds since 1970.
        if _NUMBER_TEXT.match(text):
            return "must be an ISO 8601 date or date and time, such as 2026-01-31"
        return None
    if not _NUMBER_TEXT.match(text):
        return "must be a number written in decimal notation, such as 12.50"
    return None


_MOMENTS = (datetime, date, AwareDatetime, NaiveDatetime, PastDate, FutureDate)


def scalar_kind(annotation: Any) -> ScalarKind | None:
    """Whether a parameter's type is an int, a bool, a number or a date or time (also
    optional, or a list of them), which text must spell strictly."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return scalar_kind(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        kinds = {scalar_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        kinds.discard(None)
        return kinds.pop() if len(kinds) == 1 else None
    if annotation is bool:
        return "bool"
    if isinstance(annotation, type) and issubclass(annotation, int):
        # An int-valued enum is chosen by its value, like any enum.
        return None if hasattr(annotation, "__members__") else "int"
    if annotation in (float, Decimal):
        return "number"
    if annotation in _MOMENTS:
        return "moment"
    return None


# Keys of a core schema whose values are data or serialisation, not validation.
_NOT_SCHEMAS = frozenset({"default", "metadata", "expected", "members", "serialization", "cls"})


def _strict(schema: Any) -> Any:
    """A copy of a core schema with its ints, bools and floats strict, floats finite and
    ints within 64 bits unless they say otherwise."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: value if key in _NOT_SCHEMAS else _strict(value) for key, value in schema.items()}
    kind = out.get("type")
    # (A model's fields are keyed by name, so "type" may also name a field.)
    if not isinstance(kind, str) or kind not in {"int", "bool", "float"}:
        return out
    out["strict"] = True
    if kind == "float":
        out.setdefault("allow_inf_nan", False)
    if kind == "int":
        if "ge" not in out and "gt" not in out:
            out["ge"] = INT_MIN
        if "le" not in out and "lt" not in out:
            out["le"] = INT_MAX
    return out


class StrictModel(BaseModel):
    """The base of every request model: a JSON body's integers, booleans and numbers are
    taken only as JSON's own integers, booleans and numbers, and an object only as a
    JSON object."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler, /
    ) -> CoreSchema:
        schema: CoreSchema = _strict(handler(source))
        return schema

    @model_validator(mode="before")
    @classmethod
    def _not_a_number(cls, data: Any) -> Any:
        # Bodies carrying money read JSON numbers as Decimal, and FastAPI validates a
        # body from its attributes: a bare number would pass for an object with every
        # field left out, as the other JSON values do not.
        if isinstance(data, Decimal):
            raise PydanticCustomError("model_type", "Input should be an object")
        return data


def declared_prefix(model: Any, loc: Loc) -> Loc:
    """The part of ``loc`` (a path into a body of ``model``) that the model declares: a
    problem deep inside free-form JSON is reported against the field that holds it."""
    annotation: Any = model
    for index, part in enumerate(loc):
        annotation = _unwrap(annotation, part)
        if annotation is None:
            return loc[: max(index, 1)]
    return loc


def _unwrap(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, dict):  # a body of several embedded parameters
        return annotation.get(part)
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0], part)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _unwrap(arg, part)
            if found is not None:
                return found
        return None
    if isinstance(part, int):
        return get_args(annotation)[0] if origin in (list, tuple) and get_args(annotation) else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields: Mapping[str, Any] = annotation.model_fields
        for name, field in fields.items():
            if part in (name, field.alias):
                return field.annotation
    return None


def typed_text(annotation: Any, value: Any, loc: Loc = ()) -> tuple[Any, list[tuple[Loc, str]]]:
    """Form fields (text) as the JSON values a strict model takes: an integer, boolean or
    number written as text becomes one when it is spelt as one; a problem is named by
    its location. Values of other types, and text for other fields, are left as they
    are for the model to judge."""
    if isinstance(value, str):
        kind = scalar_kind(annotation)
        if kind is None or not value.strip():
            return value, []
        problem = scalar_text_problem(kind, value)
        if problem is not None:
            return value, [(loc, problem)]
        text = value.strip()
        if kind == "int":
            return int(text), []
        if kind == "bool":
            return text.lower() == "true", []
        if kind == "moment":  # ISO 8601 text is what the model reads a date or time from
            return value, []
        return Decimal(text), []
    problems: list[tuple[Loc, str]] = []
    if isinstance(value, dict):
        typed = {}
        for key, item in value.items():
            inner = _unwrap(annotation, key)
            typed[key], found = typed_text(inner, item, (*loc, key))
            problems.extend(found)
        return typed, problems
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            typed_item, found = typed_text(_unwrap(annotation, index), item, (*loc, index))
            items.append(typed_item)
            problems.extend(found)
        return items, problems
    return value, problems
