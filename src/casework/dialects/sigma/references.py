"""Every invalid field of a Sigma request in one answer.

A body is checked in three steps: its shape (Sigma's schema), casework's rules for a
case (a due date in the future), then the users and documents it names (the assignee
holds ``case.assign``, each attachment exists). A client that fixes one field at a
time would need a round trip per step, so when an earlier step refuses the body the
users and documents it names are looked up as well, and the answer names them too.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from casework.auth.principal import Principal
from casework.cases import service as cases
from casework.dialects.sigma.schemas import sigma_field
from casework.infra.dependencies import get_database
from casework.infra.errors import FieldError, ValidationFailed
from casework.infra.routing import CommittingRoute

# Sigma's fields that name users or documents, as casework's case request calls them.
_USERS = {"assignedTo": "assignee_id", "escalateTo": "escalate_to"}
_MAX_ID, _MAX_ATTACHMENTS = 64, 50


def _an_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= _MAX_ID


def named(body: Mapping[str, Any]) -> dict[str, Any]:
    """The users and documents ``body`` names, in casework's terms; a reference that is
    not even written as one is left to the schema's answer."""
    found: dict[str, Any] = {
        native: body[field].strip() for field, native in _USERS.items() if _an_id(body.get(field))
    }
    attachments = body.get("attachments")
    if (
        isinstance(attachments, list)
        and 0 < len(attachments) <= _MAX_ATTACHMENTS
        and all(_an_id(a) for a in attachments)
    ):
        found["attachments"] = [a.strip() for a in attachments]
    return found


def problems(session: Session, principal: Principal, body: Mapping[str, Any]) -> list[FieldError]:
    """What is wrong with the users and documents ``body`` names, in Sigma's names."""
    try:
        cases.find_references(session, tenant_id=principal.tenant_id, **named(body))
    except ValidationFailed as exc:
        return [FieldError(sigma_field(e.field), e.message) for e in exc.errors]
    return []


def with_references(
    session: Session, principal: Principal, body: Mapping[str, Any], invalid: ValidationFailed
) -> ValidationFailed:
    """``invalid``, naming also the users and documents of ``body`` that do not fit."""
    named_already = {e.field for e in invalid.errors}
    more = [p for p in problems(session, principal, body) if p.field not in named_already]
    return ValidationFailed.of([*invalid.errors, *more]) if more else invalid


def _lookup(request: Request, principal: Principal, body: Mapping[str, Any]) -> list[FieldError]:
    with get_database(request).lookup() as session:
        return problems(session, principal, body)


class NamesEveryField(CommittingRoute):
    """A body refused for its shape also has the users and documents it names checked."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            try:
                answer: Response = await handler(request)
                return answer
            except RequestValidationError as exc:
                # Credentials were checked before the body; without them, nothing is looked up.
                principal = getattr(request.state, "principal", None)
                if not isinstance(principal, Principal) or not isinstance(exc.body, dict):
                    raise
                found = await run_in_threadpool(_lookup, request, principal, exc.body)
                named_already = {tuple(e.get("loc", ()))[1:2] for e in exc.errors()}
                more = [
                    {"type": "value_error", "loc": ("body", p.field), "msg": p.message}
                    for p in found
                    if (p.field,) not in named_already
                ]
                if not more:
                    raise
                raise RequestValidationError([*exc.errors(), *more], body=exc.body) from None

        return checked
