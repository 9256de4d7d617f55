"""Real `casework worker` processes on PostgreSQL: a worker killed with SIGKILL in the
middle of a run loses nothing, and nothing is done twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.auth.principal import Principal
from casework.cases import service as cases
from casework.cases.schemas import CaseCreate
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import job_key
from casework.models import AuditEvent, Check
from casework.models.enums import ProcessingStatus
from casework.worker import ProcrastinateJobs
from tests.factories import TenantKit

pytestmark = pytest.mark.skipif(
    os.environ.get("CASEWORK_TEST_DATABASE", "sqlite") != "postgresql",
    reason="worker processes run on PostgreSQL",
)
CASES = 200
CASEWORK = str(Path(sys.executable).with_name("casework"))


@pytest.fixture
def deferring(settings: Settings) -> Iterator[Database]:
    """A database whose commits queue jobs for worker processes (as `serve` does)."""
    jobs = ProcrastinateJobs(settings)
    jobs.ensure_schema()
    jobs.open()
    database = Database(settings)
    database.jobs = jobs
    yield database
    database.dispose()
    jobs.close()


def _start(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
        "CASEWORK_JOB_SWEEP_SECONDS": "0.5",
        "CASEWORK_CHECK_LEASE_SECONDS": "2",
    }
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [CASEWORK, "worker", "--concurrency", "4"], env=env, stdout=out, stderr=out
        )


def _completed(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Check)
                .where(Check.tenant_id == tenant_id, Check.status == ProcessingStatus.completed)
            )
            or 0
        )


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)  # polling a condition, not a guess at how long work takes


def test_a_killed_worker_loses_nothing_and_repeats_nothing(
    settings: Settings, deferring: Database, db: Database, kit: TenantKit, tmp_path: Path
):
    actor = Principal.system(kit.tenant_id)
    data = CaseCreate.model_validate(
        {
            "title": "Jurisdiction review",
            "customer": {"customer_type": "INDIVIDUAL", "full_name": "Per Olsen", "country": "NOR"},
            "checks": [{"type": "JURISDICTION"}],
        }
    )
    for _ in range(CASES):
        with deferring.transaction() as session:
            cases.create_case(session, actor=actor, data=data)

    log = tmp_path / "workers.log"
    first = _start(settings, log)
    try:
        _wait_for(lambda: _completed(db, kit.tenant_id) >= 20, 120, "the first worker to start")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert _completed(db, kit.tenant_id) < CASES, "the kill came too late to prove anything"
        second = _start(settings, log)
        try:
            _wait_for(lambda: _completed(db, kit.tenant_id) == CASES, 180, "every check")
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    with db.transaction(write=False) as session:
        completions = session.execute(
            select(AuditEvent.entity_id, func.count())
            .where(AuditEvent.tenant_id == kit.tenant_id, AuditEvent.action == "check.completed")
            .group_by(AuditEvent.entity_id)
        ).all()
        states = session.execute(
            select(Check.status, func.count())
            .where(Check.tenant_id == kit.tenant_id)
            .group_by(Check.status)
        ).all()
    assert dict(states) == {ProcessingStatus.completed: CASES}, log.read_text()[-3000:]
    assert len(completions) == CASES
    assert {count for _, count in completions} == {1}, "a check was finished twice"


def test_work_already_waiting_is_not_queued_again(settings: Settings, deferring: Database):
    jobs = deferring.jobs
    assert isinstance(jobs, ProcrastinateJobs)
    lock = job_key("checks.drain", {})

    def waiting() -> int:
        row = jobs.app.connector.get_sync_connector().execute_query_one(
            "SELECT count(*) AS n FROM procrastinate_jobs"
            " WHERE queueing_lock = %(lock)s AND status = 'todo'",
            lock=lock,
        )
        return int(row["n"])

    for _ in range(3):
        jobs.defer("checks.drain", {})
    assert waiting() == 1, "one drain waits, however many commits asked for it"
