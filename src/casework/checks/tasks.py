"""The job that runs a case's checks, and the sweep that finds checks to run again.

A case's runnable checks are taken together in one short transaction (PROCESSING,
with a lease), run with no transaction open, and finished together in another that
first makes sure it still holds each check. A worker killed in between leaves
PROCESSING checks whose lease runs out; the sweep then hands them to another worker.
A finish that finds a check already finished by someone else leaves it alone, so no
result is recorded twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository as case_repository
from casework.cases.schemas import CaseOut
from casework.checks import news, repository, runners, service, workflow
from casework.checks.country_risk import CountryRiskView
from casework.checks.policy import OutcomePolicy
from casework.checks.risk_table import tenant_country_risk
from casework.checks.runners import CheckFailed, CheckInputs, CheckResult, CustomerFacts
from casework.checks.schemas import CheckOut
from casework.checks.screening_check import TOPICS
from casework.documents.storage import LocalStorage
from casework.jobs import JobContext, sweeper, task
from casework.models import Case, CaseConfig, Check, Customer, Document, WebhookEndpoint
from casework.models.base import utcnow
from casework.models.enums import CheckType, ProcessingStatus
from casework.monitoring import service as monitoring
from casework.webhooks import jobs as webhooks

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Claimed:
    check_id: str
    tenant_id: str
    started_at: datetime
    inputs: CheckInputs
    document_keys: dict[str, str]  # linked document id -> storage key, read outside


@dataclass(frozen=True)
class Batch:
    """A case's checks taken by one worker, with what they share."""

    tenant_id: str
    case_id: str
    checks: list[Claimed]
    policy: OutcomePolicy
    country_risk: CountryRiskView


@dataclass(frozen=True)
class Ran:
    claimed: Claimed
    result: CheckResult | None
    error: str | None


@task(service.RUN_CASE)
def run_case(context: JobContext, case_id: str) -> None:
    """Run every runnable check of the case: they are taken together, so one claim does.
    (A check that becomes runnable later, a rerun or a stalled one, comes with its own
    job: from the start that queued it, or from the sweep.)"""
    batch = _claim(context, case_id)
    if batch is not None:
        webhooks.send_now(context, _finish(context, batch, _execute(context, batch)))


def _locked(stmt: Select[Any], session: Session) -> Select[Any]:
    # Two workers on one case: the second skips the checks the first has locked.
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def _claim(context: JobContext, case_id: str) -> Batch | None:
    now = utcnow()
    with context.database.transaction() as session:
        checks = list(session.scalars(_locked(repository.runnable(case_id, now), session)))
        if not checks:
            return None
        case = session.get(Case, case_id)
        assert case is not None
        lease = now + timedelta(seconds=context.settings.check_lease_seconds)
        for check in checks:
            check.status, check.started_at, check.lease_expires_at = (
                ProcessingStatus.processing,
                now,
                lease,
            )
        if case.processing_status in (None, ProcessingStatus.pending):
            case.processing_status = ProcessingStatus.processing
        config = session.get(CaseConfig, case.config_id) if case.config_id else None
        customer = _customer_facts(session, case.customer_id)
        return Batch(
            tenant_id=case.tenant_id,
            case_id=case.id,
            checks=[
                Claimed(
                    check_id=check.id,
                    tenant_id=check.tenant_id,
                    started_at=now,
                    inputs=CheckInputs(
                        check_type=check.type,
                        params=dict(check.params),
                        input_details=dict(check.input_details or {}),
                        customer=customer,
                        documents={},
                        today=now.date(),
                    ),
                    document_keys=_document_keys(session, check),
                )
                for check in checks
            ],
            policy=OutcomePolicy.of(config.outcome_policy if config else None),
            country_risk=tenant_country_risk(session, case.tenant_id),
        )


def _customer_facts(session: Session, customer_id: str | None) -> CustomerFacts | None:
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        return None
    names = [n for n in (customer.full_name_en, customer.full_name) if n]
    countries = tuple(c for c in (customer.country, customer.nationality) if c)
    return CustomerFacts(
        customer_type=customer.customer_type,
        name=names[0],
        aliases=tuple(dict.fromkeys(names[1:])),
        birth_date=customer.birth_date,
        countries=tuple(dict.fromkeys(countries)),
        input_details=dict(customer.input_details or {}),
    )


def _document_keys(session: Session, check: Check) -> dict[str, str]:
    if not check.document_ids:
        return {}
    rows = session.execute(
        select(Document.id, Document.storage_key).where(
            Document.tenant_id == check.tenant_id, Document.id.in_(check.document_ids)
        )
    )
    return {row.id: row.storage_key for row in rows}


def _execute(context: JobContext, batch: Batch) -> list[Ran]:
    with context.database.session(write=False) as session:
        matcher, versions = context.matchers.get(session)
    try:
        provider, news_error = news.load_provider(context.settings.news_provider), None
    except ValueError as exc:  # a bad setting fails the checks that need it, visibly
        log.error("%s", exc)
        provider, news_error = None, str(exc)
    run_context = runners.RunContext(
        matcher=matcher if versions else None,
        dataset_versions=versions,
        policy=batch.policy,
        country_risk=batch.country_risk,
        news=provider,
    )
    # Files are read here, with no transaction open: on SQLite the claiming one holds
    # the database's write lock.
    storage = LocalStorage(context.settings.documents_dir)
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
            ran.append(Ran(claimed, None, str(exc)))
        except Exception as exc:  # recorded on the check; the case reports ERROR
            log.exception("check %s failed", claimed.check_id)
            ran.append(Ran(claimed, None, f"internal error: {type(exc).__name__}"))
    return ran


def _finish(context: JobContext, batch: Batch, ran: list[Ran]) -> list[str]:
    """Store the results; returns the webhook deliveries to send once committed."""
    now = utcnow()
    deliveries: list[str] = []
    with context.database.transaction() as session:
        case = session.get(Case, batch.case_id)
        assert case is not None
        was = case.processing_status
        held = repository.lock_many(
            session, tenant_id=batch.tenant_id, check_ids=[r.claimed.check_id for r in ran]
        )
        stored = [
            (check, outcome)
            for outcome in ran
            if (check := _store(held.get(outcome.claimed.check_id), outcome, now))
        ]
        if not stored:
            return []  # all finished or taken over by another worker meanwhile
        endpoints = webhooks.active_endpoints(session, tenant_id=batch.tenant_id)
        finished = [check for check, _ in stored]
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
        rollup = service.update_case(session, case)
        for check in finished:
            audit.record(
                session,
                actor=Principal.system(batch.tenant_id),
                action="check.completed" if check.error is None else "check.failed",
                entity_type="check",
                entity_id=check.id,
                case_id=check.case_id,
                message=check.title or "",
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
        if case.parent_case_id:
            parent = session.get(Case, case.parent_case_id)
            if parent is not None:
                parent_was = parent.processing_status
                service.update_case(session, parent)
                deliveries += announce(session, parent, parent_was, [], endpoints, send_later=False)
        deliveries += announce(session, case, was, finished, endpoints, send_later=False)
    return deliveries


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
        check.status = ProcessingStatus.error
        check.error = ran.error
        check.title = "The check could not run"
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
    the case's checks (and child cases) are all done. ``endpoints`` are the tenant's,
    read (and so locked) before anything was appended to the audit trail. Returns the
    deliveries; without ``send_later`` the caller sends them once it has committed."""
    session.flush()
    deliveries: list[str] = []
    for check in checks:
        deliveries += webhooks.emit(
            session,
            tenant_id=case.tenant_id,
            event_type="check.completed",
            payload=CheckOut.of(check).model_dump(mode="json", by_alias=True),
            endpoints=endpoints,
            case_id=case.id,
            send_later=send_later,
        )
    if case.processing_status in _DONE and was not in _DONE:
        full = case_repository.get(session, tenant_id=case.tenant_id, case_id=case.id)
        deliveries += webhooks.emit(
            session,
            tenant_id=case.tenant_id,
            event_type="case.completed",
            payload=CaseOut.of(full).model_dump(mode="json"),
            case_webhook_url=case.webhook_url,
            endpoints=endpoints,
            case_id=case.id,
            send_later=send_later,
        )
    return deliveries


@sweeper
def unfinished_checks(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    with context.database.session(write=False) as session:
        cases = repository.cases_with_unfinished_work(session, utcnow(), SWEEP_BATCH)
    return [(service.RUN_CASE, {"case_id": case_id}) for case_id in cases]
