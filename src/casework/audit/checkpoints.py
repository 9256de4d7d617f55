"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint says "at ``time``, tenant ``tenant``'s chain had ``seq`` events and its
last link was ``link``", signed with casework's Ed25519 key. Whoever holds the
database and even the MAC key cannot change what a checkpoint confirms: a removed
tail, a removed head record or a replaced chain no longer matches it. Anyone with the
public key can check one; the exact bytes signed are documented in docs/audit.md:

    casework-audit-checkpoint/1\\n<tenant>\\n<seq>\\n<link>\\n<time>\\n

Checkpoints are appended, one JSON object per line, to a file (and POSTed to a
receiver when one is configured).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from casework.config import Settings
from casework.infra.keyfiles import read_or_create

FORMAT = "casework-audit-checkpoint/1"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_LINK = re.compile(r"[0-9a-f]{64}")

_signers: dict[tuple[Path | None, Path], Signer] = {}
_signers_lock = threading.Lock()


class CheckpointError(Exception):
    """A checkpoint line is malformed, or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    tenant: str
    seq: int
    link: str
    time: str
    key: str = ""
    signature: str = ""

    def message(self) -> bytes:
        """The bytes the signature is over."""
        return f"{FORMAT}\n{self.tenant}\n{self.seq}\n{self.link}\n{self.time}\n".encode()

    def line(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, separators=(",", ":"))


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key: the start of the SHA-256 of its 32 raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key = private_key.public_key()
        self.key = fingerprint(self.public_key)

    def sign(self, *, tenant: str, seq: int, link: str, at: datetime) -> Checkpoint:
        unsigned = Checkpoint(
            tenant=tenant, seq=seq, link=link, time=f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        )
        signature = self._private.sign(unsigned.message())
        return replace(unsigned, key=self.key, signature=base64.b64encode(signature).decode())

    def __repr__(self) -> str:
        return f"Signer(key={self.key}, <private key hidden>)"


def signer_for(settings: Settings) -> Signer:
    """The checkpoint signer, read (or, at the default path, made) once per process."""
    cache_key = (settings.audit_signing_key_file, settings.data_dir)
    with _signers_lock:
        signer = _signers.get(cache_key)
        if signer is None:
            signer = _signers[cache_key] = Signer(_private_key(settings))
    return signer


def _private_key(settings: Settings) -> Ed25519PrivateKey:
    path = settings.audit_signing_key_path

    def make() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    try:
        pem = path.read_bytes() if settings.audit_signing_key_file else read_or_create(path, make)
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(f"cannot load the checkpoint signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError("not an Ed25519 public key")
    return key


def parse(line: str) -> Checkpoint:
    """A checkpoint from its JSON line, checked for form (not yet for its signature)."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise CheckpointError("not JSON") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"not a {FORMAT} record")
    tenant, seq, link, time = (
        data.get("tenant"),
        data.get("seq"),
        data.get("link"),
        data.get("time"),
    )
    key, signature = data.get("key"), data.get("signature")
    if not (
        isinstance(tenant, str)
        and tenant.isascii()
        and tenant.isprintable()
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 0
        and isinstance(link, str)
        and _LINK.fullmatch(link)
        and isinstance(time, str)
        and _TIME.fullmatch(time)
        and isinstance(key, str)
        and isinstance(signature, str)
    ):
        raise CheckpointError("a field is missing or malformed")
    return Checkpoint(tenant, seq, link, time, key, signature)


def check_signature(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> None:
    public_key = keys.get(checkpoint.key)
    if public_key is None:
        raise CheckpointError(f"signed by key {checkpoint.key}, which was not given")
    try:
        public_key.verify(
            base64.b64decode(checkpoint.signature, validate=True), checkpoint.message()
        )
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise CheckpointError("the signature does not verify") from exc


def read_file(path: Path, keys: dict[str, Ed25519PublicKey]) -> list[Checkpoint]:
    """Every checkpoint in ``path``, each checked against ``keys``; the first bad line
    raises (a checkpoint file nobody can forge has none)."""
    checkpoints = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                checkpoint = parse(line)
                check_signature(checkpoint, keys)
            except CheckpointError as exc:
                raise CheckpointError(f"{path} line {number}: {exc}") from None
            checkpoints.append(checkpoint)
    return checkpoints


def append(path: Path, checkpoints: list[Checkpoint]) -> None:
    """Add checkpoints to the end of the file, under an exclusive lock, and sync them."""
    if not checkpoints:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(c.line() + "\n" for c in checkpoints).encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
