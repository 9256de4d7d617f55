"""The screening index of each set of list versions, built once and mapped by every process.

Snapshots (``casework.screening.snapshot``) live under one directory, by default
``<data_dir>/screening-index``:

* ``<key>/``: the index of one set of list versions, where ``key`` is a digest of the
  code version and of every dataset's name, id and version. One index covers every
  list, shared and tenant-own alike (a search filters the datasets its tenant may see,
  ``casework.screening.scope``), so the versions alone decide it;
* ``.lock``: held (``flock``) by the one process that builds, so two processes on one
  machine never build the same index twice: another one waits, or goes on searching
  the index it has;
* ``differences/``: the indexes of single list versions' differences that ongoing
  monitoring rescreens against (``difference``).

``IndexStore.open`` maps the snapshot for a set of versions when one exists, else copies
it from the object store when another machine put it there (``shared_snapshots``), and
else builds it (and puts it there): as an overlay on an earlier full snapshot when the
versions since changed at most ``DELTA_SHARE`` of its entities
(``casework.screening.layered``), or in full. Once
a new snapshot is written and mapped, the ones it supersedes are deleted: a process that
still maps one goes on reading it (Linux keeps the pages of a deleted file), and a
process that wants one again builds it again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from casework.screening import repository, snapshot
from casework.screening.entity import Entity
from casework.screening.index import Index
from casework.screening.index_builder import TableBuilder
from casework.screening.index_tables import TableIndex
from casework.screening.layered import REMOVED, LayeredIndex, overlay_tables
from casework.screening.shared_snapshots import SharedSnapshots

log = logging.getLogger(__name__)

DELTA_SHARE = 0.05  # changes, as a share of the base's entities, still applied as an overlay
LOCK = ".lock"
DIFFERENCES = "differences"


@dataclass(frozen=True, order=True)
class ListVersion:
    name: str
    dataset_id: str
    version: int


Versions = tuple[ListVersion, ...]


def versions_of(rows: Iterable[tuple[str, str, int]]) -> Versions:
    return tuple(sorted(ListVersion(name, dataset_id, v) for name, dataset_id, v in rows))


def current(session: Session) -> Versions:
    """The current version of every list."""
    return versions_of(repository.current_version_ids(session))


def key_of(versions: Versions) -> str:
    payload = [snapshot.code_version(), [[v.name, v.dataset_id, v.version] for v in versions]]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:24]


def _read_versions(about: dict[str, Any]) -> Versions:
    return versions_of((str(n), str(i), int(v)) for n, i, v in about["versions"])


def _covers(base: Versions, target: Versions) -> dict[str, tuple[int, int]] | None:
    """The versions of each dataset id between ``base`` and ``target`` (after, upto), or
    None when ``target`` does not follow from ``base`` (a list went back or is gone)."""
    wanted = {v.dataset_id: v for v in target}
    spans: dict[str, tuple[int, int]] = {}
    for old in base:
        new = wanted.pop(old.dataset_id, None)
        if new is None or new.version < old.version or new.name != old.name:
            return None
        if new.version != old.version:
            spans[old.dataset_id] = (old.version, new.version)
    spans.update({v.dataset_id: (0, v.version) for v in wanted.values()})
    return spans


def build_full(entries: Iterable[tuple[str, Entity]]) -> snapshot.Tables:
    builder = TableBuilder()
    for dataset, entity in entries:
        builder.add(dataset, entity)
    return builder.freeze()


@contextmanager
def locked(directory: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the directory's lock while inside; False (and not held) when another process
    holds it and ``wait`` is False."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class IndexStore:
    """Snapshots of the screening index under ``root`` (see the module's docstring)."""

    def __init__(
        self,
        root: Path,
        *,
        delta_share: float = DELTA_SHARE,
        shared: SharedSnapshots | None = None,
    ) -> None:
        self.root = root
        self.delta_share = delta_share
        self.shared = shared  # copies in the object store, for and from other machines
        # Indexes this process maps, by snapshot key: an overlay's base is mapped once
        # however many overlays on it follow, and its caches stay warm.
        self._mapped: weakref.WeakValueDictionary[str, TableIndex] = weakref.WeakValueDictionary()
        self.built: list[str] = []  # the snapshots this store built, by key
        self.fetched: list[str] = []  # ... and those it copied from the object store

    def path(self, versions: Versions) -> Path:
        return self.root / key_of(versions)

    def load(self, versions: Versions) -> Index | None:
        """The snapshot of these versions, mapped; None when there is none to trust."""
        return self._load(key_of(versions))

    def _load(self, key: str) -> Index | None:
        found = snapshot.read(self.root / key)
        if found is None:
            return None
        tables, about = found
        if about.get("kind") == "overlay":
            base = self._table_index(str(about["base"]))
            if base is None:
                return None
            return LayeredIndex(base, TableIndex(tables), tables.arrays[REMOVED])
        index = self._mapped[key] = TableIndex(tables)
        return index

    def _table_index(self, key: str) -> TableIndex | None:
        mapped = self._mapped.get(key)
        if mapped is not None:
            return mapped
        found = self._load(key)
        return found if isinstance(found, TableIndex) else None

    def open(self, session: Session, versions: Versions, *, wait: bool = True) -> Index | None:
        """The index of these list versions: the snapshot's if there is one, else built,
        written and mapped. None when another process is building it and ``wait`` is
        False (the caller goes on with the index it has)."""
        found = self.load(versions)
        if found is not None:
            return found
        with locked(self.root, wait=wait) as held:
            if not held:
                return None
            found = self.load(versions)  # written while this process waited
            if found is not None:
                return found
            key = key_of(versions)
            if self._fetch(key):
                found = self.load(versions)
                if found is not None:
                    self.prune(versions, keep=key)
                    return found
            return self.build(session, versions)

    def _fetch(self, key: str) -> bool:
        """Copy snapshot ``key`` from the object store, and the base it overlays when this
        machine has not got it; only with the lock held."""
        if self.shared is None:
            return False
        _remove_temporary(self.root)
        _discard(self.root / key)  # there, it could not be trusted
        about = self.shared.fetch(key, self.root)
        if about is None:
            return False
        self.fetched.append(key)
        base = about.get("base")
        if base and snapshot.manifest(self.root / str(base)) is None:
            _discard(self.root / str(base))
            if self.shared.fetch(str(base), self.root) is None:
                return False
            self.fetched.append(str(base))
        return True

    def build(self, session: Session, versions: Versions) -> Index:
        """Build the index of these versions, write it and map it; only with the lock
        held (``locked(store.root)``), as ``open`` does."""
        key = key_of(versions)
        _discard(self.root / key)  # there, it could not be trusted
        _remove_temporary(self.root)
        started = time.perf_counter()
        tables, about = self._overlay(session, versions) or self._full(session, versions)
        about |= {"versions": [[v.name, v.dataset_id, v.version] for v in versions]}
        try:
            snapshot.write(tables, self.root / key, about)
        except OSError as exc:  # a full disk or a read-only directory: search in memory
            log.error("screening index %s could not be written: %s", key, exc)
            index = TableIndex(tables)
            base = about.get("base")
            if base is None:
                return index
            mapped = self._table_index(str(base))
            assert mapped is not None  # the overlay was just built on it
            return LayeredIndex(mapped, index, tables.arrays[REMOVED])
        del tables
        self.built.append(key)
        if self.shared is not None:
            self.shared.publish(self.root / key)
        found = self._load(key)
        if found is None:
            raise RuntimeError(f"screening index {key} was written but cannot be read back")
        log.info(
            "screening index %s (%s, %d entities) built in %.1f s",
            key,
            about["kind"],
            len(found),
            time.perf_counter() - started,
        )
        self.prune(versions, keep=key)
        return found

    def _full(self, session: Session, versions: Versions) -> tuple[snapshot.Tables, dict[str, Any]]:
        rows = repository.documents_at(session, {v.dataset_id: v.version for v in versions})
        tables = build_full((name, Entity.from_document(doc)) for name, doc in rows)
        entities = len(tables.arrays["ent_schema"])
        return tables, {"kind": "full", "base": None, "counts": {"entities": entities}}

    def _overlay(
        self, session: Session, versions: Versions
    ) -> tuple[snapshot.Tables, dict[str, Any]] | None:
        """The overlay of these versions on the latest full snapshot they follow from,
        when the versions since changed little enough."""
        for base_key, base_versions, entities in self._bases():
            spans = _covers(base_versions, versions)
            if spans is None:
                continue
            changes = repository.changes_since(session, spans)
            if changes > self.delta_share * max(entities, 1):
                return None
            base = self._table_index(base_key)
            if base is None:
                continue
            added = repository.documents_since(session, spans)
            removed = repository.keys_closed_since(session, spans)
            tables = overlay_tables(
                base, ((name, Entity.from_document(doc)) for name, doc in added), removed
            )
            counts = {"entities": len(base) + len(added) - len(tables.arrays[REMOVED])}
            return tables, {"kind": "overlay", "base": base_key, "counts": counts}
        return None

    def _bases(self) -> list[tuple[str, Versions, int]]:
        """Full snapshots here: key, versions, entities; the newest first."""
        found = []
        for path in self._snapshots():
            about = snapshot.manifest(path)
            if about is None or about.get("kind") != "full":
                continue
            try:
                entry = (path.name, _read_versions(about), int(about["counts"]["entities"]))
            except (KeyError, TypeError, ValueError):
                continue
            found.append((str(about.get("created_at", "")), entry))
        return [entry for _, entry in sorted(found, key=lambda f: f[0], reverse=True)]

    def _snapshots(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def prune(self, versions: Versions, *, keep: str) -> list[str]:
        """Delete the snapshots that ``keep`` (the snapshot of ``versions``) supersedes:
        made before it, of no list version newer than these, and not its base. A list
        that is no longer among ``versions`` has no newer version to keep one for."""
        kept = snapshot.manifest(self.root / keep)
        if kept is None:
            return []
        needed = {keep, str(kept.get("base"))}
        now = {v.dataset_id: v.version for v in versions}
        deleted = []
        for path in self._snapshots():
            if path.name in needed or path.name == DIFFERENCES:
                continue
            about = _raw_manifest(path)
            if about is None:
                continue  # being written by another version of the code, or not ours
            try:
                older = str(about["created_at"]) < str(kept["created_at"])
                behind = all(
                    now.get(v.dataset_id, v.version) >= v.version for v in _read_versions(about)
                )
            except (KeyError, TypeError, ValueError):
                older = behind = True  # unreadable: nothing can use it
            if older and behind:
                shutil.rmtree(path, ignore_errors=True)
                deleted.append(path.name)
                if self.shared is not None:
                    self.shared.forget(path.name)
        return deleted


def _raw_manifest(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads((path / snapshot.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _discard(path: Path) -> None:
    """Delete a snapshot that cannot be trusted: first out of sight, then from disk."""
    if path.exists():
        hidden = path.with_name(f"{snapshot.TEMPORARY}{path.name}-discarded-{os.getpid()}")
        path.rename(hidden)
        shutil.rmtree(hidden, ignore_errors=True)


def _remove_temporary(directory: Path) -> None:
    """Temporary directories of writers that died; only called with the lock held, when
    no other writer can be at work here."""
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name.startswith(snapshot.TEMPORARY):
                shutil.rmtree(path, ignore_errors=True)


def difference(
    root: Path, name: str, entries: Sequence[tuple[str, Entity]]
) -> tuple[TableIndex, Path]:
    """The index of one list version's difference (``entries``: its added and changed
    entities), written once under ``differences/<name>`` and mapped."""
    directory = root / DIFFERENCES
    path = directory / name
    found = snapshot.read(path)
    if found is None:
        with locked(directory, wait=True):
            found = snapshot.read(path)
            if found is None:
                _discard(path)
                _remove_temporary(directory)
                snapshot.write(build_full(entries), path, {"kind": "difference"})
                found = snapshot.read(path)
    if found is None:
        raise RuntimeError(f"the difference index {path} was written but cannot be read back")
    return TableIndex(found[0]), path


def map_difference(path: Path) -> TableIndex:
    """A difference index ``difference`` wrote, as another process maps it."""
    found = snapshot.read(path)
    if found is None:
        raise RuntimeError(f"no difference index at {path}")
    return TableIndex(found[0])


def forget_difference(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def difference_snapshots(root: Path) -> list[Path]:
    """The difference indexes written under ``root`` (none being written)."""
    directory = root / DIFFERENCES
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_dir() and not path.name.startswith((".", snapshot.TEMPORARY))
    )


def forget_differences(root: Path, paths: Sequence[Path]) -> bool:
    """Delete these difference indexes, with the lock held so none is being rewritten;
    False (nothing deleted) while another process holds it to build one, which may take
    minutes that a caller should not wait."""
    with locked(root / DIFFERENCES, wait=False) as held:
        if held:
            for path in paths:
                forget_difference(path)
        return held
