"""Deleting an endpoint while events are being queued for it: whichever comes first,
both transactions commit, and no delivery points at a deleted endpoint."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.models import WebhookDelivery, WebhookDeliveryStatus
from casework.webhooks import service
from tests.conftest import BACKEND
from tests.factories import TenantKit
from tests.webhooks.factories import later, make_endpoint

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks: PostgreSQL only")


class Blocked:
    """Runs ``work`` in its own transaction on a thread; ``wait_until_blocked`` returns
    once that transaction waits for a lock (as PostgreSQL reports it)."""

    def __init__(self, db: Database, work: Callable[[Session], Any]) -> None:
        self.db, self.work = db, work
        self.pid: int | None = None
        self.started = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.db.transaction() as session:
                self.pid = session.execute(text("select pg_backend_pid()")).scalar_one()
                self.started.set()
                self.result = self.work(session)
        except BaseException as exc:
            self.error = exc
            self.started.set()

    def wait_until_blocked(self) -> None:
        assert self.started.wait(30)
        with self.db.engine.connect() as conn:
            for _ in range(3000):
                state = conn.execute(
                    text("select wait_event_type from pg_stat_activity where pid = :pid"),
                    {"pid": self.pid},
                ).scalar()
                conn.rollback()  # a fresh snapshot of the statistics next time
                if state == "Lock":
                    return
                if not self.thread.is_alive():
                    break
                threading.Event().wait(0.01)
        raise AssertionError(f"never blocked: {self.error!r}")

    def join(self) -> Any:
        self.thread.join(30)
        if self.error is not None:
            raise self.error
        return self.result


def _emit(session: Session, tenant_id: str) -> list[str]:
    deliveries = service.emit(
        session, tenant_id=tenant_id, event_type="case.created", payload={}, now=later()
    )
    return [d.id for d in deliveries]


def test_a_delete_waits_for_events_being_queued_then_abandons_them(db: Database, kit: TenantKit):
    endpoint_id, _ = make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    with db.transaction() as session:
        (delivery_id,) = _emit(session, kit.tenant_id)
        delete = Blocked(
            db,
            lambda s: service.delete_endpoint(
                s, actor=Principal.system(kit.tenant_id), endpoint_id=endpoint_id
            ),
        )
        delete.wait_until_blocked()
    delete.join()
    with db.session(write=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.endpoint_id is None
        assert delivery.status == WebhookDeliveryStatus.abandoned


def test_events_queued_during_a_delete_wait_and_skip_the_endpoint(db: Database, kit: TenantKit):
    endpoint_id, _ = make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    with db.transaction() as session:
        service.delete_endpoint(
            session, actor=Principal.system(kit.tenant_id), endpoint_id=endpoint_id
        )
        emit = Blocked(db, lambda s: _emit(s, kit.tenant_id))
        emit.wait_until_blocked()
    assert emit.join() == [], "the deleted endpoint gets nothing, and nothing fails"
