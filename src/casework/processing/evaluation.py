"""The evaluation job: a stored batch of transactions against the tenant's rules, the
hits written as alerts on cases (``alerts``).

Three steps, so that no transaction is held open while rules run. A short one claims
the batch's row with a lease; the rules run on a read of the customers' histories;
one transaction writes the alerts and cases and deletes the row, after checking this
worker still holds the lease. A worker killed anywhere leaves the row, and the sweep
hands it to another when the lease runs out: the batch is evaluated, exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from casework.infra.ids import new_id
from casework.infra.jobs import JobContext, Work
from casework.models import Tenant
from casework.models.base import utcnow
from casework.processing import alerts
from casework.rules import repository
from casework.rules.engine import evaluate_stored
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


def evaluate_pending(context: JobContext, pending_id: str) -> None:
    claim = _claim(context, pending_id)
    if claim is None:
        return
    with context.database.session(write=False) as session:
        evaluated = evaluate_stored(
            session, tenant_id=claim.tenant_id, transaction_ids=claim.transaction_ids
        )
    now = utcnow()
    with context.database.transaction() as session:
        pending = repository.lock_pending(session, claim.pending_id, claim_id=claim.claim_id)
        if pending is None:
            return  # the lease ran out and another worker took the batch
        tenant = session.get(Tenant, claim.tenant_id)
        if tenant is not None and evaluated.found:
            recorded = alerts.record(
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


def unevaluated(context: JobContext) -> Work:
    now = utcnow()
    with context.database.session(write=False) as session:
        found = repository.unevaluated(session, now=now, unclaimed_after=UNCLAIMED_AFTER, limit=200)
    return [(EVALUATE, {"pending_id": pending_id}) for pending_id in found]
