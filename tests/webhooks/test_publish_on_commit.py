"""Outbound events are published when their transaction commits, each once; the
periodic sweep only recovers what a process that died in between left."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from casework.assembly import job_registry
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext, run_job, sweep
from casework.models import OutboxEvent, WebhookDelivery
from casework.models.base import clock_at, utcnow
from casework.webhooks import jobs as webhook_jobs
from casework.webhooks import outbox, publisher, shapers, signing
from casework.webhooks.service import LEASE
from tests.factories import TenantKit, case_body
from tests.webhooks.conftest import OnPremReceiver

Job = tuple[str, dict[str, Any]]


class HeldJobs:
    """Stands in for the job runner: keeps what commits defer, for the test to run."""

    def __init__(self) -> None:
        self.deferred: list[Job] = []

    def defer(self, name: str, kwargs: dict[str, Any]) -> None:
        self.deferred.append((name, dict(kwargs)))

    def take(self) -> list[Job]:
        taken, self.deferred = self.deferred, []
        return taken


@pytest.fixture
def held(
    app: FastAPI, client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> HeldJobs:
    """No job runs unless the test runs it: deferred jobs are held, and the app's runner
    neither receives them nor sweeps."""
    app.state.jobs.join()
    sink = HeldJobs()
    monkeypatch.setattr(app.state.jobs, "sweep_now", lambda: 0)
    monkeypatch.setattr(db, "jobs", sink)
    return sink


@pytest.fixture
def context(db: Database, settings: Settings) -> JobContext:
    return JobContext(database=db, settings=settings, registry=job_registry())


def _endpoint(client: TestClient, kit: TenantKit, url: str, events: list[str]) -> str:
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "event_types": events},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    secret: str = r.json()["secret"]
    return secret


def _received(onprem: OnPremReceiver, secret: str, n: int) -> list[dict[str, Any]]:
    got = []
    for _ in range(n):
        headers, raw = onprem.requests.get(timeout=10)
        signing.verify(secret=secret, headers=headers, body=raw)
        got.append(json.loads(raw))
    return got


def _ours(jobs: list[Job], tenant_id: str) -> list[Job]:
    return [(name, kwargs) for name, kwargs in jobs if kwargs.get("tenant_id") == tenant_id]


def _deliveries(db: Database, tenant_id: str) -> dict[str, tuple[int, str]]:
    """The tenant's deliveries: id -> (attempts so far, event type)."""
    with db.session(write=False) as session:
        stmt = select(WebhookDelivery.id, WebhookDelivery.attempt_count, WebhookDelivery.event_type)
        rows = session.execute(stmt.where(WebhookDelivery.tenant_id == tenant_id))
        return {i: (attempts, kind) for i, attempts, kind in rows}


def _queued(db: Database, tenant_id: str) -> int:
    with db.session(write=False) as session:
        stmt = select(func.count()).select_from(OutboxEvent)
        return session.scalar(stmt.where(OutboxEvent.tenant_id == tenant_id)) or 0


def test_case_created_is_published_by_the_job_its_commit_defers(
    client: TestClient,
    context: JobContext,
    kit: TenantKit,
    onprem: OnPremReceiver,
    held: HeldJobs,
):
    secret = _endpoint(client, kit, onprem.url, ["case.created"])
    held.take()
    case = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers).json()

    deferred = held.take()
    assert _ours(deferred, kit.tenant_id) == [("webhooks.publish", {"tenant_id": kit.tenant_id})]
    for name, kwargs in deferred:
        run_job(context, name, kwargs)
    (event,) = _received(onprem, secret, 1)
    assert event["type"] == "case.created"
    assert (event["data"]["action"], event["data"]["case"]["id"]) == ("case.created", case["id"])
    assert onprem.requests.empty()


def test_the_app_sends_case_created_without_its_sweep(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    onprem: OnPremReceiver,
    monkeypatch: pytest.MonkeyPatch,
):
    app.state.jobs.join()
    monkeypatch.setattr(app.state.jobs, "sweep_now", lambda: 0)
    secret = _endpoint(client, kit, onprem.url, ["case.created"])
    case = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers).json()

    # Waits on the receiver: the runner's threads publish and send it, with no sweep.
    (event,) = _received(onprem, secret, 1)
    assert (event["type"], event["data"]["case"]["id"]) == ("case.created", case["id"])


def test_proposals_approvals_and_rejections_are_webhook_events(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    onprem: OnPremReceiver,
    monkeypatch: pytest.MonkeyPatch,
):
    app.state.jobs.join()
    monkeypatch.setattr(app.state.jobs, "sweep_now", lambda: 0)
    kinds = ["decision.proposed", "decision.approved", "decision.rejected"]
    secret = _endpoint(client, kit, onprem.url, kinds)
    policy = {"resolve": {"resolutions": ["potential_threat"]}}
    assert client.put("/v1/settings/approvals", json=policy, headers=kit.admin.headers).is_success
    resolve = {"to": "resolved", "resolution": "potential_threat", "note": "Reported"}
    decided = []
    for verb, body in (("approve", {}), ("reject", {"note": "Not enough"})):
        case = client.post("/v1/cases", json=case_body(tasks=[]), headers=kit.admin.headers).json()
        url = f"/v1/cases/{case['id']}/transition"
        proposed = client.post(url, json=resolve, headers=kit.analyst.headers).json()
        decision = proposed["pending_decision_id"]
        r = client.post(f"/v1/decisions/{decision}/{verb}", json=body, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        decided.append(case["id"])

    events = [(e["type"], e["data"]["case"]["id"]) for e in _received(onprem, secret, 4)]
    assert sorted(events) == sorted(
        [
            ("decision.proposed", decided[0]),
            ("decision.approved", decided[0]),
            ("decision.proposed", decided[1]),
            ("decision.rejected", decided[1]),
        ]
    )


def test_a_report_filed_is_an_update_of_its_case(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    onprem: OnPremReceiver,
    monkeypatch: pytest.MonkeyPatch,
):
    app.state.jobs.join()
    monkeypatch.setattr(app.state.jobs, "sweep_now", lambda: 0)
    case = client.post("/v1/cases", json=case_body(tasks=[]), headers=kit.admin.headers).json()
    secret = _endpoint(client, kit, onprem.url, ["case.updated", "decision.proposed"])
    body = {"format": "goaml", "report_code": "STR"}
    r = client.post(f"/v1/cases/{case['id']}/reports", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text

    (event,) = _received(onprem, secret, 1)
    assert (event["type"], event["data"]["case"]["id"]) == ("case.updated", case["id"])


def test_events_a_crash_left_unsent_are_sent_once_by_the_sweep(
    client: TestClient,
    db: Database,
    context: JobContext,
    kit: TenantKit,
    onprem: OnPremReceiver,
    held: HeldJobs,
    monkeypatch: pytest.MonkeyPatch,
):
    secret = _endpoint(
        client, kit, onprem.url, ["case.created", "check.completed", "case.completed"]
    )
    customer = {"customer_type": "INDIVIDUAL", "full_name": "Ines Duarte", "country": "PRT"}
    body = case_body(customer=customer, checks=[{"type": "JURISDICTION"}])
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    held.take()  # the process died once it had committed: what it deferred never runs

    def died(*_: Any, **__: Any) -> None:
        raise RuntimeError("the worker died once it had committed")

    with monkeypatch.context() as dying:
        dying.setattr(webhook_jobs, "send", died)
        with pytest.raises(RuntimeError):
            run_job(context, "checks.run_case", {"case_id": case["id"]})
    assert _queued(db, kit.tenant_id) == 0, "published in the transaction that finished"
    claimed = _deliveries(db, kit.tenant_id)
    assert sorted(claimed.values()) == [(1, "case.completed"), (1, "check.completed")]
    assert onprem.requests.empty()

    found = _ours(sweep(context), kit.tenant_id)
    assert found == [("webhooks.publish", {"tenant_id": kit.tenant_id})], "the trail waits"
    for name, kwargs in found:
        run_job(context, name, kwargs)
    (created,) = _received(onprem, secret, 1)
    assert created["data"]["case"]["id"] == case["id"]
    assert onprem.requests.empty(), "a claim is not sent again before its lease runs out"

    with clock_at(utcnow() + LEASE + timedelta(seconds=1)):
        due = [job for job in sweep(context) if job[1].get("delivery_id") in claimed]
        assert sorted(kwargs["delivery_id"] for _, kwargs in due) == sorted(claimed)
        for name, kwargs in due:
            run_job(context, name, kwargs)
    events = {e["type"]: e["data"] for e in _received(onprem, secret, 2)}
    assert events["case.completed"]["id"] == case["id"]
    assert events["case.completed"]["processing_status"] == "COMPLETED"
    check = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()
    assert events["check.completed"] == check["items"][0], "the check as the API shows it"

    assert _ours(sweep(context), kit.tenant_id) == [], "nothing left to publish"
    after = _deliveries(db, kit.tenant_id)
    assert [after[i][0] for i in claimed] == [2, 2], "the lost attempt, then the one sent"
    assert onprem.requests.empty(), "each event is sent once"


def test_a_finish_publishes_its_events_without_writing_them_to_the_outbox(
    client: TestClient,
    db: Database,
    context: JobContext,
    kit: TenantKit,
    onprem: OnPremReceiver,
    held: HeldJobs,
):
    secret = _endpoint(client, kit, onprem.url, ["check.completed", "case.completed"])
    body = case_body(checks=[{"type": "JURISDICTION"}])
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    held.take()
    written: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "outbox_events" in statement:
            written.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run_job(context, "checks.run_case", {"case_id": case["id"]})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert written == []
    events = {e["type"] for e in _received(onprem, secret, 2)}
    assert events == {"check.completed", "case.completed"}
    assert held.take() == [], "no job: the finishing worker sent them itself"


def test_a_finish_leaves_events_without_a_shaper_in_the_outbox(
    client: TestClient,
    db: Database,
    context: JobContext,
    kit: TenantKit,
    onprem: OnPremReceiver,
    held: HeldJobs,
    monkeypatch: pytest.MonkeyPatch,
):
    _endpoint(client, kit, onprem.url, ["check.completed"])
    body = case_body(checks=[{"type": "JURISDICTION"}])
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    held.take()
    monkeypatch.delitem(shapers._SHAPERS, ("check", None))
    run_job(context, "checks.run_case", {"case_id": case["id"]})

    checks = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()
    assert [c["status"] for c in checks["items"]] == ["COMPLETED"], "the finish committed"
    assert _queued(db, kit.tenant_id) == 1, "kept for when a shaper is registered"
    assert _deliveries(db, kit.tenant_id) == {}


def test_an_event_without_a_shaper_waits_for_one(
    db: Database, kit: TenantKit, monkeypatch: pytest.MonkeyPatch
):
    with db.transaction() as session:
        outbox.add(
            session,
            tenant_id=kit.tenant_id,
            event_type="case.completed",
            subject="widget",
            subject_id="w" * 24,
            case_url="https://hooks.example.com/widgets",
        )
    with pytest.raises(shapers.MissingShaper), db.transaction() as session:
        publisher.publish(session, tenant_id=kit.tenant_id)
    assert _queued(db, kit.tenant_id) == 1, "kept, not dropped"

    def widgets(_: Any, tenant_id: str, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: {"widget": i, "tenant": tenant_id} for i in ids}

    monkeypatch.setitem(shapers._SHAPERS, ("widget", None), widgets)
    with db.transaction() as session:
        deliveries, more = publisher.publish(session, tenant_id=kit.tenant_id)
        sent = [(d.url, d.payload, d.enveloped) for d in deliveries]
    assert not more
    assert sent == [
        ("https://hooks.example.com/widgets", {"widget": "w" * 24, "tenant": kit.tenant_id}, True)
    ]
    assert _queued(db, kit.tenant_id) == 0
    with db.session(write=False) as session:
        stmt = select(WebhookDelivery.status).where(WebhookDelivery.tenant_id == kit.tenant_id)
        assert session.scalars(stmt).all() == ["pending"]


def test_a_variant_goes_to_the_case_url_only(
    db: Database, kit: TenantKit, monkeypatch: pytest.MonkeyPatch
):
    def native(_: Any, __: str, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: {"shape": "native"} for i in ids}

    def other(_: Any, __: str, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: {"shape": "other"} for i in ids}

    monkeypatch.setitem(shapers._SHAPERS, ("widget", None), native)
    monkeypatch.setitem(shapers._SHAPERS, ("widget", "other-api"), other)
    url = "https://hooks.example.com/widgets"
    with db.transaction() as session:
        for variant in ("other-api", "unknown-api"):
            outbox.add(
                session,
                tenant_id=kit.tenant_id,
                event_type="case.completed",
                subject="widget",
                subject_id="w" * 24,
                case_url=url,
                url_variant=variant,
            )
    with db.transaction() as session:
        deliveries, _ = publisher.publish(session, tenant_id=kit.tenant_id)
        sent = [(d.url, d.payload, d.enveloped) for d in deliveries]
    assert sent == [(url, {"shape": "other"}, False), (url, {"shape": "native"}, True)]
