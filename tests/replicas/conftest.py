"""The cluster the replica tests share: two `casework serve` replicas and two `casework
worker` processes on a fresh PostgreSQL database, with documents in an S3-compatible
store, migrated and provisioned with the CLI as an operator does. Under xdist the
module's tests may be spread over two test processes; each then has a cluster of its own
(database, bucket, ports), so the two never meet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import new_database_url
from tests.replicas.cluster import Cluster, Tenant
from tests.replicas.held_news import GATE
from tests.replicas.watchlist import DATASET, person, write_list
from tests.s3_server import S3Server


@pytest.fixture(scope="module")
def news_gate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("news-gate")


@pytest.fixture(scope="module")
def bucket(s3_server: S3Server) -> str:
    """The bucket every process keeps documents in, under ``documents/``."""
    return s3_server.create_bucket()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    s3_server: S3Server,
    bucket: str,
    news_gate: Path,
    backend: str,
) -> Iterator[Cluster]:
    if backend != "postgresql":
        pytest.skip("replicas and workers share PostgreSQL")
    workdir = tmp_path_factory.mktemp("replicas")
    with contextmanager(new_database_url)(workdir) as url:
        cluster = Cluster(
            workdir,
            url,
            shared_env={
                **s3_server.env,
                "CASEWORK_STORAGE_URL": s3_server.storage_url(bucket, "documents"),
            },
            worker_env={
                "CASEWORK_NEWS_PROVIDER": "tests.replicas.held_news:HeldNews",
                GATE: str(news_gate),
            },
        )
        try:
            cluster.upgrade()
            baseline = write_list(
                workdir / "baseline.ftm.json", person("rw-1", "Radomir Kvelvashin")
            )
            cluster.cli("lists", "import", "--dataset", DATASET, "--format", "ftm", str(baseline))
            cluster.start()
        except Exception as exc:
            cluster.stop()
            pytest.fail(f"the cluster did not start: {exc}\n{cluster.logs()}")
        try:
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture(scope="module")
def tenant(cluster: Cluster) -> Tenant:
    return cluster.tenant("replicas")


@pytest.fixture(autouse=True)
def restored(cluster: Cluster) -> Iterator[None]:
    """Every process running again after a test that stopped or killed some."""
    yield
    cluster.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    cluster = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and isinstance(cluster, Cluster):
        report.sections.append(("casework processes", cluster.logs()))
