"""Background jobs: deferring them when a transaction commits, and running them.

A job is a named function with JSON arguments (ids, never objects). The work itself
is recorded in the domain tables (a check is PENDING until a worker finishes it; a
webhook delivery has its next attempt time), so a job is only a nudge: one lost with
a killed process is found again by the periodic sweep, and every job is idempotent.

This module is the machinery only. A feature names its jobs with ``Job`` handles and
lists the functions that run them (``Task``) and the sweepers that find their work;
the application and the worker put those lists together into a ``Registry``
(``casework.assembly``), which the runners carry in their ``JobContext``.

Two runners: ``EmbeddedRunner`` (threads of the serving process, the default on
SQLite) and procrastinate workers on PostgreSQL (``casework.worker``).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.storage import Store, open_store

if TYPE_CHECKING:
    from casework.screening.matching import MatcherHolder

log = logging.getLogger(__name__)

_DEFERRED = "casework_deferred_jobs"


class Job(str):
    """A background job's handle: its name, the one queued and stored (never renamed),
    so it compares, logs and is kept as that name; ``defer`` queues the job."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return str(self)

    def defer(self, session: Session, **kwargs: Any) -> None:
        """Run the job once the session's transaction commits (never if it rolls back)."""
        defer_on_commit(session, self, **kwargs)


JobFunction = Callable[..., None]
# What unfinished work calls for: each job with its arguments.
Work = list[tuple[Job, dict[str, Any]]]
Sweeper = Callable[["JobContext"], Work]


class Every:
    """True at the first call, then once ``interval`` has passed since the last True: for
    work a sweeper does at most so often in each process."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval.total_seconds()
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < self.interval:
                return False
            self._last = now
            return True


@dataclass(frozen=True)
class Task:
    """A job and the function that runs it, ``run(context, **kwargs)``."""

    job: Job
    run: JobFunction


class Registry:
    """The jobs a process can run and the sweepers that find work for them."""

    def __init__(self, tasks: Iterable[Task] = (), sweepers: Iterable[Sweeper] = ()) -> None:
        self.functions: dict[str, JobFunction] = {}
        for item in tasks:
            if item.job.name in self.functions:
                raise ValueError(f"two jobs named {item.job.name!r}")
            self.functions[item.job.name] = item.run
        self.sweepers: tuple[Sweeper, ...] = tuple(sweepers)

    @property
    def names(self) -> list[str]:
        return list(self.functions)

    def run(self, context: JobContext, name: str, kwargs: dict[str, Any]) -> None:
        function = self.functions.get(name)
        if function is None:
            raise KeyError(f"no job named {name!r}")
        function(context, **kwargs)

    def sweep(self, context: JobContext) -> list[tuple[str, dict[str, Any]]]:
        """The jobs that unfinished work in the domain tables calls for, by name."""
        return [(job.name, kwargs) for fn in self.sweepers for job, kwargs in fn(context)]


@dataclass
class JobContext:
    """What a job may use: its own transactions, the settings, the jobs this process
    runs, the matcher (made by the first job that screens when none is given), the
    document store (opened from the settings by the first job that needs it when none
    is given)."""

    database: Database
    settings: Settings
    matchers: MatcherHolder | None = None
    registry: Registry = field(default_factory=Registry)
    storage: Store | None = None

    def store(self) -> Store:
        if self.storage is None:
            self.storage = open_store(self.settings.storage_location)
        return self.storage


def job_key(name: str, kwargs: dict[str, Any]) -> str:
    """One piece of work: a job name with its arguments, the same however they are ordered."""
    return f"{name}:{json.dumps(kwargs, sort_keys=True)}"


def defer_on_commit(session: Session, job: Job, **kwargs: Any) -> None:
    """Run ``job`` once the session's transaction commits (never if it rolls back)."""
    deferred_jobs = session.info.setdefault(_DEFERRED, [])
    if (job.name, kwargs) not in deferred_jobs:  # asked for again in one transaction: one run
        deferred_jobs.append((job.name, kwargs))


def deferred(session: Session, job: Job, **kwargs: Any) -> bool:
    """Whether ``job`` with these arguments already runs once the transaction commits."""
    return (job.name, kwargs) in session.info.get(_DEFERRED, [])


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
    context.registry.run(context, name, kwargs)


def sweep(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    """The jobs that unfinished work in the domain tables calls for."""
    return context.registry.sweep(context)


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
