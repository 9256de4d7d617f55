"""Encryption at rest for secrets casework must use itself (webhook signing secrets,
the secrets API clients sign requests with).

The key comes from ``CASEWORK_SECRET_KEY`` (a Fernet key). An embedded install
without one generates a key once and keeps it in ``<data_dir>/secret.key``, readable
by its owner only; losing that file makes the stored secrets unusable, so it belongs
in the same backups as the database.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken

from casework.config import Settings

KEY_FILE = "secret.key"
# How long a rotated-out secret keeps signing alongside its replacement.
ROTATION_GRACE = timedelta(hours=24)

_boxes: dict[tuple[str, str], SecretBox] = {}
_boxes_lock = threading.Lock()


class SecretBoxError(Exception):
    """The key is unusable, or a stored secret was encrypted with another key."""


class SealedSecrets(Protocol):
    """Signing secrets as stored: a webhook endpoint, or a tenant's case-webhook secret."""

    @property
    def secret_encrypted(self) -> str: ...

    @property
    def previous_secret_encrypted(self) -> str | None: ...

    @property
    def previous_secret_expires_at(self) -> datetime | None: ...


class SecretBox:
    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise SecretBoxError(
                "the secret key is not a Fernet key (32 url-safe base64-encoded bytes); make one "
                "with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretBoxError("a stored secret does not decrypt with the current key") from exc

    def secrets_in_use(self, sealed: SealedSecrets, *, now: datetime) -> list[str]:
        """The signing secrets in use: the current one, and the previous one until its
        rotation grace period ends."""
        in_use = [self.open(sealed.secret_encrypted)]
        expires = sealed.previous_secret_expires_at
        if sealed.previous_secret_encrypted and expires is not None and expires > now:
            in_use.append(self.open(sealed.previous_secret_encrypted))
        return in_use

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"


def box_for(settings: Settings) -> SecretBox:
    """The box for these settings; the key file is read (or made) once per process."""
    configured = settings.secret_key.get_secret_value() if settings.secret_key else ""
    cache_key = (configured, str(settings.data_dir.resolve()))
    with _boxes_lock:
        box = _boxes.get(cache_key)
        if box is None:
            key = configured.encode() if configured else _key_file(settings.data_dir)
            box = _boxes[cache_key] = SecretBox(key)
    return box


def _key_file(data_dir: Path) -> bytes:
    """Read the key file, creating it first if there is none.

    The key is written to a private temporary file and then hard-linked into place:
    the link fails if another process got there first, so every process ends up with
    the same key and nobody ever reads a half-written file.
    """
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # A leftover file from a crashed run keeps its old mode through O_TRUNC.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()
