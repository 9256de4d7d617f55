"""The matcher a process searches with, for the current list versions, switched when one
changes.

With an ``IndexStore`` the index is the snapshot of the current versions, mapped: built
once (by the import, or by the first process that needs it) and shared by every
process through the page cache. Without one, each process builds its own in memory.
Either way a new list version reaches a process on its next search.

A batch of screenings may also be screened by worker processes (``MatcherHolder.workers``).
Matching is Python code, which holds the interpreter lock: threads would take turns on
one core, processes use them all. Each worker maps the snapshot the matcher was mapped
from, so none of them builds or copies the index and all share its pages; they live as
long as that matcher. Workers are started afresh (spawned), never forked: a fork of a
server would inherit its listening socket, its database connections and whatever else
it holds open, and keep them open for as long as the worker lives, even after the
server itself has gone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from casework.config import Settings
from casework.infra.storage import Store
from casework.screening import repository
from casework.screening.engine import Matcher
from casework.screening.entity import Entity
from casework.screening.index_store import IndexStore, Versions, current, versions_of
from casework.screening.shared_snapshots import SharedSnapshots

log = logging.getLogger(__name__)


def build_in_memory(session: Session, versions: Versions) -> Matcher:
    rows = repository.documents_at(session, {v.dataset_id: v.version for v in versions})
    return Matcher.build((name, Entity.from_document(doc)) for name, doc in rows)


# The matcher of a worker process, mapped as it starts.
_WORKER: Matcher | None = None


def worker_matcher() -> Matcher:
    """In a worker started by ``MatcherHolder.workers``: the matcher it mapped."""
    assert _WORKER is not None, "not a screening worker process"
    return _WORKER


def _map(root: str, rows: list[tuple[str, str, int]]) -> None:
    """Start a worker: map the snapshot of these list versions under ``root``."""
    global _WORKER  # one per worker process, set once as it starts
    index = IndexStore(Path(root)).load(versions_of(rows))
    if index is None:  # superseded and deleted since: the batch is screened in the request
        raise RuntimeError(f"no snapshot of {rows} under {root}")
    _WORKER = Matcher(index)


@dataclass(frozen=True)
class Workers:
    pool: ProcessPoolExecutor
    count: int


class MatcherHolder:
    @classmethod
    def shared(cls, settings: Settings, documents: Store | None = None) -> MatcherHolder:
        """A holder that maps the snapshots under the settings' data directory (and
        shares them through ``documents``, the document store, when that is a bucket)."""
        copies = SharedSnapshots.of(settings, documents)
        return cls(IndexStore(settings.screening_index_dir, shared=copies))

    def __init__(self, store: IndexStore | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._versions: dict[str, int] = {}
        self._listed: Versions = ()  # what the matcher was mapped for
        self._workers: tuple[Matcher, Workers] | None = None

    def get(self, session: Session) -> tuple[Matcher, dict[str, int]]:
        """The matcher for the current list versions.

        One caller switches when a version changes, mapping the new snapshot or building
        it; meanwhile the others go on with the previous matcher (its versions are in
        the result) rather than wait. While another process builds the snapshot, this
        one goes on with its previous matcher too, and switches once it is written.
        """
        listed = current(session)
        versions = {v.name: v.version for v in listed}
        matcher, built_for = self._matcher, self._versions
        if matcher is not None and versions == built_for:
            return matcher, built_for
        if not self._lock.acquire(blocking=matcher is None):
            assert matcher is not None
            return matcher, built_for
        try:
            if self._matcher is None or versions != self._versions:
                found = self._switch(session, listed, held=self._matcher)
                if found is not None:
                    self._matcher, self._versions, self._listed = found, versions, listed
            assert self._matcher is not None
            return self._matcher, self._versions
        finally:
            self._lock.release()

    def _switch(
        self, session: Session, listed: Versions, *, held: Matcher | None
    ) -> Matcher | None:
        """The matcher of these versions; None to go on with ``held`` for now, while
        another process builds the index or when it could not be built or mapped (each
        search names the versions it searched, so the older ones show)."""
        if self.store is None:
            return build_in_memory(session, listed)
        if held is None:
            index = self.store.open(session, listed, wait=True)
            return Matcher(index) if index is not None else None
        try:
            index = self.store.open(session, listed, wait=False)
        except (OSError, RuntimeError):
            log.exception("the screening index of the new list versions could not be built")
            return None
        return Matcher(index) if index is not None else None

    def workers(self, matcher: Matcher, processes: int) -> Workers | None:
        """Worker processes mapping the snapshot ``matcher`` was mapped from (see the
        module docstring), ``processes`` of them (0: one per CPU); None when one would do,
        or when there is no snapshot to map (a matcher built in memory, or one that is
        no longer current)."""
        count = processes or os.cpu_count() or 1
        if count < 2 or self.store is None:
            return None
        with self._lock:
            if matcher is not self._matcher:
                return None
            held = self._workers
            if held is not None and held[0] is matcher:
                return held[1]
            if held is not None:
                held[1].pool.shutdown(wait=False, cancel_futures=True)
            rows = [(v.name, v.dataset_id, v.version) for v in self._listed]
            pool = ProcessPoolExecutor(
                count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_map,
                initargs=(str(self.store.root), rows),
            )
            workers = Workers(pool, count)
            self._workers = (matcher, workers)
            return workers

    def drop_workers(self, workers: Workers) -> None:
        """Stop ``workers`` (one died, say); the next batch starts new ones."""
        with self._lock:
            if self._workers is not None and self._workers[1] is workers:
                self._workers = None
        workers.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        with self._lock:
            held, self._workers = self._workers, None
        if held is not None:
            held[1].pool.shutdown(wait=True, cancel_futures=True)
