"""`casework serve` as a real process: the port comes from --port, else CASEWORK_PORT,
else 8000; a port it cannot have is said once, in one line, before anything else; so is
a document store it cannot use (a bad CASEWORK_STORAGE_URL, a missing bucket, refused
credentials), and with a usable bucket documents go there."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import casework
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.storage.location import FORMS
from casework.migrations import upgrade
from casework.tenants.service import create_tenant
from tests.conftest import BACKEND, new_database_url
from tests.factories import make_tenant_kit
from tests.s3_server import S3Server

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(casework.__file__).resolve().parent.parent
# A bound on waiting for a line that a healthy server prints within seconds; a server
# that prints nothing fails the test here instead of hanging it.
LINE_SECONDS = 120.0


def busy_message(port: int) -> str:
    return (
        f"error: casework cannot listen on 127.0.0.1:{port}: the address is already in use; "
        "choose another port with --port or CASEWORK_PORT"
    )


@contextmanager
def held_port() -> Iterator[int]:
    """A loopback port another program is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[dict[str, str]]:
    """The environment of a `casework serve` on a database of its own, which already has
    a tenant (so no demo is loaded) and runs its jobs in the server."""
    data_dir = tmp_path_factory.mktemp("serve")
    with contextmanager(new_database_url)(data_dir) as url:
        database = Database(Settings(database_url=url, data_dir=data_dir))
        upgrade(database.engine)
        with database.transaction() as session:
            create_tenant(session, slug_value="served", name="Served Bank")
        database.dispose()
        yield {
            **{k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")},
            "CASEWORK_DATABASE_URL": url,
            "CASEWORK_DATA_DIR": str(data_dir),
            "CASEWORK_JOB_RUNNER": "embedded",
            "CASEWORK_OUTBOUND_NETWORK": "false",
            "CASEWORK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(SOURCE), str(ROOT)]),
        }


def serve(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "casework.cli", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_line(server: subprocess.Popen[str]) -> str:
    """The server's first line on stdout, waited for ("" if it ended without one)."""
    assert server.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=LINE_SECONDS):
            pytest.fail(f"casework serve printed nothing in {LINE_SECONDS:.0f}s")
    return server.stdout.readline()


@contextmanager
def running(env: dict[str, str], *args: str) -> Iterator[str]:
    """A `casework serve` that announced where it listens; yields the announcement and
    stops the server with Ctrl-C afterwards, which must end it cleanly."""
    server = serve(env, *args)
    try:
        line = first_line(server)
        assert line, server.communicate(timeout=LINE_SECONDS)
        yield line.rstrip("\n")
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=LINE_SECONDS)
    assert server.returncode == 0, err


def answers(port: int) -> bool:
    # The port is listening once announced: the request waits in its queue until the
    # server takes it, so no retrying is needed.
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=60.0).status_code == 200


def test_serve_listens_on_casework_port(env: dict[str, str]):
    port = free_port()
    with running({**env, "CASEWORK_PORT": str(port)}) as line:
        assert line == f"casework listening on http://127.0.0.1:{port}  (API docs: /docs)"
        assert answers(port)


@pytest.mark.one_backend
def test_the_port_option_wins_over_casework_port(env: dict[str, str]):
    port = free_port()
    with held_port() as busy, running({**env, "CASEWORK_PORT": str(busy)}, "--port", str(port)):
        assert answers(port)


@pytest.mark.one_backend
def test_a_busy_port_is_said_once_and_ends_the_command(env: dict[str, str]):
    with held_port() as port:
        server = serve({**env, "CASEWORK_PORT": str(port)})
        out, err = server.communicate(timeout=LINE_SECONDS)
    assert server.returncode == 1
    assert out == ""  # no announcement
    assert err == busy_message(port) + "\n"


@pytest.mark.one_backend
def test_a_busy_port_given_as_an_option_is_said_the_same_way(env: dict[str, str]):
    with held_port() as port:
        server = serve(env, "--port", str(port))
        out, err = server.communicate(timeout=LINE_SECONDS)
    assert (server.returncode, out, err) == (1, "", busy_message(port) + "\n")


@pytest.mark.one_backend
def test_a_port_out_of_range_in_casework_port_is_named(env: dict[str, str]):
    server = serve({**env, "CASEWORK_PORT": "70000"})
    out, err = server.communicate(timeout=LINE_SECONDS)
    assert (server.returncode, out) == (1, "")
    assert err == "error: CASEWORK_PORT: Input should be less than or equal to 65535\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
@pytest.mark.parametrize(
    ("args", "command"),
    [
        ((), ".venv/bin/casework serve"),
        (("PORT=8080",), ".venv/bin/casework serve --port 8080"),
    ],
    ids=["default", "port"],
)
def test_make_run_passes_the_port_on(args: tuple[str, ...], command: str):
    # -n: the commands make would run, none run (no virtual environment is made).
    shown = subprocess.run(  # noqa: S603
        ["make", "-n", "--no-print-directory", "-C", str(ROOT), "run", *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.splitlines()[-1] == command


# --- The document store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_env(env: dict[str, str], s3_server: S3Server) -> dict[str, str]:
    """The environment of `casework serve` with the S3 server's credentials."""
    return {**env, **s3_server.env}


def refused(env: dict[str, str], *command: str) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of a command that is expected to end by itself."""
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "casework.cli", *command],
        env={**env, "CASEWORK_PORT": str(free_port())},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=LINE_SECONDS)
    return process.returncode, out, err


@pytest.mark.one_backend
def test_a_missing_bucket_is_said_in_one_line_and_ends_the_command(
    s3_env: dict[str, str], s3_server: S3Server
):
    url = s3_server.storage_url("no-such-bucket", "documents")
    assert refused({**s3_env, "CASEWORK_STORAGE_URL": url}, "serve") == (
        1,
        "",
        "error: CASEWORK_STORAGE_URL: the bucket 'no-such-bucket' does not exist at "
        f"{s3_server.endpoint}; create it first (casework does not create buckets)\n",
    )


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "InvalidAccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret", "SignatureDoesNotMatch"),
    ],
)
def test_refused_credentials_are_said_in_one_line(
    s3_env: dict[str, str], s3_server: S3Server, variable: str, value: str, code: str
):
    url = s3_server.storage_url(s3_server.create_bucket(), "documents")
    assert refused({**s3_env, "CASEWORK_STORAGE_URL": url, variable: value}, "serve") == (
        1,
        "",
        f"error: CASEWORK_STORAGE_URL: {s3_server.endpoint} refused the credentials "
        f"({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
    )


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "s3://documents?endpoint=http://127.0.0.1:9000",
            ("unknown parameter 'endpoint': an s3: URL takes endpoint_url and region"),
        ),
        ("s3:///documents", "names no bucket (s3://bucket/prefix)"),
        ("gs://documents", f"must be {FORMS}; the scheme gs: is neither"),
        (
            "s3://documents?endpoint_url=localhost:9000",
            ("endpoint_url 'localhost:9000' must be an http:// or https:// URL"),
        ),
    ],
)
def test_a_bad_storage_url_is_named(env: dict[str, str], url: str, reason: str):
    assert refused({**env, "CASEWORK_STORAGE_URL": url}, "serve") == (
        1,
        "",
        f"error: CASEWORK_STORAGE_URL: {reason}\n",
    )


@pytest.mark.skipif(BACKEND != "postgresql", reason="workers run on PostgreSQL")
def test_the_worker_checks_the_store_too(s3_env: dict[str, str], s3_server: S3Server):
    url = s3_server.storage_url("no-such-bucket", "")
    code, out, err = refused({**s3_env, "CASEWORK_STORAGE_URL": url}, "worker")
    assert (code, out) == (1, "")
    assert err.startswith("error: CASEWORK_STORAGE_URL: the bucket 'no-such-bucket' does not")
    assert len(err.splitlines()) == 1


@pytest.mark.one_backend
def test_documents_go_to_the_bucket_and_come_back(s3_env: dict[str, str], s3_server: S3Server):
    bucket = s3_server.create_bucket()
    settings = Settings(
        database_url=s3_env["CASEWORK_DATABASE_URL"], data_dir=Path(s3_env["CASEWORK_DATA_DIR"])
    )
    database = Database(settings)
    try:
        kit = make_tenant_kit(database)
    finally:
        database.dispose()
    port = free_port()
    content = bytes(range(256)) * (12 * 4096)  # 12 MiB: two parts
    served = {
        **s3_env,
        "CASEWORK_PORT": str(port),
        "CASEWORK_STORAGE_URL": s3_server.storage_url(bucket, "casework/documents"),
    }
    with running(served):
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers=kit.analyst.headers, timeout=60.0) as client:
            r = client.post("/v1/documents", files={"file": ("ledger.bin", content)})
            assert r.status_code == 201, r.text
            doc = r.json()
            key = f"casework/documents/{doc['id'][-2:]}/{doc['id']}"
            assert s3_server.keys(bucket) == [key]
            with client.stream("GET", f"/v1/documents/{doc['id']}/content") as download:
                assert download.status_code == 200
                assert download.headers["content-length"] == str(len(content))
                assert b"".join(download.iter_bytes()) == content
    assert s3_server.incomplete_uploads(bucket) == []
