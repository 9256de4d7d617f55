"""Finishing a run: the results of the checks it ran stored together, rolled up into
their cases (and the parents of child cases), audited, and announced.

The finish runs in one transaction that first makes sure this worker still holds each
check: a worker killed after claiming leaves PROCESSING checks whose lease runs out, and
the sweep hands them to another worker. A finish that finds a check already finished by someone
else leaves it alone, so no result is recorded twice. The webhook events a finish
makes are published in the same transaction, and sent by the same worker right after
it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository as case_repository
from casework.checks import repository, service
from casework.checks.rollup import update_case, update_cases
from casework.infra.jobs import JobContext
from casework.models import Case, Check, WebhookEndpoint
from casework.models.base import utcnow
from casework.models.enums import ProcessingStatus
from casework.processing.claim import Batch
from casework.processing.follow_ups import follow_up
from casework.processing.run import Ran
from casework.webhooks import jobs as webhooks
from casework.webhooks.service import PreparedAttempt


def finish(context: JobContext, ran: list[tuple[Batch, list[Ran]]]) -> list[PreparedAttempt]:
    """Store the results of every batch in one transaction, with the webhook deliveries
    they make; returns those deliveries claimed, to send once it has committed."""
    now = utcnow()
    # One order for every worker: audit chains and cases are locked in it.
    ran = sorted(ran, key=lambda pair: (pair[0].tenant_id, pair[0].case_id))
    announcements: list[tuple[Case, ProcessingStatus | None, list[Check]]] = []
    with context.database.transaction() as session:
        held = repository.lock_ids(
            session, [outcome.claimed.check_id for _, results in ran for outcome in results]
        )
        cases = case_repository.by_ids(session, [b.case_id for b, _ in ran])
        # Read before the audit trail is touched (see webhooks.repository.active_endpoints).
        endpoints = {
            tenant_id: webhooks.active_endpoints(session, tenant_id=tenant_id)
            for tenant_id in sorted({batch.tenant_id for batch, _ in ran})
        }
        finishing: list[tuple[Case, ProcessingStatus | None, list[Check]]] = []
        for batch, results in ran:
            case = cases[batch.case_id]
            stored = [
                (check, outcome)
                for outcome in results
                if (check := _store(held.get(outcome.claimed.check_id), outcome, now))
            ]
            if stored:  # else all finished or taken over by another worker meanwhile
                finishing.append((case, case.processing_status, [c for c, _ in stored]))
                follow_up(session, case, stored)
        rollups = update_cases(session, [case for case, _, _ in finishing])
        for tenant_id in sorted({c.tenant_id for c, _, _ in finishing if _may_call_back(c)}):
            webhooks.ready_case_secret(context, session, tenant_id)
        trails: list[list[audit.Entry]] = []
        for _, group in groupby(finishing, key=lambda item: item[0].tenant_id):
            entries: list[audit.Entry] = []
            for case, was, finished in group:
                entries += [_entry(check, rollups[case.id]) for check in finished]
                if case.parent_case_id:
                    parent = session.get(Case, case.parent_case_id)
                    if parent is not None:
                        parent_was = parent.processing_status
                        update_case(session, parent)
                        announcements.append((parent, parent_was, []))
                announcements.append((case, was, finished))
            trails.append(entries)
        for case, was, finished in announcements:
            tenant_endpoints = endpoints.get(case.tenant_id) or []
            announce(session, case, was, finished, tenant_endpoints, send_later=False)
        claimed = webhooks.publish_here(context, session)
        # Last: appending takes each tenant's chain head until the commit, and every
        # writer of the tenant waits on it, so nothing slow comes after.
        for entries in trails:
            audit.record_many(session, entries)  # tenant by tenant, in the one order
        return claimed


def _may_call_back(case: Case) -> bool:
    """Whether finishing may send to a case's own URL: its own, or its parent's."""
    return bool(case.webhook_url or case.parent_case_id)


def _entry(check: Check, rollup: dict[str, Any]) -> audit.Entry:
    return audit.Entry(
        actor=Principal.system(check.tenant_id),
        action="check.completed" if check.error is None else "check.failed",
        entity_type="check",
        entity_id=check.id,
        case_id=check.case_id,
        # A failure's reason, not only its title, shows in every case log (Sigma's too).
        message=(check.title or "") if check.error is None else f"{check.title}: {check.error}",
        after={
            "type": check.type,
            "attempt": check.attempt,
            "status": check.status,
            "risk_score": check.risk_score,
            "outcome": check.outcome,
            "matches": len(check.matches),
            "error": check.error,
            "case": rollup,
        },
    )


def _completes(case: Case, was: ProcessingStatus | None) -> bool:
    return case.processing_status in _DONE and was not in _DONE


def _store(check: Check | None, ran: Ran, now: datetime) -> Check | None:
    """Write one check's result, if this worker still holds the check."""
    if (
        check is None
        or check.status is not ProcessingStatus.processing
        or check.started_at != ran.claimed.started_at
    ):
        return None
    check.finished_at = now
    check.lease_expires_at = None
    result = ran.result
    if result is None:
        # The reason goes in every field a client may read: the error, and the title,
        # note and reasoning the vendor dialects show.
        reason = ran.error or "the check could not run"
        check.status = ProcessingStatus.error
        check.error = reason
        check.title = (ran.error_title or "The check could not run")[:300]
        check.note = reason
        check.reasoning = [reason]
        return check
    check.status = ProcessingStatus.completed
    check.risk_score = result.risk_score
    check.outcome = result.outcome
    check.title = result.title
    check.note = result.note
    check.reasoning = result.reasoning
    check.evidence = result.evidence
    check.dataset_versions = result.dataset_versions
    service.store_matches(check, result.matches)
    return check


_DONE = (ProcessingStatus.completed, ProcessingStatus.error)


def announce(
    session: Session,
    case: Case,
    was: ProcessingStatus | None,
    checks: list[Check],
    endpoints: Sequence[WebhookEndpoint],
    *,
    send_later: bool = True,
) -> list[str]:
    """Signed webhooks: check.completed for each finished check, case.completed when
    the case's checks (and child cases) are all done, queued in the webhooks' outbox.
    ``endpoints`` are the tenant's: an event nobody receives is not queued. Returns the
    events; without ``send_later`` the caller publishes them in its transaction
    (``webhooks.publish_here``)."""
    events: list[str] = []
    wanted = {t for e in endpoints if e.is_active for t in e.event_types}
    for check in checks if "check.completed" in wanted else []:
        events.append(
            webhooks.emit(
                session,
                tenant_id=case.tenant_id,
                event_type="check.completed",
                subject="check",
                subject_id=check.id,
                case_id=case.id,
                publish_on_commit=send_later,
            )
        )
    if _completes(case, was) and ("case.completed" in wanted or case.webhook_url):
        # A case created through a dialect tells its own webhook_url in that dialect.
        events.append(
            webhooks.emit(
                session,
                tenant_id=case.tenant_id,
                event_type="case.completed",
                subject="case",
                subject_id=case.id,
                case_id=case.id,
                case_url=case.webhook_url,
                url_variant=case.dialect,
                publish_on_commit=send_later,
            )
        )
    return events
