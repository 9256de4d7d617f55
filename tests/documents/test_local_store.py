"""The local directory store tells its own failures from its stream's: a disk that cannot
be written is the store's (a 503 under a request), a client that goes away mid-upload is
the client's, and either way nothing is left behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.infra.storage.local import INCOMING, LocalStore
from casework.infra.storage.store import StoreUnavailable


def test_a_stream_that_fails_midway_fails_as_itself_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "documents")

    def failing() -> Iterator[bytes]:
        yield b"x" * 1024
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        store.write("ab/broken", failing())
    assert list(store.listing()) == []
    assert list((store.root / INCOMING).iterdir()) == []


def test_a_directory_that_cannot_be_written_is_the_stores_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "documents"
    blocked.write_text("a file where the directory should be")
    with pytest.raises(StoreUnavailable, match="could not write in the directory"):
        LocalStore(blocked).write("ab/doc", iter([b"x"]))
