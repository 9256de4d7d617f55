"""The job that runs a case's checks, and the sweep that finds checks to run again.

A check is taken in one short transaction (PROCESSING, with a lease), run with no
transaction open, and finished in another that first makes sure it still holds the
check. A worker killed in between leaves a PROCESSING check whose lease runs out;
the sweep then hands it to another worker. A finish that finds the check already
finished by someone else changes nothing, so no result is recorded twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository as case_repository
from casework.cases.schemas import CaseOut
from casework.checks import repository, runners, service, workflow
from casework.checks.country_risk import CountryRiskView
from casework.checks.policy import OutcomePolicy
from casework.checks.risk_table import tenant_country_risk
from casework.checks.runners import CheckFailed, CheckInputs, CheckResult, CustomerFacts
from casework.checks.schemas import CheckOut
from casework.documents.storage import LocalStorage
from casework.jobs import JobContext, sweeper, task
from casework.models import Case, CaseConfig, Check, Customer, Document
from casework.models.base import utcnow
from casework.models.enums import CheckType, ProcessingStatus
from casework.webhooks import jobs as webhooks

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Claimed:
    check_id: str
    tenant_id: str
    case_id: str
    started_at: datetime
    inputs: CheckInputs
    policy: OutcomePolicy
    country_risk: CountryRiskView
    document_keys: dict[str, str]  # linked document id -> storage key, read outside


@task(service.RUN_CASE)
def run_case(context: JobContext, case_id: str) -> None:
    """Run every runnable check of the case, one at a time."""
    while True:
        claimed = _claim(context, case_id)
        if claimed is None:
            return
        result: CheckResult | None = None
        error: str | None = None
        try:
            result = _execute(context, claimed)
        except CheckFailed as exc:
            error = str(exc)
        except Exception as exc:  # recorded on the check; the case reports ERROR
            log.exception("check %s failed", claimed.check_id)
            error = f"internal error: {type(exc).__name__}"
        _finish(context, claimed, result, error)


def _locked(stmt: Select[Any], session: Session) -> Select[Any]:
    # Two workers on one case: the second skips a check the first has locked.
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def _claim(context: JobContext, case_id: str) -> Claimed | None:
    now = utcnow()
    with context.database.transaction() as session:
        stmt = repository.runnable(case_id, now)
        check = session.scalars(_locked(stmt, session)).first()
        if check is None:
            return None
        case = session.get(Case, check.case_id)
        assert case is not None
        check.status = ProcessingStatus.processing
        check.started_at = now
        check.lease_expires_at = now + timedelta(seconds=context.settings.check_lease_seconds)
        if case.processing_status in (None, ProcessingStatus.pending):
            case.processing_status = ProcessingStatus.processing
        config = session.get(CaseConfig, case.config_id) if case.config_id else None
        return Claimed(
            check_id=check.id,
            tenant_id=check.tenant_id,
            case_id=check.case_id,
            started_at=now,
            inputs=CheckInputs(
                check_type=check.type,
                params=dict(check.params),
                input_details=dict(check.input_details or {}),
                customer=_customer_facts(session, case.customer_id),
                documents={},
                today=now.date(),
            ),
            policy=OutcomePolicy.of(config.outcome_policy if config else None),
            country_risk=tenant_country_risk(session, check.tenant_id),
            document_keys=_document_keys(session, check),
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


def _execute(context: JobContext, claimed: Claimed) -> CheckResult:
    # Files are read here, with no transaction open: on SQLite the claiming one holds
    # the database's write lock.
    storage = LocalStorage(context.settings.documents_dir)
    documents = {
        doc_id: storage.path_for(key).read_bytes() for doc_id, key in claimed.document_keys.items()
    }
    with context.database.session(write=False) as session:
        matcher, versions = context.matchers.get(session)
    run_context = runners.RunContext(
        matcher=matcher if versions else None,
        dataset_versions=versions,
        policy=claimed.policy,
        country_risk=claimed.country_risk,
    )
    return runners.run(replace(claimed.inputs, documents=documents), run_context)


def _finish(
    context: JobContext, claimed: Claimed, result: CheckResult | None, error: str | None
) -> None:
    now = utcnow()
    with context.database.transaction() as session:
        check = repository.get(
            session, tenant_id=claimed.tenant_id, check_id=claimed.check_id, for_update=True
        )
        if (
            check is None
            or check.status is not ProcessingStatus.processing
            or check.started_at != claimed.started_at
        ):
            return  # finished or taken over by another worker meanwhile
        check.finished_at = now
        check.lease_expires_at = None
        if result is None:
            check.status = ProcessingStatus.error
            check.error = error
            check.title = "The check could not run"
        else:
            check.status = ProcessingStatus.completed
            check.risk_score = result.risk_score
            check.outcome = result.outcome
            check.title = result.title
            check.note = result.note
            check.reasoning = result.reasoning
            check.evidence = result.evidence
            check.dataset_versions = result.dataset_versions
            service.store_matches(check, result.matches)
        case = session.get(Case, check.case_id)
        assert case is not None
        if result is not None and check.type is CheckType.ubo_resolution:
            workflow.open_owner_cases(session, case=case, evidence=result.evidence)
        was = case.processing_status
        rollup = service.update_case(session, case)
        if case.parent_case_id:
            parent = session.get(Case, case.parent_case_id)
            if parent is not None:
                parent_was = parent.processing_status
                service.update_case(session, parent)
                _announce(session, parent, parent_was, None)
        _announce(session, case, was, check)
        audit.record(
            session,
            actor=Principal.system(check.tenant_id),
            action="check.completed" if result is not None else "check.failed",
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
                "matches": len(result.matches) if result else 0,
                "error": check.error,
                "case": rollup,
            },
        )


_DONE = (ProcessingStatus.completed, ProcessingStatus.error)


def _announce(
    session: Session, case: Case, was: ProcessingStatus | None, check: Check | None
) -> None:
    """Signed webhooks: check.completed for a finished check, case.completed when the
    case's checks (and child cases) are all done."""
    session.flush()
    if check is not None:
        webhooks.emit(
            session,
            tenant_id=case.tenant_id,
            event_type="check.completed",
            payload=CheckOut.of(check).model_dump(mode="json", by_alias=True),
        )
    if case.processing_status in _DONE and was not in _DONE:
        full = case_repository.get(session, tenant_id=case.tenant_id, case_id=case.id)
        webhooks.emit(
            session,
            tenant_id=case.tenant_id,
            event_type="case.completed",
            payload=CaseOut.of(full).model_dump(mode="json"),
            case_webhook_url=case.webhook_url,
        )


@sweeper
def unfinished_checks(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    with context.database.session(write=False) as session:
        cases = repository.cases_with_unfinished_work(session, utcnow(), SWEEP_BATCH)
    return [(service.RUN_CASE, {"case_id": case_id}) for case_id in cases]
