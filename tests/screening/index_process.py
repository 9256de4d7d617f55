"""A process of its own that maps, writes or builds screening index snapshots, for the
tests that need a second process (``test_snapshot``, ``test_index_store``).

    python -m tests.screening.index_process search SNAPSHOT QUERIES
        map the snapshot, run the searches (JSON, ``world.search_args``), print the answers
    python -m tests.screening.index_process stall SNAPSHOT
        write a snapshot and stop half way, saying "stalled", until killed
    python -m tests.screening.index_process build ROOT
        take the store's lock, say "held", wait for a line, build, say "built"
    python -m tests.screening.index_process open ROOT
        say "waiting", open the index of the current versions, say "built" or "mapped"

``build`` and ``open`` read the database named by CASEWORK_DATABASE_URL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from casework.config import Settings
from casework.infra.db import Database
from casework.screening import snapshot
from casework.screening.engine import Matcher
from casework.screening.index_store import IndexStore, current, locked
from casework.screening.index_tables import TableIndex
from tests.screening import world


def say(word: str) -> None:
    sys.stdout.write(word + "\n")
    sys.stdout.flush()


def search(path: Path, queries: Path) -> None:
    found = snapshot.read(path)
    assert found is not None, path
    matcher = Matcher(TableIndex(found[0]))
    searches: list[dict[str, Any]] = json.loads(queries.read_text(encoding="utf-8"))
    say(json.dumps([world.answer(matcher, s) for s in searches]))


def stall(path: Path) -> None:
    tables = world.matcher_tables()
    save = np.save
    written = 0

    def save_then_stall(*args: Any, **kwargs: Any) -> None:
        nonlocal written
        save(*args, **kwargs)
        written += 1
        if written == 3:
            say("stalled")
            sys.stdin.readline()  # killed meanwhile

    np.save = save_then_stall  # type: ignore[assignment]
    snapshot.write(tables, path, {"kind": "full"})
    say("finished")


def build(root: Path) -> None:
    database = Database(Settings())
    store = IndexStore(root)
    with locked(root, wait=True):
        say("held")
        sys.stdin.readline()
        with database.session(write=False) as session:
            store.build(session, current(session))
    say("built")


def open_index(root: Path) -> None:
    database = Database(Settings())
    store = IndexStore(root)
    say("waiting")
    with database.session(write=False) as session:
        index = store.open(session, current(session), wait=True)
    assert index is not None
    say("built" if store.built else "mapped")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "search":
        search(Path(args[0]), Path(args[1]))
    elif command == "stall":
        stall(Path(args[0]))
    elif command == "build":
        build(Path(args[0]))
    elif command == "open":
        open_index(Path(args[0]))
    else:
        sys.exit(f"unknown command {command}")
