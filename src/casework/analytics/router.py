from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from casework.analytics import repository
from casework.analytics.schemas import CaseAnalytics
from casework.auth.dependencies import AnalyticsReader
from casework.infra.dependencies import DbSession
from casework.infra.routing import CommittingRoute

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], route_class=CommittingRoute)


@router.get("/cases")
def case_analytics(
    session: DbSession,
    principal: AnalyticsReader,
    created_from: Annotated[
        AwareDatetime | None, Query(description="Only cases created at or after this instant.")
    ] = None,
    created_to: Annotated[
        AwareDatetime | None, Query(description="Only cases created before this instant.")
    ] = None,
) -> CaseAnalytics:
    """Case counts by status, priority and module, overdue cases and time to resolve."""
    return repository.case_analytics(
        session, actor=principal, created_from=created_from, created_to=created_to
    )
