"""Snapshots of the screening index kept in the object store too, for other machines.

Processes on one machine share a snapshot through its directory (``index_store``). With
documents in an S3 bucket (``CASEWORK_STORAGE_URL``), the machine that builds a snapshot
also copies it to the bucket, under ``screening-index/<key>/``, and a machine that has
no snapshot of the current versions copies it from there instead of building its own:
a copy takes seconds where a build of a million entities takes minutes of CPU.

The bucket is not trusted. A snapshot holds pickled entities, which a process unpickles
when it reads them, so a copy is taken only when its manifest is sealed with casework's
own key (``CASEWORK_SECRET_KEY``, the key every machine of one deployment shares; see
``casework.infra.secrets_box``): a manifest written by anyone else, or altered, does not
open. The manifest holds every file's size and SHA-256, which the machine checks when it
maps the copy, as it does any snapshot; so nothing in a copy is used unless casework
wrote it.

A copy in the bucket is complete once its sealed manifest is there: the files go first
and the manifest last, and the manifest goes first when a copy is deleted. A machine
takes a copy into a temporary directory of its own and renames it into place. A copy
missing a file, altered, of other code, sealed with another key, or one the bucket
cannot serve just now, is not taken, and the machine builds the snapshot itself.
Sharing only saves work: nothing depends on it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from casework.config import Settings
from casework.infra.secrets_box import SecretBox, SecretBoxError, box_for
from casework.infra.storage import (
    CHUNK_BYTES,
    MissingObject,
    S3Location,
    Store,
    open_store,
)
from casework.screening import snapshot

log = logging.getLogger(__name__)

PREFIX = "screening-index"
SEALED = "manifest.sealed"  # the manifest, sealed with casework's key


class SharedSnapshots:
    """Copies of snapshots in an object store, by snapshot key."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self.store = store
        self.box = box

    @classmethod
    def of(cls, settings: Settings, documents: Store | None = None) -> SharedSnapshots | None:
        """The copies beside the settings' documents, when those are in a bucket: in
        ``documents``, the process's store of them, when it has one open already."""
        location = settings.storage_location
        if not isinstance(location, S3Location):
            return None
        if settings.secret_key is None:
            log.warning(
                "CASEWORK_SECRET_KEY is not set: this machine seals the screening index it "
                "copies to the bucket with a key of its own, and other machines build theirs"
            )
        return cls(documents or open_store(location), box_for(settings))

    def _key(self, key: str, file_name: str) -> str:
        return f"{PREFIX}/{key}/{file_name}"

    def publish(self, path: Path) -> bool:
        """Copy the snapshot at ``path`` to the store; False, and logged, when the store
        cannot take it now."""
        about = _manifest_bytes(path)
        if about is None:
            return False
        try:
            for file_name in json.loads(about)["files"]:
                self.store.write(self._key(path.name, file_name), _chunks(path / file_name))
            sealed = self.box.seal(about.decode("utf-8")).encode("ascii")
            self.store.write(self._key(path.name, SEALED), [sealed])
        except Exception as exc:  # whatever the store or the disk raised: only work lost
            log.warning("screening index %s not copied to the store: %s", path.name, exc)
            return False
        return True

    def manifest(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        """The manifest of the store's complete copy of ``key``, as written and read,
        when it is one this code reads; else None."""
        try:
            sealed = self.store.read(self._key(key, SEALED))
        except MissingObject:
            return None
        except Exception as exc:  # the store unavailable, or its answer cut short
            log.warning("screening index %s: the store's copy cannot be read: %s", key, exc)
            return None
        try:
            written = self.box.open(sealed.decode("ascii", errors="replace")).encode("utf-8")
            found = json.loads(written)
        except (SecretBoxError, ValueError):
            log.warning("screening index %s: the store's copy is not sealed with this key", key)
            return None
        if not isinstance(found, dict) or not snapshot.readable(found):
            return None
        return written, found

    def fetch(self, key: str, root: Path) -> dict[str, Any] | None:
        """Copy the store's snapshot ``key`` to ``root / key`` (where nothing is: the
        caller holds the lock of ``root``); its manifest, or None when the store has no
        complete copy that this code reads, or cannot serve it now. What was copied is
        checked when it is mapped."""
        found = self.manifest(key)
        if found is None:
            return None
        written, about = found
        root.mkdir(parents=True, exist_ok=True)
        temporary = root / f"{snapshot.TEMPORARY}{secrets.token_hex(8)}"
        try:
            temporary.mkdir()
            for file_name in about["files"]:
                self._download(self._key(key, file_name), temporary / file_name)
            (temporary / snapshot.MANIFEST).write_bytes(written)
            temporary.rename(root / key)
        except Exception as exc:  # a stream cut short included: the machine builds instead
            shutil.rmtree(temporary, ignore_errors=True)
            log.warning("screening index %s not copied from the store: %s", key, exc)
            return None
        return about

    def _download(self, key: str, target: Path) -> None:
        stored = self.store.open(key)
        try:
            with target.open("wb") as handle:
                for chunk in stored:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            stored.close()

    def forget(self, key: str) -> None:
        """Delete the store's copy of ``key``, manifest first (logged when it cannot)."""
        found = self.manifest(key)
        names = [SEALED, *(found[1]["files"] if found else [])]
        try:
            for file_name in names:
                self.store.delete(self._key(key, file_name))
        except Exception as exc:  # the store's own errors: a copy left is only space
            log.warning("screening index %s not deleted from the store: %s", key, exc)


def _manifest_bytes(path: Path) -> bytes | None:
    try:
        return (path / snapshot.MANIFEST).read_bytes()
    except OSError:
        return None


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
