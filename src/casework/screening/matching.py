"""The matcher a process searches with, for the current list versions, switched when one
changes.

With an ``IndexStore`` the index is the snapshot of the current versions, mapped: built
once (by the import, or by the first process that needs it) and shared by every
process through the page cache. Without one, each process builds its own in memory.
Either way a new list version reaches a process on its next search.

A batch of screenings may also be screened by worker processes forked from this one
(``MatcherHolder.workers``). Matching is Python code, which holds the interpreter lock:
threads would take turns on one core, processes use them all. Forking shares the
matcher's memory with the workers (its arrays are only read), so none of them builds or
copies it; they live as long as the matcher they were forked with.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.config import Settings
from casework.screening import repository
from casework.screening.engine import Matcher
from casework.screening.entity import Entity
from casework.screening.index_store import IndexStore, Versions, current

log = logging.getLogger(__name__)


def build_in_memory(session: Session, versions: Versions) -> Matcher:
    rows = repository.documents_at(session, {v.dataset_id: v.version for v in versions})
    return Matcher.build((name, Entity.from_document(doc)) for name, doc in rows)


# The matcher of a worker process, inherited from the process that forked it.
_FORKED: Matcher | None = None


def forked_matcher() -> Matcher:
    """In a worker forked by ``MatcherHolder.workers``: the matcher it was forked with."""
    assert _FORKED is not None, "not a screening worker process"
    return _FORKED


def _adopt(matcher: Matcher) -> None:
    global _FORKED  # one per worker process, set once as it starts
    _FORKED = matcher


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class Workers:
    pool: ProcessPoolExecutor
    count: int


class MatcherHolder:
    @classmethod
    def shared(cls, settings: Settings) -> MatcherHolder:
        """A holder that maps the snapshots under the settings' data directory."""
        return cls(IndexStore(settings.screening_index_dir))

    def __init__(self, store: IndexStore | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._versions: dict[str, int] = {}
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
                    self._matcher, self._versions = found, versions
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
        """Worker processes forked with ``matcher`` (see the module docstring), ``processes``
        of them (0: one per CPU); None where processes cannot be forked, or one would do."""
        count = processes or os.cpu_count() or 1
        if count < 2 or not can_fork():
            return None
        with self._lock:
            held = self._workers
            if held is not None and held[0] is matcher:
                return held[1]
            if held is not None:
                held[1].pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(
                count,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_adopt,
                initargs=(matcher,),
            )
            workers = Workers(pool, count)
            self._workers = (matcher, workers)
            return workers

    def drop_workers(self, workers: Workers) -> None:
        """Stop ``workers`` (one died, say); the next batch forks new ones."""
        with self._lock:
            if self._workers is not None and self._workers[1] is workers:
                self._workers = None
        workers.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes, if any were forked."""
        with self._lock:
            held, self._workers = self._workers, None
        if held is not None:
            held[1].pool.shutdown(wait=True, cancel_futures=True)
