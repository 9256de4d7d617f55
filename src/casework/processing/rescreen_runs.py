"""The rescreen job: every monitored customer against one new list version, its hits
written to the customers' ongoing-monitoring cases (``ongoing``).

The run row holds the progress. Customers are taken a page at a time: the page is
screened with no transaction open, then its hits and the run's cursor are written in
one transaction that first checks this worker still holds the run. A worker killed
mid-run leaves the cursor at the last committed page, and when its lease runs out the
sweep hands the run to another worker, which carries on from there; no page is
written twice.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from casework.infra.ids import new_id
from casework.infra.jobs import Every, JobContext, Work
from casework.models.base import utcnow
from casework.monitoring import pool, repository
from casework.monitoring.ongoing import note_delisted
from casework.monitoring.pool import Screened
from casework.monitoring.rescreen import Delta, Hit
from casework.monitoring.service import RESCREEN
from casework.processing.ongoing import record_hits
from casework.screening import index_store, scope
from casework.screening import repository as watchlists
from casework.screening.scope import SearchedList

log = logging.getLogger(__name__)
PAGE = 2000
# A difference index is kept while its run is unfinished, and this long after it was
# written whatever the run's state, for a process that still starts up to map it.
SPENT_AFTER = timedelta(hours=1)
_spent_due = Every(timedelta(minutes=30))
_DIFFERENCE = re.compile(r"(?P<dataset>.+)-v(?P<version>[0-9]+)")


@dataclass(frozen=True)
class Claim:
    run_id: str
    claim_id: str
    dataset_id: str
    version: int
    cursor: str | None


def rescreen_run(context: JobContext, run_id: str, page_size: int = PAGE) -> None:
    claim = _claim(context, run_id)
    if claim is None:
        return
    delta, snapshot = _delta(context, claim)
    searched = _searched(context, delta)
    # A tenant's own list is screened against that tenant's customers only.
    pages = _pages(context, claim.cursor, page_size, delta.tenant_id)
    processes = _processes(context)
    if delta.matcher is None:
        screened: Iterator[Screened] = ((rows[-1][0], len(rows), {}) for rows in pages)
    elif processes > 1 and snapshot is not None:
        screened = pool.in_processes(processes, delta, snapshot, pages)
    else:
        screened = (pool.screen_page(delta, rows) for rows in pages)
    for cursor, count, hits in screened:
        if not _write_page(context, claim, delta, searched, hits, cursor, screened=count):
            return  # another worker holds the run now
    if _finish(context, claim, delta) and snapshot is not None:
        index_store.forget_difference(snapshot)


def difference_name(dataset_id: str, version: int) -> str:
    return f"{dataset_id}-v{version}"


def _processes(context: JobContext) -> int:
    """Worker processes for this run: only worth starting for many customers."""
    wanted = context.settings.monitoring_processes or os.cpu_count() or 1
    if wanted <= 1:
        return 1
    with context.database.session(write=False) as session:
        monitored = repository.monitored_count(session)
    return wanted if monitored >= context.settings.monitoring_pool_from else 1


def _pages(
    context: JobContext, after: str | None, size: int, tenant_id: str | None
) -> Iterator[pool.Rows]:
    while True:
        with context.database.session(write=False) as session:
            rows = repository.page(session, after=after, limit=size, tenant_id=tenant_id)
        if not rows:
            return
        yield [(row.id, row.checks, row.subjects) for row in rows]
        after = rows[-1].id


def _lease(context: JobContext) -> timedelta:
    return timedelta(seconds=context.settings.check_lease_seconds)


def _claim(context: JobContext, run_id: str) -> Claim | None:
    now = utcnow()
    with context.database.transaction() as session:
        run = repository.lock_run(session, run_id)
        if run is None or run.status == "done":
            return None
        if run.status == "running" and run.lease_expires_at and run.lease_expires_at > now:
            return None  # held by a live worker
        run.status = "running"
        run.claim_id = new_id()
        run.lease_expires_at = now + _lease(context)
        run.started_at = run.started_at or now
        return Claim(run.id, run.claim_id, run.dataset_id, run.version, run.cursor)


def _delta(context: JobContext, claim: Claim) -> tuple[Delta, Path | None]:
    """The version's difference, indexed, and the snapshot its index was written to
    (None when it added and changed nothing, or when no monitored customer is left to
    screen against it: then nothing is indexed, and only the removed entities are noted).
    """
    with context.database.session(write=False) as session:
        dataset = watchlists.name_and_owner(session, claim.dataset_id)
        # A tenant's own list is screened against that tenant's customers only.
        left = repository.page(session, after=claim.cursor, limit=1, tenant_id=dataset.tenant_id)
        # The entities this version brought: exactly its added and changed ones.
        documents = (
            watchlists.documents_brought(session, claim.dataset_id, claim.version) if left else []
        )
        removed = watchlists.keys_removed(session, claim.dataset_id, claim.version)
    return pool.build_delta(
        dataset.name,
        claim.version,
        documents,
        frozenset(removed),
        dataset.tenant_id,
        snapshots=context.settings.screening_index_dir,
        name=difference_name(claim.dataset_id, claim.version),
    )


def _searched(context: JobContext, delta: Delta) -> SearchedList | None:
    """The run's list version as a check's evidence names it: publication, import, age."""
    with context.database.session(write=False) as session:
        found = scope.searchable(
            session,
            tenant_id=delta.tenant_id,
            held={delta.dataset: delta.version},
            max_age_days=context.settings.list_max_age_days,
        )
    return found[0] if found else None


def _write_page(
    context: JobContext,
    claim: Claim,
    delta: Delta,
    searched: SearchedList | None,
    hits: dict[str, list[Hit]],
    cursor: str,
    *,
    screened: int,
) -> bool:
    now = utcnow()
    counts: Counter[str] = Counter(customers=screened)
    with context.database.transaction() as session:
        run = repository.lock_run(session, claim.run_id)
        if run is None or run.claim_id != claim.claim_id or run.status != "running":
            return False
        for monitored_id, found in hits.items():
            # Locked: a second run (another dataset) writes one customer's hits after.
            monitored = repository.lock_monitored(session, monitored_id)
            if monitored is None:
                continue  # stopped meanwhile
            recorded = record_hits(
                session, monitored=monitored, hits=found, delta=delta, now=now, searched=searched
            )
            counts["hits"] += len(found)
            counts["new_matches"] += recorded.new_matches
            counts["cases_opened"] += recorded.opened
            counts["cases_updated"] += recorded.case is not None and not recorded.opened
        run.cursor = cursor
        run.lease_expires_at = now + _lease(context)
        run.stats = dict(Counter(run.stats) + counts)
    return True


def _finish(context: JobContext, claim: Claim, delta: Delta) -> bool:
    """Mark the run done; False when another worker holds it now."""
    now = utcnow()
    with context.database.transaction() as session:
        run = repository.lock_run(session, claim.run_id)
        if run is None or run.claim_id != claim.claim_id or run.status != "running":
            return False
        noted = note_delisted(session, delta=delta) if delta.removed else 0
        run.stats = stats = {**run.stats, "delisted_noted": noted}
        run.status = "done"
        run.finished_at = now
        run.lease_expires_at = None
    log.info("monitoring run %s done: %s", claim.run_id, stats)
    return True


def unfinished_runs(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        runs = repository.unfinished_runs(session, now=utcnow(), limit=50)
    return [(RESCREEN, {"run_id": run_id}) for run_id in runs]


def spent_differences(context: JobContext) -> Work:
    """Every so often, remove this machine's spent difference indexes (each machine's
    processes keep their own under their data directory, so no job queued to any one
    worker could)."""
    if _spent_due():
        remove_spent_differences(context)
    return []


def remove_spent_differences(context: JobContext, *, now: float | None = None) -> list[str]:
    """Delete the difference indexes whose run is done, or gone with its list, and which
    were written more than ``SPENT_AFTER`` before ``now`` (seconds since the epoch).

    A run removes its own once done; this finds those of a worker killed in between, and
    those a machine wrote for a run that another machine's worker took over and ended.
    """
    root = context.settings.screening_index_dir
    cutoff = (time.time() if now is None else now) - SPENT_AFTER.total_seconds()
    named: dict[tuple[str, int], Path] = {}
    for path in index_store.difference_snapshots(root):
        match = _DIFFERENCE.fullmatch(path.name)
        if match is not None and _written_at(path) < cutoff:
            named[(match["dataset"], int(match["version"]))] = path
    if not named:
        return []
    with context.database.session(write=False) as session:
        unfinished = repository.unfinished_versions(session, sorted(named))
    spent = [path for version, path in sorted(named.items()) if version not in unfinished]
    if not spent or not index_store.forget_differences(root, spent):
        return []  # or another process is building one: the next sweep will do
    log.info("removed %d spent difference indexes", len(spent))
    return [path.name for path in spent]


def _written_at(path: Path) -> float:
    """When the index was written; infinitely recent when it is gone already (its run
    finished and removed it since the directory was listed)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return math.inf
