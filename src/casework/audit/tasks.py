"""The checkpoint job: sign each grown chain's head, append the checkpoints to the file
and POST them to the receiver when one is configured. The sweep finds it due; `casework
audit checkpoint` runs the same steps at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework.audit import checkpoints, repository, service
from casework.audit.checkpoints import Checkpoint
from casework.infra.db import Database
from casework.infra.jobs import Job, JobContext, Task, Work
from casework.models.base import utcnow
from casework.webhooks.outbound import OutboundClient

log = logging.getLogger(__name__)
CHECKPOINT = Job("audit.checkpoint")


@dataclass
class CheckpointRun:
    written: list[Checkpoint] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # tenant id -> why
    posted: int = 0
    post_errors: dict[str, str] = field(default_factory=dict)  # tenant id -> error


def write_checkpoints(
    database: Database, *, now: datetime, tenant_ids: list[str] | None = None
) -> CheckpointRun:
    """Checkpoint ``tenant_ids`` (every tenant when None), then deliver what is due.

    Each chain is verified from its last checkpoint in a read-only transaction (on
    SQLite no writer waits for it); the signed checkpoint is in the file before the
    database remembers it, so a crash in between leaves one checkpoint too many, never
    one too few.
    """
    settings = database.settings
    signer = checkpoints.signer_for(settings)
    run = CheckpointRun()
    if tenant_ids is None:
        with database.transaction(write=False) as session:
            tenant_ids = repository.chained_tenants(session)
    for tenant_id in tenant_ids:
        try:
            with database.transaction(write=False) as session:
                checkpoint = service.prepare_checkpoint(
                    session, tenant_id=tenant_id, signer=signer, now=now
                )
        except service.CheckpointRefused as exc:
            log.error("audit checkpoint of tenant %s refused: %s", tenant_id, exc)
            run.refused[tenant_id] = str(exc)
            continue
        checkpoints.append(settings.audit_checkpoint_path, [checkpoint])
        with database.transaction() as session:
            service.store_checkpoint(session, checkpoint, now=now)
        run.written.append(checkpoint)
    if settings.audit_checkpoint_url:
        _deliver(database, run, now=now)
    return run


def _deliver(database: Database, run: CheckpointRun, *, now: datetime) -> None:
    settings = database.settings
    url = settings.audit_checkpoint_url
    assert url is not None
    every = timedelta(minutes=settings.audit_checkpoint_minutes)
    with database.transaction(write=False) as session:
        due = [
            (c.tenant_id, c.seq, c.record)
            for c in service.undelivered(session, now=now, every=every)
        ]
    client = OutboundClient(
        allowed_hosts=settings.webhook_allowed_hosts, timeout=settings.webhook_timeout_seconds
    )
    for tenant_id, seq, record in due:
        outcome = client.send(url, headers={}, body=record.encode())
        if outcome.ok:
            run.posted += 1
        else:
            run.post_errors[tenant_id] = outcome.error or "not delivered"
            log.warning("audit checkpoint of tenant %s not delivered: %s", tenant_id, outcome.error)
        with database.transaction() as session:
            service.mark_attempt(
                session, tenant_id=tenant_id, seq=seq, delivered=outcome.ok, now=now
            )


def checkpoint(context: JobContext) -> None:
    now = utcnow()
    every = timedelta(minutes=context.settings.audit_checkpoint_minutes)
    with context.database.transaction(write=False) as session:
        due = service.checkpoints_due(session, now=now, every=every)
    write_checkpoints(context.database, now=now, tenant_ids=due)


def checkpoints_due(context: JobContext) -> Work:
    now = utcnow()
    every = timedelta(minutes=context.settings.audit_checkpoint_minutes)
    with context.database.session(write=False) as session:
        due = bool(service.checkpoints_due(session, now=now, every=every))
        if not due and context.settings.audit_checkpoint_url:
            due = bool(service.undelivered(session, now=now, every=every))
    return [(CHECKPOINT, {})] if due else []


JOBS = [Task(CHECKPOINT, checkpoint)]
SWEEPERS = [checkpoints_due]
