"""What the application and the worker are made of besides the HTTP routers: the
background jobs every process may run, and what the adapters register.

Both ``create_app`` and the worker call these, so a worker without the routers runs
the same jobs and shapes the same payloads as the serving process.
"""

from __future__ import annotations

from casework.audit import tasks as audit
from casework.cases import events as case_events
from casework.checks import events as check_events
from casework.dialects import payloads as dialect_payloads
from casework.documents import tasks as documents
from casework.infra.jobs import Registry
from casework.maintenance import tasks as maintenance
from casework.processing import tasks as processing
from casework.retention import tasks as retention
from casework.rfi import tasks as rfi
from casework.webhooks import jobs as webhooks


def job_registry() -> Registry:
    """Every job by its name, and every sweeper."""
    return Registry(
        tasks=[
            *audit.JOBS,
            *documents.JOBS,
            *processing.JOBS,
            *maintenance.JOBS,
            *retention.JOBS,
            *rfi.JOBS,
            *webhooks.JOBS,
        ],
        sweepers=[
            *audit.SWEEPERS,
            *documents.SWEEPERS,
            *processing.SWEEPERS,
            *maintenance.SWEEPERS,
            *retention.SWEEPERS,
            *rfi.SWEEPERS,
            *webhooks.SWEEPERS,
        ],
    )


def register_adapters() -> None:
    """What the features and the adapters register with the webhooks below them: the
    payload shapes of outbound events (a case, a check, and a case as a dialect shows it)."""
    case_events.register()
    check_events.register()
    dialect_payloads.register()
