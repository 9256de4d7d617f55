"""Housekeeping jobs, found by the sweep like any unfinished work: the analyze job, and
forgetting failed-authentication counters that no longer count."""

from __future__ import annotations

import logging
from typing import Any

from casework.auth import limits
from casework.jobs import JobContext, sweeper, task
from casework.maintenance import service

log = logging.getLogger(__name__)
ANALYZE = "maintenance.analyze"


@task(ANALYZE)
def analyze(context: JobContext, tables: list[str]) -> None:
    with context.database.transaction() as session:
        done = service.analyze(session, tables)
    log.info("analyzed %s", ", ".join(done))


@sweeper
def stale_statistics(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    with context.database.session(write=False) as session:
        tables = service.stale_tables(session)
    return [(ANALYZE, {"tables": tables})] if tables else []


FORGET = "maintenance.forget_failed_authentications"


@task(FORGET)
def forget_failed_authentications(context: JobContext) -> None:
    with context.database.transaction() as session:
        gone = limits.forget_expired(session, window=limits.Limits.of(context.settings).window)
    log.info("forgot %d expired failed-authentication counters", gone)


@sweeper
def expired_failure_counters(context: JobContext) -> list[tuple[str, dict[str, Any]]]:
    window = limits.Limits.of(context.settings).window
    with context.database.session(write=False) as session:
        found = limits.expired_exist(session, window=window)
    return [(FORGET, {})] if found else []
