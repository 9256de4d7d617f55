"""Jobs by handle and by registry: a deferred job is queued by its name once its
transaction commits, a registry runs and sweeps only the jobs it was given, and the
application's registry holds every job under the name stored in queues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.assembly import job_registry
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import Job, JobContext, Registry, Task, run_job, sweep

PING = Job("tests.ping")


class Recorder:
    def __init__(self) -> None:
        self.deferred: list[tuple[str, dict[str, Any]]] = []

    def defer(self, name: str, kwargs: dict[str, Any]) -> None:
        self.deferred.append((name, kwargs))


@pytest.fixture
def own(settings: Settings, tmp_path: Path) -> Iterator[Database]:
    """A database of its own, so that no other thread's commit reaches the recorder."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    database = Database(settings.model_copy(update={"database_url": url, "data_dir": tmp_path}))
    yield database
    database.dispose()


def test_a_job_handle_is_its_name():
    assert PING == "tests.ping"
    assert type(PING.name) is str
    assert [(PING, {})] == [("tests.ping", {})]


def test_a_job_is_queued_by_name_when_its_transaction_commits(own: Database):
    recorder = Recorder()
    own.jobs = recorder
    with own.transaction() as session:
        PING.defer(session, n=1)
        assert recorder.deferred == []
    assert recorder.deferred == [("tests.ping", {"n": 1})]

    def rolled_back() -> None:
        with own.transaction() as session:
            PING.defer(session, n=2)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert recorder.deferred == [("tests.ping", {"n": 1})]


def test_a_registry_runs_and_sweeps_only_its_own_jobs(own: Database, settings: Settings):
    ran: list[int] = []

    def ping(_context: JobContext, n: int) -> None:
        ran.append(n)

    registry = Registry([Task(PING, ping)], [lambda _context: [(PING, {"n": 3})]])
    context = JobContext(database=own, settings=settings, registry=registry)
    assert sweep(context) == [("tests.ping", {"n": 3})]
    run_job(context, "tests.ping", {"n": 3})
    assert ran == [3]
    with pytest.raises(KeyError, match=r"tests\.other"):
        run_job(context, "tests.other", {})
    with pytest.raises(KeyError):
        run_job(JobContext(database=own, settings=settings), "tests.ping", {"n": 4})


def test_two_jobs_of_one_name_are_refused():
    def one(_context: JobContext) -> None: ...

    with pytest.raises(ValueError, match=r"tests\.ping"):
        Registry([Task(PING, one), Task(Job("tests.ping"), one)])


def test_the_application_runs_every_job_under_its_stored_name():
    registry = job_registry()
    assert sorted(registry.names) == [
        "audit.checkpoint",
        "checks.drain",
        "checks.run_case",
        "documents.remove_orphans",
        "maintenance.analyze",
        "maintenance.forget_failed_authentications",
        "monitoring.rescreen",
        "retention.purge",
        "rfi.send",
        "rules.evaluate",
        "webhooks.deliver",
        "webhooks.publish",
    ]
    assert sorted(fn.__name__ for fn in registry.sweepers) == [
        "checkpoints_due",
        "due_deliveries",
        "expired_failure_counters",
        "orphans_due",
        "purge_due",
        "spent_differences",
        "stale_statistics",
        "unevaluated",
        "unfinished_checks",
        "unfinished_runs",
        "unpublished_events",
        "unsent_requests",
    ]
