"""Ongoing monitoring end to end: enrolment by a config's screening, a new list version
rescreened against its added and changed entities, one ongoing case per customer,
removed entities noted, and a run that survives its worker."""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from casework.assembly import job_registry
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner, JobContext, run_job
from casework.models import (
    AuditEvent,
    Case,
    MonitoredCustomer,
    MonitoringRun,
    WatchlistDataset,
)
from casework.models.base import utcnow
from casework.monitoring import pool, repository
from casework.monitoring.service import RESCREEN
from casework.processing import rescreen_runs as tasks
from casework.screening import index_store
from casework.screening.service import import_dataset
from tests.factories import TenantKit


def _person(key: str, name: str, topics: list[str], **props: str) -> dict[str, Any]:
    properties = {"name": [name], "topics": topics, **{k: [v] for k, v in props.items()}}
    return {"id": key, "schema": "Person", "target": True, "properties": properties}


BOUT = _person("vb", "Viktor Anatolyevich Bout", ["sanction"], birthDate="1967-01-13")
SOLANO = _person("hs", "Heriberto Solano Vidaurre", ["sanction"], birthDate="1971-04-02")
SOLANO_PEP = _person("hp", "Heriberto Solano Vidaurre", ["role.pep"], birthDate="1971-04-02")
# Someone else: a list with a PEP on it, so that a PEP check has something to search.
OFFICIAL = _person("ro", "Rosalind Achterberg-Nwosu", ["role.pep"], birthDate="1958")


class Lists:
    """A dataset of its own, imported version after version."""

    def __init__(self, db: Database, folder: Path) -> None:
        self.db, self.folder = db, folder
        self.name = f"mon-{secrets.token_hex(4)}"
        self.version = 0

    def publish(self, *records: dict[str, Any], tenant_id: str | None = None) -> int:
        self.version += 1
        path = self.folder / f"{self.name}-{self.version}.json"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        with self.db.transaction() as session:
            return import_dataset(
                session, name=self.name, format_name="ftm", paths=[path], tenant_id=tenant_id
            ).version

    def run(self, version: int) -> MonitoringRun:
        with self.db.session(write=False) as session:
            run = session.scalar(
                select(MonitoringRun)
                .join(WatchlistDataset, WatchlistDataset.id == MonitoringRun.dataset_id)
                .where(WatchlistDataset.name == self.name, MonitoringRun.version == version)
            )
            assert run is not None
            return run


@pytest.fixture
def lists(db: Database, tmp_path: Path) -> Lists:
    return Lists(db, tmp_path)


@pytest.fixture
def jobs(app: FastAPI, client: TestClient) -> EmbeddedRunner:
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    return runner


def _machine(db: Database, settings: Any, data_dir: Path) -> JobContext:
    """A worker's context on a machine of its own: its own data directory, where it
    writes the indexes it builds."""
    own = settings.model_copy(update={"data_dir": data_dir})
    return JobContext(database=db, settings=own, registry=job_registry())


def _config(client: TestClient, kit: TenantKit, checks: list[dict[str, Any]]) -> str:
    slug = f"kyc-{secrets.token_hex(3)}"
    r = client.post(
        "/v1/case-configs",
        json={"slug": slug, "name": "KYC", "checks": checks},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["monitoring"] is True
    return slug


def _onboard(client: TestClient, kit: TenantKit, config: str, name: str) -> dict[str, Any]:
    body = {
        "title": f"Onboarding {name}",
        "config": config,
        "customer": {"customer_type": "INDIVIDUAL", "full_name": name},
    }
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _customer_cases(client: TestClient, kit: TenantKit, customer_id: str) -> list[dict]:
    r = client.get("/v1/cases", params={"limit": 200}, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return [c for c in r.json()["items"] if (c["customer"] or {}).get("id") == customer_id]


def _checks(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, dict[str, Any]]:
    r = client.get(f"/v1/cases/{case_id}/checks", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return {c["type"]: c for c in r.json()["items"]}


def test_a_new_listing_opens_one_ongoing_case_linked_to_the_onboarding(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, lists: Lists
):
    lists.publish(BOUT, OFFICIAL)
    config = _config(client, kit, [{"type": "SANCTIONS"}, {"type": "PEP"}])
    onboarding = _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    customer_id = onboarding["customer"]["id"]
    first = client.get(f"/v1/cases/{onboarding['id']}", headers=kit.viewer.headers).json()
    assert first["processing_status"] == "COMPLETED" and first["outcome"] == "ACCEPTED"

    r = client.get(
        "/v1/monitoring/customers", params={"customer_id": customer_id}, headers=kit.viewer.headers
    )
    (monitored,) = r.json()["items"]
    assert monitored["case_id"] == onboarding["id"]
    assert set(monitored["checks"]) == {"SANCTIONS", "PEP"}
    assert monitored["subjects"][0]["name"] == "Heriberto Solano Vidaurre"

    version = lists.publish(BOUT, OFFICIAL, SOLANO, SOLANO_PEP)  # he is now sanctioned and a PEP
    jobs.join()
    run = lists.run(version)
    assert run.status == "done" and run.stats["cases_opened"] >= 1

    cases = _customer_cases(client, kit, customer_id)
    (ongoing,) = [c for c in cases if c["created_by_type"] == "byOngoingAmlHit"]
    assert ongoing["related_case_id"] == onboarding["id"]
    assert ongoing["priority"] == "high" and ongoing["config"] == config
    assert ongoing["processing_status"] == "COMPLETED" and ongoing["outcome"] == "PENDING"
    checks = _checks(client, kit, ongoing["id"])
    assert [m["entity_id"] for m in checks["SANCTIONS"]["matches"]] == [f"{lists.name}:hs"]
    assert [m["entity_id"] for m in checks["PEP"]["matches"]] == [f"{lists.name}:hp"]
    assert checks["SANCTIONS"]["outcome"] == "PENDING" and ongoing["risk_score"] > 0.7
    explanation = checks["SANCTIONS"]["matches"][0]["explanation"]
    assert explanation["name"] and checks["SANCTIONS"]["dataset_versions"] == {lists.name: version}
    assert ongoing["title"] == "Ongoing monitoring: new PEP, sanctions match"
    [searched] = checks["PEP"]["evidence"]["datasets"]
    assert (searched["name"], searched["version"], searched["stale"]) == (
        lists.name,
        version,
        False,
    )
    assert f"Lists searched: {lists.name} v{version}" in " ".join(checks["PEP"]["reasoning"])

    # The sanctions entry changes; its match is still waiting on the open case: no repeat.
    changed = _person("hs", "Heriberto Solano Vidaurre", ["sanction"], birthDate="1971")
    lists.publish(BOUT, changed, SOLANO_PEP)
    jobs.join()
    again = _customer_cases(client, kit, customer_id)
    assert len(again) == len(cases)
    assert len(_checks(client, kit, ongoing["id"])["SANCTIONS"]["matches"]) == 1


def test_decided_matches_are_not_raised_again_and_a_resolved_case_makes_way(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, lists: Lists
):
    lists.publish(BOUT)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    onboarding = _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    customer_id = onboarding["customer"]["id"]
    lists.publish(BOUT, SOLANO)
    jobs.join()
    (ongoing,) = [
        c
        for c in _customer_cases(client, kit, customer_id)
        if c["created_by_type"] == "byOngoingAmlHit"
    ]
    check = _checks(client, kit, ongoing["id"])["SANCTIONS"]
    (match,) = check["matches"]
    r = client.post(
        f"/v1/checks/{check['id']}/matches/{match['id']}/decision",
        json={"decision": "false_positive", "note": "different person"},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 200 and r.json()["outcome"] == "ACCEPTED"
    r = client.post(
        f"/v1/cases/{ongoing['id']}/transition",
        json={"to": "resolved", "resolution": "false_positive", "note": "cleared"},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200, r.text

    # The cleared entity changes: decided, so nothing new. A second person appears: new case.
    changed = _person("hs", "Heriberto Solano Vidaurre", ["sanction"], birthDate="1971")
    twin = _person("h2", "Heriberto Solano-Vidaurre", ["sanction"], nationality="bo")
    lists.publish(BOUT, changed, twin)
    jobs.join()
    ongoing_cases = [
        c
        for c in _customer_cases(client, kit, customer_id)
        if c["created_by_type"] == "byOngoingAmlHit"
    ]
    assert len(ongoing_cases) == 2
    newest = next(c for c in ongoing_cases if c["id"] != ongoing["id"])
    assert newest["review_status"] == "open"
    (fresh,) = _checks(client, kit, newest["id"])["SANCTIONS"]["matches"]
    assert fresh["entity_id"] == f"{lists.name}:h2"


def test_removed_entities_are_noted_on_open_cases(
    db: Database, client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, lists: Lists
):
    lists.publish(SOLANO)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    onboarding = _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()

    def mine() -> dict[str, Any]:
        matches = _checks(client, kit, onboarding["id"])["SANCTIONS"]["matches"]
        (match,) = [m for m in matches if m["entity_id"] == f"{lists.name}:hs"]
        return dict(match)

    assert mine()["delisted_version"] is None
    version = lists.publish(BOUT)  # Solano is delisted
    jobs.join()
    assert mine()["delisted_version"] == version
    with db.session(write=False) as session:
        event = session.scalar(
            select(AuditEvent).where(
                AuditEvent.case_id == onboarding["id"],
                AuditEvent.action == "screening_match.delisted",
            )
        )
    assert event is not None and lists.name in event.message
    assert lists.run(version).stats["delisted_noted"] >= 1


def test_a_run_whose_worker_died_is_finished_by_another_without_repeats(
    db: Database,
    settings: Any,
    client: TestClient,
    kit: TenantKit,
    jobs: EmbeddedRunner,
    lists: Lists,
    monkeypatch: pytest.MonkeyPatch,
):
    lists.publish(BOUT)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    names = ["Heriberto Solano Vidaurre", "Marisol Fuentealba Quiroga", "Ingeborg Abrahamsen"]
    customers = [_onboard(client, kit, config, n)["customer"]["id"] for n in names]
    jobs.join()

    # Nobody runs the new version's job yet: the first worker is driven by hand.
    monkeypatch.setattr(jobs, "defer", lambda *_: None)
    marisol = _person("mf", "Marisol Fuentealba Quiroga", ["sanction"])
    version = lists.publish(BOUT, SOLANO, marisol)
    run_id = lists.run(version).id
    context = JobContext(database=db, settings=settings, registry=job_registry())
    first = tasks._claim(context, run_id)
    assert first is not None
    assert tasks._claim(context, run_id) is None, "a live lease keeps the run"
    delta, _ = tasks._delta(context, first)
    with db.session(write=False) as session:
        rows = repository.page(session, after=first.cursor, limit=1_000_000)
        mine = set(
            session.scalars(
                select(MonitoredCustomer.id).where(MonitoredCustomer.tenant_id == kit.tenant_id)
            )
        )
    # The first page ends with the first of this tenant's customers: the rest is left.
    page = rows[: next(i for i, r in enumerate(rows) if r.id in mine) + 1]
    _, count, hits = pool.screen_page(delta, [(r.id, r.checks, r.subjects) for r in page])
    assert tasks._write_page(context, first, delta, None, hits, page[-1].id, screened=count)
    # ...and the worker dies. Its lease runs out; the sweep hands the run to another.
    with db.transaction() as session:
        session.execute(
            update(MonitoringRun)
            .where(MonitoringRun.id == run_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (RESCREEN, {"run_id": run_id}) in tasks.unfinished_runs(context)
    run_job(context, RESCREEN, {"run_id": run_id})
    assert lists.run(version).status == "done"
    # The first worker wakes up: its claim is gone, it writes nothing.
    assert not tasks._write_page(context, first, delta, None, hits, page[-1].id, screened=count)

    with db.session(write=False) as session:
        ongoing = session.scalars(
            select(Case.customer_id).where(
                Case.tenant_id == kit.tenant_id,
                Case.customer_id.in_(customers),
                Case.created_by_type == "byOngoingAmlHit",
            )
        ).all()
    assert sorted(ongoing) == sorted(customers[:2]), "one ongoing case per hit customer"


def test_monitoring_is_per_tenant_and_can_be_stopped(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, jobs: EmbeddedRunner, lists: Lists
):
    lists.publish(BOUT)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    onboarding = _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    customer_id = onboarding["customer"]["id"]
    r = client.get("/v1/monitoring/customers", headers=other_kit.admin.headers)
    assert customer_id not in [m["customer_id"] for m in r.json()["items"]]
    r = client.delete(f"/v1/monitoring/customers/{customer_id}", headers=other_kit.admin.headers)
    assert r.status_code == 404
    r = client.delete(f"/v1/monitoring/customers/{customer_id}", headers=kit.viewer.headers)
    assert r.status_code == 403
    r = client.delete(f"/v1/monitoring/customers/{customer_id}", headers=kit.analyst.headers)
    assert r.status_code == 204

    lists.publish(BOUT, SOLANO)
    jobs.join()
    cases = _customer_cases(client, kit, customer_id)
    assert [c["created_by_type"] for c in cases] != [] and all(
        c["created_by_type"] != "byOngoingAmlHit" for c in cases
    )


def test_a_case_without_a_config_is_not_monitored(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, lists: Lists
):
    lists.publish(BOUT)
    body = {
        "title": "Ad hoc",
        "customer": {"customer_type": "INDIVIDUAL", "full_name": "Heriberto Solano"},
        "checks": [{"type": "SANCTIONS"}],
    }
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    jobs.join()
    r = client.get(
        "/v1/monitoring/customers",
        params={"customer_id": case["customer"]["id"]},
        headers=kit.viewer.headers,
    )
    assert r.json()["items"] == []


def test_a_large_run_screens_in_worker_processes_with_the_same_result(
    db: Database,
    settings: Any,
    client: TestClient,
    kit: TenantKit,
    jobs: EmbeddedRunner,
    lists: Lists,
    monkeypatch: pytest.MonkeyPatch,
):
    lists.publish(BOUT, OFFICIAL)
    config = _config(client, kit, [{"type": "SANCTIONS"}, {"type": "PEP"}])
    onboarding = _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    monkeypatch.setattr(jobs, "defer", lambda *_: None)
    version = lists.publish(BOUT, OFFICIAL, SOLANO, SOLANO_PEP)
    wide = settings.model_copy(update={"monitoring_processes": 2, "monitoring_pool_from": 0})
    context = JobContext(database=db, settings=wide)
    assert tasks._processes(context) == 2
    tasks.rescreen_run(context, lists.run(version).id, page_size=7)
    run = lists.run(version)
    assert run.status == "done" and run.stats["customers"] >= 1
    (ongoing,) = [
        c
        for c in _customer_cases(client, kit, onboarding["customer"]["id"])
        if c["created_by_type"] == "byOngoingAmlHit"
    ]
    assert set(_checks(client, kit, ongoing["id"])) == {"SANCTIONS", "PEP"}


def test_a_difference_index_left_behind_is_removed_once_its_run_is_done(
    db: Database,
    settings: Any,
    client: TestClient,
    kit: TenantKit,
    jobs: EmbeddedRunner,
    lists: Lists,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
):
    lists.publish(BOUT)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    monkeypatch.setattr(jobs, "defer", lambda *_: None)
    version = lists.publish(BOUT, SOLANO)
    run_id = lists.run(version).id
    # Two machines, each with its own data directory: the first writes the difference's
    # index and dies; the second takes the run over and finishes it.
    context = _machine(db, settings, tmp_path / "a")
    claim = tasks._claim(context, run_id)
    assert claim is not None
    _, written = tasks._delta(context, claim)
    assert written is not None and written.is_dir()
    differences = written.parent
    (differences / "kept-by-someone-else").mkdir()
    later = time.time() + tasks.SPENT_AFTER.total_seconds() + 60

    assert tasks.remove_spent_differences(context, now=later) == [], "the run needs it"
    with db.transaction() as session:
        session.execute(
            update(MonitoringRun)
            .where(MonitoringRun.id == run_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    run_job(_machine(db, settings, tmp_path / "b"), RESCREEN, {"run_id": run_id})
    assert lists.run(version).status == "done"
    assert written.is_dir(), "the other machine cannot remove this one's index"

    assert tasks.remove_spent_differences(context) == [], "written too recently"
    with index_store.locked(differences, wait=True):  # another process building one
        assert tasks.remove_spent_differences(context, now=later) == []
    assert written.is_dir(), "left for the next sweep"
    assert tasks.remove_spent_differences(context, now=later) == [written.name]
    assert not written.exists()
    assert (differences / "kept-by-someone-else").is_dir(), "not a name casework gives"
    # An index its run removed between the listing and the look at its age is passed over.
    monkeypatch.setattr(index_store, "difference_snapshots", lambda _root: [written])
    assert tasks.remove_spent_differences(context, now=later) == []


def test_a_version_nobody_monitored_could_match_indexes_nothing(
    db: Database,
    settings: Any,
    client: TestClient,
    kit: TenantKit,
    jobs: EmbeddedRunner,
    lists: Lists,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
):
    """A tenant's own list, and no customer of that tenant monitored: its run screens
    nobody, so it builds no index of the version's entities (a first import of a large
    list would otherwise index all of it), and it still notes removed entities."""
    defer = jobs.defer
    monkeypatch.setattr(jobs, "defer", lambda *_: None)
    lists.publish(BOUT, SOLANO, tenant_id=kit.tenant_id)
    version = lists.publish(SOLANO, OFFICIAL, tenant_id=kit.tenant_id)
    context = _machine(db, settings, tmp_path / "nobody")
    asked: list[tuple[int, frozenset[str]]] = []  # entities to index, and removed keys
    build = pool.build_delta

    def building(*args: Any, **kwargs: Any) -> Any:
        asked.append((len(args[2]), args[3]))
        return build(*args, **kwargs)

    monkeypatch.setattr(pool, "build_delta", building)
    run_job(context, RESCREEN, {"run_id": lists.run(version).id})
    run = lists.run(version)
    assert run.status == "done" and run.stats.get("customers", 0) == 0
    assert asked == [(0, frozenset({"vb"}))], "nothing indexed, the removed entity kept"
    assert not (context.settings.screening_index_dir / "differences").exists()

    # Once one of the tenant's customers is monitored, the next version is indexed.
    monkeypatch.setattr(jobs, "defer", defer)
    config = _config(client, kit, [{"type": "SANCTIONS"}])
    _onboard(client, kit, config, "Heriberto Solano Vidaurre")
    jobs.join()
    monkeypatch.setattr(jobs, "defer", lambda *_: None)
    version = lists.publish(SOLANO, OFFICIAL, BOUT, tenant_id=kit.tenant_id)
    claim = tasks._claim(context, lists.run(version).id)
    assert claim is not None
    delta, written = tasks._delta(context, claim)
    assert delta.matcher is not None and written is not None and written.is_dir()
