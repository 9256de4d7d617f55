"""The request guard of every route (see casework.infra.routing.CommittingRoute).

It runs before any dependency or handler sees the request, so that nothing (not the
sign-in, not an Idempotency-Key lookup, not a fingerprint of the body) ever meets:

- NUL or an unpaired surrogate in the path, the query, a header, a form field, a file
  name, or a JSON string or key;
- a JSON body nested deeper than casework.infra.strict.MAX_JSON_DEPTH, or holding NaN or
  Infinity;
- an integer, boolean or number parameter of the query, path or a form that is not
  spelt as one (``1.0`` or ``true`` for an integer, ``1`` or ``yes`` for a boolean).

The JSON body and the form are checked where FastAPI reads them, so each is parsed
once; a refusal there is an HTTPException, the one kind FastAPI lets through its body
parsing, and the route turns it into a RequestValidationError naming the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope

from casework.infra.strict import (
    DEPTH_MESSAGE,
    NUL_MESSAGE,
    Loc,
    ScalarKind,
    declared_prefix,
    json_problem,
    printable,
    scalar_kind,
    scalar_text_problem,
    text_problem,
)

Problems = list[tuple[Loc, str]]


class Refused(HTTPException):
    def __init__(self, problems: Problems) -> None:
        super().__init__(status_code=422, detail="invalid input")
        self.problems = problems

    def validation_error(self) -> RequestValidationError:
        return RequestValidationError(
            [
                {"type": "value_error", "loc": loc, "msg": message, "input": None}
                for loc, message in self.problems
            ]
        )


@dataclass(frozen=True)
class Inputs:
    """What a route declares about its inputs, as far as the guard needs it."""

    path: dict[str, ScalarKind] = field(default_factory=dict)
    query: dict[str, ScalarKind] = field(default_factory=dict)
    form: dict[str, ScalarKind] = field(default_factory=dict)
    # The body's type, or {name: type} when the body embeds several parameters.
    body: Any = None
    exact_numbers: bool = False

    @classmethod
    def of(cls, dependant: Dependant, *, exact_numbers: bool = False) -> Inputs:
        path: dict[str, ScalarKind] = {}
        query: dict[str, ScalarKind] = {}
        form: dict[str, ScalarKind] = {}
        bodies: dict[str, Any] = {}
        embed = False
        pending = [dependant]
        while pending:
            current = pending.pop()
            pending.extend(current.dependencies)
            for source, target in ((current.path_params, path), (current.query_params, query)):
                for param in source:
                    _add_kinds(target, param.alias, param.field_info.annotation)
            for param in current.body_params:
                if isinstance(param.field_info, params.Form):
                    _add_kinds(form, param.alias, param.field_info.annotation)
                else:
                    bodies[param.alias] = param.field_info.annotation
                    embed = embed or bool(getattr(param.field_info, "embed", False))
        body: Any = bodies
        if len(bodies) == 1 and not embed:
            body = next(iter(bodies.values()))
        return cls(path=path, query=query, form=form, body=body, exact_numbers=exact_numbers)


def _add_kinds(target: dict[str, ScalarKind], alias: str, annotation: Any) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        # A model of query parameters or form fields: each field is a parameter.
        for name, model_field in annotation.model_fields.items():
            _add_kinds(target, model_field.alias or name, model_field.annotation)
        return
    kind = scalar_kind(annotation)
    if kind is not None:
        target[alias] = kind


def _text(loc: Loc, value: str, kind: ScalarKind | None, problems: Problems) -> None:
    problem = text_problem(value)
    if problem is None and kind is not None:
        problem = scalar_text_problem(kind, value)
    if problem is not None:
        problems.append((loc, problem))


def check_text(request: Request, inputs: Inputs) -> None:
    """Refuse hostile or loosely typed text in the path, the query and the headers."""
    problems: Problems = []
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _text(("path", name), value, inputs.path.get(name), problems)
    for name, value in request.query_params.multi_items():
        if problem := text_problem(name):
            problems.append((("query", printable(name)), problem))
            continue
        _text(("query", name), value, inputs.query.get(name), problems)
    for raw_name, raw_value in request.headers.raw:
        if b"\x00" in raw_value:
            problems.append((("header", raw_name.decode("latin-1")), NUL_MESSAGE))
    if problems:
        raise Refused(problems)


class GuardedRequest(Request):
    """A request whose JSON body and form are checked as they are read."""

    def __init__(self, scope: Scope, receive: Receive, *, inputs: Inputs) -> None:
        super().__init__(scope, receive)
        self.inputs = inputs

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                if self.inputs.exact_numbers:
                    # A float would lose digits; NaN and Infinity become Decimals too,
                    # so that the check below names them.
                    document = json.loads(body, parse_float=Decimal, parse_constant=Decimal)
                else:
                    document = json.loads(body)
            except RecursionError:
                raise Refused([(("body",), DEPTH_MESSAGE)]) from None
            found = json_problem(document, body)
            if found is not None:
                loc, message = found
                if message == DEPTH_MESSAGE:
                    loc = declared_prefix(self.inputs.body, loc)
                raise Refused([(("body", *loc), message)])
            self._json = document
        return self._json

    async def _get_form(self, **limits: Any) -> FormData:
        form = await super()._get_form(**limits)
        problems: Problems = []
        for name, value in form.multi_items():
            if problem := text_problem(name):
                problems.append((("body", printable(name)), problem))
            elif isinstance(value, UploadFile):
                if value.filename is not None and (problem := text_problem(value.filename)):
                    problems.append((("body", name), f"file name {problem}"))
            else:
                # A blank field is a field left out, as FastAPI reads forms.
                kind = self.inputs.form.get(name) if value else None
                _text(("body", name), value, kind, problems)
        if problems:
            await form.close()
            raise Refused(problems)
        return form
