"""Which tests the PostgreSQL run runs: those that ask for the `backend` fixture and are
not marked `one_backend`; a test that makes a database without asking for it is an
error, so none can drop out of that run unseen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_a_test_asking_for_the_backend_runs_on_every_backend(
    request: pytest.FixtureRequest, backend: str
) -> None:
    assert backend == conftest.BACKEND
    assert conftest._on_every_backend(request.node)


@pytest.mark.one_backend
def test_a_test_marked_one_backend_runs_on_sqlite_only(
    request: pytest.FixtureRequest, backend: str
) -> None:
    assert backend == "sqlite"
    assert not conftest._on_every_backend(request.node)


def test_making_a_database_without_asking_for_the_backend_is_an_error(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert not conftest._on_every_backend(request.node)
    with pytest.raises(pytest.UsageError, match="does not ask for the `backend` fixture"):
        next(conftest.new_database_url(tmp_path))
