"""A screening index on disk: written once, then mapped by every process that searches it.

A snapshot is one directory, and a directory is the unit that is written, checked,
copied or deleted:

* ``manifest.json``: the format version, the code the index was built by, what it
  covers (given by the writer: list versions, counts, a base it overlays), the small
  tables (dataset names, topics), each file's size and SHA-256, and when it was made;
* one ``<table>.npy`` per array (``Tables``), read back with ``np.load(mmap_mode="r")``:
  pages come from the page cache and are shared by every process that maps them.

A snapshot is written into a hidden temporary directory beside its final place and
renamed into place in one step, so a reader sees all of it or none of it; a writer
that dies leaves only the temporary directory, which readers never look at. A reader
trusts a snapshot only when its format version and code match its own and every file
has the size and checksum the manifest gives; anything else is treated as missing,
and so rebuilt. Snapshots are never changed in place: on Linux a process that still
maps a deleted one goes on reading it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from casework.screening.arrays import AnyArray, Texts, TokenMap, Words

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
TEMPORARY = ".tmp-"  # the prefix of directories being written
_CHUNK = 1 << 20


@dataclass
class Tables:
    """An index as named arrays, and its small tables as JSON values (``meta``)."""

    arrays: dict[str, AnyArray]
    meta: dict[str, Any]

    def texts(self, name: str) -> Texts:
        return Texts(self.arrays[f"{name}.data"], self.arrays[f"{name}.offsets"])

    def put_texts(self, name: str, texts: Texts) -> None:
        self.arrays[f"{name}.data"] = texts.data
        self.arrays[f"{name}.offsets"] = texts.offsets

    def token_map(self, name: str) -> TokenMap:
        return TokenMap(self.arrays[f"{name}.hashes"], self.arrays[f"{name}.ids"])

    def put_map(self, name: str, tokens: TokenMap) -> None:
        self.arrays[f"{name}.hashes"] = tokens.hashes
        self.arrays[f"{name}.ids"] = tokens.ids

    def words(self, name: str) -> Words:
        return Words(self.texts(name), self.token_map(f"{name}.lookup"))

    def put_words(self, name: str, words: Words) -> None:
        self.put_texts(name, words.texts)
        self.put_map(f"{name}.lookup", words.lookup)

    @property
    def size(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays.values())


@cache
def code_version() -> str:
    """A digest of the screening code, which decides what an index holds: a snapshot
    written by other code (another normalisation, another layout) is not read."""
    digest = hashlib.sha256(str(FORMAT).encode())
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _Hashing:
    """A file that hashes what is written to it (``np.save`` writes in chunks)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sync(path: Path) -> None:
    """Flush a file, or a directory's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(tables: Tables, target: Path, about: dict[str, Any]) -> bool:
    """Write ``tables`` as the snapshot ``target``, with ``about`` in its manifest.

    False, and nothing changed, when ``target`` already exists (another writer was
    first: snapshots of one name hold the same index).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return False
    temporary = target.parent / f"{TEMPORARY}{target.name}-{os.getpid()}-{secrets.token_hex(4)}"
    temporary.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, values in sorted(tables.arrays.items()):
            file_name = f"{name}.npy"
            with (temporary / file_name).open("wb") as handle:
                hashing = _Hashing(handle)
                np.save(hashing, np.ascontiguousarray(values), allow_pickle=False)
            files[file_name] = {"bytes": hashing.size, "sha256": hashing.digest.hexdigest()}
        # Made durable together, once all are written: one flush of the journal
        # rather than one per file.
        for file_name in files:
            _sync(temporary / file_name)
        manifest = {
            **about,
            "format": FORMAT,
            "code": code_version(),
            "meta": tables.meta,
            "files": files,
            "created_at": datetime.now(UTC).isoformat(),
        }
        with (temporary / MANIFEST).open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        _sync(temporary)
        try:
            temporary.rename(target)
        except OSError:
            if target.exists():  # another writer renamed its copy first
                shutil.rmtree(temporary, ignore_errors=True)
                return False
            raise
        _sync(target.parent)
        return True
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def manifest(path: Path) -> dict[str, Any] | None:
    """The snapshot's manifest if it is of this format and code (files not checked)."""
    try:
        found = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict):
        return None
    return found if readable(found) else None


def readable(about: dict[str, Any]) -> bool:
    """Whether a snapshot with this manifest is of the format and code of this process."""
    return about.get("format") == FORMAT and about.get("code") == code_version()


# numpy reads an array file's header with ``ast.literal_eval``, and CPython 3.11's parser
# is not safe to run in two threads at once (it fails with "AST constructor recursion
# depth mismatch"): processes mapping snapshots from several threads take turns, and
# other code parsing Python in such a process takes its turn with them.
PARSER = threading.Lock()


def read(path: Path) -> tuple[Tables, dict[str, Any]] | None:
    """The snapshot at ``path``, mapped, and its manifest; None when there is none, or it
    is of another format or code, or any file differs from what its manifest says."""
    about = manifest(path)
    if about is None:
        return None
    try:
        files: dict[str, dict[str, Any]] = about["files"]
        for file_name, facts in files.items():
            file = path / file_name
            if file.stat().st_size != facts["bytes"] or _digest(file) != facts["sha256"]:
                log.warning("screening index %s: %s is not what was written", path, file_name)
                return None
        # Plain arrays over the mapped pages: numpy's memmap subclass makes every slice
        # a Python-level object, ten times slower than an array's.
        with PARSER:
            arrays = {
                file_name.removesuffix(".npy"): np.asarray(np.load(path / file_name, mmap_mode="r"))
                for file_name in files
            }
        return Tables(arrays, dict(about["meta"])), about
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("screening index %s cannot be read: %s", path, exc)
        return None


def size_on_disk(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())
