"""Documents' retention: the ``delete_after`` form field of an upload, in days, becomes a
deadline from now; the tenant's default applies when it is not given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.infra.storage import Store
from casework.models import AuditEvent, Document, IdempotencyRecord
from tests.documents.test_documents_api import PDF, _upload, _uploaded, stored_keys
from tests.factories import TenantKit
from tests.retention.helpers import about, at, set_default

pytestmark = pytest.mark.every_storage


def _footprint(db: Database, tenant_id: str) -> tuple[int, ...]:
    with db.transaction(write=False) as session:
        return tuple(
            session.scalar(
                select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
            )
            or 0
            for model in (Document, AuditEvent, IdempotencyRecord)
        )


def test_days_become_a_deadline_that_is_stored_returned_and_audited(
    client: TestClient, kit: TenantKit, db: Database
):
    start = datetime.now(UTC)
    doc = _uploaded(client, kit.analyst, "statement.pdf", PDF, delete_after="30")
    end = datetime.now(UTC)
    assert about(doc["delete_after"], 30, start, end)
    fetched = client.get(f"/v1/documents/{doc['id']}", headers=kit.viewer.headers).json()
    assert fetched == doc
    listed = client.get("/v1/documents", headers=kit.viewer.headers).json()["items"]
    assert listed == [doc]
    with db.transaction(write=False) as session:
        row = session.get(Document, doc["id"])
        assert row is not None and row.delete_after is not None
        (event,) = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == doc["id"], AuditEvent.action == "document.uploaded"
            )
        )
    assert event.after is not None
    assert at(event.after["delete_after"]) == at(doc["delete_after"])


def test_minus_one_keeps_and_no_value_without_a_tenant_default_keeps(
    client: TestClient, kit: TenantKit
):
    assert _uploaded(client, kit.analyst, "a.pdf", PDF, delete_after="-1")["delete_after"] is None
    assert _uploaded(client, kit.analyst, "b.pdf", PDF)["delete_after"] is None


def test_tenant_default_applies_unless_the_upload_gives_its_own(client: TestClient, kit: TenantKit):
    set_default(client, kit, 365)
    start = datetime.now(UTC)
    by_default = _uploaded(client, kit.analyst, "a.pdf", PDF)
    own = _uploaded(client, kit.analyst, "b.pdf", PDF, delete_after="7")
    kept = _uploaded(client, kit.analyst, "c.pdf", PDF, delete_after="-1")
    end = datetime.now(UTC)
    assert about(by_default["delete_after"], 365, start, end)
    assert about(own["delete_after"], 7, start, end)
    assert kept["delete_after"] is None


@pytest.mark.parametrize("value", ["-2", "36501", "soon", "1.5"])
def test_out_of_range_is_422_naming_the_field_and_stores_nothing(
    client: TestClient, kit: TenantKit, db: Database, store: Store, value: str
):
    files = stored_keys(store)
    before = _footprint(db, kit.tenant_id)
    headers = {"Idempotency-Key": f"bad-retention-{value}"}
    r = _upload(client, kit.analyst, "a.pdf", PDF, headers=headers, delete_after=value)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["delete_after"]
    assert _footprint(db, kit.tenant_id) == before
    assert stored_keys(store) == files


def test_idempotency_key_tells_different_retentions_apart(client: TestClient, kit: TenantKit):
    headers = {"Idempotency-Key": "upload-retention"}
    first = _upload(client, kit.analyst, "a.pdf", PDF, headers=headers, delete_after="30")
    again = _upload(client, kit.analyst, "a.pdf", PDF, headers=headers, delete_after="30")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = _upload(client, kit.analyst, "a.pdf", PDF, headers=headers, delete_after="31")
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-mismatch")
