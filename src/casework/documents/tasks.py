"""Removing stored objects that no document names: what a process killed between
storing an upload and committing its document left, or killed between a purge's commit
and the removal of its objects, and writes it never finished (incomplete multipart
uploads, temporary files).

No table records such an object, so no query finds this work: the sweeper asks for the
job once every ``EVERY`` per process (procrastinate's queueing lock makes several
workers asking at once run it once). The job lists the store, which costs one request
per thousand objects on S3. Only keys of the shape casework makes are considered, and
only those made more than ``GRACE`` ago (a document's id holds the time it was made, a
time no store's clock or listing can get wrong), so an upload still on its way is never
taken for an orphan.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from casework.documents import repository
from casework.documents.service import discard
from casework.infra.jobs import Every, Job, JobContext, Task, Work
from casework.models.base import utcnow

log = logging.getLogger(__name__)

REMOVE_ORPHANS = Job("documents.remove_orphans")
GRACE = timedelta(days=1)
EVERY = timedelta(hours=6)
BATCH = 500
_KEY = re.compile(r"(?P<spread>[0-9a-f]{2})/(?P<id>[0-9a-f]{22}(?P=spread))")


@dataclass(frozen=True)
class Orphans:
    removed: int
    incomplete: int


def made_at(key: str) -> datetime | None:
    """When the document id in ``key`` was made; None for a key casework did not make."""
    match = _KEY.fullmatch(key)
    if match is None:
        return None
    milliseconds = int(match.group("id")[:12], 16)
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def remove_orphans(context: JobContext, *, now: datetime | None = None) -> Orphans:
    """Delete the objects made before ``now - GRACE`` that no document names, and
    the writes begun before then and never finished."""
    cutoff = (now or utcnow()) - GRACE
    store = context.store()
    old = (key for key in store.listing() if (made := made_at(key)) is not None and made < cutoff)
    removed = 0
    while batch := list(itertools.islice(old, BATCH)):
        with context.database.session(write=False) as session:
            named = repository.stored_keys(session, batch)
        for key in batch:
            if key not in named:
                discard(store, key)
                removed += 1
    incomplete = 0
    for key in sorted(set(store.unfinished())):
        if (made := made_at(key)) is not None and made < cutoff:
            store.abandon(key)
            incomplete += 1
    if removed or incomplete:
        log.warning(
            "removed %d stored objects without a document and %d unfinished writes",
            removed,
            incomplete,
        )
    return Orphans(removed=removed, incomplete=incomplete)


def run_remove_orphans(context: JobContext) -> None:
    remove_orphans(context)


_due = Every(EVERY)


def orphans_due(_context: JobContext) -> Work:
    return [(REMOVE_ORPHANS, {})] if _due() else []


JOBS = [Task(REMOVE_ORPHANS, run_remove_orphans)]
SWEEPERS = [orphans_due]
