"""Taking runnable checks for a worker: one short transaction marks them PROCESSING
with a lease and copies out everything running them needs.

Work is taken a case at a time (all its runnable checks together) and, when draining,
several cases at once, so that one claim and one finish serve many checks. On
PostgreSQL the rows are locked with SKIP LOCKED: two workers take different cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.checks import repository
from casework.checks.country_risk import CountryRiskView
from casework.checks.policy import OutcomePolicy
from casework.checks.risk_table import tenant_country_risk
from casework.checks.runners import CheckInputs, CustomerFacts
from casework.models import Case, CaseConfig, Check, Customer, Document
from casework.models.enums import ProcessingStatus


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


def _locked(stmt: Select[Any], session: Session) -> Select[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt  # SQLite: the writing transaction holds the database's write lock


def claim(
    session: Session, *, now: datetime, lease: timedelta, case_id: str | None, cases: int
) -> list[Batch]:
    """Take the runnable checks of one case (``case_id``), or of up to ``cases`` cases."""
    stmt = repository.runnable(now, case_id=case_id)
    if case_id is None:
        stmt = stmt.limit(cases * 4)  # a case has a few checks; the rest wait their turn
    checks = list(session.scalars(_locked(stmt, session)))
    if not checks:
        return []
    by_case: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        by_case[check.case_id].append(check)
    wanted = sorted(by_case)[: cases if case_id is None else 1]
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))}
    customers = _customers(session, [c.customer_id for c in found.values() if c.customer_id])
    configs = _configs(session, [c.config_id for c in found.values() if c.config_id])
    risk: dict[str, CountryRiskView] = {}
    keys = _document_keys(session, [c for case in wanted for c in by_case[case]])
    batches = []
    for case_id_ in wanted:
        case = found[case_id_]
        if case.processing_status in (None, ProcessingStatus.pending):
            case.processing_status = ProcessingStatus.processing
        config = configs.get(case.config_id) if case.config_id else None
        customer = customers.get(case.customer_id) if case.customer_id else None
        if case.tenant_id not in risk:
            risk[case.tenant_id] = tenant_country_risk(session, case.tenant_id)
        claimed = []
        for check in by_case[case_id_]:
            check.status = ProcessingStatus.processing
            check.started_at, check.lease_expires_at = now, now + lease
            claimed.append(
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
                    document_keys=keys.get(check.id, {}),
                )
            )
        batches.append(
            Batch(
                tenant_id=case.tenant_id,
                case_id=case.id,
                checks=claimed,
                policy=OutcomePolicy.of(config.outcome_policy if config else None),
                country_risk=risk[case.tenant_id],
            )
        )
    return batches


def _customers(session: Session, ids: list[str]) -> dict[str, CustomerFacts]:
    if not ids:
        return {}
    return {
        customer.id: _facts(customer)
        for customer in session.scalars(select(Customer).where(Customer.id.in_(set(ids))))
    }


def _facts(customer: Customer) -> CustomerFacts:
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


def _configs(session: Session, ids: list[str]) -> dict[str, CaseConfig]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(CaseConfig).where(CaseConfig.id.in_(set(ids))))}


def _document_keys(session: Session, checks: list[Check]) -> dict[str, dict[str, str]]:
    """Storage keys of the documents each check names (of the check's own tenant)."""
    wanted = [c for c in checks if c.document_ids]
    if not wanted:
        return {}
    rows = session.execute(
        select(Document.id, Document.tenant_id, Document.storage_key).where(
            Document.id.in_({d for c in wanted for d in c.document_ids})
        )
    )
    stored = {(row.tenant_id, row.id): row.storage_key for row in rows}
    return {
        check.id: {
            doc: stored[(check.tenant_id, doc)]
            for doc in check.document_ids
            if (check.tenant_id, doc) in stored
        }
        for check in wanted
    }
