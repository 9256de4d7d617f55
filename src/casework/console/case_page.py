"""The case page: everything about one case on one screen, and the forms that work it.

The case and its parts are read, through the features' repositories, in a fixed, small
number of queries whatever the case holds: the case with its checklist, comments and
attachments; its current checks with their matches; a page of its audit trail; its
linked transactions and rule hits; and the names of the people it mentions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.auth import repository as auth
from casework.auth.permissions import Permission
from casework.cases import repository, state
from casework.cases.schemas import is_overdue
from casework.checks import service as checks
from casework.console.ownership_graph import OwnershipView, ownership_view
from casework.console.routing import ConsoleRoute
from casework.console.templating import label, redirect, render
from casework.console.web import Viewer, allowed
from casework.decisions import repository as decisions
from casework.infra.dependencies import DbSession
from casework.models import (
    Alert,
    AuditEvent,
    Case,
    Check,
    Decision,
    ScreeningMatch,
    Transaction,
    User,
)
from casework.models.base import utcnow
from casework.models.enums import (
    CheckType,
    CreatedByType,
    MatchDecision,
    ProcessingStatus,
    Resolution,
)
from casework.models.enums import ReviewStatus as S
from casework.reports import formats
from casework.reports import repository as report_repository
from casework.reports.deadlines import deadline_of
from casework.rules import repository as rules
from casework.transactions import repository as transactions
from casework.users import repository as users

router = APIRouter(route_class=ConsoleRoute)

Reader = Annotated[Viewer, allowed(Permission.case_read)]
TIMELINE_PAGE = 100
LINKED_ROWS = 200
EVIDENCE_CHARS = 20_000
_NUMBER_DIGITS = 18  # a case number, never a 24-character id
CHECK_NAMES = {
    CheckType.sanctions: "Sanctions screening",
    CheckType.pep: "PEP screening",
    CheckType.adverse_media: "Adverse media",
    CheckType.ubo_resolution: "Beneficial ownership (UBO)",
    CheckType.jurisdiction: "Jurisdiction risk",
    CheckType.transaction_risk: "Transaction risk",
}
ORIGINS = {
    CreatedByType.by_officer: "Opened by an officer",
    CreatedByType.by_api: "Opened through the API",
    CreatedByType.by_rule: "Opened by a monitoring rule",
    CreatedByType.by_workflow: "Opened by a workflow",
    CreatedByType.by_ongoing_aml_hit: "Opened by ongoing screening",
}


@dataclass(frozen=True)
class Feature:
    name: str
    text: str
    effect: str


@dataclass(frozen=True)
class MatchView:
    match: ScreeningMatch
    features: list[Feature]
    link: str | None
    decided_by: str | None

    @property
    def matched_alias(self) -> str | None:
        """The listed name that matched, when it is an alias rather than the caption."""
        name = self.match.explanation.get("name")
        candidate = name.get("candidate") if isinstance(name, dict) else None
        if isinstance(candidate, str) and candidate and candidate != self.match.caption:
            return candidate
        return None


@dataclass
class CheckView:
    check: Check
    matches: list[MatchView] = field(default_factory=list)
    ownership: OwnershipView | None = None
    evidence_json: str = ""

    @property
    def screening(self) -> bool:
        return self.check.type in checks.SCREENING

    @property
    def decidable(self) -> bool:
        return self.check.status is ProcessingStatus.completed


@router.get("/cases/by-number/{number}")
def case_by_number(number: int, session: DbSession, viewer: Reader) -> Response:
    case_id = repository.number_to_id(session, tenant_id=viewer.tenant_id, number=number)
    return redirect(f"/console/cases/{case_id}")


@router.get("/cases/{case_id}")
def case_page(
    case_id: str,
    request: Request,
    session: DbSession,
    viewer: Reader,
    before: Annotated[int | None, Query(ge=1, description="Older audit events")] = None,
) -> Response:
    if case_id.isdigit() and len(case_id) <= _NUMBER_DIGITS:
        return case_by_number(int(case_id), session, viewer)
    case = repository.get(session, tenant_id=viewer.tenant_id, case_id=case_id)
    current = checks.current_checks(session, tenant_id=viewer.tenant_id, case_id=case.id)
    events, older = _timeline(session, case, before)
    names = _user_names(session, case, current)
    waiting = decisions.pending_of_case(session, tenant_id=viewer.tenant_id, case_id=case.id)
    pending = next((d for d in waiting if d.id == case.pending_decision_id), None)
    context = {
        "case": case,
        "overdue": is_overdue(case, utcnow()),
        "open_tasks": sum(1 for t in case.tasks if not t.done),
        "origin": ORIGINS.get(case.created_by_type, "Opened"),
        "provenance": _provenance(session, case, names),
        "resolved_by": names.get(case.resolved_by_id or ""),
        "override": _checklist_override(session, case),
        "pending": pending,
        "waiting": waiting,
        "checks": [_check_view(c, names) for c in current],
        "transactions": _transactions(session, case),
        "alerts": _alerts(session, case),
        "events": events,
        "older": older,
        "actions": _actions(session, viewer, case, current, pending, waiting),
        "resolutions": list(Resolution),
        "check_names": CHECK_NAMES,
        "reports": [
            (r, deadline_of(r))
            for r in report_repository.of_case(session, tenant_id=viewer.tenant_id, case_id=case.id)
        ],
        "report_labels": formats.LABELS,
        "report_codes": {name: formats.codes(name) for name in formats.FORMATS},
    }
    return render(request, "case.html", context)


def _timeline(
    session: Session, case: Case, before: int | None
) -> tuple[list[AuditEvent], int | None]:
    """A page of the case's audit events, newest first, and where the next page starts."""
    rows = repository.log(
        session,
        tenant_id=case.tenant_id,
        case_id=case.id,
        newest_first=True,
        before=before,
        limit=TIMELINE_PAGE + 1,
    )
    if len(rows) > TIMELINE_PAGE:
        return rows[:TIMELINE_PAGE], rows[TIMELINE_PAGE - 1].seq
    return rows, None


def _checklist_override(session: Session, case: Case) -> dict[str, Any] | None:
    """Who resolved the case over open checklist items, with how many and why."""
    if case.resolution is None:
        return None
    event = repository.last_event(
        session, tenant_id=case.tenant_id, case_id=case.id, action="case.resolved"
    )
    override = (event.after or {}).get("checklist_override") if event else None
    if not isinstance(override, dict) or event is None:
        return None
    return {
        "by": event.actor_name,
        "reason": override.get("reason"),
        "open_items": override.get("open_items") or [],
    }


def _user_names(session: Session, case: Case, current: list[Check]) -> dict[str, str]:
    """The names of the users the page mentions that are not loaded with the case."""
    wanted = {case.created_by_user_id, case.resolved_by_id}
    wanted |= {m.decided_by_id for c in current for m in c.matches}
    return users.names(session, tenant_id=case.tenant_id, ids={i for i in wanted if i})


def _provenance(session: Session, case: Case, names: dict[str, str]) -> str:
    """Who opened the case: an officer, an API client (acting for a user), or a rule."""
    rule = case.created_by_rule
    if rule:
        return f"rule {rule.get('title') or rule.get('name')} (revision {rule.get('revision')})"
    parts = []
    if case.created_by_client_id:
        client = auth.client_name(
            session, tenant_id=case.tenant_id, api_client_id=case.created_by_client_id
        )
        parts.append(f"API client {client or case.created_by_client_id}")
    user = names.get(case.created_by_user_id or "")
    if user:
        parts.append(f"for {user}" if parts else user)
    return " ".join(parts) or "the system"


def _check_view(check: Check, names: dict[str, str]) -> CheckView:
    view = CheckView(check=check)
    if check.type in checks.SCREENING:
        view.matches = [
            MatchView(
                m,
                _features(m.explanation),
                _safe_url(m.explanation.get("url")),
                names.get(m.decided_by_id or ""),
            )
            for m in check.matches
        ]
    if check.type is CheckType.ubo_resolution and check.evidence:
        view.ownership = ownership_view(check.evidence, check.id)
    if check.evidence:
        text = json.dumps(check.evidence, indent=2, sort_keys=True, default=str)
        view.evidence_json = (
            text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "\n… (shortened)"
        )
    return view


def _features(explanation: dict[str, Any]) -> list[Feature]:
    """What the matcher stored per compared feature: its words and its effect on the score."""
    if explanation.get("kind") == "news":
        return [
            Feature(title, str(explanation[key]), "")
            for key, title in (
                ("source", "Source"),
                ("published", "Published"),
                ("snippet", "Snippet"),
                ("relevance", "Relevance"),
            )
            if explanation.get(key)
        ]
    features = []
    for key, part in explanation.items():
        if not isinstance(part, dict):
            continue
        if "adjustment" in part:
            effect = f"{float(part['adjustment']):+.3f}"
        elif "score" in part:
            effect = f"{float(part['score']):.3f}"
        else:
            effect = ""
        features.append(Feature(label(key), str(part.get("text", "")), effect))
    return features


def _safe_url(value: object) -> str | None:
    """Only web addresses become links: a stored ``javascript:`` URL stays text."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


def _transactions(session: Session, case: Case) -> list[Transaction]:
    return transactions.linked_to_case(
        session, tenant_id=case.tenant_id, case_id=case.id, limit=LINKED_ROWS
    )


def _alerts(session: Session, case: Case) -> list[tuple[Alert, str]]:
    """The rule hits gathered into the case, each with the title of the revision that hit."""
    return rules.alerts_of_case(
        session, tenant_id=case.tenant_id, case_id=case.id, limit=LINKED_ROWS
    )


def _people(session: Session, tenant_id: str) -> list[User]:
    return users.active_people(session, tenant_id=tenant_id)


def _actions(
    session: Session,
    viewer: Viewer,
    case: Case,
    current: list[Check],
    pending: Decision | None,
    waiting: list[Decision],
) -> dict[str, Any]:
    """Which forms the viewer gets: each needs its permission and a state that allows it."""
    working = case.review_status in state.WORKING
    targets = state.TRANSITIONS[case.review_status]
    can_resolve = viewer.can(Permission.case_resolve)
    free = pending is None  # a pending decision holds the case until it is decided
    moves = [
        s for s in targets if s is not S.resolved and (s is not S.closed or (can_resolve and free))
    ]
    busy = any(
        c.status is ProcessingStatus.processing
        or (c.status is ProcessingStatus.pending and c.queued_at is not None)
        for c in current
    )
    assign = working and viewer.can(Permission.case_assign)
    escalate = working and viewer.can(Permission.case_escalate)
    people = _people(session, viewer.tenant_id) if assign or escalate else []
    update = viewer.can(Permission.case_update)
    return {
        "assign": assign,
        "assignees": [u for u in people if Permission.case_assign.value in u.role.permissions],
        "escalate": escalate,
        "reassign": viewer.can(Permission.case_assign),
        "people": people,
        "moves": moves if update else [],
        "resolve": update and can_resolve and free and S.resolved in targets,
        "override": viewer.can(Permission.case_override_checklist),
        "reopen": can_resolve and case.review_status in state.REOPEN_FROM,
        "rerun": update and bool(current) and not busy,
        "first_run": all(c.status is ProcessingStatus.pending for c in current),
        "hold": viewer.can(Permission.config_manage),
        # Never the person who proposed it, nor who drafted a report (the service
        # refuses them too).
        "approvable": [
            d
            for d in waiting
            if viewer.can(Permission.case_approve)
            and d.proposed_by_user_id != viewer.user_id
            and viewer.user_id not in d.change.get("authors", [])
        ],
        "report": viewer.can(Permission.report_write),
        "tasks": update and working,
        "decide": update,
        "comment": viewer.can(Permission.case_comment),
        "upload": update and viewer.can(Permission.document_write),
        "download": viewer.can(Permission.document_read),
        "decisions": [MatchDecision.false_positive, MatchDecision.true_positive],
    }
