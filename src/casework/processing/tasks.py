"""The jobs of the processing layer, and the sweepers that find their work.

Runnable checks are taken, a case's together and several cases at once, in one short
transaction (PROCESSING, with a lease; see ``claim``), run with no transaction open
(``run``), and finished together in another (``finish``). The jobs that carry a rule's
hits and a rescreen's into cases are in ``evaluation`` and ``rescreen_runs``.
"""

from __future__ import annotations

from datetime import timedelta

from casework.checks import repository, service
from casework.infra.jobs import JobContext, Task, Work
from casework.models.base import utcnow
from casework.monitoring.service import RESCREEN
from casework.processing import evaluation, rescreen_runs
from casework.processing.claim import Batch, claim
from casework.processing.finish import finish
from casework.processing.run import run_checks
from casework.rules.service import EVALUATE
from casework.webhooks import jobs as webhooks

DRAIN_CASES = 16  # cases per claim and finish when draining


def drain(context: JobContext) -> None:
    """Run queued checks, several cases per transaction, until none is left."""
    while _run(context, case_id=None):
        pass


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
    webhooks.send(context, finish(context, run_checks(context, batches)))


def unfinished_checks(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        waiting = repository.cases_with_unfinished_work(session, utcnow(), 1)
    return [(service.DRAIN, {})] if waiting else []


JOBS = [
    Task(service.DRAIN, drain),
    Task(service.RUN_CASE, run_case),
    Task(RESCREEN, rescreen_runs.rescreen_run),
    Task(EVALUATE, evaluation.evaluate_pending),
]
SWEEPERS = [
    unfinished_checks,
    rescreen_runs.unfinished_runs,
    rescreen_runs.spent_differences,
    evaluation.unevaluated,
]
