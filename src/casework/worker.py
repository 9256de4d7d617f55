"""`casework worker`: background jobs on PostgreSQL through procrastinate.

Every job of the assembled registry (``casework.assembly``) becomes a procrastinate
task of the same name. A job already waiting with the same arguments is not queued
twice (a queueing lock). The recovery sweep runs in every worker; what it finds is
deferred under the same locks, so several workers sweeping at once queue each piece of
work once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import make_url

from casework.assembly import job_registry, register_adapters
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext, job_key, run_job, sweep
from casework.infra.storage import Store
from casework.tenants import numbering

log = logging.getLogger(__name__)
QUEUE = "casework"


def conninfo(settings: Settings) -> str:
    """The libpq connection string of the configured PostgreSQL database."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("background workers need PostgreSQL (CASEWORK_DATABASE_URL)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ProcrastinateJobs:
    """Defers casework jobs as procrastinate jobs; optionally also runs them."""

    def __init__(self, settings: Settings, context: JobContext | None = None) -> None:
        registry = context.registry if context is not None else job_registry()
        self.settings = settings
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings))
        )
        for name in registry.names:
            self._register(name, context)

    def _register(self, name: str, context: JobContext | None) -> None:
        def run(**kwargs: Any) -> None:
            if context is None:
                raise RuntimeError("this process only defers jobs")
            run_job(context, name, kwargs)

        self.app.task(name=name, queue=QUEUE)(run)

    def open(self) -> None:
        self.app.open()

    def close(self) -> None:
        self.app.close()

    def ensure_schema(self) -> None:
        """Create procrastinate's tables unless they exist (part of `casework db upgrade`)."""
        with self.app.open():
            exists = self.app.connector.get_sync_connector().execute_query_one(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
            )
            if not exists["present"]:
                self.app.schema_manager.apply_schema()

    def defer(self, name: str, kwargs: dict[str, Any]) -> None:
        lock = job_key(name, kwargs)
        # The same work already waiting for a worker will see what this caller committed;
        # asking first is cheaper than the refused insert (and the error it logs).
        waiting = self.app.connector.get_sync_connector().execute_query_one(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs"
            " WHERE queueing_lock = %(lock)s AND status = 'todo') AS waiting",
            lock=lock,
        )
        if waiting["waiting"]:
            return
        with contextlib.suppress(AlreadyEnqueued):  # queued meanwhile by someone else
            self.app.configure_task(name, queueing_lock=lock).defer(**kwargs)


def run_worker(settings: Settings, *, concurrency: int, storage: Store | None = None) -> None:
    """Run jobs until interrupted, sweeping for unfinished work meanwhile."""
    numbering.install()
    database = Database(settings)
    register_adapters()
    context = JobContext(
        database=database, settings=settings, registry=job_registry(), storage=storage
    )
    jobs = ProcrastinateJobs(settings, context)
    jobs.ensure_schema()
    jobs.open()  # the synchronous side, used to defer from job threads and the sweep
    database.jobs = jobs
    stop = threading.Event()

    def sweeping() -> None:
        while not stop.is_set():
            try:
                for name, kwargs in sweep(context):
                    jobs.defer(name, kwargs)
            except Exception:
                log.exception("sweep failed")
            stop.wait(settings.job_sweep_seconds)

    sweeper = threading.Thread(target=sweeping, name="casework-sweep", daemon=True)
    sweeper.start()
    try:
        jobs.app.run_worker(queues=[QUEUE], concurrency=concurrency, install_signal_handlers=True)
    finally:
        stop.set()
        jobs.close()
        database.dispose()
