"""Document bytes on the local filesystem, written atomically under generated keys."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the stream exceeds {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StagedFile:
    """A fully received stream in a temporary file, not yet placed under a key."""

    path: Path
    size: int
    sha256: str


class LocalStorage:
    """Files under ``root``: ``root/<key>``, with uploads staged in ``root/.incoming``.

    Staging on the same filesystem as the final location makes placing a file one
    atomic ``os.replace``: a key never names a partly written file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        path = PurePosixPath(key)
        if path.is_absolute() or not path.parts or ".." in path.parts:
            raise ValueError(f"invalid storage key {key!r}")
        return self.root.joinpath(*path.parts)

    def save_stream(self, chunks: Iterable[bytes], *, max_bytes: int) -> StagedFile:
        """Write ``chunks`` to a staged file, hashing and counting them on the way.

        Raises ``TooLarge`` (leaving nothing behind) as soon as ``max_bytes`` is passed.
        """
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        path = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedFile(path=path, size=size, sha256=digest.hexdigest())

    def place(self, staged: StagedFile, key: str) -> None:
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)

    def discard(self, staged: StagedFile) -> None:
        staged.path.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self.path_for(key).open("rb")
