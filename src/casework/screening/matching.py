"""The in-process matcher, built from the current list versions and rebuilt when one
changes. Each process holds its own; a new list version reaches it on the next search.

A batch of screenings may also be screened by worker processes forked from this one
(``MatcherHolder.workers``). Matching is Python code, which holds the interpreter lock:
threads would take turns on one core, processes use them all. Forking shares the
matcher's memory with the workers (its arrays are only read), so none of them builds or
copies it; they live as long as the matcher they were forked with.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.screening import repository
from casework.screening.engine import Matcher
from casework.screening.service import current_entities

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
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._versions: dict[str, int] = {}
        self._workers: tuple[Matcher, Workers] | None = None

    def get(self, session: Session) -> tuple[Matcher, dict[str, int]]:
        """The matcher for the current list versions.

        One caller rebuilds when a version changes; meanwhile the others go on with the
        previous matcher (its versions are in the result) rather than wait for the build.
        """
        versions = repository.current_versions(session)
        matcher, built_for = self._matcher, self._versions
        if matcher is not None and versions == built_for:
            return matcher, built_for
        if not self._lock.acquire(blocking=matcher is None):
            assert matcher is not None
            return matcher, built_for
        try:
            if self._matcher is None or versions != self._versions:
                self._matcher = Matcher.build(current_entities(session))
                self._versions = versions
            return self._matcher, self._versions
        finally:
            self._lock.release()

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
