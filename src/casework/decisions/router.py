from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from casework.auth.dependencies import (
    CaseApprover,
    CaseReader,
    CaseUpdater,
    ConfigManager,
    ConfigReader,
)
from casework.cases import repository as cases
from casework.cases.schemas import CaseOut, TransitionBody
from casework.cases.service import Move
from casework.checks.schemas import CheckOut, MatchDecisionIn
from casework.configs.approvals import ApprovalPolicy
from casework.decisions import policy, service
from casework.decisions.schemas import DecisionNote, DecisionOut, RejectionNote
from casework.infra.dependencies import DbSession
from casework.infra.routing import CommittingRoute
from casework.models.enums import MatchDecision

router = APIRouter(prefix="/v1", tags=["decisions"], route_class=CommittingRoute)


class DecisionList(BaseModel):
    items: list[DecisionOut]


@router.post(
    "/cases/{case_id}/transition",
    tags=["cases"],
    responses={
        202: {
            "model": CaseOut,
            "description": "The move needs a second person: it is proposed, the case shows "
            "it in pending_decision_id and nothing else changes until it is approved.",
        }
    },
)
def transition_case(
    case_id: str, body: TransitionBody, session: DbSession, principal: CaseUpdater
) -> Any:
    """Move the review status. Resolving or closing also needs ``case.resolve``; resolving
    over open checklist items needs ``override_checklist``, an ``override_reason`` and
    ``case.override_checklist``. A resolution the approval policy holds for a second
    person is proposed instead (202)."""
    move = Move(
        to=body.to,
        resolution=body.resolution,
        note=body.note,
        override_checklist=body.override_checklist,
        override_reason=body.override_reason or None,
    )
    case, proposed = service.transition(session, actor=principal, case_id=case_id, move=move)
    if proposed is not None:
        out = CaseOut.of(cases.reload(session, case))
        return JSONResponse(out.model_dump(mode="json"), status_code=202)
    return CaseOut.of(case)


@router.post(
    "/checks/{check_id}/matches/{match_id}/decision",
    tags=["checks"],
    responses={
        202: {
            "model": CheckOut,
            "description": "Clearing this match needs a second person: it is proposed, the "
            "match shows it in pending_decision_id and keeps its decision until approved.",
        }
    },
)
def decide_match(
    check_id: str, match_id: str, body: MatchDecisionIn, session: DbSession, principal: CaseUpdater
) -> Any:
    """Mark a screening match false or true positive (or back to unreviewed). Clearing a
    match the approval policy holds is proposed instead (202)."""
    check, proposed = service.decide_match(
        session,
        actor=principal,
        check_id=check_id,
        match_id=match_id,
        decision=MatchDecision(body.decision),
        note=body.note,
    )
    out = CheckOut.of(check)
    if proposed is not None:
        return JSONResponse(out.model_dump(mode="json", by_alias=True), status_code=202)
    return out


@router.get("/cases/{case_id}/decisions")
def list_case_decisions(case_id: str, session: DbSession, principal: CaseReader) -> DecisionList:
    """The case's decisions held for a second person, oldest first."""
    found = service.case_decisions(session, actor=principal, case_id=case_id)
    return DecisionList(items=[DecisionOut.of(d) for d in found])


@router.get("/decisions/{decision_id}")
def get_decision(decision_id: str, session: DbSession, principal: CaseReader) -> DecisionOut:
    return DecisionOut.of(service.get_decision(session, actor=principal, decision_id=decision_id))


@router.post("/decisions/{decision_id}/approve")
def approve_decision(
    decision_id: str, body: DecisionNote, session: DbSession, principal: CaseApprover
) -> DecisionOut:
    """Approve a pending decision; the change it holds applies now. Needs
    ``case.approve``, by a user other than the one who proposed it."""
    decision = service.approve(session, actor=principal, decision_id=decision_id, note=body.note)
    return DecisionOut.of(decision)


@router.post("/decisions/{decision_id}/reject")
def reject_decision(
    decision_id: str, body: RejectionNote, session: DbSession, principal: CaseApprover
) -> DecisionOut:
    """Reject a pending decision, saying why; the case stays where it was."""
    decision = service.reject(session, actor=principal, decision_id=decision_id, note=body.note)
    return DecisionOut.of(decision)


@router.get("/settings/approvals")
def get_approvals(session: DbSession, principal: ConfigReader) -> ApprovalPolicy:
    """The tenant's default approval policy, for cases whose config sets none."""
    return policy.tenant_default(session, principal.tenant_id)


@router.put("/settings/approvals")
def put_approvals(
    body: ApprovalPolicy, session: DbSession, principal: ConfigManager
) -> ApprovalPolicy:
    service.set_tenant_default(session, actor=principal, rules=body)
    return body
