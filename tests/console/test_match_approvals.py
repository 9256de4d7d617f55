"""Four-eyes on screening matches: clearing a sanctions match that scores at least the
policy's score is proposed, and marked only once another person approves it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.support import Browser
from tests.console.test_case_page import checks_of, load_watchlist, screened_case
from tests.factories import Member, TenantKit

Browse = Callable[[Member], Browser]


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    return load_watchlist(db, tmp_path_factory.mktemp("match-approvals-list"))


def _policy(client: TestClient, kit: TenantKit, **clear_match: Any) -> None:
    body = {"clear_match": clear_match}
    r = client.put("/v1/settings/approvals", json=body, headers=kit.admin.headers)
    assert r.status_code == 200, r.text


def _match(client: TestClient, kit: TenantKit, case_id: str) -> tuple[str, dict[str, Any]]:
    check = checks_of(client, kit, case_id)["SANCTIONS"]
    assert check["status"] == "COMPLETED", check
    return check["id"], check["matches"][0]


def _decide(client: TestClient, who: Member, check_id: str, match_id: str, **body: Any) -> Any:
    return client.post(
        f"/v1/checks/{check_id}/matches/{match_id}/decision", json=body, headers=who.headers
    )


def test_clearing_a_strong_sanctions_match_waits_for_a_second_person(
    app: FastAPI, client: TestClient, staff: TenantKit, watchlist: str
):
    _policy(client, staff, min_score=0.5)
    case = screened_case(app, client, staff)
    check_id, match = _match(client, staff, case["id"])
    assert match["score"] >= 0.5

    r = _decide(client, staff.analyst, check_id, match["id"], decision="false_positive", note="DOB")
    assert r.status_code == 202, r.text
    shown = next(m for m in r.json()["matches"] if m["id"] == match["id"])
    assert shown["decision"] == "unreviewed"
    decision_id = shown["pending_decision_id"]
    assert decision_id
    decision = client.get(f"/v1/decisions/{decision_id}", headers=staff.viewer.headers).json()
    assert decision["kind"] == "match_decision"
    assert decision["reasons"][0].startswith("clearing a SANCTIONS match scoring")

    # The match waits: nobody decides it another way meanwhile.
    again = _decide(client, staff.supervisor, check_id, match["id"], decision="true_positive")
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["field"] == "decision"
    mine = _decide(client, staff.analyst, check_id, match["id"], decision="true_positive")
    assert mine.status_code == 409, mine.text

    approved = client.post(
        f"/v1/decisions/{decision_id}/approve", json={}, headers=staff.supervisor.headers
    )
    assert approved.status_code == 200, approved.text
    _, after = _match(client, staff, case["id"])
    assert (after["decision"], after["pending_decision_id"]) == ("false_positive", None)
    log = client.get(f"/v1/cases/{case['id']}/log", headers=staff.admin.headers).json()
    assert [e["action"] for e in log][-3:] == [
        "decision.proposed",
        "decision.approved",
        "screening_match.decided",
    ]
    assert log[-1]["after"]["approval"]["proposed_by_user_id"] == staff.analyst.user_id


def test_confirming_a_match_or_clearing_a_weak_one_is_not_held(
    app: FastAPI, client: TestClient, staff: TenantKit, watchlist: str
):
    _policy(client, staff, min_score=0.5)
    case = screened_case(app, client, staff)
    check_id, match = _match(client, staff, case["id"])
    r = _decide(client, staff.analyst, check_id, match["id"], decision="true_positive")
    assert r.status_code == 200, r.text

    _policy(client, staff, min_score=1.0)
    other = screened_case(app, client, staff)
    check_id, match = _match(client, staff, other["id"])
    if match["score"] < 1.0:
        r = _decide(client, staff.analyst, check_id, match["id"], decision="false_positive")
        assert r.status_code == 200, r.text

    _policy(client, staff, min_score=0.5, check_types=["PEP"])
    third = screened_case(app, client, staff)
    check_id, match = _match(client, staff, third["id"])
    r = _decide(client, staff.analyst, check_id, match["id"], decision="false_positive")
    assert r.status_code == 200, r.text  # a sanctions match, and only PEP clearing is held


def test_a_rejected_clearing_leaves_the_match_undecided_and_free(
    app: FastAPI, client: TestClient, staff: TenantKit, watchlist: str, browser: Browse
):
    _policy(client, staff, min_score=0.5)
    case = screened_case(app, client, staff)
    check_id, match = _match(client, staff, case["id"])
    analyst = browser(staff.analyst)
    url = f"/console/cases/{case['id']}"
    form = {"decision": "false_positive", "note": "Different birth date"}
    r = analyst.post(f"{url}/checks/{check_id}/matches/{match['id']}/decision", form)
    assert r.status_code == 303, r.text
    assert "Proposed: the match is marked once someone else approves it." in analyst.get(url).text
    _, waiting = _match(client, staff, case["id"])
    decision_id = waiting["pending_decision_id"]

    supervisor = browser(staff.supervisor)
    page = supervisor.get(url).text
    assert f'action="{url}/decisions/{decision_id}/reject"' in page
    assert case["id"] in supervisor.get("/console/cases?tab=approval").text
    r = supervisor.post(f"{url}/decisions/{decision_id}/reject", {"note": "Same person"})
    assert r.status_code == 303, r.text
    _, after = _match(client, staff, case["id"])
    assert (after["decision"], after["pending_decision_id"]) == ("unreviewed", None)
    assert case["id"] not in supervisor.get("/console/cases?tab=approval").text
    r = _decide(client, staff.supervisor, check_id, match["id"], decision="true_positive")
    assert r.status_code == 200, r.text
