"""Production's layout, proved with real processes: two stateless `casework serve` replicas
and two `casework worker` processes on one PostgreSQL database, documents in an
S3-compatible store. Whatever one replica accepted the other serves; a list imported
with the CLI reaches both and the workers; a replica killed in a burst of creates, a
rolling restart under load and a worker killed in the middle of a check lose nothing
and repeat nothing."""

from __future__ import annotations

import hashlib
import json
import secrets
import signal
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import BACKEND
from tests.replicas.balancer import Balancer, Sent
from tests.replicas.cluster import Cluster, Replica, Tenant, wait_for
from tests.replicas.watchlist import DATASET, person, write_list
from tests.s3_server import S3Server

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(BACKEND != "postgresql", reason="replicas and workers share PostgreSQL"),
]

BURST = 200
BURST_THREADS = 8
KILL_AFTER = 50  # creates answered before the replica is killed
LOAD_THREADS = 3
SECONDS = 60.0  # a bound on waiting for what a healthy cluster does in a second or two


@contextmanager
def api(replica: Replica, tenant: Tenant) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=replica.url, headers=tenant.headers, timeout=60.0) as client:
        yield client


def case_body(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "priority": "high", "module": "aml", **extra}


def cases_titled(cluster: Cluster, pattern: str) -> dict[str, list[str]]:
    """The ids of the cases whose title is LIKE ``pattern``, by title, from the database."""
    with cluster.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT title, id FROM cases WHERE title LIKE :pattern"), {"pattern": pattern}
        ).all()
    found: dict[str, list[str]] = {}
    for title, case_id in rows:
        found.setdefault(title, []).append(case_id)
    return found


def audit_count(cluster: Cluster, *, entity_id: str, action: str) -> int:
    with cluster.engine.connect() as connection:
        count = connection.scalar(
            text(
                "SELECT count(*) FROM audit_events WHERE entity_id = :entity AND action = :action"
            ),
            {"entity": entity_id, "action": action},
        )
    return int(count or 0)


def test_a_case_opened_on_one_replica_is_worked_on_the_other(cluster: Cluster, tenant: Tenant):
    a, b = cluster.replicas
    with api(a, tenant) as on_a, api(b, tenant) as on_b:
        created = on_a.post(
            "/v1/cases",
            json=case_body("Cash deposits across branches", tasks=["Review history"]),
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        assert created.status_code == 201, created.text
        case = created.json()
        path = f"/v1/cases/{case['id']}"

        read = on_b.get(path)
        assert read.status_code == 200, read.text
        assert read.json() == case

        assigned = on_b.post(f"{path}/assign", json={"assignee_id": tenant.analyst_id})
        assert assigned.status_code == 200, assigned.text
        comment = on_b.post(f"{path}/comments", json={"body": "Deposits in three branches."})
        assert comment.status_code == 201, comment.text
        moved = on_b.post(f"{path}/transition", json={"to": "in_progress"})
        assert moved.status_code == 200, moved.text

        seen = on_a.get(path).json()
        assert seen["assignee"]["id"] == tenant.analyst_id
        assert seen["review_status"] == "in_progress"
        assert [c["body"] for c in on_a.get(f"{path}/comments").json()] == [
            "Deposits in three branches."
        ]
        log = on_a.get(f"{path}/log").json()
        actions = {"case.created", "case.assigned", "comment.added", "case.status_changed"}
        assert actions <= {e["action"] for e in log}
        assert log == on_b.get(f"{path}/log").json()

    # Both replicas chained their events with the one shared key: the chain verifies.
    verified = cluster.cli("audit", "verify", "--tenant", tenant.slug)
    assert verified["ok"] is True, verified


def test_a_document_uploaded_on_one_replica_is_downloaded_from_the_other(
    cluster: Cluster, tenant: Tenant, s3_server: S3Server, bucket: str
):
    a, b = cluster.replicas
    content = "".join(f"{i},{secrets.token_hex(24)},EUR\n" for i in range(20_000)).encode()
    with api(a, tenant) as on_a, api(b, tenant) as on_b:
        uploaded = on_a.post(
            "/v1/documents",
            files={"file": ("statement.csv", content, "text/csv")},
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        assert uploaded.status_code == 201, uploaded.text
        document = uploaded.json()
        assert document["sha256"] == hashlib.sha256(content).hexdigest()
        assert document["size"] == len(content)
        # Kept in the object store, not on the disk of the replica that took it.
        assert [k for k in s3_server.keys(bucket) if k.endswith(document["id"])] != []
        assert not any((cluster.workdir / a.name).rglob(document["id"]))

        downloaded = on_b.get(f"/v1/documents/{document['id']}/content")
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.content == content
        assert hashlib.sha256(downloaded.content).hexdigest() == document["sha256"]
        assert on_b.get(f"/v1/documents/{document['id']}").json() == document


def _screen(client: httpx.Client, name: str) -> dict[str, Any]:
    answer = client.post("/v1/screenings", json={"name": name, "schema": "Person"})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _screen_until(
    replica: Replica, tenant: Tenant, name: str, version: int
) -> list[dict[str, Any]]:
    """Screen ``name`` on ``replica`` until the result names ``version`` of the watchlist;
    every result on the way."""
    results: list[dict[str, Any]] = []
    with api(replica, tenant) as client:

        def uses_it() -> bool:
            results.append(_screen(client, name))
            return bool(results[-1]["dataset_versions"].get(DATASET) == version)

        wait_for(uses_it, f"{replica.name} to search version {version}", SECONDS)
    return results


def _newest_snapshot(data_dir: Path) -> Path:
    """The manifest of the snapshot made last in a data directory."""
    manifests = (data_dir / "screening-index").glob("*/manifest.json")
    return max(manifests, key=lambda m: json.loads(m.read_text())["created_at"])


def test_a_list_imported_with_the_cli_reaches_both_replicas_and_the_workers(
    cluster: Cluster, tenant: Tenant, tmp_path: Path
):
    newcomer = "Zorana Kvelmarik"
    listed = write_list(
        tmp_path / "update.ftm.json",
        person("rw-1", "Radomir Kvelvashin"),
        person("rw-2", newcomer),
    )
    report = cluster.cli("lists", "import", "--dataset", DATASET, "--format", "ftm", str(listed))
    version = report["version"]
    assert report["added"] == 1

    for replica in cluster.replicas:
        results = _screen_until(replica, tenant, newcomer, version)
        # Every answer names the version it searched, and holds what that version holds.
        for result in results:
            used = result["dataset_versions"][DATASET]
            assert used <= version
            assert [d["version"] for d in result["datasets"] if d["name"] == DATASET] == [used]
            found = [m["caption"] for m in result["matches"] if m["match"]]
            assert found == ([newcomer] if used == version else []), result
    # The replicas, each a machine of its own, copied the snapshot the import built
    # through the bucket rather than build it again: the same manifest, made once.
    built = _newest_snapshot(cluster.workdir / "cli")
    for replica in cluster.replicas:
        copied = cluster.workdir / replica.name / "screening-index" / built.parent.name
        assert (copied / "manifest.json").read_bytes() == built.read_bytes(), replica.name

    with api(cluster.replicas[0], tenant) as client:
        created = client.post(
            "/v1/cases",
            json=case_body(
                f"Onboarding: {newcomer}",
                customer={"customer_type": "INDIVIDUAL", "full_name": newcomer, "country": "GEO"},
                checks=[{"type": "SANCTIONS"}],
            ),
        )
        assert created.status_code == 201, created.text
        checks_path = f"/v1/cases/{created.json()['id']}/checks"

        def finished() -> bool:
            items = client.get(checks_path).json()["items"]
            return bool(items[0]["status"] in ("COMPLETED", "ERROR"))

        wait_for(finished, "a worker to run the SANCTIONS check", SECONDS)
        check = client.get(checks_path).json()["items"][0]
    assert check["status"] == "COMPLETED", check
    assert check["dataset_versions"][DATASET] == version
    assert [m["caption"] for m in check["matches"]] == [newcomer]


def test_a_replica_killed_in_a_burst_of_creates_loses_and_repeats_nothing(
    cluster: Cluster, tenant: Tenant
):
    survivor, victim = cluster.replicas
    run = secrets.token_hex(4)
    balancer = Balancer(lambda: [survivor.url, victim.url], tenant.headers)
    sent: dict[int, Sent] = {}
    answered = Counter[str]()
    lock = threading.Lock()
    enough = threading.Event()

    def create(i: int) -> None:
        result = balancer.request(
            "POST",
            "/v1/cases",
            first=i % 2,  # every other request goes to the replica about to die
            json=case_body(f"Burst {run} #{i}"),
            headers={"Idempotency-Key": f"burst-{run}-{i}"},
        )
        with lock:
            sent[i] = result
            answered[result.url] += 1
            if sum(answered.values()) >= KILL_AFTER:
                enough.set()

    try:
        with ThreadPoolExecutor(BURST_THREADS) as pool:
            futures = [pool.submit(create, i) for i in range(BURST)]
            assert enough.wait(SECONDS * 2), "the burst did not get going"
            assert victim.kill() == -signal.SIGKILL
            for future in futures:
                future.result()
    finally:
        balancer.close()

    statuses = Counter(s.response.status_code for s in sent.values())
    assert statuses == {201: BURST}, {i: s.response.text for i, s in sent.items() if s.failed}
    resent = {i: s for i, s in sent.items() if s.failed}
    assert resent, "no request met the killed replica: the kill proved nothing"
    assert all(url == victim.url for s in resent.values() for url, _ in s.failed)
    assert all(s.url == survivor.url for s in resent.values())

    stored = cases_titled(cluster, f"Burst {run} #%")
    assert len(stored) == BURST
    duplicated = {title: ids for title, ids in stored.items() if len(ids) != 1}
    assert not duplicated
    for i, result in sent.items():
        assert stored[f"Burst {run} #{i}"] == [result.response.json()["id"]]


def _read_response(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5.0):
            return False
    except ConnectionRefusedError:
        return True


def test_a_replica_stopped_with_sigterm_finishes_the_request_in_hand(
    cluster: Cluster, tenant: Tenant
):
    replica, other = cluster.replicas
    title = f"In hand {secrets.token_hex(4)}"
    body = json.dumps(case_body(title)).encode()
    mark = replica.mark()
    head = (
        "POST /v1/cases HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{replica.port}\r\n"
        f"Authorization: Bearer {tenant.api_key}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", replica.port), timeout=SECONDS) as conn:
        conn.sendall(head)
        # "100 Continue" comes once the application reads the body: the request is in hand.
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += conn.recv(1)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        replica.send(signal.SIGTERM)
        wait_for(lambda: _refuses(replica.port), "the replica to stop taking connections", SECONDS)
        conn.sendall(body)
        response = _read_response(conn)
    status, _, rest = response.partition(b"\r\n")
    assert status == b"HTTP/1.1 201 Created", response
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert b"connection: close" in headers.lower()
    assert replica.wait() == -signal.SIGTERM
    assert "Traceback" not in replica.since(mark)

    with api(other, tenant) as client:
        stored = client.get(f"/v1/cases/{json.loads(payload)['id']}")
    assert stored.status_code == 200
    assert stored.json()["title"] == title


def test_a_rolling_restart_under_load_answers_no_server_error(cluster: Cluster, tenant: Tenant):
    run = secrets.token_hex(4)
    balancer = Balancer(lambda: [r.url for r in cluster.replicas], tenant.headers)
    stop = threading.Event()
    lock = threading.Lock()
    statuses: Counter[int] = Counter()
    served: Counter[str] = Counter()
    created: dict[str, str] = {}
    broken: list[BaseException] = []

    def load(worker: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                if n % 2:
                    result = balancer.request("GET", "/v1/cases", params={"limit": 5})
                else:
                    title = f"Rolling {run} {worker}-{n}"
                    result = balancer.request(
                        "POST",
                        "/v1/cases",
                        json=case_body(title),
                        headers={"Idempotency-Key": title},
                    )
                    if result.response.status_code == 201:
                        with lock:
                            created[title] = result.response.json()["id"]
                with lock:
                    statuses[result.response.status_code] += 1
                    served[result.url] += 1
        except BaseException as exc:
            broken.append(exc)

    marks = [r.mark() for r in cluster.replicas]
    threads = [threading.Thread(target=load, args=(w,)) for w in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    exits = []
    try:
        for replica in cluster.replicas:
            before = served[replica.url]
            exits.append(cluster.restart(replica))
            # Back in the rotation: it answers the load again.
            wait_for(lambda r=replica, n=before: served[r.url] > n, f"{replica.name} to serve")
    finally:
        stop.set()
        for thread in threads:
            thread.join(SECONDS)
        balancer.close()

    assert not broken, broken
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) == {200, 201}, statuses
    assert exits == [-signal.SIGTERM] * len(cluster.replicas)
    for replica, mark in zip(cluster.replicas, marks, strict=True):
        assert "Traceback" not in replica.since(mark)
    stored = cases_titled(cluster, f"Rolling {run} %")
    assert {title: [case_id] for title, case_id in created.items()} == stored


def test_a_worker_killed_in_the_middle_of_a_check_leaves_it_to_the_other(
    cluster: Cluster, tenant: Tenant, news_gate: Path
):
    with api(cluster.replicas[0], tenant) as client:
        created = client.post(
            "/v1/cases",
            json=case_body(
                "Adverse media: Ilse Marwood",
                customer={"customer_type": "INDIVIDUAL", "full_name": "Ilse Marwood"},
                checks=[{"type": "ADVERSE_MEDIA"}],
            ),
        )
        assert created.status_code == 201, created.text
        checks_path = f"/v1/cases/{created.json()['id']}/checks"
        [queued] = client.get(checks_path).json()["items"]

        try:
            wait_for(lambda: any(news_gate.glob("held-*")), "a worker to start the check", SECONDS)
            [marker] = news_gate.glob("held-*")
            [holder] = [w for w in cluster.workers if w.running and w.pid == int(marker.name[5:])]
            [other] = [w for w in cluster.workers if w is not holder]
            assert holder.kill() == -signal.SIGKILL
        finally:
            (news_gate / "open").touch()  # never leave a search held

        def finished() -> bool:
            return bool(client.get(checks_path).json()["items"][0]["status"] == "COMPLETED")

        wait_for(finished, "the other worker to finish the check", SECONDS)
        [check] = client.get(checks_path).json()["items"]
    assert (news_gate / f"held-{other.pid}").exists(), "the other worker ran the check"
    assert (check["id"], check["attempt"]) == (queued["id"], queued["attempt"])
    assert audit_count(cluster, entity_id=check["id"], action="check.completed") == 1
