"""Test set-up: a real database (SQLite file or a fresh PostgreSQL database), schema from
the migrations, one app per test session. Tests isolate themselves by working in tenants
of their own, so no cleanup between tests is needed."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from casework.app import create_app
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.storage import Store
from casework.migrations import upgrade
from casework.tenants import numbering
from tests.factories import TenantKit, make_tenant_kit
from tests.s3_server import S3Server

# Tests make rows through services without the application as well: number them as
# the application does.
numbering.install()

BACKEND = os.environ.get("CASEWORK_TEST_DATABASE", "sqlite")
# The document stores a test marked `every_storage` runs against, once each: the local
# directory and an S3 bucket on a real S3-compatible server.
STORAGES = ("local", "s3")
PG_ADMIN_URL = os.environ.get(
    "CASEWORK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# The test being run (set as its set-up starts), so that making a database can check that
# the test asked for the `backend` fixture.
_running: pytest.Item | None = None


@pytest.fixture(scope="session")
def backend() -> str:
    """The database backend under test. Every test that touches a database asks for it,
    directly or through another fixture (``database_url`` does): the PostgreSQL run runs
    only those, since the others answer alike on either backend and the SQLite run has
    run them already. So does a test marked ``one_backend``, which uses a database for
    something that does not depend on which (a command-line refusal, scores through the
    API)."""
    return BACKEND


def _on_every_backend(item: pytest.Item) -> bool:
    return "backend" in getattr(item, "fixturenames", ()) and (
        item.get_closest_marker("one_backend") is None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "sqlite":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if _on_every_backend(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _running  # one test runs at a time in a process
    _running = item


def _check_backend_asked() -> None:
    if _running is not None and "backend" not in getattr(_running, "fixturenames", ()):
        raise pytest.UsageError(
            f"{_running.nodeid} makes a database but does not ask for the `backend`"
            " fixture, so the PostgreSQL run would leave it out"
        )


def _postgres_database() -> Iterator[str]:
    _check_backend_asked()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL} and CI=true: {exc}")
        pytest.skip("PostgreSQL is unreachable; set CASEWORK_TEST_PG_URL")
    name = f"casework_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        metafunc.definition.get_closest_marker("every_storage")
        and "storage_url" in metafunc.fixturenames
    ):
        metafunc.parametrize("storage_url", STORAGES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-compatible server (moto's) on loopback for the session, its credentials
    and region in this process's environment, where the AWS SDK looks for them."""
    with S3Server() as server, pytest.MonkeyPatch.context() as patch:
        for name, value in server.env.items():
            patch.setenv(name, value)
        yield server


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("casework-data")


def new_database_url(data_dir: Path) -> Iterator[str]:
    """A database of its own on the backend under test, dropped afterwards on PostgreSQL
    (a SQLite file goes with ``data_dir``)."""
    _check_backend_asked()
    if BACKEND == "postgresql":
        yield from _postgres_database()
    elif BACKEND == "sqlite":
        yield f"sqlite:///{data_dir / 'casework.db'}"
    else:
        raise pytest.UsageError(f"unknown CASEWORK_TEST_DATABASE {BACKEND!r}")


@pytest.fixture(scope="session")
def database_url(backend: str, data_dir: Path) -> Iterator[str]:
    yield from new_database_url(data_dir)


@pytest.fixture(scope="session")
def storage_url(request: pytest.FixtureRequest) -> str | None:
    """CASEWORK_STORAGE_URL of the session's app: unset (the data directory's documents)
    but for the S3 runs of tests marked `every_storage`, which get a bucket of their own."""
    if getattr(request, "param", "local") == "local":
        return None
    server: S3Server = request.getfixturevalue("s3_server")
    return server.storage_url(server.create_bucket(), "documents")


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path, storage_url: str | None) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        storage_url=storage_url,
        max_upload_bytes=2 * 1024 * 1024,
        log_json=True,
        # Jobs run in threads of the test process on both databases; the worker
        # processes of a PostgreSQL deployment have tests of their own.
        job_runner="embedded",
        # A second loopback address stands for an on-premise receiver in end-to-end tests;
        # 127.0.0.1, ::1 and localhost stay refused like any other internal address.
        webhook_allowed_hosts=["127.0.0.2"],
        # Every test calls the session's one app from TestClient's one address,
        # "testclient", so the limit per address would add up the whole run's deliberate
        # failures (about 150 in one process). The tests of the limits call from
        # addresses of their own, against the default limits.
        auth_failures_per_address=100_000,
    )


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture(scope="session")
def store(app: FastAPI) -> Store:
    """The app's document store."""
    storage: Store = app.state.storage
    return storage


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def kit(db: Database) -> TenantKit:
    """A fresh tenant with one user (and API credentials) per built-in role."""
    return make_tenant_kit(db)


@pytest.fixture
def other_kit(db: Database) -> TenantKit:
    return make_tenant_kit(db)


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by a real uvicorn server on a free loopback port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.01):
        if server.started:
            started.set()
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
