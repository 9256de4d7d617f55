"""Objects no document names (left by a process killed between storing an upload and
committing its document, or between a purge's commit and the removal of its objects)
and writes never finished are removed by the sweep once a day has passed, on each store;
objects of documents, recent ones and keys casework did not make stay."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from casework.config import Settings
from casework.documents import service
from casework.documents.tasks import EVERY, made_at, remove_orphans
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.infra.jobs import Every, JobContext
from casework.infra.storage import Store, local
from casework.infra.storage.local import INCOMING, LocalStore
from casework.infra.storage.s3 import S3Store
from casework.models.base import utcnow
from casework.screening.shared_snapshots import PREFIX as SNAPSHOTS
from casework.screening.shared_snapshots import SEALED
from tests.documents.test_documents_api import _uploaded, storage_key, stored_keys
from tests.factories import TenantKit

pytestmark = pytest.mark.every_storage


def _begin_unfinished_write(store: Store, key: str) -> None:
    """What a process killed while writing leaves: a temporary file, or a multipart
    upload begun and never completed."""
    if isinstance(store, LocalStore):
        incoming = store.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        fd, _name = tempfile.mkstemp(dir=incoming, prefix=local._incoming_prefix(key))
        os.write(fd, b"half")
        os.close(fd)
    else:
        assert isinstance(store, S3Store)
        store._client.create_multipart_upload(Bucket=store.bucket, Key=store._key(key))


def _unfinished(store: Store) -> int:
    if isinstance(store, LocalStore):
        incoming = store.root / INCOMING
        return len(list(incoming.iterdir())) if incoming.is_dir() else 0
    assert isinstance(store, S3Store)
    listed = store._client.list_multipart_uploads(Bucket=store.bucket)
    return len(listed.get("Uploads", []))


def test_the_key_of_a_document_tells_when_it_was_made():
    document_id = new_id()
    made = made_at(service.storage_key(document_id))
    assert made is not None and abs(made - utcnow()) < timedelta(minutes=1)
    for foreign in ("readme.txt", f"{document_id}", f"zz/{document_id}", "ab/" + "a" * 24):
        assert made_at(foreign) is None


def test_orphans_go_after_a_day_documents_and_foreign_keys_stay(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, store: Store
):
    doc = _uploaded(client, kit.analyst, "kept.txt", b"a document's bytes\n")
    kept = storage_key(db, doc["id"])
    orphan = service.storage_key(new_id())
    store.write(orphan, iter([b"stored, never committed"]))
    foreign = "notes/readme.txt"  # not a key casework makes: never touched
    store.write(foreign, iter([b"someone else's"]))
    # A copy of the screening index for other machines is not a document's either.
    index_copy = f"{SNAPSHOTS}/{'ab' * 12}/{SEALED}"
    store.write(index_copy, iter([b"{}"]))
    _begin_unfinished_write(store, service.storage_key(new_id()))
    context = JobContext(database=db, settings=settings, storage=store)
    try:
        # Within the day an upload may still be on its way to its commit.
        assert remove_orphans(context).removed == 0
        assert {kept, orphan, foreign, index_copy} <= stored_keys(store)
        assert _unfinished(store) == 1

        done = remove_orphans(context, now=utcnow() + timedelta(days=2))
        assert done.removed == 1 and done.incomplete == 1
        keys = stored_keys(store)
        assert orphan not in keys and {kept, foreign, index_copy} <= keys
        assert _unfinished(store) == 0
        r = client.get(f"/v1/documents/{doc['id']}/content", headers=kit.viewer.headers)
        assert r.content == b"a document's bytes\n"
    finally:
        store.delete(foreign)
        store.delete(index_copy)


def test_the_sweep_asks_for_the_job_once_in_a_while():
    due = Every(EVERY)
    assert due() is True
    assert due() is False
