"""Who is monitored, and the runs a new list version calls for.

A customer is enrolled when a screening check of theirs completes on a case whose config
has monitoring on (the default for a config with screening checks). Enrolment keeps
what the check screened, so a rescreen asks exactly the same question of the new
entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra import persist
from casework.infra.errors import NotFound
from casework.infra.ids import new_id
from casework.infra.jobs import Job
from casework.models import Case, CaseConfig, Check, MonitoredCustomer, MonitoringRun
from casework.models.base import utcnow
from casework.monitoring import repository

RESCREEN = Job("monitoring.rescreen")


def monitoring_on(session: Session, case: Case) -> bool:
    """The case config's setting; a case without a config is not monitored."""
    config = session.get(CaseConfig, case.config_id) if case.config_id else None
    return bool(config and config.monitoring)


def enrol(
    session: Session,
    *,
    case: Case,
    check: Check,
    subjects: Sequence[dict[str, Any]],
) -> MonitoredCustomer | None:
    """Monitor the case's customer for this check type (create or refresh)."""
    if case.customer_id is None:
        return None
    now = utcnow()
    # Two cases of one customer may finish at once: insert-or-nothing, then lock.
    insert = persist.insert_or_ignore(session, MonitoredCustomer)
    session.execute(
        insert.values(
            id=new_id(),
            tenant_id=case.tenant_id,
            customer_id=case.customer_id,
            case_id=case.id,
            checks={},
            subjects=list(subjects),
            enrolled_at=now,
            updated_at=now,
        ).on_conflict_do_nothing(index_elements=["tenant_id", "customer_id"])
    )
    monitored = repository.lock_enrolment(
        session, tenant_id=case.tenant_id, customer_id=case.customer_id, reread=True
    )
    assert monitored is not None
    params = {k: check.params[k] for k in ("threshold", "datasets") if k in check.params}
    monitored.checks = {**monitored.checks, check.type.value: params}
    monitored.subjects = list(subjects)
    monitored.case_id = case.id
    monitored.updated_at = now
    return monitored


def list_monitored(
    session: Session,
    *,
    actor: Principal,
    customer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[MonitoredCustomer], str | None]:
    return repository.enrolment_page(
        session, tenant_id=actor.tenant_id, customer_id=customer_id, cursor=cursor, limit=limit
    )


def stop(session: Session, *, actor: Principal, customer_id: str) -> None:
    """Stop monitoring a customer (a later screening with monitoring on enrols again)."""
    monitored = repository.lock_enrolment(
        session, tenant_id=actor.tenant_id, customer_id=customer_id
    )
    if monitored is None:
        raise NotFound(f"customer {customer_id} is not monitored")
    before = {"checks": monitored.checks, "case_id": monitored.case_id}
    session.delete(monitored)
    audit.record(
        session,
        actor=actor,
        action="monitoring.stopped",
        entity_type="customer",
        entity_id=customer_id,
        message="Ongoing monitoring stopped",
        before=before,
    )


def schedule(session: Session, *, dataset_id: str, version: int) -> MonitoringRun:
    """A run for a new list version, started once the import commits (or by the sweep)."""
    run = MonitoringRun(id=new_id(), dataset_id=dataset_id, version=version, status="pending")
    session.add(run)
    RESCREEN.defer(session, run_id=run.id)
    return run
