"""Housekeeping jobs, found by the sweep like any unfinished work: the analyze job, and
forgetting failed-authentication counters that no longer count."""

from __future__ import annotations

import logging

from casework.auth import limits
from casework.infra.jobs import Job, JobContext, Task, Work
from casework.maintenance import service

log = logging.getLogger(__name__)
ANALYZE = Job("maintenance.analyze")


def analyze(context: JobContext, tables: list[str]) -> None:
    with context.database.transaction() as session:
        done = service.analyze(session, tables)
    log.info("analyzed %s", ", ".join(done))


def stale_statistics(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        tables = service.stale_tables(session)
    return [(ANALYZE, {"tables": tables})] if tables else []


FORGET = Job("maintenance.forget_failed_authentications")


def forget_failed_authentications(context: JobContext) -> None:
    with context.database.transaction() as session:
        gone = limits.forget_expired(session, window=limits.Limits.of(context.settings).window)
    log.info("forgot %d expired failed-authentication counters", gone)


def expired_failure_counters(context: JobContext) -> Work:
    window = limits.Limits.of(context.settings).window
    with context.database.session(write=False) as session:
        found = limits.expired_exist(session, window=window)
    return [(FORGET, {})] if found else []


JOBS = [Task(ANALYZE, analyze), Task(FORGET, forget_failed_authentications)]
SWEEPERS = [stale_statistics, expired_failure_counters]
