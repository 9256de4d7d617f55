"""Webhook administration in the console: endpoints created, edited, rotated and deleted
through the pages, the delivery log after a real event, replays, and who may do what."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent
from tests.console.support import Browser
from tests.factories import Member, TenantKit, case_body
from tests.webhooks.conftest import OnPremReceiver
from tests.webhooks.factories import emit_at, later

OpenBrowser = Callable[[Member | None], Browser]
URL = "https://1.2.3.4/hooks/casework"
XSS = "<script>alert(1)</script>"
SECRET = re.compile(r'value="(whsec_[^"]+)"')
HOME = "/console/admin/webhooks"
LOG = f"{HOME}/deliveries"


@pytest.fixture
def onprem() -> Iterator[OnPremReceiver]:
    receiver = OnPremReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    receiver.thread.join(10)


def _endpoints(client: TestClient, kit: TenantKit) -> list[dict[str, Any]]:
    r = client.get("/v1/webhook-endpoints", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _endpoint(client: TestClient, kit: TenantKit, endpoint_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/webhook-endpoints/{endpoint_id}", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def _create(client: TestClient, kit: TenantKit, url: str = URL) -> str:
    body = {"url": url, "description": "ledger", "event_types": ["case.created"]}
    r = client.post("/v1/webhook-endpoints", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    endpoint_id: str = r.json()["id"]
    return endpoint_id


def _actions(db: Database, tenant_id: str, entity_id: str) -> list[str]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.tenant_id == tenant_id, AuditEvent.entity_id == entity_id)
                .order_by(AuditEvent.seq)
            )
        )


def _secret(page: str) -> str:
    found = SECRET.search(page)
    assert found, "the page shows no signing secret"
    return found.group(1)


def test_admin_creates_edits_rotates_and_deletes_an_endpoint(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    admin = browser(staff.admin)
    page = admin.get(HOME)
    assert page.status_code == 200
    assert f'action="{HOME}"' in page.text
    assert 'value="case.created"' in page.text

    created = admin.post(
        HOME,
        {"url": URL, "description": XSS, "event_types": ["case.created", "case.resolved"]},
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    first_secret = _secret(created.text)
    (endpoint,) = _endpoints(client, staff)
    assert endpoint["url"] == URL
    assert endpoint["description"] == XSS
    assert endpoint["event_types"] == ["case.created", "case.resolved"]
    eid = endpoint["id"]

    listing = admin.get(HOME)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.text
    assert XSS not in listing.text
    assert URL in listing.text
    detail = admin.get(f"{HOME}/{eid}")
    assert detail.status_code == 200
    assert XSS not in detail.text
    assert "&lt;script&gt;" in detail.text
    for shown in (listing, detail):
        assert first_secret not in shown.text

    # The edit form is sent whole: the unticked "active" box disables the endpoint.
    edited = admin.post(
        f"{HOME}/{eid}",
        {"url": URL, "description": "ledger sync", "event_types": ["case.escalated"]},
    )
    assert edited.status_code == 303, edited.text
    assert edited.headers["location"] == f"{HOME}/{eid}"
    now = _endpoint(client, staff, eid)
    assert now["event_types"] == ["case.escalated"]
    assert now["description"] == "ledger sync"
    assert now["is_active"] is False
    enabled = admin.post(
        f"{HOME}/{eid}",
        {
            "url": URL,
            "description": "ledger sync",
            "event_types": ["case.escalated"],
            "is_active": "on",
        },
    )
    assert enabled.status_code == 303
    assert _endpoint(client, staff, eid)["is_active"] is True

    rotated = admin.post(f"{HOME}/{eid}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    assert _secret(rotated.text) != first_secret
    assert _endpoint(client, staff, eid)["previous_secret_expires_at"] is not None

    deleted = admin.post(f"{HOME}/{eid}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == HOME
    gone = client.get(f"/v1/webhook-endpoints/{eid}", headers=staff.admin.headers)
    assert gone.status_code == 404
    assert admin.get(f"{HOME}/{eid}").status_code == 404
    assert _actions(db, staff.tenant_id, eid) == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.deleted",
    ]


def test_endpoint_page_offers_delete_with_a_confirmation(
    browser: OpenBrowser, client: TestClient, staff: TenantKit
):
    eid = _create(client, staff)
    page = browser(staff.supervisor).get(f"{HOME}/{eid}").text
    assert f'action="{HOME}/{eid}/delete"' in page
    assert "data-confirm=" in page
    assert f'action="{HOME}/{eid}/rotate-secret"' in page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"url": URL, "event_types": []}, "event_types"),
        ({"url": URL, "event_types": ["case.lost"]}, "event_types[0]"),
        ({"url": "", "event_types": ["case.created"]}, "url"),
        ({"url": "http://10.0.0.7/hooks", "event_types": ["case.created"]}, "url"),
        ({"url": "ftp://1.2.3.4/hooks", "event_types": ["case.created"]}, "url"),
        ({"url": URL, "description": "x" * 501, "event_types": ["case.created"]}, "description"),
    ],
)
def test_bad_endpoint_forms_name_the_field_and_change_nothing(
    browser: OpenBrowser,
    client: TestClient,
    staff: TenantKit,
    form: dict[str, Any],
    field: str,
):
    admin = browser(staff.admin)
    eid = _create(client, staff)
    before = _endpoint(client, staff, eid)

    created = admin.post(HOME, form)
    assert created.status_code == 422, created.text
    assert f"<strong>{field}</strong>" in created.text
    assert "whsec_" not in created.text

    edited = admin.post(f"{HOME}/{eid}", {"description": "", "is_active": "on", **form})
    assert edited.status_code == 422, edited.text
    assert f"<strong>{field}</strong>" in edited.text
    assert [e["id"] for e in _endpoints(client, staff)] == [eid]
    assert _endpoint(client, staff, eid) == before


def test_a_real_event_fills_the_log_and_a_replay_sends_it_again(
    app: FastAPI,
    browser: OpenBrowser,
    client: TestClient,
    staff: TenantKit,
    db: Database,
    onprem: OnPremReceiver,
):
    admin = browser(staff.admin)
    created = admin.post(HOME, {"url": onprem.url, "event_types": ["case.created"]})
    assert created.status_code == 201, created.text
    (endpoint,) = _endpoints(client, staff)
    r = client.post("/v1/cases", json=case_body(), headers=staff.analyst.headers)
    assert r.status_code == 201, r.text
    app.state.jobs.sweep_now()  # publishes the case's events now rather than at the next sweep
    app.state.jobs.join()
    first_headers, _ = onprem.requests.get(timeout=10)

    log = admin.get(LOG)
    assert log.status_code == 200
    assert "case.created" in log.text
    assert onprem.url in log.text
    assert "Delivered" in log.text
    assert "204" in log.text
    (delivery,) = client.get("/v1/webhook-deliveries", headers=staff.admin.headers).json()["items"]
    assert delivery["id"] == first_headers["webhook-id"]
    assert f'action="{LOG}/{delivery["id"]}/replay"' in log.text

    by_endpoint = admin.get(LOG, params={"endpoint_id": endpoint["id"], "status": "delivered"})
    assert delivery["id"] in by_endpoint.text
    assert delivery["id"] not in admin.get(LOG, params={"status": "failed"}).text
    bad = admin.get(LOG, params={"status": "lost"})
    assert bad.status_code == 422
    assert "<strong>status</strong>" in bad.text

    detail = admin.get(f"{LOG}/{delivery['id']}")
    assert detail.status_code == 200
    assert detail.text.count("<td>204</td>") == 1

    replayed = admin.post(f"{LOG}/{delivery['id']}/replay")
    assert replayed.status_code == 303, replayed.text
    assert replayed.headers["location"] == f"{LOG}/{delivery['id']}"
    app.state.jobs.join()
    again_headers, _ = onprem.requests.get(timeout=10)
    assert again_headers["webhook-id"] == delivery["id"]
    detail = admin.get(f"{LOG}/{delivery['id']}")
    assert detail.text.count("<td>204</td>") == 2
    assert "Replay queued" in detail.text
    assert _actions(db, staff.tenant_id, delivery["id"]) == ["webhook_delivery.replayed"]


def test_log_is_paginated_newest_first(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    _create(client, staff)
    ids = [emit_at(db, tenant_id=staff.tenant_id, at=later())[0] for _ in range(52)]
    admin = browser(staff.viewer)
    first = admin.get(LOG).text
    assert ids[-1] in first
    assert ids[1] not in first
    older = re.search(r'href="(/console/admin/webhooks/deliveries\?cursor=[^"]+)"', first)
    assert older, "the first page links to older deliveries"
    second = admin.get(older.group(1).replace("&amp;", "&")).text
    assert ids[0] in second and ids[1] in second
    assert ids[-1] not in second
    assert first.index(ids[-1]) < first.index(ids[-2])


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_see_no_forms_and_cannot_post(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database, role: str
):
    eid = _create(client, staff)
    (delivery_id,) = emit_at(db, tenant_id=staff.tenant_id, at=later())
    before = _endpoint(client, staff, eid)
    reader = browser(getattr(staff, role))
    pages = [
        reader.get(HOME),
        reader.get(f"{HOME}/{eid}"),
        reader.get(LOG),
        reader.get(f"{LOG}/{delivery_id}"),
    ]
    assert [p.status_code for p in pages] == [200] * 4
    for page in pages:
        assert 'method="post" action="/console/admin' not in page.text
    posts = [
        reader.post(HOME, {"url": URL, "event_types": ["case.created"]}),
        reader.post(f"{HOME}/{eid}", {"url": URL, "event_types": ["case.resolved"]}),
        reader.post(f"{HOME}/{eid}/rotate-secret"),
        reader.post(f"{HOME}/{eid}/delete"),
        reader.post(f"{LOG}/{delivery_id}/replay"),
    ]
    assert [p.status_code for p in posts] == [403] * len(posts)
    assert "whsec_" not in "".join(p.text for p in posts)
    assert _endpoint(client, staff, eid) == before
    assert len(_endpoints(client, staff)) == 1
    assert _actions(db, staff.tenant_id, delivery_id) == []


def test_another_tenants_ids_are_not_found(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, other_staff: TenantKit, db: Database
):
    eid = _create(client, staff)
    (delivery_id,) = emit_at(db, tenant_id=staff.tenant_id, at=later())
    before = _endpoint(client, staff, eid)
    outsider = browser(other_staff.admin)
    answers = [
        outsider.get(f"{HOME}/{eid}"),
        outsider.post(f"{HOME}/{eid}", {"url": URL, "event_types": ["case.resolved"]}),
        outsider.post(f"{HOME}/{eid}/rotate-secret"),
        outsider.post(f"{HOME}/{eid}/delete"),
        outsider.get(f"{LOG}/{delivery_id}"),
        outsider.post(f"{LOG}/{delivery_id}/replay"),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert eid not in outsider.get(HOME).text
    assert delivery_id not in outsider.get(LOG, params={"endpoint_id": eid}).text
    assert _endpoint(client, staff, eid) == before
    assert _actions(db, staff.tenant_id, eid) == ["webhook_endpoint.created"]


def test_a_post_without_the_csrf_token_is_refused(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    eid = _create(client, staff)
    (delivery_id,) = emit_at(db, tenant_id=staff.tenant_id, at=later())
    before = _endpoint(client, staff, eid)
    admin = browser(staff.admin)
    form = {"url": URL, "event_types": ["case.created"]}
    answers = [
        admin.client.post(HOME, data=form),
        admin.client.post(f"{HOME}/{eid}", data={**form, "csrf_token": "forged"}),
        admin.client.post(f"{HOME}/{eid}/rotate-secret"),
        admin.client.post(f"{HOME}/{eid}/delete"),
        admin.client.post(f"{LOG}/{delivery_id}/replay"),
    ]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert _endpoint(client, staff, eid) == before
    assert len(_endpoints(client, staff)) == 1
    assert _actions(db, staff.tenant_id, eid) == ["webhook_endpoint.created"]
    assert _actions(db, staff.tenant_id, delivery_id) == []
