"""The analyze job, found by the sweep like any unfinished work."""

from __future__ import annotations

import logging
from typing import Any

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
