from __future__ import annotations

from fastapi import APIRouter, Request, Response

from casework.auth.dependencies import ScreeningRunner
from casework.infra.dependencies import AppSettings, ReadSession
from casework.infra.problems import Problem
from casework.infra.routing import CommittingRoute
from casework.screening import search
from casework.screening.matching import MatcherHolder
from casework.screening.schemas import (
    BatchRequest,
    BatchResult,
    CompareRequest,
    CompareResult,
    EntityOut,
    ScreeningRequest,
    ScreeningResult,
)
from casework.screening.service import DatasetSummary, list_datasets

router = APIRouter(tags=["screening"], route_class=CommittingRoute)

_NOTHING_SEARCHED: dict[int | str, dict[str, object]] = {
    409: {
        "model": Problem,
        "description": "Nothing to search: no current version of the datasets asked for "
        "(or, without datasets, of any list the tenant may search), or none of them holds "
        "the topics asked for. The detail names them; errors[].field is datasets.",
    },
    422: {
        "model": Problem,
        "description": "Validation failed, including a dataset that does not exist or "
        "belongs to another tenant (errors[].field datasets)",
    },
}


def _holder(request: Request) -> MatcherHolder:
    holder: MatcherHolder = request.app.state.matchers
    return holder


@router.post("/v1/screenings", responses=_NOTHING_SEARCHED)
def screen(
    body: ScreeningRequest,
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    caller: ScreeningRunner,
) -> ScreeningResult:
    """Find a person or organisation in the watchlists the tenant may search.

    The result names every list version searched, with its publication date, and
    warns about stale lists. A search that would look at no list is a 409, never an
    empty result."""
    return search.screen(
        session, _holder(request), body, tenant_id=caller.tenant_id, settings=settings
    )


@router.post("/v1/screenings/batch", responses=_NOTHING_SEARCHED, response_model=BatchResult)
def screen_batch(
    body: BatchRequest,
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    caller: ScreeningRunner,
) -> Response:
    """Up to 1,000 screenings in one call; results in the order of the queries."""
    answers = search.screen_many(
        session, _holder(request), body.queries, tenant_id=caller.tenant_id, settings=settings
    )
    # Each answer is already JSON, written where it was screened (see ``screen_many``).
    return Response(search.batch_body(answers), media_type="application/json")


@router.post("/v1/screenings/compare")
def compare(body: CompareRequest, settings: AppSettings, _caller: ScreeningRunner) -> CompareResult:
    """Score two records against each other, with the explanation, without any list."""
    return search.compare(body, settings.screening_threshold)


@router.get("/v1/watchlist/entities/{entity_id}")
def get_entity(
    entity_id: str, request: Request, session: ReadSession, caller: ScreeningRunner
) -> EntityOut:
    """A listed entity; one on another tenant's list is not found."""
    return search.get_entity(session, _holder(request), entity_id, tenant_id=caller.tenant_id)


@router.get("/v1/watchlist/datasets")
def datasets(session: ReadSession, caller: ScreeningRunner) -> list[DatasetSummary]:
    """The datasets the caller's screenings search, their versions and publication dates."""
    return list_datasets(session, tenant_id=caller.tenant_id)
