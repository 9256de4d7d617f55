"""Proposing, approving and rejecting decisions held for a second person.

A resolution the policy holds (``policy``) is checked as if it applied now, then stored
as a pending decision; the case points at it and changes no further. Approving applies
it in the approver's transaction, checked again against the case as it is then, so
that it applies whole or not at all; rejecting leaves the case where it was. The
approver is always another person than the proposer: a user, never the user an API
client proposed for, and never in the request that proposed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository as case_repository
from casework.cases import service as cases
from casework.checks import repository as check_repository
from casework.checks import service as checks
from casework.configs.approvals import ApprovalPolicy
from casework.decisions import policy, repository
from casework.infra.errors import Conflict, NotFound, PermissionDenied
from casework.infra.ids import new_id
from casework.models import Case, Check, Decision, Tenant
from casework.models.base import utcnow
from casework.models.enums import DecisionStatus, MatchDecision, ReportStatus, words

RESOLUTION = "resolution"
MATCH = "match_decision"
REPORT = "report"


def transition(
    session: Session, *, actor: Principal, case_id: str, move: cases.Move
) -> tuple[Case, Decision | None]:
    """Move a case's review status, or, when the policy holds the move for a second
    person, propose it: the case then waits for the decision returned."""
    case = case_repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)
    override = cases.check_transition(actor, case, move)
    if move.resolution is not None:
        rules = policy.for_case(session, case)
        reasons = policy.resolution_reasons(rules, case, move.resolution, override)
        if reasons:
            what = f"resolving as {words(move.resolution)}: {move.note}"
            change = move.as_change()
            proposed = propose(
                session, actor, case, kind=RESOLUTION, change=change, reasons=reasons, what=what
            )
            case.pending_decision_id = proposed.id
            session.flush()
            return case, proposed
    return cases.change_status(session, actor=actor, case=case, move=move), None


def propose(
    session: Session,
    actor: Principal,
    case: Case,
    *,
    kind: str,
    change: dict[str, Any],
    reasons: list[str],
    what: str,
) -> Decision:
    """Store a pending decision about ``case`` (``what`` it would do, for the trail); the
    caller points what waits at it."""
    now = utcnow()
    decision = Decision(
        id=new_id(),
        tenant_id=case.tenant_id,
        case_id=case.id,
        kind=kind,
        change=change,
        reasons=reasons,
        status=DecisionStatus.pending,
        proposed_by_user_id=actor.user_id,
        proposed_by_client_id=actor.api_client_id,
        proposed_by_name=actor.display_name,
        proposed_at=now,
    )
    session.add(decision)
    case.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="decision.proposed",
        entity_type="decision",
        entity_id=decision.id,
        case_id=case.id,
        message=f"Proposed {what}; awaits approval ({'; '.join(reasons)})",
        after={"kind": decision.kind, "change": change, "reasons": reasons},
    )
    return decision


def decide_match(
    session: Session,
    *,
    actor: Principal,
    check_id: str,
    match_id: str,
    decision: MatchDecision,
    note: str | None,
) -> tuple[Check, Decision | None]:
    """Decide a screening match, or, when the policy holds the decision for a second
    person, propose it: the match then waits for the decision returned."""
    check, match = checks.locked_match(session, actor=actor, check_id=check_id, match_id=match_id)
    case = case_repository.get(session, tenant_id=actor.tenant_id, case_id=check.case_id)
    reasons = policy.match_reasons(policy.for_case(session, case), check, match, decision)
    if not reasons:
        applied = checks.apply_match_decision(
            session, actor=actor, check=check, match=match, decision=decision, note=note
        )
        return applied, None
    change = {
        "check_id": check.id,
        "match_id": match.id,
        "caption": match.caption,
        "decision": decision.value,
        "note": note,
    }
    what = f"marking match {match.caption} {words(decision)}"
    proposed = propose(session, actor, case, kind=MATCH, change=change, reasons=reasons, what=what)
    match.pending_decision_id = proposed.id
    session.flush()
    return check, proposed


def set_tenant_default(session: Session, *, actor: Principal, rules: ApprovalPolicy) -> None:
    """The approval policy of the tenant's cases whose config sets none."""
    tenant = session.get(Tenant, actor.tenant_id, with_for_update=True)
    if tenant is None:
        raise NotFound(f"tenant {actor.tenant_id} not found")
    before = (tenant.settings or {}).get(policy.SETTING)
    after = rules.model_dump(mode="json")
    if before == after:
        return
    tenant.settings = {**(tenant.settings or {}), policy.SETTING: after}
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.approvals_set",
        entity_type="tenant",
        entity_id=tenant.id,
        message="Approval policy set",
        before={policy.SETTING: before},
        after={policy.SETTING: after},
    )


def case_decisions(session: Session, *, actor: Principal, case_id: str) -> list[Decision]:
    case = cases.get_case(session, actor=actor, case_id=case_id)
    return repository.of_case(session, tenant_id=actor.tenant_id, case_id=case.id)


def get_decision(session: Session, *, actor: Principal, decision_id: str) -> Decision:
    return repository.get(session, tenant_id=actor.tenant_id, decision_id=decision_id)


def approve(session: Session, *, actor: Principal, decision_id: str, note: str | None) -> Decision:
    """Approve a pending decision: the change it holds applies now, as one with the
    approval, or (if the case or match no longer allows it) neither happens."""
    decision, case = _deciding(session, actor, decision_id)
    _settle(decision, actor, DecisionStatus.approved, note)
    audit.record(
        session,
        actor=actor,
        action="decision.approved",
        entity_type="decision",
        entity_id=decision.id,
        case_id=case.id,
        message=f"Approved {_what(decision)}, proposed by {decision.proposed_by_name}"
        + (f": {note}" if note else ""),
        after={"kind": decision.kind, "change": decision.change, "note": note},
    )
    approval = {
        "decision_id": decision.id,
        "proposed_by": decision.proposed_by_name,
        "proposed_by_user_id": decision.proposed_by_user_id,
        "proposed_by_client_id": decision.proposed_by_client_id,
    }
    change = decision.change
    if decision.kind == REPORT:
        _approve_report(session, actor, decision)
        return decision
    if decision.kind == MATCH:
        check, match = checks.locked_match(
            session, actor=actor, check_id=change["check_id"], match_id=change["match_id"]
        )
        checks.apply_match_decision(
            session,
            actor=actor,
            check=check,
            match=match,
            decision=MatchDecision(change["decision"]),
            note=change["note"],
            approval=approval,
        )
        return decision
    cases.change_status(
        session, actor=actor, case=case, move=cases.Move.of_change(change), approval=approval
    )
    return decision


def reject(session: Session, *, actor: Principal, decision_id: str, note: str) -> Decision:
    """Reject a pending decision: nothing it held changes, and the case is free again."""
    decision, case = _deciding(session, actor, decision_id)
    _settle(decision, actor, DecisionStatus.rejected, note)
    case.updated_at = utcnow()
    session.flush()
    if decision.kind == REPORT:
        _return_report(session, actor, decision, note)
    audit.record(
        session,
        actor=actor,
        action="decision.rejected",
        entity_type="decision",
        entity_id=decision.id,
        case_id=case.id,
        message=f"Rejected {_what(decision)}, proposed by {decision.proposed_by_name}: {note}",
        after={"kind": decision.kind, "change": decision.change, "note": note},
    )
    return decision


def _deciding(session: Session, actor: Principal, decision_id: str) -> tuple[Decision, Case]:
    """The pending decision and its case, both locked, once ``actor`` may decide it."""
    decision = repository.get(
        session, tenant_id=actor.tenant_id, decision_id=decision_id, for_update=True
    )
    report = None
    if decision.kind == REPORT:  # the report before its case, the order marking it ready takes
        report = repository.report(
            session,
            tenant_id=actor.tenant_id,
            report_id=decision.change["report_id"],
            for_update=True,
        )
    if decision.kind == MATCH:  # the check before its case, the order deciding a match takes
        check_repository.get(
            session,
            tenant_id=actor.tenant_id,
            check_id=decision.change["check_id"],
            for_update=True,
        )
    case = case_repository.get(
        session, tenant_id=actor.tenant_id, case_id=decision.case_id, for_update=True
    )
    if decision.status is not DecisionStatus.pending:
        raise Conflict(f"decision {decision.id} is already {decision.status.value}")
    if actor.user_id is None:
        raise PermissionDenied("a decision is approved or rejected by a person: a user")
    if actor.user_id == decision.proposed_by_user_id:
        raise PermissionDenied("the person who proposed a decision cannot approve or reject it")
    if report is not None:
        if actor.user_id in decision.change.get("authors", []):
            raise PermissionDenied("the person who drafted a report cannot approve or reject it")
        if report.pending_decision_id == decision.id:
            report.pending_decision_id = None
    if decision.kind == MATCH:
        waiting = repository.matches_waiting_on(
            session, tenant_id=actor.tenant_id, decision_id=decision.id
        )
        for match in waiting:
            match.pending_decision_id = None
        session.flush()
    elif case.pending_decision_id == decision.id:
        case.pending_decision_id = None
    return decision, case


def _approve_report(session: Session, actor: Principal, decision: Decision) -> None:
    """The report becomes approved, exactly as it was frozen when proposed."""
    change = decision.change
    report = repository.report(session, tenant_id=actor.tenant_id, report_id=change["report_id"])
    if report.status is not ReportStatus.ready or report.xml_sha256 != change["xml_sha256"]:
        raise Conflict(f"report #{change['number']} changed since it was proposed for approval")
    now = utcnow()
    report.status = ReportStatus.approved
    report.approved_by_user_id = actor.user_id
    report.approved_by_name = actor.display_name
    report.approved_at = now
    report.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="report.approved",
        entity_type="report",
        entity_id=report.id,
        case_id=report.case_id,
        message=f"Approved {_what(decision).removeprefix('approving ')} "
        f"(XML sha256 {report.xml_sha256}), drafted by {decision.proposed_by_name}",
        after={"status": report.status.value, "xml_sha256": report.xml_sha256},
    )


def _return_report(session: Session, actor: Principal, decision: Decision, note: str) -> None:
    """A rejected report goes back to draft, its frozen XML dropped."""
    change = decision.change
    report = repository.report(session, tenant_id=actor.tenant_id, report_id=change["report_id"])
    if report.status is not ReportStatus.ready:
        return
    report.status = ReportStatus.draft
    report.xml = None
    report.xml_sha256 = None
    report.ready_by_name = None
    report.ready_at = None
    report.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="report.returned",
        entity_type="report",
        entity_id=report.id,
        case_id=report.case_id,
        message=f"Returned {_what(decision).removeprefix('approving ')} to draft: {note}",
        after={"status": report.status.value},
    )


def _what(decision: Decision) -> str:
    change = decision.change
    if decision.kind == REPORT:
        label = "goAML" if change["format"] == "goaml" else "FinCEN SAR"
        return f"approving {label} {change['report_code']} report #{change['number']}"
    if decision.kind == MATCH:
        return f"marking match {change['caption']} {words(change['decision'])}"
    return f"resolving as {words(change['resolution'])}"


def _settle(decision: Decision, actor: Principal, status: DecisionStatus, note: str | None) -> None:
    decision.status = status
    decision.decided_by_user_id = actor.user_id
    decision.decided_by_name = actor.display_name
    decision.decided_at = utcnow()
    decision.decision_note = note
