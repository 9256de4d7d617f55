"""A large batch is screened by worker processes that map the matcher's snapshot, and
answers exactly as the request's own thread would: every match, score and explanation,
every error in its place. A worker that dies costs the batch nothing, and no worker holds
what the server has open (its listening socket above all)."""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import signal
import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.config import Settings
from casework.infra.db import Database
from casework.screening import search
from casework.screening.index_store import IndexStore
from casework.screening.matching import MatcherHolder
from casework.screening.schemas import BatchResult
from casework.screening.service import import_dataset
from tests.factories import TenantKit

PEOPLE = [
    "Vladimir Vladimirovich Putin",
    "George Habbash",
    "Ahmad Karimi",
    "Karim Abdelaziz Mansour",
    "Kim Jong Un",
    "Mohammad Reza Karimi",
]


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"workers-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    rows = [
        {
            "id": f"p{i}",
            "schema": "Person",
            "target": True,
            "properties": {"name": [person], "birthDate": ["1960-01-0" + str(i + 1)]},
        }
        for i, person in enumerate(PEOPLE)
    ]
    rows.append(
        {
            "id": "c1",
            "schema": "Company",
            "target": True,
            "properties": {"name": ["Islamic Republic of Iran Shipping Lines"]},
        }
    )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _queries(listed: str) -> list[Any]:
    made: list[Any] = []
    for i in range(180):
        person = PEOPLE[i % len(PEOPLE)].split()
        name = " ".join(person[i % len(person) :] + person[: i % len(person)])
        query: dict[str, Any] = {"name": name, "datasets": [listed], "threshold": 0.5}
        if i % 3 == 0:
            query["birth_date"] = f"1960-01-0{i % 6 + 1}"
        if i % 17 == 0:
            query = {"name": "", "datasets": [listed]}  # invalid: answered in its place
        if i % 29 == 0:
            query = {"name": "IRISL", "schema": "Company", "datasets": [listed]}
        made.append(query)
    return made


def _screened(
    db: Database, settings: Settings, holder: MatcherHolder, kit: TenantKit, queries: list[Any]
) -> list[dict[str, Any]]:
    with db.transaction(write=False) as session:
        results = search.screen_many(
            session, holder, queries, tenant_id=kit.tenant_id, settings=settings
        )
    body = search.batch_body(results)
    BatchResult.model_validate_json(body)  # the shape the route declares
    answers = json.loads(body)["results"]
    for answer in answers:
        answer.pop("took_ms", None)
    return list(answers)


def _holder(tmp_path: Path) -> MatcherHolder:
    return MatcherHolder(IndexStore(tmp_path / "screening-index"))


def test_workers_answer_as_the_request_does(
    db: Database, settings: Settings, kit: TenantKit, listed: str, tmp_path: Path
) -> None:
    queries = _queries(listed)
    alone = _screened(db, settings.model_copy(update={"screening_processes": 1}),
                      _holder(tmp_path), kit, queries)  # fmt: skip
    holder = _holder(tmp_path)
    try:
        pooled = _screened(
            db, settings.model_copy(update={"screening_processes": 2}), holder, kit, queries
        )
        assert holder._workers is not None  # the batch was screened by workers
    finally:
        holder.close()
    assert pooled == alone
    invalid = [i for i, query in enumerate(queries) if not query["name"]]
    assert [i for i, answer in enumerate(alone) if "error" in answer] == invalid
    assert any(a.get("matches") for a in alone)


def test_a_dead_worker_costs_the_batch_nothing(
    db: Database, settings: Settings, kit: TenantKit, listed: str, tmp_path: Path
) -> None:
    queries = _queries(listed)
    pooled = settings.model_copy(update={"screening_processes": 2})
    holder = _holder(tmp_path)
    try:
        first = _screened(db, pooled, holder, kit, queries)
        for child in multiprocessing.active_children():
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
        assert _screened(db, pooled, holder, kit, queries) == first
        assert _screened(db, pooled, holder, kit, queries) == first  # by new workers
    finally:
        holder.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
def test_workers_hold_none_of_the_servers_sockets(
    db: Database, settings: Settings, kit: TenantKit, listed: str, tmp_path: Path
) -> None:
    pooled = settings.model_copy(update={"screening_processes": 2})
    holder = _holder(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as listening:
        held = f"socket:[{os.fstat(listening.fileno()).st_ino}]"
        try:
            _screened(db, pooled, holder, kit, _queries(listed))
            workers = multiprocessing.active_children()
            assert holder._workers is not None and workers
            for worker in workers:
                fds = Path(f"/proc/{worker.pid}/fd")
                assert held not in {os.readlink(fd) for fd in fds.iterdir()}
        finally:
            holder.close()


def test_a_matcher_built_in_memory_is_screened_in_the_request(
    db: Database, settings: Settings, kit: TenantKit, listed: str
) -> None:
    holder = MatcherHolder()  # no snapshot for workers to map
    pooled = settings.model_copy(update={"screening_processes": 2})
    assert _screened(db, pooled, holder, kit, _queries(listed))
    assert holder._workers is None


def test_the_api_answers_a_large_batch_in_order(
    client: TestClient, kit: TenantKit, listed: str
) -> None:
    queries = _queries(listed)
    r = client.post("/v1/screenings/batch", json={"queries": queries}, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == len(queries)
    assert results[17]["error"]["errors"][0]["field"] == "queries[17].name"
    assert results[1]["matches"][0]["entity_id"] == f"{listed}:p1"
