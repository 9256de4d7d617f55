"""A database of its own for tests whose background (the session app's periodic
jobs) must not touch their tenants, with a data directory of its own (keys,
checkpoint file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.config import Settings
from casework.infra.db import Database
from casework.migrations import upgrade
from tests.conftest import new_database_url


def isolated_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        job_runner="embedded",
        webhook_allowed_hosts=["127.0.0.2"],
        webhook_timeout_seconds=5.0,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def fresh_url(tmp_path: Path, backend: str) -> Iterator[str]:
    yield from new_database_url(tmp_path)


@pytest.fixture
def isolated(fresh_url: str, tmp_path: Path) -> Iterator[Database]:
    settings = isolated_settings(fresh_url, tmp_path)
    database = Database(settings)
    upgrade(database.engine, settings=settings)
    yield database
    database.dispose()
