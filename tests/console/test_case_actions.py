"""The case page's forms: each calls the domain service, is audited, refuses bad input
naming the field, and is refused to viewers, to other tenants and without the CSRF token."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.support import Browser
from tests.console.test_case_page import (
    ACTION_FORM,
    SCRIPT,
    api,
    checks_of,
    load_watchlist,
    screened_case,
)
from tests.factories import Member, TenantKit, case_body

Browse = Callable[[Member], Browser]


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    return load_watchlist(db, tmp_path_factory.mktemp("console-actions-list"))


def new_case(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    return dict(api(client, kit.analyst, "POST", "/v1/cases", json=case_body(**body)))


def read_case(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    return dict(api(client, kit.viewer, "GET", f"/v1/cases/{case_id}"))


def log(client: TestClient, kit: TenantKit, case_id: str) -> list[dict[str, Any]]:
    return list(api(client, kit.admin, "GET", f"/v1/cases/{case_id}/log"))


def actions(client: TestClient, kit: TenantKit, case_id: str) -> list[str]:
    return [e["action"] for e in log(client, kit, case_id)]


def done(response: Any, case_id: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/console/cases/{case_id}")


def refused(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    if field is not None:
        assert f"<strong>{field}</strong>" in response.text, response.text


def test_assign_escalate_and_change_status(client: TestClient, staff: TenantKit, browser: Browse):
    case = new_case(client, staff)
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"

    done(user.post(f"{url}/assign", {"assignee_id": staff.supervisor.user_id}), case["id"])
    assert read_case(client, staff, case["id"])["assignee"]["id"] == staff.supervisor.user_id
    page = user.get(url)
    assert "Assigned to Supervisor" in page.text  # the one-time notice, then the trail

    reason = "Needs a second pair of eyes"
    response = user.post(
        f"{url}/escalate", {"to": staff.admin.user_id, "note": reason, "reassign": "yes"}
    )
    done(response, case["id"])
    after = read_case(client, staff, case["id"])
    assert after["is_escalated"] and after["escalated_to"]["id"] == staff.admin.user_id
    assert after["assignee"]["id"] == staff.admin.user_id

    done(user.post(f"{url}/status", {"to": "in_progress", "note": "Looking"}), case["id"])
    assert read_case(client, staff, case["id"])["review_status"] == "in_progress"

    done(user.post(f"{url}/assign", {"assignee_id": ""}), case["id"])
    assert read_case(client, staff, case["id"])["assignee"] is None
    trail = log(client, staff, case["id"])
    assert [e["action"] for e in trail][1:] == [
        "case.assigned",
        "case.escalated",
        "case.status_changed",
        "case.assigned",
    ]
    assert all(e["actor_user_id"] == staff.analyst.user_id for e in trail[1:])
    assert reason in trail[2]["message"]


def test_resolve_is_refused_while_the_checklist_is_open(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff)
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"
    form = {"resolution": "false_positive", "note": "Explained by payroll"}

    refused(user.post(f"{url}/resolve", form), 409, "checklist")
    assert read_case(client, staff, case["id"])["review_status"] == "open"
    assert actions(client, staff, case["id"]) == ["case.created"]

    tasks = read_case(client, staff, case["id"])["tasks"]
    ticked = {"task": [t["id"] for t in tasks], "done": [tasks[0]["id"]]}
    done(user.post(f"{url}/tasks", ticked), case["id"])
    states = [t["done"] for t in read_case(client, staff, case["id"])["tasks"]]
    assert states == [True, False]
    refused(user.post(f"{url}/resolve", form), 409, "checklist")

    everything = {"task": [t["id"] for t in tasks], "done": [t["id"] for t in tasks]}
    done(user.post(f"{url}/tasks", everything), case["id"])
    done(user.post(f"{url}/resolve", form), case["id"])
    resolved = read_case(client, staff, case["id"])
    assert resolved["review_status"] == "resolved"
    assert resolved["resolution"] == "false_positive"
    assert resolved["resolution_note"] == "Explained by payroll"

    page = user.get(url).text
    assert f'action="{url}/reopen"' in page and f'action="{url}/resolve"' not in page
    refused(user.post(f"{url}/reopen", {"note": " "}), 422, "note")
    done(user.post(f"{url}/reopen", {"note": "New evidence"}), case["id"])
    assert read_case(client, staff, case["id"])["review_status"] == "in_progress"
    assert actions(client, staff, case["id"])[1:] == [
        "task.updated",
        "task.updated",
        "case.resolved",
        "case.reopened",
    ]


def test_a_supervisor_resolves_over_an_open_checklist_only_by_overriding_it_with_a_reason(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff)
    user = browser(staff.supervisor)
    url = f"/console/cases/{case['id']}"
    page = user.get(url).text
    assert "override the checklist and say why" in page
    assert 'name="override_checklist"' in page
    assert 'name="override_checklist"' not in browser(staff.analyst).get(url).text
    form = {"resolution": "potential_threat", "note": "Reported"}
    refused(user.post(f"{url}/resolve", form), 409, "checklist")
    refused(
        user.post(f"{url}/resolve", {**form, "override_checklist": "yes"}), 422, "override_reason"
    )
    assert actions(client, staff, case["id"]) == ["case.created"]

    reason = "Customer left; nothing more to collect"
    overriding = {**form, "override_checklist": "yes", "override_reason": reason}
    done(user.post(f"{url}/resolve", overriding), case["id"])
    assert read_case(client, staff, case["id"])["review_status"] == "resolved"
    shown = user.get(url).text
    assert "Case resolved, checklist overridden." in shown
    assert re.search(rf"Overridden by Supervisor \w+ with 2 items open: {reason}", shown)
    trail = log(client, staff, case["id"])
    assert trail[-1]["after"]["checklist_override"]["reason"] == reason


def test_checklist_items_are_added_and_unticked(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff, tasks=["Call the customer"])
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"
    done(user.post(f"{url}/tasks/new", {"text": "Check the IBAN"}), case["id"])
    tasks = read_case(client, staff, case["id"])["tasks"]
    assert [t["text"] for t in tasks] == ["Call the customer", "Check the IBAN"]
    ids = [t["id"] for t in tasks]
    done(user.post(f"{url}/tasks", {"task": ids, "done": ids}), case["id"])
    done(user.post(f"{url}/tasks", {"task": ids}), case["id"])
    assert not any(t["done"] for t in read_case(client, staff, case["id"])["tasks"])
    response = user.post(f"{url}/tasks", {"task": ids})
    assert response.headers["location"].endswith("#checklist-title")
    assert actions(client, staff, case["id"])[1:] == ["task.added"] + ["task.updated"] * 4


def test_comments_are_added_and_escaped(client: TestClient, staff: TenantKit, browser: Browse):
    case = new_case(client, staff)
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"
    done(user.post(f"{url}/comments", {"body": f"Look {SCRIPT}"}), case["id"])
    page = user.get(url).text
    assert SCRIPT not in page and "Look &lt;script&gt;alert(1)&lt;/script&gt;" in page
    comments = api(client, staff.viewer, "GET", f"/v1/cases/{case['id']}/comments")
    assert [c["body"] for c in comments] == [f"Look {SCRIPT}"]
    assert comments[0]["author"]["id"] == staff.analyst.user_id
    assert actions(client, staff, case["id"])[-1] == "comment.added"


def test_legal_hold_is_placed_and_lifted_with_a_reason(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff)
    url = f"/console/cases/{case['id']}"
    refused(browser(staff.analyst).post(f"{url}/legal-hold", {"hold": "on", "reason": "x"}), 403)
    user = browser(staff.supervisor)
    refused(user.post(f"{url}/legal-hold", {"hold": "on", "reason": ""}), 422, "reason")
    done(user.post(f"{url}/legal-hold", {"hold": "on", "reason": "Subpoena 12"}), case["id"])
    assert read_case(client, staff, case["id"])["legal_hold"] is True
    assert "Lift legal hold" in user.get(url).text
    done(user.post(f"{url}/legal-hold", {"hold": "off", "reason": "Released"}), case["id"])
    assert read_case(client, staff, case["id"])["legal_hold"] is False
    trail = log(client, staff, case["id"])
    assert [e["action"] for e in trail[1:]] == [
        "case.legal_hold_placed",
        "case.legal_hold_lifted",
    ]
    assert "Subpoena 12" in trail[1]["message"]


def test_checks_are_started_then_rerun(
    app: FastAPI, client: TestClient, staff: TenantKit, browser: Browse, watchlist: str
):
    person = {"customer_type": "INDIVIDUAL", "full_name": "Jane Clean", "country": "GBR"}
    case = new_case(client, staff, customer=person, checks=[{"type": "JURISDICTION"}])
    app.state.jobs.join()
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"
    assert "Rerun checks</button>" in user.get(url).text
    done(user.post(f"{url}/checks/run"), case["id"])
    app.state.jobs.join()
    (check,) = checks_of(client, staff, case["id"]).values()
    assert check["attempt"] == 2 and check["status"] == "COMPLETED"
    assert "case.checks_rerun" in actions(client, staff, case["id"])


def test_match_decisions_are_recorded(
    app: FastAPI, client: TestClient, staff: TenantKit, browser: Browse, watchlist: str
):
    case = screened_case(app, client, staff)
    sanctions = checks_of(client, staff, case["id"])["SANCTIONS"]
    match = next(m for m in sanctions["matches"] if m["entity_id"] == f"{watchlist}:vb")
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}/checks/{sanctions['id']}/matches/{match['id']}/decision"

    refused(user.post(url, {"decision": "maybe"}), 422, "decision")
    done(user.post(url, {"decision": "true_positive", "note": "Same DOB"}), case["id"])
    decided = checks_of(client, staff, case["id"])["SANCTIONS"]["matches"]
    mine = next(m for m in decided if m["id"] == match["id"])
    assert mine["decision"] == "true_positive" and mine["decision_note"] == "Same DOB"
    assert mine["decided_by"] == staff.analyst.user_id
    assert read_case(client, staff, case["id"])["outcome"] == "REJECTED"
    page = user.get(f"/console/cases/{case['id']}").text
    assert "Marked true positive by Analyst" in page

    others = [m for m in sanctions["matches"] if m["id"] != match["id"]]
    for other in [match, *others]:
        other_url = url.replace(match["id"], other["id"])
        done(user.post(other_url, {"decision": "false_positive"}), case["id"])
    assert read_case(client, staff, case["id"])["outcome"] == "ACCEPTED"
    decisions = [e for e in log(client, staff, case["id"]) if e["action"].startswith("screening")]
    assert len(decisions) == 2 + len(others)

    # The check must belong to the case in the address.
    elsewhere = new_case(client, staff)
    wrong = url.replace(case["id"], elsewhere["id"])
    refused(user.post(wrong, {"decision": "true_positive"}), 404)


def test_upload_and_download_round_trip(
    client: TestClient, staff: TenantKit, browser: Browse, app: FastAPI
):
    case = new_case(client, staff)
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}/attachments"
    content = b"%PDF-1.4\n" + secrets.token_bytes(2048)
    name = 'report "Q3"/../<b>.pdf'
    response = user.post(url, files={"file": (name, content, "text/html")})
    done(response, case["id"])
    (attached,) = read_case(client, staff, case["id"])["attachments"]
    assert attached["sha256"] == hashlib.sha256(content).hexdigest()
    assert attached["filename"] == "<b>.pdf"

    page = user.get(f"/console/cases/{case['id']}").text
    link = f"{url}/{attached['document_id']}"
    assert f'href="{link}"' in page and "&lt;b&gt;.pdf" in page
    download = browser(staff.viewer).get(link)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith('attachment; filename="<b>.pdf"')
    assert actions(client, staff, case["id"])[-1] == "attachment.added"


def test_bad_uploads_name_the_file(client: TestClient, staff: TenantKit, browser: Browse, app):
    case = new_case(client, staff)
    user = browser(staff.analyst)
    url = f"/console/cases/{case['id']}/attachments"
    limit = app.state.settings.max_upload_bytes
    refused(user.post(url, files={"file": ("big.bin", b"x" * (limit + 1))}), 413, "file")
    refused(user.post(url, files={"file": ("empty.txt", b"")}), 422, "file")
    refused(user.post(url, files={"file": ("", b"")}), 422, "file")
    refused(user.post(url), 422, "file")
    assert read_case(client, staff, case["id"])["attachments"] == []
    assert actions(client, staff, case["id"]) == ["case.created"]


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("assign", {"assignee_id": "0123456789abcdef01234567"}, "assignee_id"),
        ("escalate", {"to": ""}, "to"),
        ("escalate", {"to": "0123456789abcdef01234567"}, "to"),
        ("escalate", {"to": "{analyst}", "note": "n" * 5001}, "note"),
        ("status", {"to": "sideways"}, "to"),
        ("status", {"to": "resolved"}, "to"),
        ("resolve", {"resolution": "shrug", "note": "x"}, "resolution"),
        ("resolve", {"resolution": "", "note": "x"}, "resolution"),
        ("resolve", {"resolution": "false_positive", "note": ""}, "note"),
        ("comments", {"body": "   "}, "body"),
        ("tasks/new", {"text": ""}, "text"),
        ("tasks", {"task": ["0123456789abcdef01234567"]}, "task[0]"),
        ("legal-hold", {"hold": "maybe", "reason": "x"}, "hold"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client: TestClient, staff: TenantKit, browser: Browse, path: str, form: dict, field: str
):
    case = new_case(client, staff, tasks=[])
    if form.get("to") == "{analyst}":
        form = {**form, "to": staff.analyst.user_id}
    user = browser(staff.supervisor)
    response = user.post(f"/console/cases/{case['id']}/{path}", form)
    refused(response, 422, field)
    assert actions(client, staff, case["id"]) == ["case.created"]


POSTS = [
    ("assign", {"assignee_id": ""}),
    ("escalate", {"to": "x"}),
    ("status", {"to": "in_progress"}),
    ("resolve", {"resolution": "false_positive", "note": "x"}),
    ("reopen", {"note": "x"}),
    ("legal-hold", {"hold": "on", "reason": "x"}),
    ("checks/run", {}),
    ("tasks", {}),
    ("tasks/new", {"text": "x"}),
    ("comments", {"body": "x"}),
    ("attachments", {}),
    ("checks/0123456789abcdef01234567/matches/0123456789abcdef01234567/decision", {}),
]


def test_a_viewer_gets_no_forms_and_every_post_is_refused(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff)
    user = browser(staff.viewer)
    assert not ACTION_FORM.search(user.get(f"/console/cases/{case['id']}").text)
    for path, form in POSTS:
        response = user.post(f"/console/cases/{case['id']}/{path}", form)
        refused(response, 403)
    assert actions(client, staff, case["id"]) == ["case.created"]


def test_another_tenants_ids_are_not_found(
    app: FastAPI,
    client: TestClient,
    staff: TenantKit,
    other_staff: TenantKit,
    browser: Browse,
    watchlist: str,
):
    theirs = screened_case(app, client, other_staff)
    api(
        client,
        other_staff.analyst,
        "POST",
        f"/v1/cases/{theirs['id']}/attachments",
        json={"document_id": _document(client, other_staff)},
    )
    their_doc = read_case(client, other_staff, theirs["id"])["attachments"][0]["document_id"]
    sanctions = checks_of(client, other_staff, theirs["id"])["SANCTIONS"]
    match_id = sanctions["matches"][0]["id"]
    mine = new_case(client, staff)
    user = browser(staff.admin)

    assert user.get(f"/console/cases/{theirs['id']}/attachments/{their_doc}").status_code == 404
    assert user.get(f"/console/cases/{mine['id']}/attachments/{their_doc}").status_code == 404
    for path, form in POSTS[:-1]:
        refused(user.post(f"/console/cases/{theirs['id']}/{path}", form), 404)
    decision = f"checks/{sanctions['id']}/matches/{match_id}/decision"
    for case_id in (theirs["id"], mine["id"]):
        url = f"/console/cases/{case_id}/{decision}"
        refused(user.post(url, {"decision": "false_positive"}), 404)
    assert actions(client, other_staff, theirs["id"])[-1] == "attachment.added"
    assert actions(client, staff, mine["id"]) == ["case.created"]


def _document(client: TestClient, kit: TenantKit) -> str:
    files = {"file": ("note.txt", b"private to the other tenant", "text/plain")}
    return str(api(client, kit.analyst, "POST", "/v1/documents", files=files)["id"])


def test_without_the_csrf_token_nothing_changes(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = new_case(client, staff)
    user = browser(staff.admin)
    for path, form in POSTS:
        response = user.client.post(f"/console/cases/{case['id']}/{path}", data=form)
        refused(response, 403)
        assert "Form expired" in response.text
        forged = user.client.post(
            f"/console/cases/{case['id']}/{path}", data={**form, "csrf_token": "0" * 64}
        )
        refused(forged, 403)
    upload = user.client.post(
        f"/console/cases/{case['id']}/attachments", files={"file": ("a.txt", b"hello")}
    )
    refused(upload, 403)
    assert actions(client, staff, case["id"]) == ["case.created"]
    assert read_case(client, staff, case["id"])["attachments"] == []
