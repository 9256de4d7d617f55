"""Draining queued checks: many cases of several tenants finished in one transaction,
each case once, each tenant's chain intact, each webhook sent once."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.assembly import job_registry
from casework.audit import service as audit
from casework.infra.db import Database
from casework.infra.jobs import JobContext, run_job
from casework.models import AuditEvent, WebhookDelivery, WebhookDeliveryStatus
from casework.processing import tasks
from casework.screening.service import import_dataset
from tests.factories import TenantKit
from tests.webhooks.conftest import OnPremReceiver


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"drain-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    # On sanctions and PEP lists alike: both checks need a list that holds their topic.
    properties = {"name": ["Anselm Quarrie"], "topics": ["sanction", "role.pep"]}
    record = {"id": "a", "schema": "Person", "properties": properties}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _queue(client: TestClient, kit: TenantKit, n: int, url: str | None) -> list[str]:
    ids = []
    for i in range(n):
        body: dict[str, Any] = {
            "title": f"Onboarding {i}",
            "customer": {"customer_type": "INDIVIDUAL", "full_name": f"Person {i} Drained"},
            "checks": [{"type": "SANCTIONS"}, {"type": "PEP"}],
            "auto_start": False,
        }
        if url:
            body["webhook_url"] = url
        r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_one_drain_finishes_many_cases_of_several_tenants(
    db: Database,
    settings: Any,
    client: TestClient,
    kit: TenantKit,
    other_kit: TenantKit,
    watchlist: str,
    onprem: OnPremReceiver,
    monkeypatch: pytest.MonkeyPatch,
):
    ours = _queue(client, kit, tasks.DRAIN_CASES + 3, onprem.url)
    theirs = _queue(client, other_kit, 4, None)
    context = JobContext(database=db, settings=settings, registry=job_registry())
    monkeypatch.setattr(client.app.state.jobs, "defer", lambda *_: None)
    for kit_, ids in ((kit, ours), (other_kit, theirs)):
        for case_id in ids:
            r = client.post(f"/v1/cases/{case_id}/start", headers=kit_.analyst.headers)
            assert r.status_code == 202, r.text
    runs = []
    monkeypatch.setattr(tasks, "run_checks", _counting(tasks.run_checks, runs))
    run_job(context, "checks.drain", {})
    assert len(runs) >= 2, "more cases than one batch takes"
    assert max(runs) == tasks.DRAIN_CASES
    for kit_, ids in ((kit, ours), (other_kit, theirs)):
        for case_id in ids:
            case = client.get(f"/v1/cases/{case_id}", headers=kit_.viewer.headers).json()
            assert case["processing_status"] == "COMPLETED", case_id
        with db.session(write=False) as session:
            assert audit.verify(session, tenant_id=kit_.tenant_id).ok
            completed = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.tenant_id == kit_.tenant_id,
                    AuditEvent.action == "check.completed",
                )
            )
        assert completed == 2 * len(ids)
    with db.session(write=False) as session:
        sent = session.scalars(
            select(WebhookDelivery.status).where(WebhookDelivery.case_id.in_(ours))
        ).all()
    assert sent == [WebhookDeliveryStatus.delivered] * len(ours)
    received = []
    while not onprem.requests.empty():
        _, body = onprem.requests.get_nowait()
        received.append(json.loads(body)["data"]["id"])
    assert sorted(received) == sorted(ours), "each case's webhook exactly once"


def _counting(execute: Any, runs: list[int]) -> Any:
    def wrapped(context: JobContext, batches: list[Any]) -> Any:
        runs.append(len(batches))
        return execute(context, batches)

    return wrapped
