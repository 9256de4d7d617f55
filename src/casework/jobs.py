"""Background jobs: deferring them when a transaction commits, and running them.

A job is a named function with JSON arguments (ids, never objects). The work itself
is recorded in the domain tables (a check is PENDING until a worker finishes it; a
webhook delivery has its next attempt time), so a job is only a nudge: one lost with
a killed process is found again by the periodic sweep, and every job is idempotent.

Two runners: ``EmbeddedRunner`` (threads of the serving process, the default on
SQLite) and procrastinate workers on PostgreSQL (``casework.worker``).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.config import Settings
from casework.db import Database
from casework.screening.matching import MatcherHolder

log = logging.getLogger(__name__)

_DEFERRED = "casework_deferred_jobs"


@dataclass
class JobContext:
    """What a job may use: its own transactions, the settings, the matcher."""

    database: Database
    settings: Settings
    matchers: MatcherHolder = field(default_factory=MatcherHolder)


JobFunction = Callable[..., None]
Sweeper = Callable[[JobContext], Iterable[tuple[str, dict[str, Any]]]]

TASKS: dict[str, JobFunction] = {}
SWEEPERS: list[Sweeper] = []


def task(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``fn(context, **kwargs)`` as the job ``name``."""

    def register(fn: JobFunction) -> JobFunction:
        TASKS[name] = fn
        return fn

    return register


def job_key(name: str, kwargs: dict[str, Any]) -> str:
    """One piece of work: a job name with its arguments, the same however they are ordered."""
    return f"{name}:{json.dumps(kwargs, sort_keys=True)}"


def sweeper(fn: Sweeper) -> Sweeper:
    """Register a function that finds unfinished work and names the jobs to redo it."""
    SWEEPERS.append(fn)
    return fn


def load_tasks() -> None:
    """Import the modules that register tasks, and those that register the payload
    shapers the webhooks job needs (kept here so every runner sees all)."""
    import casework.audit.tasks
    import casework.cases.events
    import casework.checks.events
    import casework.checks.tasks
    import casework.dialects.payloads
    import casework.maintenance.tasks
    import casework.monitoring.tasks
    import casework.retention.tasks
    import casework.rfi.tasks
    import casework.rules.tasks
    import casework.webhooks.jobs  # noqa: F401


def defer_on_commit(session: Session, name: str, **kwargs: Any) -> None:
    """Run job ``name`` once the session's transaction commits (never if it rolls back)."""
    if name not in TASKS:
        load_tasks()
    if name not in TASKS:
        raise KeyError(f"no job named {name!r}")
    deferred = session.info.setdefault(_DEFERRED, [])
    if (name, kwargs) not in deferred:  # asked for again in one transaction: one run does it
        deferred.append((name, kwargs))


def deferred(session: Session, name: str, **kwargs: Any) -> bool:
    """Whether job ``name`` with these arguments already runs once the session's
    transaction commits."""
    return (name, kwargs) in session.info.get(_DEFERRED, [])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    deferred = session.info.pop(_DEFERRED, None)
    if not deferred:
        return
    database = Database.of(session)
    sink = database.jobs if database is not None else None
    if sink is None:
        return  # nobody runs jobs in this process: the sweep of a worker will find the work
    for name, kwargs in deferred:
        try:
            sink.defer(name, kwargs)
        except Exception:  # the work is durable; the sweep defers it again
            log.exception("could not defer job %s", name)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DEFERRED, None)


def run_job(context: JobContext, name: str, kwargs: dict[str, Any]) -> None:
    # Every time (the imports are done once): a job may need what another module
    # registers, such as a payload shaper, whichever modules this process imported.
    load_tasks()
    TASKS[name](context, **kwargs)


def sweep(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    """The jobs that unfinished work in the domain tables calls for."""
    load_tasks()
    found: list[tuple[str, dict[str, Any]]] = []
    for fn in SWEEPERS:
        found.extend(fn(context))
    return found


class EmbeddedRunner:
    """Runs jobs in a few threads of this process, with a periodic sweep.

    A job deferred twice while queued runs once; one deferred while running runs again
    afterwards, which idempotent jobs allow.
    """

    def __init__(self, context: JobContext, *, threads: int, sweep_seconds: float) -> None:
        self.context = context
        self._threads = threads
        self._sweep_seconds = sweep_seconds
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._queued: dict[tuple[str, str], dict[str, Any]] = {}  # (name, job_key) -> kwargs
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def defer(self, name: str, kwargs: dict[str, Any]) -> None:
        key = (name, job_key(name, kwargs))
        with self._lock:
            if key in self._queued:
                return
            self._queued[key] = kwargs
        self._queue.put(key)

    def start(self) -> None:
        for index in range(self._threads):
            thread = threading.Thread(target=self._work, name=f"casework-job-{index}", daemon=True)
            thread.start()
            self._workers.append(thread)
        sweeper_thread = threading.Thread(
            target=self._sweep_loop, name="casework-sweep", daemon=True
        )
        sweeper_thread.start()
        self._workers.append(sweeper_thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for _ in range(self._threads):
            self._queue.put(None)
        for thread in self._workers:
            thread.join(timeout)
        self._workers.clear()

    def join(self) -> None:
        """Wait until every job deferred so far (and the jobs they deferred) has run."""
        self._queue.join()

    def sweep_now(self) -> int:
        jobs = sweep(self.context)
        for name, kwargs in jobs:
            self.defer(name, kwargs)
        return len(jobs)

    def _work(self) -> None:
        while True:
            key = self._queue.get()
            try:
                if key is None:
                    return
                with self._lock:
                    kwargs = self._queued.pop(key)
                try:
                    run_job(self.context, key[0], kwargs)
                except Exception:  # the work stays recorded as unfinished; the sweep retries
                    log.exception("job %s failed", key[0])
            finally:
                self._queue.task_done()

    def _sweep_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_now()
            except Exception:
                log.exception("sweep failed")
            self._stop.wait(self._sweep_seconds)
