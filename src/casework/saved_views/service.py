"""Saved views: named case-queue queries that each user keeps for themselves.

A view is a personal setting, not part of any case's record, so saving or deleting
one writes no audit event. Every lookup is scoped to the user (and their tenant):
another user's view does not exist as far as this user can tell.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.models.workspace import SavedView
from casework.saved_views import repository

NAME_LIMIT = 100
QUERY_LIMIT = 2000


def _owner(actor: Principal) -> str:
    if actor.user_id is None:
        raise ValidationFailed.on("user", "saved views belong to a signed-in user")
    return actor.user_id


def list_views(session: Session, *, actor: Principal) -> list[SavedView]:
    return repository.views_of(session, tenant_id=actor.tenant_id, user_id=_owner(actor))


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed.on("name", "is required")
    if len(cleaned) > NAME_LIMIT:
        raise ValidationFailed.on("name", f"must be at most {NAME_LIMIT} characters")
    return cleaned


def save_view(session: Session, *, actor: Principal, name: str, query: str) -> SavedView:
    """Keep ``query`` (a queue query string without page position) under ``name``."""
    owner = _owner(actor)
    cleaned = _clean_name(name)
    if len(query) > QUERY_LIMIT:
        raise ValidationFailed.on("query", f"must be at most {QUERY_LIMIT} characters")
    taken = repository.view_named(session, user_id=owner, name=cleaned)
    if taken is not None:
        raise _name_taken(cleaned)
    view = SavedView(tenant_id=actor.tenant_id, user_id=owner, name=cleaned, query=query)
    session.add(view)
    try:
        session.flush()
    except IntegrityError as exc:
        # The same name saved at the same moment from another tab.
        raise _name_taken(cleaned) from exc
    return view


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"you already have a view named {name!r}",
        errors=[FieldError("name", "is already used by another of your views")],
    )


def get_view(session: Session, *, actor: Principal, view_id: str) -> SavedView:
    view = repository.view(
        session, tenant_id=actor.tenant_id, user_id=_owner(actor), view_id=view_id
    )
    if view is None:
        raise NotFound(f"saved view {view_id} not found")
    return view


def delete_view(session: Session, *, actor: Principal, view_id: str) -> SavedView:
    view = get_view(session, actor=actor, view_id=view_id)
    session.delete(view)
    session.flush()
    return view
