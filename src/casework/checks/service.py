"""Checks on cases: asking for them, starting and rerunning, analysts' match decisions.

Started checks are run by the processing layer's jobs, named here by the handles that
queue them (``DRAIN``, ``RUN_CASE``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.checks import repository
from casework.checks.rollup import update_case
from casework.checks.runners import screening as screening_check
from casework.checks.schemas import CheckSpec
from casework.documents import repository as documents
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.infra.jobs import Job
from casework.models import Case, CaseConfig, Check, ScreeningMatch
from casework.models.base import utcnow
from casework.models.enums import CheckType, MatchDecision, ProcessingStatus, words

RUN_CASE = Job("checks.run_case")
DRAIN = Job("checks.drain")  # queued checks of any case, several cases per transaction
SCREENING = frozenset({CheckType.sanctions, CheckType.pep, CheckType.adverse_media})


def _retention(days: int | None) -> Any:
    if days is None or days < 0:
        return None
    return utcnow() + timedelta(days=days)


def wanted_checks(specs: list[CheckSpec] | None, config: CaseConfig | None) -> list[CheckSpec]:
    """The checks a new case runs: those it names, else those of its config."""
    if specs is not None:
        return specs
    return [CheckSpec(type=CheckType(c["type"])) for c in (config.checks if config else [])]


def request_checks(
    session: Session,
    *,
    case: Case,
    wanted: list[CheckSpec],
    config: CaseConfig | None,
    auto_start: bool,
) -> list[Check]:
    """The first attempt of ``wanted`` (see wanted_checks) on a new case.

    A check takes its parameters from the config when the config lists its type.
    Started checks run once the transaction commits.
    """
    if not wanted:
        return []
    params = {c["type"]: c.get("params") or {} for c in (config.checks if config else [])}
    _documents_exist(session, case.tenant_id, wanted)
    now = utcnow()
    checks = [
        Check(
            tenant_id=case.tenant_id,
            case_id=case.id,
            type=spec.type,
            attempt=1,
            status=ProcessingStatus.pending,
            params=dict(params.get(spec.type.value, {})),
            input_details=spec.input_details,
            document_ids=list(spec.document_ids),
            delete_after=_retention(spec.delete_after),
            queued_at=now if auto_start else None,
            matches=[],
        )
        for spec in wanted
    ]
    session.add_all(checks)
    if auto_start:
        DRAIN.defer(session)
    return checks


def _documents_exist(session: Session, tenant_id: str, specs: list[CheckSpec]) -> None:
    named = {doc_id for spec in specs for doc_id in spec.document_ids}
    if not named:
        return
    found = documents.known_ids(session, tenant_id=tenant_id, ids=named)
    for index, spec in enumerate(specs):
        for position, doc_id in enumerate(spec.document_ids):
            if doc_id not in found:
                raise ValidationFailed.on(
                    f"checks[{index}].document_ids[{position}]",
                    f"no document {doc_id} in this tenant",
                )


def current_checks(session: Session, *, tenant_id: str, case_id: str) -> list[Check]:
    """The latest attempt of each of the case's checks, with their matches."""
    return repository.current(session, tenant_id=tenant_id, case_id=case_id)


def all_checks(session: Session, *, tenant_id: str, case_id: str) -> list[Check]:
    return repository.every_attempt(session, tenant_id=tenant_id, case_id=case_id)


def start(session: Session, *, actor: Principal, case: Case) -> list[Check]:
    """Start the case's checks, or rerun them as a new attempt once they have finished."""
    current = current_checks(session, tenant_id=actor.tenant_id, case_id=case.id)
    if not current:
        raise Conflict("this case has no checks to start")
    now = utcnow()
    statuses = {c.status for c in current}
    if ProcessingStatus.processing in statuses or any(
        c.queued_at is not None and c.status is ProcessingStatus.pending for c in current
    ):
        raise Conflict("the case's checks are running; rerun them once they finish")
    if statuses == {ProcessingStatus.pending}:
        for check in current:
            check.queued_at = now
        action, checks = "case.checks_started", current
    else:
        checks = [
            Check(
                tenant_id=c.tenant_id,
                case_id=c.case_id,
                type=c.type,
                attempt=c.attempt + 1,
                status=ProcessingStatus.pending,
                params=dict(c.params),
                input_details=c.input_details,
                document_ids=list(c.document_ids),
                delete_after=c.delete_after,
                queued_at=now,
                matches=[],
            )
            for c in current
        ]
        session.add_all(checks)
        action = "case.checks_rerun"
    case.processing_status = ProcessingStatus.pending
    case.outcome = None
    case.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message="Checks started" if action == "case.checks_started" else "Checks rerun",
        after={"checks": [c.type for c in checks], "attempt": checks[0].attempt},
    )
    DRAIN.defer(session)
    return checks


def get_check(session: Session, *, actor: Principal, check_id: str) -> Check:
    check = repository.get(session, tenant_id=actor.tenant_id, check_id=check_id)
    if check is None:
        raise NotFound(f"check {check_id} not found")
    return check


def decide_match(
    session: Session,
    *,
    actor: Principal,
    check_id: str,
    match_id: str,
    decision: MatchDecision,
    note: str | None,
) -> Check:
    """Record an analyst's decision on a match; the check and the case follow it."""
    check, match = locked_match(session, actor=actor, check_id=check_id, match_id=match_id)
    return apply_match_decision(
        session, actor=actor, check=check, match=match, decision=decision, note=note
    )


def locked_match(
    session: Session, *, actor: Principal, check_id: str, match_id: str
) -> tuple[Check, ScreeningMatch]:
    """A completed check of the tenant, locked, and one of its matches that no decision
    awaits approval for: what a decision on a match is made on."""
    check = repository.get(session, tenant_id=actor.tenant_id, check_id=check_id, for_update=True)
    if check is None:
        raise NotFound(f"check {check_id} not found")
    match = next((m for m in check.matches if m.id == match_id), None)
    if match is None:
        raise NotFound(f"match {match_id} not found on check {check_id}")
    if check.status is not ProcessingStatus.completed:
        raise Conflict("matches can be decided once the check has completed")
    if match.pending_decision_id is not None:
        detail = "a decision on this match awaits approval: approve or reject it first"
        raise Conflict(detail, errors=[FieldError("decision", detail)])
    return check, match


def apply_match_decision(
    session: Session,
    *,
    actor: Principal,
    check: Check,
    match: ScreeningMatch,
    decision: MatchDecision,
    note: str | None,
    approval: dict[str, Any] | None = None,
) -> Check:
    """Decide a locked check's match; ``approval`` names the decision that held it for a
    second person, when one did."""
    before = {"decision": match.decision, "note": match.decision_note}
    if before["decision"] is decision and before["note"] == note:
        return check
    match.decision = decision
    match.decision_note = note
    match.decided_by_id = actor.user_id
    match.decided_at = utcnow()
    reassess_screening(check)
    case = session.get(Case, check.case_id)
    assert case is not None
    rollup = update_case(session, case)
    message = f"Match {match.caption} marked {words(decision)}"
    after: dict[str, Any] = {"decision": decision, "note": note, "check_id": check.id} | rollup
    if approval is not None:
        after["approval"] = approval
        message += f"; proposed by {approval['proposed_by']}, approved by {actor.display_name}"
    audit.record(
        session,
        actor=actor,
        action="screening_match.decided",
        entity_type="screening_match",
        entity_id=match.id,
        case_id=check.case_id,
        message=message,
        before=before,
        after=after,
    )
    return check


def reassess_screening(check: Check) -> None:
    """Recompute a screening check's risk, outcome and wording from its matches."""
    screened = list(check.evidence.get("screened", []))
    assessment = screening_check.assess(
        check.type,
        screened,
        [(m.subject, m.caption, m.score, m.decision) for m in check.matches],
        screening_check.scope_lines(check.evidence),
    )
    check.risk_score = assessment.risk_score
    check.title = assessment.title
    check.reasoning = assessment.reasoning
    check.outcome = assessment.outcome


def store_matches(check: Check, found: list[screening_check.FoundMatch]) -> None:
    check.matches = [_match_row(check, position, m) for position, m in enumerate(found)]


def append_matches(check: Check, found: list[screening_check.FoundMatch]) -> list[ScreeningMatch]:
    """Add matches after the check's existing ones (whose decisions stay as they are)."""
    start = max((m.position for m in check.matches), default=-1) + 1
    added = [_match_row(check, start + i, m) for i, m in enumerate(found)]
    check.matches.extend(added)
    return added


def _match_row(check: Check, position: int, m: screening_check.FoundMatch) -> ScreeningMatch:
    return ScreeningMatch(
        tenant_id=check.tenant_id,
        position=position,
        subject=m.subject[:400],
        subject_role=m.subject_role,
        dataset=m.dataset,
        entity_key=m.entity_key,
        caption=m.caption[:500],
        schema=m.schema,
        topics=m.topics,
        programs=m.programs,
        score=m.score,
        explanation=m.explanation,
        decision=MatchDecision.unreviewed,
        decided_by=None,
    )
