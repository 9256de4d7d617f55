"""Requests for information: the case awaits the customer, who is emailed the request
by a real SMTP exchange with a server on the loopback interface."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.config import Settings
from casework.infra.db import Database
from casework.models import Case
from casework.rfi import tasks
from tests.factories import TenantKit, case_body
from tests.rfi.conftest import Mailbox, mailer

QUESTION = "Please send a utility bill dated within the last three months."


def _case(client: TestClient, kit: TenantKit, **extra: Any) -> dict[str, Any]:
    customer = {"full_name": "Maria Lopez", "email": "maria@example.test"}
    body = case_body(customer=customer) | extra
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _actions(client: TestClient, kit: TenantKit, case_id: str) -> list[str]:
    r = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers)
    return [e["action"] for e in r.json()]


def test_a_case_opened_with_a_request_awaits_the_customer_and_emails_them(
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    case = _case(client, kit, rfi=QUESTION)
    assert case["review_status"] == "awaiting_user"
    assert case["rfi"] == QUESTION
    assert case["rfi_requested_at"] is not None
    assert case["rfi_sent_at"] is None

    tasks.send(mailer(db, settings, port), case_id=case["id"])

    [(sender, recipients, message)] = box.messages
    assert sender == "compliance@bank.example"
    assert recipients == ["maria@example.test"]
    assert f"(case {case['number']})" in message["Subject"]
    assert message["Message-ID"].startswith(f"<rfi-{case['id']}-")
    assert message.get_payload(decode=True).decode().strip() == QUESTION
    after = client.get(f"/v1/cases/{case['id']}", headers=kit.admin.headers).json()
    assert after["rfi_sent_at"] is not None
    assert _actions(client, kit, case["id"]) == ["case.created", "case.rfi_sent"]

    # Dealt with: running the job again (a duplicate delivery) sends nothing more.
    tasks.send(mailer(db, settings, port), case_id=case["id"])
    assert len(box.messages) == 1


def test_asking_on_an_open_case_moves_it_and_a_new_request_is_mailed_again(
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    case = _case(client, kit)
    assert case["review_status"] == "open"
    r = client.post(
        f"/v1/cases/{case['id']}/rfi", json={"text": QUESTION}, headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == "awaiting_user"
    tasks.send(mailer(db, settings, port), case_id=case["id"])
    r = client.post(
        f"/v1/cases/{case['id']}/rfi",
        json={"text": "And a bank statement."},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["rfi_sent_at"] is None
    tasks.send(mailer(db, settings, port), case_id=case["id"])
    bodies = [m.get_payload(decode=True).decode().strip() for _, _, m in box.messages]
    assert bodies == [QUESTION, "And a bank statement."]
    assert _actions(client, kit, case["id"]).count("case.rfi_requested") == 2


def test_a_finished_case_cannot_await_the_customer(client: TestClient, kit: TenantKit) -> None:
    case = _case(client, kit, tasks=[])
    resolve = {"to": "resolved", "resolution": "false_positive", "note": "Benign"}
    r = client.post(f"/v1/cases/{case['id']}/transition", json=resolve, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/v1/cases/{case['id']}/rfi", json={"text": QUESTION}, headers=kit.analyst.headers
    )
    assert r.status_code == 409
    assert "reopen" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"), [({"text": ""}, "text"), ({}, "text"), ({"text": "x", "y": 1}, "y")]
)
def test_a_bad_request_is_refused_naming_the_field(
    client: TestClient, kit: TenantKit, body: dict[str, Any], field: str
) -> None:
    case = _case(client, kit)
    r = client.post(f"/v1/cases/{case['id']}/rfi", json=body, headers=kit.analyst.headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [field]
    after = client.get(f"/v1/cases/{case['id']}", headers=kit.admin.headers).json()
    assert after["review_status"] == "open"


def test_a_viewer_cannot_ask(client: TestClient, kit: TenantKit) -> None:
    case = _case(client, kit)
    r = client.post(f"/v1/cases/{case['id']}/rfi", json={"text": "x"}, headers=kit.viewer.headers)
    assert r.status_code == 403


def test_an_empty_request_on_creation_is_refused(client: TestClient, kit: TenantKit) -> None:
    r = client.post("/v1/cases", json=case_body(rfi=""), headers=kit.analyst.headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["rfi"]


def test_a_customer_without_an_address_is_not_emailed_and_that_is_recorded(
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    body = case_body(customer={"full_name": "No Mail"}, rfi=QUESTION)
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    tasks.send(mailer(db, settings, port), case_id=case["id"])
    assert box.messages == []
    assert _actions(client, kit, case["id"]) == ["case.created", "case.rfi_not_sent"]


def test_a_request_the_mail_server_refused_is_found_again_by_the_sweep(
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    case = _case(client, kit, rfi=QUESTION)
    down = mailer(db, settings, port)
    down.settings.smtp_port = _closed_port()
    with pytest.raises(ConnectionRefusedError):
        tasks.send(down, case_id=case["id"])
    assert box.messages == []
    with db.transaction(write=False) as session:
        stored = session.scalar(select(Case).where(Case.id == case["id"]))
        assert stored is not None and stored.rfi_sent_at is None

    found = tasks.unsent_requests(mailer(db, settings, port))
    assert ("rfi.send", {"case_id": case["id"]}) in found
    tasks.send(mailer(db, settings, port), case_id=case["id"])
    assert len(box.messages) == 1
    assert ("rfi.send", {"case_id": case["id"]}) not in tasks.unsent_requests(
        mailer(db, settings, port)
    )


def test_without_smtp_nothing_is_swept_or_sent(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings
) -> None:
    from casework.infra.jobs import JobContext

    case = _case(client, kit, rfi=QUESTION)
    context = JobContext(database=db, settings=settings)
    assert settings.smtp_host is None
    assert tasks.unsent_requests(context) == []
    tasks.send(context, case_id=case["id"])
    assert _actions(client, kit, case["id"]) == ["case.created"]


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
