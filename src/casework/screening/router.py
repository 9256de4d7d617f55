from __future__ import annotations

from fastapi import APIRouter, Request

from casework.auth.dependencies import ScreeningRunner
from casework.dependencies import AppSettings, ReadSession
from casework.routing import CommittingRoute
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


def _holder(request: Request) -> MatcherHolder:
    holder: MatcherHolder = request.app.state.matchers
    return holder


@router.post("/v1/screenings")
def screen(
    body: ScreeningRequest,
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    _caller: ScreeningRunner,
) -> ScreeningResult:
    """Find a person or organisation in the imported watchlists."""
    return search.screen(session, _holder(request), body, settings.screening_threshold)


@router.post("/v1/screenings/batch")
def screen_batch(
    body: BatchRequest,
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    _caller: ScreeningRunner,
) -> BatchResult:
    """Up to 1,000 screenings in one call; results in the order of the queries."""
    results = search.screen_many(
        session, _holder(request), body.queries, settings.screening_threshold
    )
    return BatchResult(results=results)


@router.post("/v1/screenings/compare")
def compare(body: CompareRequest, settings: AppSettings, _caller: ScreeningRunner) -> CompareResult:
    """Score two records against each other, with the explanation, without any list."""
    return search.compare(body, settings.screening_threshold)


@router.get("/v1/watchlist/entities/{entity_id}")
def get_entity(
    entity_id: str, request: Request, session: ReadSession, _caller: ScreeningRunner
) -> EntityOut:
    return search.get_entity(session, _holder(request), entity_id)


@router.get("/v1/watchlist/datasets")
def datasets(session: ReadSession, caller: ScreeningRunner) -> list[DatasetSummary]:
    """The datasets the caller's screenings search, their versions and publication dates."""
    return list_datasets(session, tenant_id=caller.tenant_id)
