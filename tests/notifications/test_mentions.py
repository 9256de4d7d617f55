"""@mentions in case comments notify the colleagues they name, within the tenant."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent, Notification
from casework.notifications.service import mentions_in
from tests.factories import Member, TenantKit, case_body


def _user(client: TestClient, kit: TenantKit, email: str, first: str = "Ana") -> str:
    r = client.post(
        "/v1/users",
        json={"email": email, "first_name": first, "last_name": "Smith", "role": "analyst"},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    user_id: str = r.json()["id"]
    return user_id


def _case(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()
    return case


def _comment(client: TestClient, author: Member, case_id: str, body: str) -> str:
    r = client.post(f"/v1/cases/{case_id}/comments", json={"body": body}, headers=author.headers)
    assert r.status_code == 201, r.text
    comment_id: str = r.json()["id"]
    return comment_id


def _notified(db: Database, comment_id: str) -> dict[str, Notification]:
    with db.transaction(write=False) as session:
        rows = session.scalars(select(Notification).where(Notification.comment_id == comment_id))
        return {n.user_id: n for n in rows}


def _tag() -> str:
    return secrets.token_hex(4)


def test_the_parser_finds_addresses_and_local_parts_case_insensitively():
    found = mentions_in("Ping @Ana@Bank.Example and @BOB, (cc @carol.x.) not dave@bank.example")
    assert found.emails == {"ana@bank.example"}
    assert found.local_parts == {"bob", "carol.x"}
    assert not mentions_in("nobody here, mail ana@bank.example")


def test_mention_by_full_email_notifies_once(client: TestClient, kit: TenantKit, db: Database):
    email = f"ana-{_tag()}@bank.example"
    ana = _user(client, kit, email)
    case = _case(client, kit)
    body = f"@{email.upper()} please look, and again @{email}. " + "x" * 300
    comment_id = _comment(client, kit.analyst, case["id"], body)

    notified = _notified(db, comment_id)
    assert set(notified) == {ana}
    note = notified[ana]
    assert note.kind == "mention"
    assert note.case_id == case["id"]
    assert note.read_at is None
    assert note.actor_name.startswith("Analyst ")
    assert note.text.startswith(f"{note.actor_name} mentioned you in case #{case['number']}: @")
    assert note.text.endswith("…")
    assert len(note.text) < len(body)


def test_mention_by_unique_local_part_notifies(client: TestClient, kit: TenantKit, db: Database):
    local = f"bob{_tag()}"
    bob = _user(client, kit, f"{local}@bank.example", first="Bob")
    case = _case(client, kit)
    comment_id = _comment(client, kit.supervisor, case["id"], f"Thoughts, @{local.upper()}?")
    assert set(_notified(db, comment_id)) == {bob}


def test_ambiguous_inactive_foreign_and_self_mentions_notify_nobody(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    shared = f"dup{_tag()}"
    _user(client, kit, f"{shared}@one.example")
    _user(client, kit, f"{shared}@two.example")
    gone_email = f"gone-{_tag()}@bank.example"
    gone = _user(client, kit, gone_email)
    r = client.patch(f"/v1/users/{gone}", json={"is_active": False}, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    foreign_local = f"far{_tag()}"
    _user(client, other_kit, f"{foreign_local}@bank.example")
    case = _case(client, kit)

    body = (
        f"@{shared} @{gone_email} @{gone_email.partition('@')[0]} "
        f"@{foreign_local} @{foreign_local}@bank.example @{kit.analyst.email} "
        f"@{kit.analyst.email.partition('@')[0]} @nobody-{_tag()}@nowhere.example"
    )
    comment_id = _comment(client, kit.analyst, case["id"], body)
    assert _notified(db, comment_id) == {}
    with db.transaction(write=False) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == comment_id, AuditEvent.action == "comment.added"
            )
        ).one()
    assert event.after == {"body": body}


def test_one_comment_can_mention_several_users_and_the_event_names_them(
    client: TestClient, kit: TenantKit, db: Database
):
    case = _case(client, kit)
    body = f"@{kit.viewer.email} and @{kit.supervisor.email.partition('@')[0]}: see this"
    comment_id = _comment(client, kit.analyst, case["id"], body)

    assert set(_notified(db, comment_id)) == {kit.viewer.user_id, kit.supervisor.user_id}
    with db.transaction(write=False) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == comment_id, AuditEvent.action == "comment.added"
            )
        ).one()
    assert event.after == {
        "body": body,
        "mentioned_user_ids": sorted([kit.viewer.user_id, kit.supervisor.user_id]),
    }
