"""The OpenAPI description, with every error a route can answer in the shape it has.

Routes declare what they return when things go right. What can go wrong follows from
what a route takes: a route with parameters or a body can find them invalid; a body can
be unreadable (400), too large (413) or, where a route reads only some media types, of
another (415); a route that reads credentials can refuse them (401), the caller's role
(403) or, after too many refusals, the caller (429), and as it works on the tenant's
data, an id in its path or body can name nothing (404) and a change can conflict with
the state it finds (409); anything can fail unexpectedly (500).
One pass over the finished description adds those answers, in the error shape of the
route's family (problem+json on the native API, each dialect its vendor's shape), so no
route lists them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

from casework.infra.problems import PROBLEM, Problem
from casework.infra.strict import INT_MAX, INT_MIN

READS = frozenset({"GET", "HEAD", "OPTIONS"})
DESCRIPTIONS = {
    400: "The body cannot be read",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many failed authentications; retry after the Retry-After header's seconds",
    500: "Internal error (the body carries only a correlation id)",
}
# FastAPI's own validation answer, which no route gives: every family renders its own.
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


@dataclass(frozen=True)
class ErrorShape:
    """How a family of routes answers errors: the body's model and content type, and the
    status of a request that does not validate."""

    model: type[BaseModel]
    media_type: str = "application/json"
    invalid_status: int = 422
    # The status of a path id that does not validate, where it differs (a URL pattern
    # that an id does not fit names no object).
    invalid_path_status: int | None = None
    # The status of an Idempotency-Key reused with another request.
    reused_key_status: int = 422


PROBLEMS = ErrorShape(Problem, PROBLEM)


def error_shape(route: RouteContext) -> ErrorShape:
    return getattr(route.original_route, "error_shape", PROBLEMS)


def _api_routes(app: FastAPI) -> list[RouteContext]:
    return [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
    ]


def statuses(route: RouteContext, operation: dict[str, Any]) -> set[int]:
    """The error statuses ``route`` can answer."""
    shape = error_shape(route)
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    in_path = any(p["in"] == "path" for p in parameters)
    found = {500}
    if has_body:
        found |= {400, 413, shape.invalid_status}
        if getattr(route.original_route, "refuses_other_media", False):
            found.add(415)
    if any(p["in"] != "path" for p in parameters):
        found.add(shape.invalid_status)
    if any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in parameters):
        found.add(shape.reused_key_status)
    if in_path:
        found.add(shape.invalid_path_status or shape.invalid_status)
    if "security" in operation:
        found |= {401, 403, 429}
        # Ids in the path or the body may name nothing in the caller's tenant; a change
        # may not fit the state it finds.
        if in_path or has_body:
            found.add(404)
        if (route.methods or set()) - READS:
            found.add(409)
    elif "401" in operation["responses"]:  # a token endpoint: refuses credentials it is sent
        found.add(429)
    return found


def _document(route: RouteContext, operation: dict[str, Any]) -> None:
    shape = error_shape(route)
    responses: dict[str, Any] = operation["responses"]
    if shape.invalid_status != 422 and shape.invalid_path_status != 422:
        # FastAPI's own 422 for a route whose family answers invalid input otherwise.
        fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
        if fastapi_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
            del responses["422"]
    for status in sorted(statuses(route, operation)):
        answer = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
        content = answer.get("content", {})
        if _fastapi_validation(content):
            content = {}
        if content.get("application/json", {}) == _ref(Problem):
            # Declared with the Problem model, which FastAPI files under application/json.
            content[PROBLEM] = content.pop("application/json")
        if any(media.get("schema") for media in content.values()):
            continue
        if status == 500:  # rendered outside every route
            answer["content"] = {PROBLEM: _ref(Problem)}
            continue
        answer["content"] = {shape.media_type: _ref(shape.model)}
        if status == 413:  # refused by its Content-Length before any route runs
            answer["content"][PROBLEM] = _ref(Problem)
        if status == 429:
            answer["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again",
                    "schema": {"type": "integer", "minimum": 0},
                }
            }


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}


def _fastapi_validation(content: dict[str, Any]) -> bool:
    schema = content.get("application/json", {}).get("schema", {})
    return bool(str(schema.get("$ref", "")).endswith(_FASTAPI_SCHEMAS))


def _models(app: FastAPI) -> list[type[BaseModel]]:
    shapes = {error_shape(r) for r in _api_routes(app)}
    return [Problem, *(s.model for s in shapes if s.model is not Problem)]


def _stripping_models() -> dict[str, bool]:
    """Whether the models of each class name strip their text before checking it (None
    where models of one name disagree)."""
    found: dict[str, set[bool]] = {}
    stack: list[type[BaseModel]] = list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        strips = bool(model.model_config.get("str_strip_whitespace"))
        found.setdefault(model.__name__, set()).add(strips)
    return {name: flags == {True} for name, flags in found.items()}


# What the request guard refuses in any text, written as JSON Schema patterns: NUL. The
# guard also refuses unpaired surrogates, which are not Unicode text at all; a pattern
# naming them is one most regex engines (Rust's, ECMAScript's in unicode mode) refuse to
# compile, so it would make validators drop the whole pattern.
_HOSTILE_CLASS = r"\u0000"
TEXT = rf"^[^{_HOSTILE_CLASS}]*$"
NOT_BLANK = rf"^[^{_HOSTILE_CLASS}]*[^\s{_HOSTILE_CLASS}][^{_HOSTILE_CLASS}]*$"


def _text_that_must_not_be_blank(schema: dict[str, Any]) -> None:
    """A model that strips its text refuses text that is only whitespace where it needs
    some: say so with a pattern wherever a string needs at least one character."""
    for node in (schema, *schema.get("anyOf", ()), schema.get("items") or {}):
        if node.get("type") == "string" and node.get("minLength", 0) >= 1:
            node.setdefault("pattern", NOT_BLANK)


def _document_strict_text(node: Any, *, in_parameter: bool = False) -> None:
    """Say what the request guard refuses everywhere: text holding NUL (in values and in
    object keys alike), and an integer parameter beyond 64 bits. A pattern a model
    declares keeps its meaning; its negated classes also leave out the refused
    characters."""
    if isinstance(node, list):
        for item in node:
            _document_strict_text(item, in_parameter=in_parameter)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "string" and node.get("format") != "binary":
        pattern = node.get("pattern")
        if pattern is None:
            node["pattern"] = TEXT
        elif _HOSTILE_CLASS not in pattern:
            node["pattern"] = pattern.replace("[^", f"[^{_HOSTILE_CLASS}")
    elif kind == "object" or "properties" in node or "additionalProperties" in node:
        node.setdefault("propertyNames", {"pattern": TEXT})
    elif kind == "integer" and in_parameter:
        node.setdefault("minimum", INT_MIN)
        node.setdefault("maximum", INT_MAX)
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            # A mapping of names to schemas, not a schema itself.
            _document_strict_text(list(value.values()), in_parameter=in_parameter)
        elif key not in ("propertyNames", "example", "examples", "default", "enum", "const"):
            _document_strict_text(value, in_parameter=in_parameter)


def _document_guard(schema: dict[str, Any]) -> None:
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                _document_strict_text(parameter.get("schema"), in_parameter=True)
            _document_strict_text(operation.get("requestBody"))
    _document_strict_text(list(schema.get("components", {}).get("schemas", {}).values()))


def _document_stripping(components: dict[str, Any]) -> None:
    strips = _stripping_models()
    for name, component in components.items():
        if not strips.get(name.removesuffix("-Input"), False):
            continue
        for field in component.get("properties", {}).values():
            _text_that_must_not_be_blank(field)
            for item in field.get("anyOf", ()):
                _text_that_must_not_be_blank(item.get("items") or {})


def describe(app: FastAPI) -> dict[str, Any]:
    """The application's OpenAPI description with its error answers (cached, as FastAPI's)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for route in _api_routes(app):
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            _document(route, operation)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in _models(app):
        model_schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        for name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault(model.__name__, model_schema)
    _document_stripping(components)
    _document_guard(schema)
    if "/HTTPValidationError'" not in str(schema["paths"]):
        for name in _FASTAPI_SCHEMAS:
            components.pop(name, None)
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
