"""The jobs that run checks, and the sweep that finds checks to run again.

Runnable checks are taken, a case's together and several cases at once, in one short
transaction (PROCESSING, with a lease; see ``claim``), run with no transaction open,
and finished together in another that first makes sure it still holds each check. A
worker killed in between leaves PROCESSING checks whose lease runs out; the sweep then
hands them to another worker. A finish that finds a check already finished by someone
else leaves it alone, so no result is recorded twice. The webhook events a finish
queues are published by the same worker right after it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.checks import news, repository, runners, service, workflow
from casework.checks.claim import Batch, Claimed, claim
from casework.checks.runners import CheckFailed, CheckResult
from casework.checks.screening_check import TOPICS
from casework.documents.storage import LocalStorage
from casework.jobs import JobContext, sweeper, task
from casework.models import Case, Check, WebhookEndpoint
from casework.models.base import utcnow
from casework.models.enums import CheckType, ProcessingStatus
from casework.monitoring import service as monitoring
from casework.screening import scope
from casework.webhooks import jobs as webhooks

log = logging.getLogger(__name__)
DRAIN_CASES = 16  # cases per claim and finish when draining


@dataclass(frozen=True)
class Ran:
    claimed: Claimed
    result: CheckResult | None
    error: str | None
    error_title: str | None = None  # what the check shows when it could not run


@task(service.DRAIN)
def drain(context: JobContext) -> None:
    """Run queued checks, several cases per transaction, until none is left."""
    while _run(context, case_id=None):
        pass


@task(service.RUN_CASE)
def run_case(context: JobContext, case_id: str) -> None:
    """Run every runnable check of one case."""
    _run(context, case_id=case_id)


def _run(context: JobContext, *, case_id: str | None) -> bool:
    """One claim, run and finish; False when there was nothing to take."""
    now = utcnow()
    lease = timedelta(seconds=context.settings.check_lease_seconds)
    with context.database.transaction() as session:
        batches = claim(session, now=now, lease=lease, case_id=case_id, cases=DRAIN_CASES)
    if not batches:
        return False
    run_claimed(context, batches)
    return True


def run_claimed(context: JobContext, batches: list[Batch]) -> None:
    """Run checks already taken with ``claim`` and store their results.

    For a caller that claims in a transaction of its own: the demo takes a new case's
    checks in the transaction that creates the case, so no worker can take them first.
    """
    webhooks.publish_now(context, _finish(context, _execute(context, batches)), trail=False)


def _execute(context: JobContext, batches: list[Batch]) -> list[tuple[Batch, list[Ran]]]:
    with context.database.session(write=False) as session:
        matcher, versions = context.matchers.get(session)
        # Each tenant searches the shared lists and its own, never another tenant's.
        lists = {
            tenant_id: scope.searchable(
                session,
                tenant_id=tenant_id,
                held=versions,
                max_age_days=context.settings.list_max_age_days,
            )
            for tenant_id in {batch.tenant_id for batch in batches}
        }
    try:
        provider, news_error = news.load_provider(context.settings.news_provider), None
    except ValueError as exc:  # a bad setting fails the checks that need it, visibly
        log.error("%s", exc)
        provider, news_error = None, str(exc)
    # Files are read here, with no transaction open: on SQLite the claiming one holds
    # the database's write lock.
    storage = LocalStorage(context.settings.documents_dir)
    done = []
    for batch in batches:
        run_context = runners.RunContext(
            matcher=matcher if versions else None,
            lists=lists[batch.tenant_id],
            policy=batch.policy,
            country_risk=batch.country_risk,
            news=provider,
        )
        ran = []
        for claimed in batch.checks:
            if news_error and claimed.inputs.check_type is CheckType.adverse_media:
                ran.append(Ran(claimed, None, news_error))
                continue
            try:
                documents = {
                    doc_id: storage.path_for(key).read_bytes()
                    for doc_id, key in claimed.document_keys.items()
                }
                result = runners.run(replace(claimed.inputs, documents=documents), run_context)
                ran.append(Ran(claimed, result, None))
            except CheckFailed as exc:
                ran.append(Ran(claimed, None, str(exc), exc.title))
            except Exception as exc:  # recorded on the check; the case reports ERROR
                log.exception("check %s failed", claimed.check_id)
                ran.append(Ran(claimed, None, f"internal error: {type(exc).__name__}"))
        done.append((batch, ran))
    return done


def _finish(context: JobContext, ran: list[tuple[Batch, list[Ran]]]) -> list[str]:
    """Store the results of every batch in one transaction; returns the tenants whose
    webhook events it queued, to publish once it has committed."""
    now = utcnow()
    # One order for every worker: audit chains and cases are locked in it.
    ran = sorted(ran, key=lambda pair: (pair[0].tenant_id, pair[0].case_id))
    announcements: list[tuple[Case, ProcessingStatus | None, list[Check]]] = []
    with context.database.transaction() as session:
        held = repository.lock_ids(
            session, [outcome.claimed.check_id for _, results in ran for outcome in results]
        )
        cases = {
            case.id: case
            for case in session.scalars(
                select(Case).where(Case.id.in_([b.case_id for b, _ in ran]))
            )
        }
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
                _follow_up(session, case, stored)
        rollups = service.update_cases(session, [case for case, _, _ in finishing])
        for _, group in groupby(finishing, key=lambda item: item[0].tenant_id):
            entries: list[audit.Entry] = []
            for case, was, finished in group:
                entries += [_entry(check, rollups[case.id]) for check in finished]
                if case.parent_case_id:
                    parent = session.get(Case, case.parent_case_id)
                    if parent is not None:
                        parent_was = parent.processing_status
                        service.update_case(session, parent)
                        announcements.append((parent, parent_was, []))
                announcements.append((case, was, finished))
            audit.record_many(session, entries)  # tenant by tenant, in the one order
        queued: set[str] = set()
        for case, was, finished in announcements:
            if announce(
                session, case, was, finished, endpoints.get(case.tenant_id) or [], send_later=False
            ):
                queued.add(case.tenant_id)
        return sorted(queued)


def _follow_up(session: Session, case: Case, stored: list[tuple[Check, Ran]]) -> None:
    """What a finished check leads to: owners' cases for a dual config, monitoring."""
    for check, outcome in stored:
        if outcome.result is None:
            continue
        if check.type is CheckType.ubo_resolution:
            workflow.open_owner_cases(session, case=case, evidence=outcome.result.evidence)
        elif check.type in TOPICS and monitoring.monitoring_on(session, case):
            subjects = runners.screening_subjects(outcome.claimed.inputs)
            monitoring.enrol(
                session, case=case, check=check, subjects=[s.as_dict() for s in subjects]
            )


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
    events; without ``send_later`` the caller publishes them once it has committed."""
    session.flush()
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


@sweeper
def unfinished_checks(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    with context.database.session(write=False) as session:
        waiting = repository.cases_with_unfinished_work(session, utcnow(), 1)
    return [(service.DRAIN, {})] if waiting else []
