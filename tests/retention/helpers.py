"""Reading retention deadlines in API responses, setting the tenant default, and finding a
document's object in the store."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.infra.storage import MissingObject, Store
from casework.models import Document
from tests.factories import TenantKit


def at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


def about(value: str | None, days: int, start: datetime, end: datetime) -> bool:
    """``value`` is ``days`` days after some instant between ``start`` and ``end``."""
    assert value is not None
    return start + timedelta(days=days) <= at(value) <= end + timedelta(days=days)


def set_default(client: TestClient, kit: TenantKit, days: int | None) -> None:
    r = client.put(
        "/v1/settings/retention", json={"retention_days": days}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text


def storage_key(db: Database, document_id: str) -> str:
    with db.transaction(write=False) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.storage_key


def stored(store: Store, key: str) -> bool:
    """Whether the store holds an object under ``key``."""
    try:
        store.open(key).close()
    except MissingObject:
        return False
    return True
