"""Four-eyes: a resolution the approval policy holds is proposed, changes nothing until
another person holding ``case.approve`` approves it, and then applies whole."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.auth.principal import Principal
from casework.decisions import service
from casework.infra.db import Database
from casework.infra.errors import PermissionDenied
from tests.factories import Member, TenantKit, case_body

THREAT = {"to": "resolved", "resolution": "potential_threat", "note": "Structuring, reported"}


def _policy(client: TestClient, kit: TenantKit, policy: dict[str, Any]) -> None:
    r = client.put("/v1/settings/approvals", json=policy, headers=kit.admin.headers)
    assert r.status_code == 200, r.text


def _case(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**{"tasks": [], **body}), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _read(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers).json())


def _log(client: TestClient, kit: TenantKit, case_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers).json())


def _propose(client: TestClient, who: Member, case_id: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/cases/{case_id}/transition", json={**THREAT, **body}, headers=who.headers)
    assert r.status_code == 202, r.text
    return dict(r.json())


def _decide(client: TestClient, who: Member, decision_id: str, verb: str, **body: Any) -> Any:
    return client.post(f"/v1/decisions/{decision_id}/{verb}", json=body, headers=who.headers)


@pytest.fixture
def held(client: TestClient, kit: TenantKit) -> TenantKit:
    """A tenant whose default policy holds resolving as a potential threat."""
    _policy(client, kit, {"resolve": {"resolutions": ["potential_threat"]}})
    return kit


def test_a_held_resolution_is_proposed_and_changes_nothing(client: TestClient, held: TenantKit):
    case = _case(client, held)
    proposed = _propose(client, held.analyst, case["id"])
    assert (proposed["review_status"], proposed["resolution"]) == ("open", None)
    decision_id = proposed["pending_decision_id"]
    assert decision_id

    after = _read(client, held, case["id"])
    assert (after["review_status"], after["resolution"], after["resolved_at"]) == (
        "open",
        None,
        None,
    )
    assert after["pending_decision_id"] == decision_id
    (decision,) = client.get(
        f"/v1/cases/{case['id']}/decisions", headers=held.viewer.headers
    ).json()["items"]
    assert decision["id"] == decision_id
    assert (decision["status"], decision["kind"]) == ("pending", "resolution")
    assert decision["reasons"] == ["resolving as potential threat"]
    assert decision["change"]["resolution"] == "potential_threat"
    assert decision["proposed_by_user_id"] == held.analyst.user_id
    assert decision["decided_by_user_id"] is None
    assert [e["action"] for e in _log(client, held, case["id"])] == [
        "case.created",
        "decision.proposed",
    ]

    # While it waits, nobody finishes the case another way.
    other = {"to": "resolved", "resolution": "false_positive", "note": "Payroll"}
    r = client.post(f"/v1/cases/{case['id']}/transition", json=other, headers=held.admin.headers)
    assert r.status_code == 409, r.text
    waits = "a decision on this case awaits approval: approve or reject it first"
    assert r.json()["detail"] == waits
    assert r.json()["errors"] == [{"field": "decision", "message": waits}]


def test_approval_applies_the_change_with_the_approval(client: TestClient, held: TenantKit):
    case = _case(client, held)
    decision_id = _propose(client, held.analyst, case["id"])["pending_decision_id"]
    r = _decide(client, held.supervisor, decision_id, "approve", note="Agreed")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decided_by_user_id"]) == (
        "approved",
        held.supervisor.user_id,
    )
    assert r.json()["decision_note"] == "Agreed"

    after = _read(client, held, case["id"])
    assert (after["review_status"], after["resolution"], after["resolution_note"]) == (
        "resolved",
        "potential_threat",
        "Structuring, reported",
    )
    assert after["pending_decision_id"] is None
    trail = _log(client, held, case["id"])
    assert [e["action"] for e in trail][1:] == [
        "decision.proposed",
        "decision.approved",
        "case.resolved",
    ]
    resolved = trail[-1]
    assert resolved["actor_user_id"] == held.supervisor.user_id
    assert resolved["after"]["approval"]["proposed_by_user_id"] == held.analyst.user_id
    assert resolved["after"]["approval"]["decision_id"] == decision_id

    again = _decide(client, held.admin, decision_id, "approve")
    assert again.status_code == 409, again.text
    assert again.json()["detail"] == f"decision {decision_id} is already approved"
    assert len(_log(client, held, case["id"])) == len(trail)


def test_the_proposer_never_decides_their_own_proposal(client: TestClient, held: TenantKit):
    case = _case(client, held)
    decision_id = _propose(client, held.supervisor, case["id"])["pending_decision_id"]
    trail = _log(client, held, case["id"])
    for verb, body in (("approve", {}), ("reject", {"note": "changed my mind"})):
        r = _decide(client, held.supervisor, decision_id, verb, **body)
        assert r.status_code == 403, r.text
        assert (
            r.json()["detail"] == "the person who proposed a decision cannot approve or reject it"
        )
    # The same person through another credential of theirs is still the proposer.
    pair = {"apiKey": held.supervisor.client_id, "apiSecret": held.supervisor.client_secret}
    r = client.post(f"/v1/decisions/{decision_id}/approve", json={}, headers=pair)
    assert r.status_code == 403, r.text
    assert _log(client, held, case["id"]) == trail
    assert _read(client, held, case["id"])["review_status"] == "open"

    assert _decide(client, held.admin, decision_id, "approve").status_code == 200
    assert _read(client, held, case["id"])["review_status"] == "resolved"


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_case_approve_decides(client: TestClient, held: TenantKit, role: str):
    case = _case(client, held)
    decision_id = _propose(client, held.analyst, case["id"])["pending_decision_id"]
    r = _decide(client, getattr(held, role), decision_id, "approve")
    assert r.status_code == 403, r.text
    assert "case.approve" in r.text
    assert _read(client, held, case["id"])["pending_decision_id"] == decision_id


def test_a_rejection_says_why_and_leaves_the_case_where_it_was(client: TestClient, held: TenantKit):
    case = _case(client, held)
    decision_id = _propose(client, held.analyst, case["id"])["pending_decision_id"]
    missing = _decide(client, held.supervisor, decision_id, "reject")
    assert missing.status_code == 422, missing.text
    assert missing.json()["errors"][0]["field"] == "note"

    r = _decide(client, held.supervisor, decision_id, "reject", note="Not enough evidence")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision_note"]) == ("rejected", "Not enough evidence")
    after = _read(client, held, case["id"])
    assert (after["review_status"], after["resolution"], after["pending_decision_id"]) == (
        "open",
        None,
        None,
    )
    trail = _log(client, held, case["id"])
    assert [e["action"] for e in trail][1:] == ["decision.proposed", "decision.rejected"]
    assert trail[-1]["message"].endswith(": Not enough evidence")
    assert _decide(client, held.admin, decision_id, "approve").status_code == 409

    # The analyst may propose again, and a different resolution is not held.
    _propose(client, held.analyst, case["id"])
    decisions = client.get(f"/v1/cases/{case['id']}/decisions", headers=held.viewer.headers)
    assert [d["status"] for d in decisions.json()["items"]] == ["rejected", "pending"]


def test_a_resolution_the_policy_does_not_hold_applies_at_once(client: TestClient, held: TenantKit):
    case = _case(client, held)
    body = {"to": "resolved", "resolution": "false_positive", "note": "Payroll"}
    r = client.post(f"/v1/cases/{case['id']}/transition", json=body, headers=held.analyst.headers)
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == "resolved"
    assert r.json()["pending_decision_id"] is None


def test_priority_risk_and_checklist_rules(client: TestClient, kit: TenantKit):
    _policy(
        client,
        kit,
        {"resolve": {"priorities": ["high"], "min_risk_score": 0.5}, "checklist_override": True},
    )
    high = _case(client, kit, priority="high")
    assert client.get(
        f"/v1/decisions/{_propose(client, kit.analyst, high['id'])['pending_decision_id']}",
        headers=kit.viewer.headers,
    ).json()["reasons"] == ["priority high"]

    low = _case(client, kit, priority="low")
    body = {"to": "resolved", "resolution": "false_positive", "note": "Payroll"}
    r = client.post(f"/v1/cases/{low['id']}/transition", json=body, headers=kit.analyst.headers)
    assert r.status_code == 200, r.text  # no risk score yet, not high, nothing overridden

    listed = _case(client, kit, priority="low", tasks=["Call the customer"])
    overriding = {**body, "override_checklist": True, "override_reason": "Customer gone"}
    proposed = _propose(client, kit.supervisor, listed["id"], **overriding)
    decision = client.get(
        f"/v1/decisions/{proposed['pending_decision_id']}", headers=kit.viewer.headers
    ).json()
    assert decision["reasons"] == ["the checklist is overridden"]
    assert _decide(client, kit.admin, decision["id"], "approve").status_code == 200
    resolved = _log(client, kit, listed["id"])[-1]
    assert resolved["after"]["checklist_override"]["reason"] == "Customer gone"
    assert resolved["after"]["approval"]["proposed_by_user_id"] == kit.supervisor.user_id


def test_a_case_config_sets_its_own_policy(client: TestClient, held: TenantKit):
    h = held.admin.headers
    free = client.post(
        "/v1/case-configs",
        json={"slug": "no-approvals", "name": "No approvals", "approvals": {}},
        headers=h,
    )
    assert free.status_code == 201, free.text
    assert free.json()["approvals"] == {
        "resolve": {"resolutions": [], "min_risk_score": None, "priorities": []},
        "checklist_override": False,
        "clear_match": {"min_score": None, "check_types": ["SANCTIONS"]},
        "report": "always",
    }
    followed = client.post(
        "/v1/case-configs", json={"slug": "default", "name": "Default"}, headers=h
    ).json()
    assert followed["approvals"] is None

    unheld = _case(client, held, config="no-approvals")
    r = client.post(
        f"/v1/cases/{unheld['id']}/transition", json=THREAT, headers=held.analyst.headers
    )
    assert r.status_code == 200, r.text
    _propose(client, held.analyst, _case(client, held, config="default")["id"])

    # Back to the tenant's default.
    r = client.patch(f"/v1/case-configs/{free.json()['id']}", json={"approvals": None}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["approvals"] is None
    _propose(client, held.analyst, _case(client, held, config="no-approvals")["id"])


def test_the_tenant_default_is_read_back_and_audited(client: TestClient, kit: TenantKit):
    assert client.get("/v1/settings/approvals", headers=kit.viewer.headers).json() == {
        "resolve": {"resolutions": [], "min_risk_score": None, "priorities": []},
        "checklist_override": False,
        "clear_match": {"min_score": None, "check_types": ["SANCTIONS"]},
        "report": "always",
    }
    policy = {"resolve": {"min_risk_score": 0.8}, "checklist_override": True}
    _policy(client, kit, policy)
    got = client.get("/v1/settings/approvals", headers=kit.viewer.headers).json()
    assert (got["resolve"]["min_risk_score"], got["checklist_override"]) == (0.8, True)
    for bad, field in (
        ({"resolve": {"min_risk_score": 1.5}}, "resolve.min_risk_score"),
        ({"resolve": {"resolutions": ["maybe"]}}, "resolve.resolutions.0"),
        ({"checklist_override": 1}, "checklist_override"),
        ({"surprise": True}, "surprise"),
    ):
        r = client.put("/v1/settings/approvals", json=bad, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert client.get("/v1/settings/approvals", headers=kit.viewer.headers).json() == got


def test_only_a_person_decides(client: TestClient, db: Database, held: TenantKit):
    case = _case(client, held)
    decision_id = _propose(client, held.analyst, case["id"])["pending_decision_id"]
    with pytest.raises(PermissionDenied) as refused, db.transaction() as session:
        service.approve(
            session, actor=Principal.system(held.tenant_id), decision_id=decision_id, note=None
        )
    assert str(refused.value) == "a decision is approved or rejected by a person: a user"
    assert _read(client, held, case["id"])["pending_decision_id"] == decision_id
