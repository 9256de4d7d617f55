"""Retention: cases, checks, customers and documents go when their time is up, unless a
legal hold keeps them; what they said in the audit trail is erased but the chain stays
verifiable, with a tombstone event recording what went.

A case is due when its ``delete_after`` has passed (0 days: at once), its checks are no
longer running, its webhooks are out and no child case remains. Its checks, checklist,
comments and attachments go with it (the database cascades), and so do the documents
only it used. Files are removed after the transaction commits (see tasks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra.errors import ValidationFailed
from casework.models import (
    AuditEvent,
    Case,
    CaseAttachment,
    Check,
    Customer,
    Document,
    Tenant,
)
from casework.retention import repository

BATCH = 100
SETTING = "retention_days"


def deadline(days: int | None, *, start: datetime) -> datetime | None:
    """When something kept ``days`` days from ``start`` is due (-1 or None: never)."""
    if days is None or days < 0:
        return None
    return start + timedelta(days=days)


def default_days(session: Session, tenant_id: str) -> int | None:
    tenant = session.get(Tenant, tenant_id)
    value = (tenant.settings or {}).get(SETTING) if tenant else None
    return value if isinstance(value, int) else None


def tenant_deadline(
    session: Session, tenant_id: str, days: int | None, *, start: datetime
) -> datetime | None:
    """``deadline`` for ``days``, or for the tenant's default when ``days`` is None."""
    return deadline(days if days is not None else default_days(session, tenant_id), start=start)


def set_default_days(session: Session, *, actor: Principal, days: int | None) -> None:
    """The tenant's retention for new cases, customers and documents that do not give
    their own."""
    if days is not None and not -1 <= days <= 36_500:
        raise ValidationFailed.on("retention_days", "must be between -1 and 36500")
    tenant = session.get(Tenant, actor.tenant_id, with_for_update=True)
    assert tenant is not None
    before = (tenant.settings or {}).get(SETTING)
    if before == days:
        return
    tenant.settings = {**(tenant.settings or {}), SETTING: days}
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.retention_set",
        entity_type="tenant",
        entity_id=tenant.id,
        before={SETTING: before},
        after={SETTING: days},
    )


@dataclass
class Purged:
    cases: int = 0
    checks: int = 0
    customers: int = 0
    documents: int = 0
    files: list[str] = field(default_factory=list)  # storage keys to remove after commit

    def add(self, other: Purged) -> None:
        self.cases += other.cases
        self.checks += other.checks
        self.customers += other.customers
        self.documents += other.documents
        self.files += other.files


def purge_case(session: Session, case: Case) -> Purged:
    """Delete one due case and what only it used; leave a tombstone in its trail."""
    done = Purged(cases=1)
    documents = repository.attached_documents(session, case.id)
    done.checks = repository.check_count(session, case.id)
    _redact(session, case.tenant_id, AuditEvent.case_id == case.id)
    session.execute(delete(Case).where(Case.id == case.id))  # children rows cascade
    for document in documents:
        if not repository.attached_anywhere(session, document.id) and document.customer_id is None:
            done.files.append(document.storage_key)
            session.execute(delete(Document).where(Document.id == document.id))
            done.documents += 1
    audit.record(
        session,
        actor=Principal.system(case.tenant_id, "retention"),
        action="case.purged",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=f"Case {case.number} deleted under its retention period",
        after={"number": case.number, "checks": done.checks, "documents": done.documents},
    )
    return done


def _redact(session: Session, tenant_id: str, where: Any) -> None:
    """Erase the content of matching audit events; the chain keeps their place."""
    audit.erase(session, tenant_id=tenant_id, where=where)


def purge_checks(session: Session, *, now: datetime, limit: int = BATCH) -> int:
    """Checks whose own retention passed, on cases without a legal hold."""
    checks = repository.due_checks(session, now=now, limit=limit)
    for check in checks:
        _redact(session, check.tenant_id, AuditEvent.entity_id == check.id)
        session.execute(delete(Check).where(Check.id == check.id))  # matches cascade
        audit.record(
            session,
            actor=Principal.system(check.tenant_id, "retention"),
            action="check.purged",
            entity_type="check",
            entity_id=check.id,
            case_id=check.case_id,
            message="Check deleted under its retention period",
        )
    return len(checks)


def purge_customers(session: Session, *, now: datetime, limit: int = BATCH) -> Purged:
    """Customers whose retention passed and whom no case refers to any more."""
    done = Purged()
    for customer in repository.due_customers(session, now=now, limit=limit):
        for document in repository.unattached_documents(session, customer.id):
            done.files.append(document.storage_key)
            session.execute(delete(Document).where(Document.id == document.id))
            done.documents += 1
        _redact(session, customer.tenant_id, AuditEvent.entity_id == customer.id)
        session.execute(delete(Customer).where(Customer.id == customer.id))
        audit.record(
            session,
            actor=Principal.system(customer.tenant_id, "retention"),
            action="customer.purged",
            entity_type="customer",
            entity_id=customer.id,
            message="Customer deleted under its retention period",
        )
        done.customers += 1
    return done


def purge_documents(session: Session, *, now: datetime, limit: int = BATCH) -> Purged:
    """Documents whose own retention passed and that no held case keeps."""
    done = Purged()
    for document in repository.due_documents(session, now=now, limit=limit):
        session.execute(delete(CaseAttachment).where(CaseAttachment.document_id == document.id))
        done.files.append(document.storage_key)
        _redact(session, document.tenant_id, AuditEvent.entity_id == document.id)
        session.execute(delete(Document).where(Document.id == document.id))
        audit.record(
            session,
            actor=Principal.system(document.tenant_id, "retention"),
            action="document.purged",
            entity_type="document",
            entity_id=document.id,
            message="Document deleted under its retention period",
        )
        done.documents += 1
    return done


def purge(session: Session, *, now: datetime, limit: int = BATCH) -> Purged:
    """One batch of everything due; the caller commits, then removes ``files``."""
    done = Purged()
    for case in repository.due_cases(session, now=now, limit=limit):
        done.add(purge_case(session, case))
    done.checks += purge_checks(session, now=now, limit=limit)
    done.add(purge_customers(session, now=now, limit=limit))
    done.add(purge_documents(session, now=now, limit=limit))
    session.flush()
    return done
