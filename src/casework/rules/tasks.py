"""The evaluation job: a stored batch of transactions against the tenant's rules.

Three steps, so that no transaction is held open while rules run. A short one claims
the batch's row with a lease; the rules run on a read of the customers' histories;
one transaction writes the alerts and cases and deletes the row, after checking this
worker still holds the lease. A worker killed anywhere leaves the row, and the sweep
hands it to another when the lease runs out: the batch is evaluated, exactly once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from casework.ids import new_id
from casework.jobs import JobContext, sweeper, task
from casework.models import Tenant
from casework.models.base import utcnow
from casework.persist import in_chunks
from casework.rules import engine, grouping, history, repository
from casework.rules.engine import Found
from casework.rules.evaluate import Txn
from casework.rules.service import EVALUATE, settings_of

log = logging.getLogger(__name__)
# A batch nobody has claimed this long after it was stored lost its job.
UNCLAIMED_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    pending_id: str
    claim_id: str
    tenant_id: str
    transaction_ids: list[str]


@dataclass
class Evaluated:
    found: list[Found]
    amounts: dict[str, Decimal]
    transactions: int


@task(EVALUATE)
def evaluate_pending(context: JobContext, pending_id: str) -> None:
    claim = _claim(context, pending_id)
    if claim is None:
        return
    with context.database.session(write=False) as session:
        evaluated = evaluate(
            session, tenant_id=claim.tenant_id, transaction_ids=claim.transaction_ids
        )
    now = utcnow()
    with context.database.transaction() as session:
        pending = repository.lock_pending(session, claim.pending_id, claim_id=claim.claim_id)
        if pending is None:
            return  # the lease ran out and another worker took the batch
        tenant = session.get(Tenant, claim.tenant_id)
        if tenant is not None and evaluated.found:
            recorded = grouping.record(
                session,
                tenant_id=claim.tenant_id,
                found=evaluated.found,
                amounts=evaluated.amounts,
                settings=settings_of(tenant),
                now=now,
            )
            log.info(
                "evaluated %d transaction(s): %d alert(s), %d case(s) opened, %d updated",
                evaluated.transactions,
                recorded.alerts,
                len(recorded.opened),
                len(recorded.updated),
            )
        session.delete(pending)


def evaluate(session: Session, *, tenant_id: str, transaction_ids: list[str]) -> Evaluated:
    """The tenant's enabled rules on these stored transactions (pure reads)."""
    rules = engine.enabled_rules(session, tenant_id=tenant_id)
    if not rules:
        return Evaluated([], {}, 0)
    # Which customers, and from when: the transactions themselves come with the history.
    wanted: dict[str, set[str]] = defaultdict(set)
    earliest = latest = None
    for chunk in in_chunks(transaction_ids):
        for row in repository.transaction_heads(session, chunk):
            if row.tenant_id != tenant_id:
                continue
            wanted[row.customer_id].add(row.id)
            earliest = row.occurred_at if earliest is None else min(earliest, row.occurred_at)
            latest = row.occurred_at if latest is None else max(latest, row.occurred_at)
    if earliest is None or latest is None:
        return Evaluated([], {}, 0)  # their customers were deleted meanwhile
    needs = history.Needs.of(rule.condition for rule in rules)
    # Nothing after the batch's last transaction can be history of any of them.
    histories = history.load(
        session,
        tenant_id=tenant_id,
        customers=list(wanted),
        earliest=earliest,
        needs=needs,
        until=latest + timedelta(microseconds=1),
    )
    batch: dict[str, list[Txn]] = {
        customer_id: [t for t in histories.by_customer.get(customer_id, []) if t.id in ids]
        for customer_id, ids in wanted.items()
    }
    history.deepen(session, tenant_id=tenant_id, histories=histories, evaluated=batch, needs=needs)
    found = engine.run(rules, batch, histories, engine.CountryRisk.of(session, tenant_id))
    return Evaluated(found, histories.amounts(), sum(len(v) for v in batch.values()))


def _claim(context: JobContext, pending_id: str) -> Claim | None:
    now = utcnow()
    with context.database.transaction() as session:
        pending = repository.lock_pending(session, pending_id)
        if pending is None:
            return None
        if pending.lease_expires_at is not None and pending.lease_expires_at > now:
            return None  # a live worker has it
        pending.claim_id = new_id()
        pending.lease_expires_at = now + timedelta(seconds=context.settings.check_lease_seconds)
        pending.attempts += 1
        return Claim(pending.id, pending.claim_id, pending.tenant_id, list(pending.transaction_ids))


@sweeper
def unevaluated(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    now = utcnow()
    with context.database.session(write=False) as session:
        found = repository.unevaluated(session, now=now, unclaimed_after=UNCLAIMED_AFTER, limit=200)
    return [(EVALUATE, {"pending_id": pending_id}) for pending_id in found]
