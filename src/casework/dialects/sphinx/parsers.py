"""Request bodies as Django REST framework reads them, which the Sphinx API is built on.

A body is JSON, a URL-encoded form or a multipart form; any other media type is refused
with 415 and DRF's words. A form's fields are read into the body the route declares, by
DRF's conventions for HTML input:

- a nested object's fields are prefixed with its name and a dot: ``customer.full_name``;
- a list of objects numbers its items: ``checks[0]check_type`` (or ``checks[0].check_type``);
- a list of scalars repeats its field (``document_ids=4&document_ids=7``) or numbers it
  (``document_ids[0]=4``);
- a free-form object (``input_details``) is JSON text, or dotted fields of text;
- integers and booleans are text, spelt as casework reads any form (``25``, ``true``); a
  blank one is a field left out, and any other blank field that may be null is null.

The form becomes the JSON document the route validates, so everything after (the request
guard, the body model, the errors' shape) is what a JSON body meets.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request, Response, params
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from casework.infra import guard
from casework.infra.routing import CommittingRoute
from casework.infra.strict import (
    DEPTH_MESSAGE,
    Loc,
    printable,
    scalar_kind,
    scalar_text_problem,
)

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_PART = re.compile(r"\[(\d+)\]\.?|\.")
# The error type Sphinx's renderer words as DRF does, for each kind of scalar.
_PARSE_ERRORS = {"int": "int_parsing", "bool": "bool_parsing", "number": "decimal_parsing"}

Tree = dict[str | int, Any]


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type() if content_type.strip() else ""


def is_json(kind: str) -> bool:
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def unsupported(content_type: str) -> HTTPException:
    return HTTPException(415, f'Unsupported media type "{printable(content_type)}" in request.')


def _path(key: str) -> list[str | int]:
    """``checks[0]check_type`` -> ["checks", 0, "check_type"]."""
    path: list[str | int] = []
    start = 0
    for found in _PART.finditer(key):
        if found.start() > start:
            path.append(key[start : found.start()])
        if found.group(1) is not None:
            path.append(int(found.group(1)))
        start = found.end()
    if start < len(key):
        path.append(key[start:])
    return path


def _tree(items: list[tuple[str, str]]) -> Tree:
    """The form's fields nested by their names; each leaf holds every value given."""
    root: Tree = {}
    for key, value in items:
        path = _path(key) or [key]
        node = root
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        leaf = node.get(path[-1])
        if isinstance(leaf, list):
            leaf.append(value)
        else:
            node[path[-1]] = [value]
    return root


def _unwrapped(annotation: Any) -> Any:
    """The type under ``Annotated`` and ``X | None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            inner = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(inner) != 1:
                return annotation
            annotation = inner[0]
        else:
            return annotation


def _nullable(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _nullable(get_args(annotation)[0])
    return origin in (Union, types.UnionType) and type(None) in get_args(annotation)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []

    def value(self, annotation: Any, node: Any, loc: Loc) -> Any:
        if isinstance(node, list) and node[-1] == "" and _nullable(annotation):
            return None  # DRF's reading of a blank field that may be null
        kind = _unwrapped(annotation)
        origin = get_origin(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return self._model(kind, node, loc)
        if origin is list:
            return self._list(get_args(kind)[0] if get_args(kind) else Any, node, loc)
        if origin is dict:
            return self._json(node, loc)
        if isinstance(node, dict):
            return self._text_tree(node)
        return self._scalar(kind, node[-1], loc)

    def _model(self, model: type[BaseModel], node: Any, loc: Loc) -> Any:
        if not isinstance(node, dict):
            return node[-1]  # text where an object belongs: the model says what is wrong
        fields = {f.alias or name: f.annotation for name, f in model.model_fields.items()}
        out: dict[str, Any] = {}
        for key, child in node.items():
            if not isinstance(key, str):
                continue
            if key not in fields:  # ignored by the model, as DRF ignores unknown fields
                continue
            read = self.value(fields[key], child, (*loc, key))
            if read is not _LEFT_OUT:
                out[key] = read
        return out

    def _list(self, item: Any, node: Any, loc: Loc) -> Any:
        if isinstance(node, dict):
            numbered = sorted(k for k in node if isinstance(k, int))
            return [self.value(item, node[i], (*loc, i)) for i in numbered]
        read = [self.value(item, [text], (*loc, i)) for i, text in enumerate(node)]
        return [value for value in read if value is not _LEFT_OUT]

    def _json(self, node: Any, loc: Loc) -> Any:
        if isinstance(node, dict):
            return self._text_tree(node)
        try:
            return json.loads(node[-1])
        except ValueError:
            message = "Value must be valid JSON."
        except RecursionError:
            message = f"Value {DEPTH_MESSAGE}."
        self.problems.append(
            {
                "type": "value_error",
                "loc": ("body", *loc),
                "msg": message,
                "input": node[-1],
                "ctx": {"error": message},
            }
        )
        return None

    def _text_tree(self, node: Tree) -> Any:
        """Dotted fields under a free-form object: text, last value given."""
        if node and all(isinstance(k, int) for k in node):
            return [
                self._text_tree(node[k]) if isinstance(node[k], dict) else node[k][-1]
                for k in sorted(node)
            ]
        return {
            str(k): self._text_tree(v) if isinstance(v, dict) else v[-1] for k, v in node.items()
        }

    def _scalar(self, annotation: Any, text: str, loc: Loc) -> Any:
        kind = scalar_kind(annotation)
        if kind is None or kind == "moment":
            return text
        if not text.strip():
            return _LEFT_OUT
        problem = scalar_text_problem(kind, text)
        if problem is not None:
            self.problems.append(
                {"type": _PARSE_ERRORS[kind], "loc": ("body", *loc), "msg": problem, "input": text}
            )
            return text
        if kind == "int":
            return int(text.strip())
        if kind == "bool":
            return text.strip().lower() == "true"
        return float(text.strip())


_LEFT_OUT = object()


def form_document(model: type[BaseModel], items: list[tuple[str, str]]) -> dict[str, Any]:
    """The form's fields as the JSON body ``model`` takes; a field whose text cannot be
    what the model needs is refused with its location."""
    reader = _Reader()
    document = reader.value(model, _tree(items), ())
    if reader.problems:
        raise RequestValidationError(reader.problems)
    return document if isinstance(document, dict) else {}


class DrfBodies(CommittingRoute):
    """Routes whose bodies are read as DRF reads them (see the module's notes)."""

    # Described in OpenAPI: a body of another media type is answered with 415.
    refuses_other_media = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        takes_form = any(isinstance(p.field_info, params.Form) for p in self.dependant.body_params)
        declared = guard.Inputs.of(self.dependant).body
        model = declared if isinstance(declared, type) and issubclass(declared, BaseModel) else None

        async def parsed(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            kind = media_type(content_type)
            if is_json(kind) or (takes_form and kind in FORM_TYPES):
                return await handler(request)
            body = await request.body()
            if not body:
                return await handler(_with_body(request, body))
            if takes_form or model is None or kind not in FORM_TYPES:
                raise unsupported(content_type)
            return await handler(await _as_json(request, model))

        return parsed


def _with_body(
    request: Request, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> Request:
    """A request for the route's handler, which reads ``body`` anew."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    # What the route keeps in the request's state (the caller) stays in the one scope.
    request.scope.setdefault("state", {})
    scope = request.scope if headers is None else {**request.scope, "headers": headers}
    return Request(scope, receive)


async def _as_json(request: Request, model: type[BaseModel]) -> Request:
    """The request with its form replaced by the JSON document it stands for."""
    form = await request.form()
    try:
        items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    finally:
        await form.close()
    document = json.dumps(form_document(model, items)).encode()
    headers = [
        (name, value)
        for name, value in request.scope["headers"]
        if name not in (b"content-type", b"content-length")
    ]
    headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(document))]
    return _with_body(request, document, headers)
