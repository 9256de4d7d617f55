"""Checks end to end through the API: requested on a case, run in the background,
decided by an analyst, rolled up into the case."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner, JobContext, run_job
from casework.models import AuditEvent, Check
from casework.models.base import utcnow
from casework.models.enums import ProcessingStatus
from casework.screening.service import import_dataset
from tests.factories import TenantKit, case_body


def _entity(key: str, schema: str, name: str, topics: list[str], **props: Any) -> dict[str, Any]:
    properties = {"name": [name], "topics": topics, **{k: [v] for k, v in props.items()}}
    return {"id": key, "schema": schema, "target": True, "properties": properties}


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"checks-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    records = [
        _entity("vb", "Person", "Viktor Anatolyevich Bout", ["sanction"], birthDate="1967-01-13"),
        _entity("mf", "Person", "Marisol Fuentealba Quiroga", ["role.pep"], birthDate="1961"),
        _entity("kc", "Company", "Kestrel Ridge Trading FZE", ["sanction"], jurisdiction="ae"),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


@pytest.fixture
def jobs(app: FastAPI, client: TestClient) -> EmbeddedRunner:
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    return runner


def _create(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _person(name: str, **extra: Any) -> dict[str, Any]:
    return {"customer_type": "INDIVIDUAL", "full_name": name, **extra}


def _checks(client: TestClient, kit: TenantKit, case_id: str, **params: Any) -> list[dict]:
    r = client.get(f"/v1/cases/{case_id}/checks", params=params, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _case(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers).json())


def test_a_listed_customer_is_matched_and_the_analyst_decides(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, watchlist: str
):
    case = _create(
        client,
        kit,
        customer=_person("Viktor Bout", birth_date="1967-01-13"),
        checks=[{"type": "SANCTIONS"}, {"type": "PEP"}],
    )
    assert case["processing_status"] == "PENDING"
    jobs.join()

    done = _case(client, kit, case["id"])
    assert done["processing_status"] == "COMPLETED"
    assert done["outcome"] == "PENDING", "an unreviewed possible match needs a human"
    checks = {c["type"]: c for c in _checks(client, kit, case["id"])}
    sanctions, pep = checks["SANCTIONS"], checks["PEP"]
    assert pep["status"] == "COMPLETED" and pep["matches"] == [] and pep["outcome"] == "ACCEPTED"
    assert sanctions["outcome"] == "PENDING" and sanctions["dataset_versions"][watchlist] == 1
    match = next(m for m in sanctions["matches"] if m["entity_id"] == f"{watchlist}:vb")
    assert match["decision"] == "unreviewed" and match["score"] >= 0.7
    assert "name" in match["explanation"]
    assert any("Viktor Bout" in line for line in sanctions["reasoning"])
    assert done["risk_score"] == pytest.approx(sanctions["risk_score"])

    url = f"/v1/checks/{sanctions['id']}/matches/{match['id']}/decision"
    others = [m for m in sanctions["matches"] if m["id"] != match["id"]]
    for other in others:
        client.post(
            f"/v1/checks/{sanctions['id']}/matches/{other['id']}/decision",
            json={"decision": "false_positive"},
            headers=kit.analyst.headers,
        )
    r = client.post(
        url, json={"decision": "false_positive", "note": "DOB differs"}, headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "ACCEPTED" and r.json()["risk_score"] == 0.0
    cleared = _case(client, kit, case["id"])
    assert cleared["outcome"] == "ACCEPTED" and cleared["risk_score"] == 0.0

    r = client.post(url, json={"decision": "true_positive"}, headers=kit.analyst.headers)
    assert r.json()["outcome"] == "REJECTED"
    assert _case(client, kit, case["id"])["outcome"] == "REJECTED"


def test_a_business_is_screened_with_its_directors(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, watchlist: str
):
    customer = {
        "customer_type": "BUSINESS",
        "full_name": "Harbour Light Logistics Ltd",
        "input_details": {"directors": [{"name": "Marisol Fuentealba Quiroga"}]},
    }
    case = _create(client, kit, customer=customer, checks=[{"type": "PEP"}])
    jobs.join()
    (pep,) = _checks(client, kit, case["id"])
    assert [m["subject_role"] for m in pep["matches"]] == ["director"]
    assert pep["matches"][0]["entity_id"] == f"{watchlist}:mf"


def test_a_clean_customer_is_accepted(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, watchlist: str
):
    case = _create(
        client, kit, customer=_person("Ingrid Solveig Haugland"), checks=[{"type": "SANCTIONS"}]
    )
    jobs.join()
    done = _case(client, kit, case["id"])
    assert (done["processing_status"], done["outcome"], done["risk_score"]) == (
        "COMPLETED",
        "ACCEPTED",
        0.0,
    )


def test_a_check_that_cannot_run_reports_the_case_failed(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, watchlist: str
):
    case = _create(client, kit, checks=[{"type": "SANCTIONS"}])
    jobs.join()
    (check,) = _checks(client, kit, case["id"])
    assert check["status"] == "ERROR" and "no customer" in check["error"]
    assert _case(client, kit, case["id"])["processing_status"] == "ERROR"


def test_checks_wait_for_start_then_rerun_as_a_new_attempt(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner, watchlist: str
):
    case = _create(
        client,
        kit,
        customer=_person("Ingrid Solveig Haugland"),
        checks=[{"type": "SANCTIONS"}],
        auto_start=False,
    )
    jobs.sweep_now()  # the sweep must leave checks nobody started alone
    jobs.join()
    (waiting,) = _checks(client, kit, case["id"])
    assert waiting["status"] == "PENDING" and waiting["queued_at"] is None

    r = client.post(f"/v1/cases/{case['id']}/start", headers=kit.analyst.headers)
    assert r.status_code == 202, r.text
    jobs.join()
    (first,) = _checks(client, kit, case["id"])
    assert (first["status"], first["attempt"]) == ("COMPLETED", 1)

    r = client.post(f"/v1/cases/{case['id']}/start", headers=kit.analyst.headers)
    assert r.status_code == 202
    jobs.join()
    history = _checks(client, kit, case["id"], all_attempts="true")
    assert [(c["attempt"], c["status"]) for c in history] == [(1, "COMPLETED"), (2, "COMPLETED")]
    assert [c["attempt"] for c in _checks(client, kit, case["id"])] == [2]


def test_rerun_while_running_is_refused(
    client: TestClient, kit: TenantKit, db: Database, jobs: EmbeddedRunner, watchlist: str
):
    case = _create(
        client, kit, customer=_person("Ingrid Haugland"), checks=[{"type": "PEP"}], auto_start=False
    )
    with db.transaction() as session:
        session.execute(
            update(Check)
            .where(Check.case_id == case["id"])
            .values(status=ProcessingStatus.processing, queued_at=utcnow(), started_at=utcnow())
        )
    before = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    r = client.post(f"/v1/cases/{case['id']}/start", headers=kit.analyst.headers)
    assert r.status_code == 409
    after = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    assert after == before


def test_a_stalled_check_is_taken_over_and_finished_once(
    client: TestClient, kit: TenantKit, db: Database, app: FastAPI, watchlist: str
):
    """A worker died holding a check: once its lease runs out the sweep finds it, and a
    late finish by the dead worker's job would change nothing."""
    case = _create(
        client, kit, customer=_person("Ingrid Haugland"), checks=[{"type": "PEP"}], auto_start=False
    )
    past = utcnow() - timedelta(hours=1)
    with db.transaction() as session:
        session.execute(
            update(Check)
            .where(Check.case_id == case["id"])
            .values(
                status=ProcessingStatus.processing,
                queued_at=past,
                started_at=past,
                lease_expires_at=past + timedelta(minutes=5),
            )
        )
    context: JobContext = app.state.jobs.context
    from casework.infra.jobs import sweep

    assert ("checks.drain", {}) in sweep(context)
    run_job(context, "checks.drain", {})
    run_job(context, "checks.drain", {})
    run_job(context, "checks.run_case", {"case_id": case["id"]})
    (check,) = _checks(client, kit, case["id"])
    assert check["status"] == "COMPLETED"
    with db.transaction(write=False) as session:
        finished = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == check["id"], AuditEvent.action == "check.completed"
            )
        ).all()
    assert len(finished) == 1


def test_bad_check_requests_are_refused_and_write_nothing(
    client: TestClient, kit: TenantKit, jobs: EmbeddedRunner
):
    before = client.get("/v1/cases", headers=kit.viewer.headers).json()["items"]
    for checks, field in [
        ([{"type": "NOPE"}], "checks.0.type"),
        ([{"type": "PEP"}, {"type": "PEP"}], "checks"),
        ([{"type": "PEP", "document_ids": ["f" * 24]}], "checks[0].document_ids[0]"),
        ([{"type": "PEP", "delete_after": -2}], "checks.0.delete_after"),
    ]:
        r = client.post("/v1/cases", json=case_body(checks=checks), headers=kit.analyst.headers)
        assert r.status_code == 422, r.text
        assert any(e["field"] == field for e in r.json()["errors"]), (field, r.json())
    assert client.get("/v1/cases", headers=kit.viewer.headers).json()["items"] == before
