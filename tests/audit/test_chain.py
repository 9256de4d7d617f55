"""The per-tenant hash chain and `casework audit verify`."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from casework.audit.chain import content_digest, keyed_link
from casework.audit.keys import keyring_for
from casework.cli import app as cli
from casework.config import Settings
from casework.infra.db import Database
from casework.models import AuditEvent
from tests.factories import TenantKit, case_body


def _verify(settings: Settings, slug: str) -> tuple[int, dict]:
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    result = CliRunner().invoke(cli, ["audit", "verify", "--tenant", slug, "--json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def _events(db: Database, tenant_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
            )
        )


@pytest.fixture
def busy_kit(client: TestClient, kit: TenantKit) -> TenantKit:
    for i in range(3):
        case = client.post("/v1/cases", json=case_body(title=f"c{i}"), headers=kit.analyst.headers)
        cid = case.json()["id"]
        client.post(f"/v1/cases/{cid}/comments", json={"body": "note"}, headers=kit.analyst.headers)
    return kit


def test_intact_chain_verifies(settings: Settings, busy_kit: TenantKit, db: Database):
    code, report = _verify(settings, busy_kit.slug)
    assert code == 0, report
    assert report["ok"] is True
    assert report["checked"] == len(_events(db, busy_kit.tenant_id))


def test_every_write_is_exactly_one_event(client: TestClient, kit: TenantKit, db: Database):
    before = len(_events(db, kit.tenant_id))
    r = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers)
    cid = r.json()["id"]
    assert len(_events(db, kit.tenant_id)) == before + 1
    client.patch(f"/v1/cases/{cid}", json={"title": "x"}, headers=kit.analyst.headers)
    assert len(_events(db, kit.tenant_id)) == before + 2
    client.patch(f"/v1/cases/{cid}", json={"title": "x"}, headers=kit.analyst.headers)
    assert len(_events(db, kit.tenant_id)) == before + 2, "a no-op write records nothing"


def test_edited_event_is_named(settings: Settings, busy_kit: TenantKit, db: Database):
    victim = _events(db, busy_kit.tenant_id)[3]
    with db.transaction() as session:
        session.execute(
            text("UPDATE audit_events SET message = 'nothing to see' WHERE id = :id"),
            {"id": victim.id},
        )
    code, report = _verify(settings, busy_kit.slug)
    assert code == 1
    assert report["bad_seq"] == victim.seq
    assert report["bad_event_id"] == victim.id
    assert "edited" in report["reason"]


def test_deleted_event_is_named(settings: Settings, busy_kit: TenantKit, db: Database):
    events = _events(db, busy_kit.tenant_id)
    with db.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[2].id})
    code, report = _verify(settings, busy_kit.slug)
    assert code == 1
    assert report["bad_seq"] == events[3].seq
    assert "gap" in report["reason"]


def test_reordered_events_are_named(settings: Settings, busy_kit: TenantKit, db: Database):
    a, b = _events(db, busy_kit.tenant_id)[2:4]
    with db.transaction() as session:
        session.execute(text("UPDATE audit_events SET seq = -1 WHERE id = :id"), {"id": a.id})
        session.execute(
            text("UPDATE audit_events SET seq = :s WHERE id = :id"), {"s": a.seq, "id": b.id}
        )
        session.execute(
            text("UPDATE audit_events SET seq = :s WHERE id = :id"), {"s": b.seq, "id": a.id}
        )
    code, report = _verify(settings, busy_kit.slug)
    assert code == 1
    assert report["bad_seq"] == a.seq


def test_removed_tail_is_detected(settings: Settings, busy_kit: TenantKit, db: Database):
    last = _events(db, busy_kit.tenant_id)[-1]
    with db.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last.id})
    code, report = _verify(settings, busy_kit.slug)
    assert code == 1
    assert report["bad_seq"] == last.seq
    assert "tail" in report["reason"]


def test_chains_are_per_tenant(
    settings: Settings, busy_kit: TenantKit, other_kit: TenantKit, db: Database
):
    victim = _events(db, other_kit.tenant_id)[0]
    with db.transaction() as session:
        session.execute(
            text("UPDATE audit_events SET actor_name = 'x' WHERE id = :id"), {"id": victim.id}
        )
    assert _verify(settings, busy_kit.slug)[0] == 0
    assert _verify(settings, other_kit.slug)[0] == 1


def test_concurrent_writers_extend_one_unbroken_chain(
    live_server: str, settings: Settings, kit: TenantKit, db: Database
):
    """Real parallel requests: every append links to the one committed before it."""
    before = len(_events(db, kit.tenant_id))

    def create(i: int) -> int:
        with httpx.Client(base_url=live_server, headers=kit.analyst.headers) as http:
            response = http.post("/v1/cases", json=case_body(title=f"parallel {i}"))
            assert response.status_code == 201, response.text
            return int(response.json()["number"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(40)))
    assert len(set(numbers)) == 40
    events = _events(db, kit.tenant_id)
    assert [e.seq for e in events] == list(range(1, before + 41))
    code, report = _verify(settings, kit.slug)
    assert code == 0, report
    assert report["checked"] == before + 40


def test_hash_binds_content_place_and_predecessor(
    settings: Settings, busy_kit: TenantKit, db: Database
):
    keys = keyring_for(settings)
    events = _events(db, busy_kit.tenant_id)
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
        assert event.key_id == keys.current_id
        assert event.hash == keyed_link(
            keys, keys.current_id, previous.hash, event.seq, content_digest(event)
        )
