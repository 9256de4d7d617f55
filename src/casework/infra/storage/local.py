"""Objects as files under a directory: ``root/<key>``, written in ``root/.incoming``
(each temporary file named after its key, so one a killed process left can be told).

Writing on the same filesystem as the final place makes placing a file one atomic
``os.replace``: a key never names a partly written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote, unquote

from casework.infra.storage.store import CHUNK_BYTES, MissingObject, StoredObject, StoreUnavailable

INCOMING = ".incoming"


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        path = PurePosixPath(key)
        if path.is_absolute() or not path.parts or ".." in path.parts or path.parts[0] == INCOMING:
            raise ValueError(f"invalid storage key {key!r}")
        return self.root.joinpath(*path.parts)

    def check(self) -> None:
        try:
            (self.root / INCOMING).mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root / INCOMING):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise StoreUnavailable(
                f"cannot write documents in the directory {self.root}: {reason}"
            ) from None

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        target = self.path_for(key)
        incoming = self.root / INCOMING
        with self._disk():
            incoming.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=incoming, prefix=_incoming_prefix(key))
        try:
            with os.fdopen(fd, "wb") as out:
                # What the stream raises goes on as it is; what the disk raises (full,
                # read-only) is the store's failure.
                for chunk in chunks:
                    with self._disk():
                        out.write(chunk)
                with self._disk():
                    out.flush()
                    os.fsync(out.fileno())
            with self._disk():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    @contextmanager
    def _disk(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise StoreUnavailable(
                f"could not write in the directory {self.root}: {exc.strerror or exc}"
            ) from exc

    def open(self, key: str) -> StoredObject:
        try:
            file = self.path_for(key).open("rb")
        except FileNotFoundError:
            raise MissingObject(key) from None
        return StoredObject(os.fstat(file.fileno()).st_size, _chunks(file), file.close)

    def read(self, key: str) -> bytes:
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            raise MissingObject(key) from None

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for directory, subdirectories, files in os.walk(self.root):
            subdirectories[:] = sorted(d for d in subdirectories if d != INCOMING)
            where = Path(directory).relative_to(self.root)
            for name in sorted(files):
                yield (where / name).as_posix()

    def unfinished(self) -> Iterator[str]:
        incoming = self.root / INCOMING
        if incoming.is_dir():
            for path in sorted(incoming.iterdir()):
                quoted, dot, _random = path.name.rpartition(".")
                if dot:
                    yield unquote(quoted)

    def abandon(self, key: str) -> None:
        for path in (self.root / INCOMING).glob(_incoming_prefix(key) + "*"):
            if "." not in path.name.removeprefix(_incoming_prefix(key)):
                path.unlink(missing_ok=True)


def _incoming_prefix(key: str) -> str:
    # The key quoted (no "/" left), then a dot: mkstemp's random part that follows has
    # no dot, so the last dot ends the key.
    return quote(key, safe="") + "."


def _chunks(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
