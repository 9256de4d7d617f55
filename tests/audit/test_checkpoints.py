"""Signed checkpoints: written by `casework audit checkpoint` and the periodic job to the
append-only file and a receiver, checked by `audit verify --checkpoints`, and
verifiable by anyone with the public key and the format docs/audit.md gives."""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select, text
from typer.testing import CliRunner

from casework.audit import service as audit
from casework.audit import tasks
from casework.auth.principal import Principal
from casework.cli import app as cli
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.models import AuditCheckpoint, AuditHead
from casework.models.base import utcnow
from casework.tenants.service import create_tenant
from tests.audit.conftest import isolated_settings


def _tenant(db: Database, events: int = 3) -> tuple[str, str]:
    slug = f"t-{secrets.token_hex(6)}"
    with db.transaction() as session:
        tenant_id = create_tenant(session, slug_value=slug, name="T").id
        _grow(session, tenant_id, events)
    return tenant_id, slug


def _grow(session: Any, tenant_id: str, events: int) -> None:
    for n in range(events):
        audit.record(
            session,
            actor=Principal.system(tenant_id),
            action="case.updated",
            entity_type="case",
            entity_id=f"c{n}",
            after={"n": n},
        )


def _cli(db: Database, *args: str) -> Any:
    settings = db.settings
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    return CliRunner().invoke(cli, list(args), env=env)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _head(db: Database, tenant_id: str) -> tuple[int, str]:
    with db.transaction(write=False) as session:
        head = session.get(AuditHead, tenant_id)
        assert head is not None
        return head.seq, head.hash


def test_checkpoint_command_signs_each_head_and_verify_matches_it(isolated: Database):
    tenant_id, slug = _tenant(isolated)
    result = _cli(isolated, "audit", "checkpoint", "--tenant", slug, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    path = isolated.settings.audit_checkpoint_path
    assert report["file"] == str(path)
    [line] = _lines(path)
    assert report["written"] == [line]
    assert (line["tenant"], line["seq"], line["link"]) == (tenant_id, *_head(isolated, tenant_id))
    verified = _cli(isolated, "audit", "verify", "--tenant", slug, "--checkpoints", str(path))
    assert verified.exit_code == 0, verified.output
    assert "1 checkpoints matched" in verified.stdout


def test_keys_are_made_on_first_use_readable_by_their_owner_only(isolated: Database):
    _tenant(isolated)
    assert _cli(isolated, "audit", "checkpoint").exit_code == 0
    settings = isolated.settings
    for path in (settings.audit_key_path, settings.audit_signing_key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_third_party_checks_a_checkpoint_with_the_public_key_alone(
    isolated: Database, tmp_path: Path
):
    """Only the public key (as `audit public-key` prints it) and docs/audit.md's format."""
    _tenant_id, slug = _tenant(isolated)
    assert _cli(isolated, "audit", "checkpoint", "--tenant", slug).exit_code == 0
    pem = _cli(isolated, "audit", "public-key").stdout
    record = _lines(isolated.settings.audit_checkpoint_path)[0]

    public_key = load_pem_public_key(pem.encode())
    assert isinstance(public_key, Ed25519PublicKey)
    signed = (
        f"casework-audit-checkpoint/1\n{record['tenant']}\n{record['seq']}\n"
        f"{record['link']}\n{record['time']}\n"
    ).encode()
    signature = base64.b64decode(record["signature"])
    public_key.verify(signature, signed)
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, signed.replace(f"\n{record['seq']}\n".encode(), b"\n1\n"))

    if shutil.which("openssl"):
        (tmp_path / "key.pem").write_text(pem)
        (tmp_path / "message").write_bytes(signed)
        (tmp_path / "signature").write_bytes(signature)
        openssl = [
            *("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin"),
            *("-in", "message", "-sigfile", "signature"),
        ]
        checked = subprocess.run(  # noqa: S603 (fixed arguments)
            openssl, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout


def test_an_edited_checkpoint_file_fails_verification(isolated: Database):
    _tenant_id, slug = _tenant(isolated)
    assert _cli(isolated, "audit", "checkpoint", "--tenant", slug).exit_code == 0
    path = isolated.settings.audit_checkpoint_path
    [record] = _lines(path)
    path.write_text(json.dumps({**record, "seq": record["seq"] - 1}) + "\n")
    result = _cli(
        isolated, "audit", "verify", "--tenant", slug, "--checkpoints", str(path), "--json"
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert "line 1" in report["reason"] and "signature" in report["reason"]


def test_checkpoints_of_another_key_need_that_key(isolated: Database, tmp_path: Path):
    _tenant_id, slug = _tenant(isolated)
    assert _cli(isolated, "audit", "checkpoint", "--tenant", slug).exit_code == 0
    stranger = tmp_path / "stranger.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.audit.checkpoints import public_pem

    stranger.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    path = str(isolated.settings.audit_checkpoint_path)
    result = _cli(
        isolated, "audit", "verify", "--tenant", slug, "--checkpoints", path,
        "--public-key", str(stranger), "--json",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "was not given" in json.loads(result.stdout)["reason"]


def test_the_command_refuses_to_sign_a_chain_that_does_not_verify(isolated: Database):
    tenant_id, slug = _tenant(isolated)
    with isolated.transaction() as session:
        session.execute(
            text("UPDATE audit_events SET message = 'x' WHERE tenant_id = :t AND seq = 2"),
            {"t": tenant_id},
        )
    result = _cli(isolated, "audit", "checkpoint", "--tenant", slug, "--json")
    assert result.exit_code == 1
    assert "event 2" in json.loads(result.stdout)["refused"][tenant_id]
    assert not isolated.settings.audit_checkpoint_path.exists()


def test_the_job_checkpoints_grown_chains_once_a_period_and_from_the_last_one(
    isolated: Database,
):
    grown, _ = _tenant(isolated)
    context = JobContext(database=isolated, settings=isolated.settings)
    every = timedelta(minutes=isolated.settings.audit_checkpoint_minutes)
    assert tasks.checkpoints_due(context) == [(tasks.CHECKPOINT, {})]
    tasks.checkpoint(context)
    assert [r["tenant"] for r in _lines(isolated.settings.audit_checkpoint_path)] == [grown]
    assert tasks.checkpoints_due(context) == []

    with isolated.transaction() as session:
        _grow(session, grown, 2)
        now = utcnow()
        assert audit.checkpoints_due(session, now=now, every=every) == [], "within the period"
        assert audit.checkpoints_due(session, now=now + every, every=every) == [grown]
        # The next checkpoint verifies only what came after the last: an event before
        # it that changed meanwhile is the checkpoints' to catch, not this run's.
        last = session.get(AuditCheckpoint, grown)
        assert last is not None and last.seq == 4
    with isolated.transaction(write=False) as session:
        signer = tasks.checkpoints.signer_for(isolated.settings)
        later = audit.prepare_checkpoint(session, tenant_id=grown, signer=signer, now=now + every)
    assert (later.seq, later.link) == _head(isolated, grown)


class Receiver:
    """A real HTTP server on 127.0.0.2, which the isolated settings allow-list."""

    def __init__(self) -> None:
        self.bodies: queue.Queue[bytes] = queue.Queue()
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.bodies.put(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}/checkpoints"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(10)


def _with_url(db: Database, url: str) -> Database:
    settings = isolated_settings(
        db.settings.resolved_database_url, db.settings.data_dir, audit_checkpoint_url=url
    )
    return Database(settings)


def test_checkpoints_are_posted_to_the_receiver_and_retried(isolated: Database, receiver: Receiver):
    tenant_id, _ = _tenant(isolated)
    database = _with_url(isolated, receiver.url)
    try:
        receiver.status = 503
        now = utcnow()
        run = tasks.write_checkpoints(database, now=now, tenant_ids=[tenant_id])
        assert run.posted == 0 and "503" in run.post_errors[tenant_id]
        line = isolated.settings.audit_checkpoint_path.read_text().strip()
        assert receiver.bodies.get(timeout=10).decode() == line

        receiver.status = 200
        every = timedelta(minutes=database.settings.audit_checkpoint_minutes)
        again = tasks.write_checkpoints(database, now=now + every, tenant_ids=[])
        assert again.posted == 1
        assert receiver.bodies.get(timeout=10).decode() == line
        with database.transaction(write=False) as session:
            row = session.scalar(
                select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id)
            )
            assert row is not None and row.posted_at is not None
        assert tasks.write_checkpoints(database, now=now + 2 * every, tenant_ids=[]).posted == 0
    finally:
        database.dispose()


def test_the_receiver_is_held_to_the_outbound_policy(isolated: Database, receiver: Receiver):
    tenant_id, _ = _tenant(isolated)
    loopback = receiver.url.replace("127.0.0.2", "127.0.0.1")
    database = _with_url(isolated, loopback)
    try:
        run = tasks.write_checkpoints(database, now=utcnow(), tenant_ids=[tenant_id])
    finally:
        database.dispose()
    assert "loopback" in run.post_errors[tenant_id]
    assert receiver.bodies.empty()
    assert len(run.written) == 1, "the file has it all the same"


def test_rotated_keys_keep_older_events_verifiable(isolated: Database):
    tenant_id, slug = _tenant(isolated)
    first = isolated.settings.audit_key_path.read_text()
    rotated = _cli(isolated, "audit", "rotate-key", "--json")
    assert rotated.exit_code == 0, rotated.output
    new_id = json.loads(rotated.stdout)["key_id"]
    assert isolated.settings.audit_key_path.read_text().startswith(first)
    database = Database(isolated.settings)  # a process started after the rotation
    try:
        with database.transaction() as session:
            _grow(session, tenant_id, 2)
        with database.transaction(write=False) as session:
            key_ids = [
                row[0]
                for row in session.execute(
                    text("SELECT key_id FROM audit_events WHERE tenant_id = :t ORDER BY seq"),
                    {"t": tenant_id},
                )
            ]
    finally:
        database.dispose()
    assert key_ids[-2:] == [new_id, new_id] and new_id not in key_ids[:-2]
    result = _cli(isolated, "audit", "verify", "--tenant", slug, "--json")
    assert result.exit_code == 0, result.output
    # Without the older key its events can no longer be checked.
    path = isolated.settings.audit_key_path
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if line.startswith(("#", new_id))) + "\n")
    os.chmod(path, 0o600)
    from casework.audit import keys

    keys._rings.clear()
    result = _cli(isolated, "audit", "verify", "--tenant", slug, "--json")
    assert result.exit_code == 1
    assert "key file lacks" in json.loads(result.stdout)["reason"]
