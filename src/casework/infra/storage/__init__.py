"""Stores of document bytes: one interface (``Store``), two back ends (a local directory,
an S3 bucket), chosen by ``CASEWORK_STORAGE_URL`` (see ``location``).

A store keeps whole objects under keys the caller makes: an object is visible only
once all its bytes are written, and a write that fails leaves nothing behind. What a
document row names is the caller's business; ``listing`` and ``unfinished`` let it find
what a killed process left without a row (see ``casework.documents.tasks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from casework.infra.storage.location import LocalLocation, Location, S3Location

CHUNK_BYTES = 1024 * 1024  # how much a download reads at a time


class StoreUnavailable(Exception):
    """The store cannot be used as configured; the message says why, in one line."""


class MissingObject(LookupError):
    """No object under the key."""


class StoredObject:
    """An object's bytes, read in chunks by iterating; ``close`` frees what holds them."""

    def __init__(self, size: int, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self.size = size
        self._chunks = chunks
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


class Store(Protocol):
    def check(self) -> None:
        """Raise ``StoreUnavailable`` unless objects can be written and read."""

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        """Keep the bytes of ``chunks`` under ``key``, read one chunk at a time. When
        iterating ``chunks`` raises, nothing is kept and the exception goes on."""

    def open(self, key: str) -> StoredObject:
        """The object under ``key`` to read (``MissingObject`` if there is none)."""

    def read(self, key: str) -> bytes:
        """The whole object under ``key``, for objects known to be small."""

    def delete(self, key: str) -> None:
        """Remove the object under ``key``; none there is fine."""

    def listing(self) -> Iterator[str]:
        """Every object's key."""

    def unfinished(self) -> Iterator[str]:
        """The keys of writes begun and not finished: under way, or left by a process
        killed while writing."""

    def abandon(self, key: str) -> None:
        """Remove what unfinished writes of ``key`` hold."""


def open_store(location: Location) -> Store:
    """The store at ``location``, not yet checked (see ``Store.check``)."""
    if isinstance(location, LocalLocation):
        from casework.infra.storage.local import LocalStore

        return LocalStore(location.root)
    if isinstance(location, S3Location):
        # Only an S3 store loads the AWS SDK.
        from casework.infra.storage.s3 import S3Store

        return S3Store(location)
    raise TypeError(f"no store for {location!r}")


__all__ = [
    "CHUNK_BYTES",
    "LocalLocation",
    "Location",
    "MissingObject",
    "S3Location",
    "Store",
    "StoreUnavailable",
    "StoredObject",
    "open_store",
]
