"""Console pages: ad-hoc screening against the watchlists, and the watchlists themselves.

Screening only reads (nothing is recorded), so its form is a GET: a search can be
bookmarked, shared and revisited with the back button. Watchlists are shared by every
tenant except those that belong to one: another tenant's list is not found here.
"""

from __future__ import annotations

import re
from math import ceil
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from casework.auth.permissions import Permission
from casework.config import Settings
from casework.console.routing import ConsoleRoute
from casework.console.templating import render
from casework.console.web import Viewer, allowed
from casework.infra.dependencies import AppSettings, ReadSession
from casework.infra.errors import FieldError, NotFound, ValidationFailed
from casework.infra.strict import typed_text
from casework.screening import repository as watchlists
from casework.screening import scope, search
from casework.screening.entity import Entity, Schema
from casework.screening.matching import MatcherHolder
from casework.screening.repository import CHANGE_KINDS, DatasetOverview
from casework.screening.schemas import ScreeningRequest, ScreeningResult
from casework.screening.scope import NothingToSearch

router = APIRouter(route_class=ConsoleRoute)

Screener = Annotated[Viewer, allowed(Permission.screening_run)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

CHANGES_PER_PAGE = 50
VERSIONS_PER_PAGE = 20
# Where a problem the screening request reports is shown on the form.
_FORM_FIELD = {"countries": "country", "identifiers": "identifier", "datasets": "dataset"}
_SEPARATORS = re.compile(r"[,;\s]+")


def _holder(request: Request) -> MatcherHolder:
    holder: MatcherHolder = request.app.state.matchers
    return holder


def _several(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text) if part]


def _screening_request(form: dict[str, str]) -> ScreeningRequest:
    data: dict[str, Any] = {"name": form["name"]}
    optional = {
        "schema": form["schema"],
        "birth_date": form["birth_date"],
        "gender": form["gender"],
        "threshold": form["threshold"],
        "limit": form["limit"],
    }
    data.update({key: value for key, value in optional.items() if value.strip()})
    if form["country"].strip():
        data["countries"] = _several(form["country"])
    if form["identifier"].strip():
        data["identifiers"] = [form["identifier"]]
    if form["dataset"].strip():
        data["datasets"] = [form["dataset"]]
    # The form is text: its threshold and limit are read from their spelling first.
    data, problems = typed_text(ScreeningRequest, data)
    if problems:
        errors = [FieldError(str(loc[0]), message) for loc, message in problems]
        raise ValidationFailed(errors[0].message, errors=errors)
    try:
        return ScreeningRequest.model_validate(data)
    except ValidationError as exc:
        errors = [_field_error(error) for error in exc.errors()]
        raise ValidationFailed(errors[0].message, errors=errors) from exc


def _field_error(error: ErrorDetails) -> FieldError:
    loc = error["loc"] or ("name",)
    field = _FORM_FIELD.get(str(loc[0]), str(loc[0]))
    if error["type"] == "string_too_short" and field == "name":
        return FieldError(field, "enter a name to search for")
    message = error["msg"].removeprefix("Value error, ")
    if field == "country" and len(loc) > 1:
        message = f"{error.get('input')}: {message}"
    return FieldError(field, message)


def _form_errors(exc: ValidationFailed) -> list[tuple[str, str]]:
    if not exc.errors:
        return [("name", exc.detail)]
    return [(_FORM_FIELD.get(e.field, e.field), e.message) for e in exc.errors]


@router.get("/screening")
def screening_page(
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    viewer: Screener,
    name: str | None = None,
    schema: str = "",
    birth_date: str = "",
    country: str = "",
    gender: str = "",
    identifier: str = "",
    dataset: str = "",
    threshold: str = "",
    limit: str = "",
) -> Response:
    """Search the watchlists for a name; the results explain every score."""
    form = {
        "name": name or "",
        "schema": schema,
        "birth_date": birth_date,
        "country": country,
        "gender": gender,
        "identifier": identifier,
        "dataset": dataset,
        "threshold": threshold,
        "limit": limit,
    }
    lists = scope.searchable(
        session, tenant_id=viewer.tenant_id, max_age_days=settings.list_max_age_days
    )
    context: dict[str, Any] = {
        "form": form,
        "searched": name is not None,
        "schemas": [s.value for s in Schema],
        "datasets": [item.name for item in lists],
        "default_threshold": settings.screening_threshold,
        "result": None,
        "errors": [],
        "nothing_searched": None,
        "warnings": scope.warnings(lists),
    }
    if name is None:
        return render(request, "screening.html", context)
    try:
        result: ScreeningResult = search.screen(
            session,
            _holder(request),
            _screening_request(form),
            tenant_id=viewer.tenant_id,
            settings=settings,
        )
    except NothingToSearch as exc:
        context["nothing_searched"] = exc.detail
        return render(request, "screening.html", context, status=409)
    except ValidationFailed as exc:
        context["errors"] = _form_errors(exc)
        return render(request, "screening.html", context, status=422)
    context["result"] = result
    context["warnings"] = result.warnings
    return render(request, "screening.html", context)


@router.get("/watchlists")
def watchlists_page(
    request: Request, session: ReadSession, settings: AppSettings, viewer: Screener
) -> Response:
    overviews = watchlists.dataset_overviews(session, tenant_id=viewer.tenant_id)
    sources = {o.name: _source(settings, o) for o in overviews}
    lists = scope.searchable(
        session, tenant_id=viewer.tenant_id, max_age_days=settings.list_max_age_days
    )
    context = {
        "datasets": overviews,
        "sources": sources,
        "stale": {item.name for item in lists if item.stale},
        "warnings": scope.warnings(lists),
        "max_age_days": settings.list_max_age_days,
    }
    return render(request, "watchlists.html", context)


@router.get("/watchlists/entities/{entity_id:path}")
def entity_page(
    request: Request, entity_id: str, session: ReadSession, viewer: Screener
) -> Response:
    found = search.get_entity(session, _holder(request), entity_id, tenant_id=viewer.tenant_id)
    entity = Entity.from_document(found.entity)
    context = {
        "entity_id": found.entity_id,
        "dataset": found.dataset,
        "entity": entity,
        "history": watchlists.entity_history(session, found.dataset, entity.key),
    }
    return render(request, "lists/entity.html", context)


@router.get("/watchlists/{dataset}")
def dataset_page(
    request: Request,
    dataset: str,
    session: ReadSession,
    settings: AppSettings,
    viewer: Screener,
    version: Annotated[int | None, Query(ge=1)] = None,
    change: str = "",
    page: PageNumber = 1,
    versions_page: PageNumber = 1,
) -> Response:
    """One dataset: its versions, and what each version added, changed or removed."""
    if change and change not in CHANGE_KINDS:
        raise ValidationFailed.on("change", f"must be one of {', '.join(CHANGE_KINDS)}")
    found = watchlists.dataset_overviews(session, tenant_id=viewer.tenant_id, name=dataset)
    if not found:
        raise NotFound(f"there is no watchlist dataset {dataset!r}")
    overview = found[0]
    versions, version_total = watchlists.version_page(
        session,
        overview.id,
        offset=(versions_page - 1) * VERSIONS_PER_PAGE,
        limit=VERSIONS_PER_PAGE,
    )
    changes, change_total = watchlists.change_page(
        session,
        overview.id,
        version=version,
        kind=change or None,
        offset=(page - 1) * CHANGES_PER_PAGE,
        limit=CHANGES_PER_PAGE,
    )
    params: dict[str, Any] = {
        "version": version,
        "change": change,
        "page": page if page > 1 else None,
        "versions_page": versions_page if versions_page > 1 else None,
    }
    context = {
        "dataset": overview,
        "source": _source(settings, overview),
        "versions": versions,
        "versions_pages": _pages(version_total, VERSIONS_PER_PAGE),
        "changes": changes,
        "change_total": change_total,
        "changes_pages": _pages(change_total, CHANGES_PER_PAGE),
        "change_versions": watchlists.version_numbers(session, overview.id),
        "change_kinds": CHANGE_KINDS,
        "params": params,
        "page": page,
        "versions_page": versions_page,
    }
    return render(request, "lists/dataset.html", context)


def _pages(total: int, per_page: int) -> int:
    return max(1, ceil(total / per_page))


def _source(settings: Settings, overview: DatasetOverview) -> dict[str, Any]:
    """Where a dataset comes from: the publisher it is downloaded from, or its files."""
    configured = settings.list_sources.get(overview.name)
    hosts = sorted({urlsplit(url).netloc for url in configured.urls}) if configured else []
    return {
        "hosts": hosts,
        "urls": list(configured.urls) if configured else [],
        "files": [str(f.get("name", "")) for f in overview.files if isinstance(f, dict)],
    }
