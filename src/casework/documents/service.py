"""Documents: receiving uploads, sniffing their type, storing and finding them."""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

import filetype
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.documents import repository
from casework.infra.errors import FieldError, PayloadTooLarge, ValidationFailed
from casework.infra.ids import new_id
from casework.infra.storage import Store
from casework.infra.tenancy import owned
from casework.models import Customer, Document, User
from casework.models.base import utcnow
from casework.retention import service as retention
from casework.users import repository as user_repository

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 8192
MAX_FILENAME = 255
DEFAULT_FILENAME = "document"
_TEXTUAL_FORMATS = frozenset({"application/pdf", "application/postscript", "application/rtf"})
_SEPARATORS = re.compile(r"[/\\]")


def sanitize_filename(name: str | None) -> str:
    """The client's name as safe metadata: a basename without control characters."""
    text = unicodedata.normalize("NFC", name or "")
    text = _SEPARATORS.split(text)[-1]
    text = "".join(
        c for c in text if unicodedata.category(c)[0] != "C" and c not in "\u2028\u2029"
    ).strip()
    if text in {"", ".", ".."}:
        return DEFAULT_FILENAME
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= 16:
            text = stem[: MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            text = text[:MAX_FILENAME].rstrip()
    return text


class _Probe:
    """Watches an upload stream by: its first bytes, and whether it is all UTF-8 text."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.is_text = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        if self.is_text:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.is_text = False
            else:
                self.is_text = b"\x00" not in chunk

    def content_type(self, filename: str) -> str:
        if self.is_text:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.is_text = False
        kind = filetype.guess(bytes(self.head))
        # Short binary signatures ("BM", "ID3", "MZ") also begin ordinary text; a file that
        # is all valid UTF-8 without NUL bytes is text unless its format is itself textual.
        if kind is not None and (not self.is_text or kind.mime in _TEXTUAL_FORMATS):
            return str(kind.mime)
        if self.is_text:
            return "text/csv" if filename.lower().endswith(".csv") else "text/plain"
        return "application/octet-stream"


class TooLarge(Exception):
    """The stream went past the upload limit."""


class _Meter:
    """Counts and hashes an upload stream as it passes, stopping it past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge
        self.digest.update(chunk)


def _chunks(first: bytes, source: BinaryIO, *watchers: _Probe | _Meter) -> Iterator[bytes]:
    chunk = first
    while chunk:
        for watcher in watchers:
            watcher.feed(chunk)
        yield chunk
        chunk = source.read(CHUNK_BYTES)


def storage_key(document_id: str) -> str:
    # Spread over 256 directories (a local store's) or key prefixes.
    return f"{document_id[-2:]}/{document_id}"


@dataclass
class Upload:
    """A received file, stored under ``key`` for the document ``document_id`` that
    ``create_document`` makes of it (``claimed`` once it has)."""

    document_id: str
    key: str
    size: int
    sha256: str
    filename: str
    content_type: str
    claimed: bool = False


@contextmanager
def receive(
    storage: Store, source: BinaryIO, *, filename: str | None, max_bytes: int
) -> Iterator[Upload]:
    """Store an upload under a new key as it arrives, measuring, hashing and sniffing it
    on the way (the whole file is never in memory). On leaving, the object stays only if
    a document claimed it (and goes again if that document's transaction does not
    commit); otherwise (a replayed request, a refusal) it is deleted."""
    first = source.read(CHUNK_BYTES)
    if not first:
        raise ValidationFailed.on("file", "is empty")
    document_id = new_id()
    key = storage_key(document_id)
    probe, meter = _Probe(), _Meter(max_bytes)
    try:
        storage.write(key, _chunks(first, source, probe, meter))
    except TooLarge:
        message = f"must be at most {max_bytes} bytes"
        raise PayloadTooLarge(f"file: {message}", errors=[FieldError("file", message)]) from None
    name = sanitize_filename(filename)
    upload = Upload(
        document_id=document_id,
        key=key,
        size=meter.size,
        sha256=meter.digest.hexdigest(),
        filename=name,
        content_type=probe.content_type(name),
    )
    try:
        yield upload
    finally:
        if not upload.claimed:
            discard(storage, key)


def discard(storage: Store, key: str) -> None:
    """Delete an object nothing refers to. One that cannot be deleted now is left for
    the sweep of orphaned objects (casework.documents.tasks), so this never raises."""
    try:
        storage.delete(key)
    except Exception:
        log.warning("could not delete the orphaned object %s", key, exc_info=True)


def _delete_unless_committed(session: Session, storage: Store, key: str) -> None:
    """Remove a stored object again if the session's transaction ends without committing."""
    committed = False
    settled = False

    def on_commit(sess: Session) -> None:
        nonlocal committed
        if not sess.in_nested_transaction():
            committed = True

    def on_end(_sess: Session, transaction: SessionTransaction) -> None:
        nonlocal settled
        if transaction.parent is None and not settled:
            settled = True
            if not committed:
                discard(storage, key)

    event.listen(session, "after_commit", on_commit)
    event.listen(session, "after_transaction_end", on_end)


def create_document(
    session: Session,
    *,
    actor: Principal,
    storage: Store,
    upload: Upload,
    customer_id: str | None,
    delete_after: int | None = None,
) -> Document:
    """A document for ``upload``, kept ``delete_after`` days (None: the tenant's default)."""
    if (
        customer_id is not None
        and owned(session, Customer, customer_id, tenant_id=actor.tenant_id) is None
    ):
        raise ValidationFailed.on("customer_id", f"no customer {customer_id} in this tenant")
    if upload.claimed:
        raise RuntimeError("an upload makes one document")
    upload.claimed = True
    _delete_unless_committed(session, storage, upload.key)
    now = utcnow()
    document = Document(
        id=upload.document_id,
        tenant_id=actor.tenant_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        storage_key=upload.key,
        customer_id=customer_id,
        uploaded_by_id=actor.user_id,
        created_at=now,
        delete_after=retention.tenant_deadline(session, actor.tenant_id, delete_after, start=now),
    )
    return audit.record_created(
        session,
        document,
        actor=actor,
        entity_type="document",
        action="document.uploaded",
        message=f"Uploaded {document.filename}",
        after=_uploaded,
    )


def _uploaded(document: Document) -> dict[str, Any]:
    return {
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "customer_id": document.customer_id,
        "delete_after": document.delete_after,
    }


def get_document(session: Session, *, actor: Principal, document_id: str) -> Document:
    return repository.get(session, tenant_id=actor.tenant_id, document_id=document_id)


def list_documents(
    session: Session,
    *,
    actor: Principal,
    customer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Document], str | None]:
    return repository.page(
        session, tenant_id=actor.tenant_id, customer_id=customer_id, cursor=cursor, limit=limit
    )


def uploaders(session: Session, documents: Sequence[Document]) -> list[User | None]:
    """Each document's uploading user, in order, read with one query."""
    ids = {d.uploaded_by_id for d in documents if d.uploaded_by_id}
    # A document and its uploader are of one tenant.
    tenant_id = documents[0].tenant_id if documents else ""
    users = user_repository.by_id(session, tenant_id=tenant_id, ids=ids)
    return [users.get(d.uploaded_by_id) if d.uploaded_by_id else None for d in documents]
