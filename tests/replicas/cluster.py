"""The production layout on one machine: `casework serve` replicas and `casework worker`
processes sharing one PostgreSQL database, the same keys, and one object store.

Every process is a real one, started from this interpreter with its own data directory
(the replicas keep nothing there that another needs) and its output appended to a log
of its own. Readiness is polled with a deadline: a replica is ready when it answers
/healthz, a worker when it has registered with the job queue.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import casework
from casework.audit import keys

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(casework.__file__).resolve().parent.parent
READY_SECONDS = 120.0
STOP_SECONDS = 60.0
CLI_SECONDS = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, seconds: float = READY_SECONDS) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds:.0f}s waiting for {what}")
        time.sleep(0.05)  # polling a condition, not a guess at how long work takes


class Process:
    """One casework command, started again as often as asked, its output in ``log``."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.args = list(args)
        self.env = dict(env)
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        with self.log.open("ab") as out:
            out.write(f"--- casework {' '.join(self.args)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [sys.executable, "-m", "casework.cli", *self.args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send(self, sig: signal.Signals) -> None:
        assert self.popen is not None
        self.popen.send_signal(sig)

    def wait(self, seconds: float = STOP_SECONDS) -> int:
        assert self.popen is not None
        return self.popen.wait(seconds)

    def kill(self) -> int:
        """SIGKILL: the process ends at once, in the middle of whatever it was doing."""
        self.send(signal.SIGKILL)
        return self.wait()

    def stop(self) -> int:
        """SIGTERM, as a process manager stops a process, then its exit status."""
        if not self.running:
            assert self.popen is not None
            return self.popen.returncode
        self.send(signal.SIGTERM)
        try:
            return self.wait()
        except subprocess.TimeoutExpired:
            return self.kill()

    def mark(self) -> int:
        """A place in the log, to read what was written after it with ``since``."""
        return self.log.stat().st_size if self.log.exists() else 0

    def since(self, mark: int) -> str:
        with self.log.open("rb") as log:
            log.seek(mark)
            return log.read().decode(errors="replace")

    def tail(self, chars: int = 4000) -> str:
        try:
            content = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no output)"
        return content[-chars:]


class Replica(Process):
    """`casework serve` on a port of its own, kept across restarts."""

    def __init__(self, name: str, env: Mapping[str, str], log: Path) -> None:
        self.port = free_port()
        super().__init__(name, ["serve", "--port", str(self.port)], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        if not self.running:
            raise RuntimeError(f"{self.name} exited with {self.popen and self.popen.returncode}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=5.0).status_code == 200
        except httpx.TransportError:
            return False

    def wait_healthy(self) -> None:
        wait_for(self.healthy, f"{self.name} to answer /healthz")


@dataclass(frozen=True)
class Tenant:
    slug: str
    api_key: str  # the admin's
    admin_id: str
    analyst_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


class Cluster:
    """Replicas and workers on one database, with the settings production gives them.

    ``shared_env`` is what every process also gets (the object store's, say), and
    ``worker_env`` what only the workers get.
    """

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        *,
        replicas: int = 2,
        workers: int = 2,
        shared_env: Mapping[str, str] | None = None,
        worker_env: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        # For what the tests read straight from the database, and the workers' readiness.
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.env = self._environment(workdir, database_url, shared_env or {})
        self.replicas = [
            Replica(f"replica-{i}", self._own(f"replica-{i}"), workdir / f"replica-{i}.log")
            for i in range(replicas)
        ]
        worker_settings = {
            # Work a killed worker held is found again within seconds, not minutes.
            "CASEWORK_JOB_SWEEP_SECONDS": "0.5",
            "CASEWORK_CHECK_LEASE_SECONDS": "5",
            **(worker_env or {}),
        }
        self.workers = [
            Process(
                f"worker-{i}",
                ["worker", "--concurrency", "4"],
                {**self._own(f"worker-{i}"), **worker_settings},
                workdir / f"worker-{i}.log",
            )
            for i in range(workers)
        ]

    @staticmethod
    def _environment(workdir: Path, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
        """What every process shares: the database, the Fernet key, the audit keys."""
        audit_keys = workdir / "audit-chain.keys"
        audit_keys.write_bytes(keys.new_key_line())
        audit_keys.chmod(0o600)
        signing_key = workdir / "audit-checkpoint.key"
        signing_key.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        signing_key.chmod(0o600)
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")},
            "CASEWORK_DATABASE_URL": database_url,
            "CASEWORK_SECRET_KEY": Fernet.generate_key().decode(),
            "CASEWORK_AUDIT_KEY_FILE": str(audit_keys),
            "CASEWORK_AUDIT_SIGNING_KEY_FILE": str(signing_key),
            "CASEWORK_OUTBOUND_NETWORK": "false",
            "CASEWORK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(SOURCE), str(ROOT)]),
            **extra,
        }

    def _own(self, name: str) -> dict[str, str]:
        data_dir = self.workdir / name
        data_dir.mkdir(exist_ok=True)
        return {**self.env, "CASEWORK_DATA_DIR": str(data_dir)}

    @property
    def processes(self) -> list[Process]:
        return [*self.replicas, *self.workers]

    # Commands

    def command(self, *args: str) -> str:
        """``casework ARGS`` run as an operator would, its output; fails unless it succeeds."""
        done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            [sys.executable, "-m", "casework.cli", *args],
            env={**self.env, "CASEWORK_DATA_DIR": str(self.workdir / "cli")},
            capture_output=True,
            text=True,
            timeout=CLI_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"casework {' '.join(args)} exited {done.returncode}: {done.stderr}{done.stdout}"
            )
        return done.stdout

    def cli(self, *args: str) -> Any:
        """``casework ARGS --json``, its answer."""
        return json.loads(self.command(*args, "--json"))

    def upgrade(self) -> None:
        """`casework db upgrade`, as each release is rolled out."""
        self.command("db", "upgrade")

    def tenant(self, slug: str) -> Tenant:
        """A new tenant with an admin (whose API key it holds) and an analyst."""
        self.cli("tenants", "create", "--slug", slug, "--name", f"{slug.title()} Bank")
        people = {}
        for role in ("admin", "analyst"):
            people[role] = self.cli(
                "users", "create", "--tenant", slug, "--email", f"{role}@{slug}.test",
                "--first-name", role.title(), "--last-name", "Replica", "--role", role,
            )  # fmt: skip
        client = self.cli(
            "api-clients", "create", "--tenant", slug, "--name", "replicas",
            "--acting-user", f"admin@{slug}.test",
        )  # fmt: skip
        return Tenant(slug, client["api_key"], people["admin"]["id"], people["analyst"]["id"])

    # Processes

    def start(self) -> None:
        """Start every process that is not running and wait until each is ready."""
        replicas = [r for r in self.replicas if not r.running]
        workers = [w for w in self.workers if not w.running]
        registered = self._registered_workers()
        for process in [*replicas, *workers]:
            process.start()
        for replica in replicas:
            replica.wait_healthy()
        if workers:
            wait_for(
                lambda: self._registered_workers() >= registered + len(workers),
                f"{len(workers)} worker(s) to register with the job queue",
            )

    def _registered_workers(self) -> int:
        # procrastinate gives each worker run a new id, so the highest one counts the
        # runs so far, whether or not earlier ones were killed.
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                if connection.scalar(text("SELECT to_regclass('procrastinate_workers')")) is None:
                    return 0
                return int(
                    connection.scalar(
                        text("SELECT coalesce(max(id), 0) FROM procrastinate_workers")
                    )
                    or 0
                )
        finally:
            engine.dispose()

    def restart(self, replica: Replica) -> int:
        """Stop ``replica`` with SIGTERM, start it again and wait until it is healthy;
        the exit status of the stopped process."""
        status = replica.stop()
        replica.start()
        replica.wait_healthy()
        return status

    def stop(self) -> None:
        for process in self.processes:
            if process.running:
                process.send(signal.SIGTERM)
        for process in self.processes:
            if process.popen is not None and process.popen.poll() is None:
                try:
                    process.wait()
                except subprocess.TimeoutExpired:
                    process.kill()
        self.engine.dispose()

    def logs(self, chars: int = 3000) -> str:
        return "\n".join(f"===== {p.name} ({p.log})\n{p.tail(chars)}" for p in self.processes)
