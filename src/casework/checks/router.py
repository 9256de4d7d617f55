from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from casework.auth.dependencies import CaseReader, CaseUpdater, ConfigManager, ConfigReader
from casework.cases import service as cases
from casework.checks import risk_table, service
from casework.checks.country_risk import Assessment, normalise_country
from casework.checks.schemas import CheckOut, Overrides
from casework.infra.dependencies import DbSession
from casework.infra.errors import ValidationFailed
from casework.infra.routing import CommittingRoute
from casework.models.base import utcnow

router = APIRouter(prefix="/v1", tags=["checks"], route_class=CommittingRoute)


class CheckList(BaseModel):
    items: list[CheckOut]


@router.get("/cases/{case_id}/checks")
def list_checks(
    case_id: str, session: DbSession, principal: CaseReader, all_attempts: bool = False
) -> CheckList:
    """The case's checks: the latest attempt of each, or every attempt."""
    case = cases.get_case(session, actor=principal, case_id=case_id)
    fetch = service.all_checks if all_attempts else service.current_checks
    checks = fetch(session, tenant_id=principal.tenant_id, case_id=case.id)
    return CheckList(items=[CheckOut.of(c) for c in checks])


@router.post("/cases/{case_id}/start", status_code=202)
def start_checks(case_id: str, session: DbSession, principal: CaseUpdater) -> CheckList:
    """Start the case's checks, or rerun them (a new attempt) once they have finished."""
    case = cases.locked_case(session, actor=principal, case_id=case_id)
    checks = service.start(session, actor=principal, case=case)
    return CheckList(items=[CheckOut.of(c) for c in checks])


@router.get("/checks/{check_id}")
def get_check(check_id: str, session: DbSession, principal: CaseReader) -> CheckOut:
    return CheckOut.of(service.get_check(session, actor=principal, check_id=check_id))


@router.get("/country-risk")
def country_risk(
    session: DbSession,
    principal: ConfigReader,
    country: Annotated[str, Query(min_length=2, max_length=3)],
    on: date | None = None,
) -> Assessment:
    """A country's risk on a date (default today): the lists naming it and the tenant's
    overrides."""
    code = normalise_country(country)
    if code is None:
        raise ValidationFailed.on("country", "must be an ISO 3166 country code")
    view = risk_table.tenant_country_risk(session, principal.tenant_id)
    return view.assess(code, on or utcnow().date())


@router.get("/country-risk/overrides")
def get_overrides(session: DbSession, principal: ConfigReader) -> Overrides:
    tenant = risk_table.tenant_of(session, principal.tenant_id)
    return Overrides(overrides=risk_table.overrides_of(tenant))


@router.put("/country-risk/overrides")
def put_overrides(body: Overrides, session: DbSession, principal: ConfigManager) -> Overrides:
    """Replace the tenant's overrides of the shipped country-risk lists."""
    return Overrides(
        overrides=risk_table.replace_overrides(session, actor=principal, overrides=body.overrides)
    )
