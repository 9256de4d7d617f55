"""The purge job: a batch per transaction until nothing is due; stored objects go after
commit (one removed before a rolled-back delete would leave a row without its bytes).
An object a killed process did not get to remove is found by the sweep of orphaned
objects (casework.documents.tasks)."""

from __future__ import annotations

from datetime import datetime

from casework.documents.service import discard
from casework.infra.jobs import Job, JobContext, Task, Work
from casework.models.base import utcnow
from casework.retention import service
from casework.retention.service import Purged

PURGE = Job("retention.purge")


def purge_all(context: JobContext, *, now: datetime | None = None) -> Purged:
    storage = context.store()
    total = Purged()
    while True:
        with context.database.transaction() as session:
            done = service.purge(session, now=now or utcnow())
        for key in done.files:
            discard(storage, key)
        total.add(done)
        if not (done.cases or done.checks or done.customers or done.documents):
            return total


def purge(context: JobContext) -> None:
    purge_all(context)


def purge_due(_context: JobContext) -> Work:
    # Cheap when nothing is due (each kind is one query on an index of delete_after),
    # so every sweep asks.
    return [(PURGE, {})]


JOBS = [Task(PURGE, purge)]
SWEEPERS = [purge_due]
