from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from casework.auth.dependencies import CaseReader, ConfigManager, ConfigReader
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import ExactNumbersRoute
from casework.rules import backtest, service
from casework.rules.schemas import (
    AlertOut,
    BacktestIn,
    BacktestOut,
    MonitoringSettings,
    RevisionOut,
    RuleCreate,
    RuleOut,
    RuleUpdate,
)

# Rules are configuration: read with config.read, written and tested with config.manage.
router = APIRouter(prefix="/v1/rules", tags=["rules"], route_class=ExactNumbersRoute)
alerts_router = APIRouter(prefix="/v1/alerts", tags=["rules"], route_class=ExactNumbersRoute)
settings_router = APIRouter(prefix="/v1/settings", tags=["rules"], route_class=ExactNumbersRoute)


@router.post("", status_code=201, response_model=RuleOut)
def create_rule(
    body: RuleCreate,
    session: DbSession,
    principal: ConfigManager,
    once: Idempotent,
) -> JSONResponse:
    def produce() -> RuleOut:
        return RuleOut.of(*service.create_rule(session, actor=principal, data=body))

    return once.respond(
        session,
        principal,
        identity=body,
        produce=produce,
    )


@router.get("")
def list_rules(
    session: DbSession,
    principal: ConfigReader,
    enabled: bool | None = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[RuleOut]:
    rows, next_cursor = service.list_rules(
        session, actor=principal, enabled=enabled, cursor=cursor, limit=limit
    )
    return Page[RuleOut](items=[RuleOut.of(r, rev) for r, rev in rows], next_cursor=next_cursor)


@router.post("/backtest")
def backtest_draft(body: BacktestIn, session: DbSession, principal: ConfigManager) -> BacktestOut:
    """Replay a draft condition (not yet a rule) over a past period; nothing is written."""
    return backtest.backtest(session, actor=principal, rule_id=None, data=body)


@router.get("/{rule_id}")
def get_rule(rule_id: str, session: DbSession, principal: ConfigReader) -> RuleOut:
    return RuleOut.of(*service.get_rule(session, actor=principal, rule_id=rule_id))


@router.patch("/{rule_id}")
def update_rule(
    rule_id: str, body: RuleUpdate, session: DbSession, principal: ConfigManager
) -> RuleOut:
    """A change to title, description, severity or condition is a new revision."""
    return RuleOut.of(*service.update_rule(session, actor=principal, rule_id=rule_id, data=body))


@router.get("/{rule_id}/revisions")
def list_revisions(rule_id: str, session: DbSession, principal: ConfigReader) -> list[RevisionOut]:
    """Every revision, newest first."""
    revisions = service.list_revisions(session, actor=principal, rule_id=rule_id)
    return [RevisionOut.of(r) for r in revisions]


@router.get("/{rule_id}/revisions/{revision}")
def get_revision(
    rule_id: str, revision: int, session: DbSession, principal: ConfigReader
) -> RevisionOut:
    return RevisionOut.of(
        service.get_revision(session, actor=principal, rule_id=rule_id, revision=revision)
    )


@router.post("/{rule_id}/backtest")
def backtest_rule(
    rule_id: str, body: BacktestIn, session: DbSession, principal: ConfigManager
) -> BacktestOut:
    """Replay the rule (or, with ``condition``, a draft edit of it) over a past period
    and say how many alerts and cases it would have made; nothing is written."""
    return backtest.backtest(session, actor=principal, rule_id=rule_id, data=body)


@alerts_router.get("")
def list_alerts(
    session: DbSession,
    principal: CaseReader,
    rule_id: Annotated[str | None, Query(max_length=24)] = None,
    customer_id: Annotated[str | None, Query(max_length=24)] = None,
    case_id: Annotated[str | None, Query(max_length=24)] = None,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[AlertOut]:
    """Rule hits, newest first."""
    rows, next_cursor = service.list_alerts(
        session,
        actor=principal,
        rule_id=rule_id,
        customer_id=customer_id,
        case_id=case_id,
        cursor=cursor,
        limit=limit,
    )
    return Page[AlertOut](items=[AlertOut.of(a) for a in rows], next_cursor=next_cursor)


@alerts_router.get("/{alert_id}")
def get_alert(alert_id: str, session: DbSession, principal: CaseReader) -> AlertOut:
    return AlertOut.of(service.get_alert(session, actor=principal, alert_id=alert_id))


@settings_router.get("/transaction-monitoring")
def get_settings(session: DbSession, principal: ConfigReader) -> MonitoringSettings:
    return service.get_settings(session, tenant_id=principal.tenant_id)


@settings_router.put("/transaction-monitoring")
def put_settings(
    body: MonitoringSettings, session: DbSession, principal: ConfigManager
) -> MonitoringSettings:
    """How rule hits are grouped into cases, and the config and SLA those cases follow."""
    return service.set_settings(session, actor=principal, data=body)
