"""Per-tenant sequential integers for customers, documents and checks.

APIs that name objects by integer (the Sphinx dialect) use them; they are taken from
the tenant's counters as the new rows are flushed, whichever service created them,
once ``install`` has been called: the application, the worker and the command line
call it as they start. Cases take theirs explicitly (see cases.service), as late as
possible.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.models import Check, Customer, Document
from casework.tenants.service import next_number

COUNTER = {Customer: "customer_number", Document: "document_number", Check: "check_number"}
# The columns are 32-bit integers: a number outside this range names nothing.
MAX_NUMBER = 2**31 - 1


def in_range(number: int) -> bool:
    return 1 <= number <= MAX_NUMBER


_installing = threading.Lock()


def install() -> None:
    """Number new rows whenever any session of this process flushes them; calling it
    again changes nothing."""
    with _installing:
        if not event.contains(Session, "before_flush", _number_new_rows):
            event.listen(Session, "before_flush", _number_new_rows)


def _number_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    waiting: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for obj in session.new:
        counter = COUNTER.get(type(obj))
        if counter is not None and obj.number is None:
            waiting[(obj.tenant_id, counter)].append(obj)
    # One order for every writer, so that counters are always locked in the same order.
    for (tenant_id, counter), objects in sorted(waiting.items(), key=lambda item: item[0]):
        last = next_number(session, tenant_id=tenant_id, name=counter, count=len(objects))
        for offset, obj in enumerate(reversed(objects)):
            obj.number = last - offset
