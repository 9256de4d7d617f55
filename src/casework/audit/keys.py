"""The keys that MAC the audit chain, kept in a file outside the database.

One ``id key`` pair per line (the key is at least 32 random bytes, base64url without
padding); ``#`` starts a comment. The last pair keys new events; the earlier ones stay
so that events they keyed still verify. Every event records the id of its key, so a
rotation (``casework audit rotate-key`` appends a pair) needs no rewriting.

Without ``CASEWORK_AUDIT_KEY_FILE`` the file is ``<data_dir>/audit-chain.keys``, made on
first use and readable by its owner only. A file named by the setting must exist:
several machines sharing a database must share the keys, and a mistyped path that
silently made a new key would split the chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from casework.config import Settings
from casework.infra.keyfiles import read_or_create

KEY_BYTES = 32
_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
_HEADER = (
    b"# casework audit chain keys: one 'id key' pair per line; the last keys new events.\n"
    b"# Keep every line ever used (older events name their key) and back this file up\n"
    b"# apart from the database: whoever holds it and the database can rewrite the chain.\n"
)

_rings: dict[tuple[Path | None, Path], Keyring] = {}
_rings_lock = threading.Lock()


class AuditKeyError(Exception):
    """The key file is missing, unreadable or malformed, or lacks a key an event names."""


class Keyring:
    """The MAC keys by id; ``current_id`` keys new links."""

    def __init__(self, path: Path, keys: dict[str, bytes], current_id: str) -> None:
        self.path = path
        self._keys = keys
        self.current_id = current_id
        self._lock = threading.Lock()

    def mac(self, key_id: str, message: str) -> str:
        """HMAC-SHA-256 of ``message`` with key ``key_id``, as hex."""
        key = self._keys.get(key_id)
        if key is None:
            key = self._reload(key_id)
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    def knows(self, key_id: str) -> bool:
        if key_id in self._keys:
            return True
        try:
            self._reload(key_id)
        except AuditKeyError:
            return False
        return True

    def _reload(self, key_id: str) -> bytes:
        # Another process may have rotated the keys since this one read the file.
        with self._lock:
            if key_id not in self._keys:
                self._keys = _parse(self.path, self.path.read_bytes())[0]
        key = self._keys.get(key_id)
        if key is None:
            raise AuditKeyError(f"audit key {key_id!r} is not in {self.path}")
        return key

    def __repr__(self) -> str:
        return f"Keyring({self.path}, current={self.current_id!r}, <keys hidden>)"


def new_key_line() -> bytes:
    key_id = f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    key = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).rstrip(b"=")
    return key_id.encode() + b" " + key + b"\n"


def keyring_for(settings: Settings) -> Keyring:
    """The keys for these settings, read (or, at the default path, made) once per process."""
    cache_key = (settings.audit_key_file, settings.data_dir)
    ring = _rings.get(cache_key)
    if ring is not None:
        return ring
    with _rings_lock:
        ring = _rings.get(cache_key)
        if ring is None:
            ring = _rings[cache_key] = load(settings)
    return ring


def load(settings: Settings) -> Keyring:
    path = settings.audit_key_path
    if settings.audit_key_file is not None:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise AuditKeyError(f"cannot read the audit key file {path}: {exc}") from exc
    else:
        content = read_or_create(path, lambda: _HEADER + new_key_line())
    keys, current = _parse(path, content)
    return Keyring(path, keys, current)


def rotate(settings: Settings) -> str:
    """Append a new key, which keys new events from the next start; its id."""
    path = settings.audit_key_path
    load(settings)  # the file exists and is sound before it grows
    line = new_key_line()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    with _rings_lock:
        _rings.clear()
    return line.split(b" ", 1)[0].decode()


def _parse(path: Path, content: bytes) -> tuple[dict[str, bytes], str]:
    keys: dict[str, bytes] = {}
    current = ""
    for number, raw in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not _ID.fullmatch(parts[0]):
            raise AuditKeyError(f"{path} line {number}: expected 'id key'")
        try:
            key = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < KEY_BYTES:
            raise AuditKeyError(f"{path} line {number}: the key must be {KEY_BYTES}+ bytes")
        if parts[0] in keys and keys[parts[0]] != key:
            raise AuditKeyError(f"{path} line {number}: key id {parts[0]} is used twice")
        keys[parts[0]] = key
        current = parts[0]
    if not current:
        raise AuditKeyError(f"{path} holds no key")
    return keys, current
