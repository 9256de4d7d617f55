"""The per-process matcher follows list versions without making searches wait."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from casework.infra.db import Database
from casework.screening.matching import MatcherHolder
from casework.screening.service import import_dataset


def _import(db: Database, name: str, path: Path, *people: str) -> None:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"p{i}",
                    "schema": "Person",
                    "target": True,
                    "properties": {"name": [person]},
                }
            )
            + "\n"
            for i, person in enumerate(people)
        ),
        encoding="utf-8",
    )
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])


def test_rebuilds_when_a_version_changes(db: Database, tmp_path: Path):
    name = f"m-{secrets.token_hex(4)}"
    _import(db, name, tmp_path / "a.json", "Ivan Petrov")
    holder = MatcherHolder()
    with db.transaction(write=False) as session:
        first, versions = holder.get(session)
        again, _ = holder.get(session)
    assert again is first
    assert versions[name] == 1
    _import(db, name, tmp_path / "b.json", "Ivan Petrov", "Olga Sidorova")
    with db.transaction(write=False) as session:
        second, versions = holder.get(session)
    assert second is not first
    assert versions[name] == 2
    assert second.entity(name, "p1") is not None


def test_searches_keep_the_old_matcher_while_another_rebuilds(db: Database, tmp_path: Path):
    name = f"m-{secrets.token_hex(4)}"
    _import(db, name, tmp_path / "a.json", "Ivan Petrov")
    holder = MatcherHolder()
    with db.transaction(write=False) as session:
        first, _ = holder.get(session)
    _import(db, name, tmp_path / "b.json", "Ivan Petrov", "Olga Sidorova")
    holder._lock.acquire()  # another request is building the new matcher
    try:
        with db.transaction(write=False) as session:
            served, versions = holder.get(session)
    finally:
        holder._lock.release()
    assert served is first
    assert versions[name] == 1
