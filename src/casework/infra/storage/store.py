"""The interface every store of document bytes keeps (``Store``), with the objects and
errors it deals in; the back ends are ``local`` and ``s3``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

CHUNK_BYTES = 1024 * 1024  # how much a download reads at a time


class StoreUnavailable(Exception):
    """The store cannot be used as configured, or cannot be reached now; the message says
    why, in one line. A request meeting it is answered 503 (``casework.infra.problems``)."""


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
