"""Cases not made through the dialect, and cases further along, as Sumsub shows them:
who created them, their review status, the deprecated review block and related cases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.auth.service import principal_for_user
from casework.cases import service as cases
from casework.cases.schemas import CaseCreate
from casework.infra.db import Database
from tests.dialects.sumsub.support import Setup, Sumsub
from tests.factories import TenantKit
from tests.rules.pipeline import Api, only_case, tx

OWNERSHIP = {
    "subject": "co",
    "entities": [
        {"id": "co", "name": "Nordlys Freight AS", "type": "company", "country": "NOR"},
        {"id": "eva", "name": "Eva Berg", "type": "person", "country": "SWE"},
    ],
    "ownerships": [{"owner": "eva", "owned": "co", "percentage": 90}],
}


def _native(client: TestClient, kit: TenantKit, path: str, body: dict[str, Any]) -> Any:
    r = client.post(path, json=body, headers=kit.admin.headers)
    assert r.status_code in (200, 201, 202), r.text
    return r.json()


def test_officer_case_names_the_officer(sumsub: Sumsub, setup: Setup, db: Database, kit: TenantKit):
    customer = setup.customer()
    with db.transaction() as session:
        user = cases.active_user(
            session, tenant_id=kit.tenant_id, user_id=kit.supervisor.user_id, field="user"
        )
        data = CaseCreate(title="Opened by hand", customer_id=customer["id"])
        case_id = cases.create_case(session, actor=principal_for_user(user), data=data).id
    body = sumsub.case(case_id).json()
    assert body["createdByType"] == "byOfficer"
    assert body["createdByOfficer"] == kit.supervisor.user_id
    for absent in ("createdByRule", "createdByWorkflowRef", "groupByType", "blueprintReference"):
        assert body.get(absent) is None
    assert body["caseReview"] == {"status": "open", "checklistState": {"checklist": []}}


def test_api_case_names_no_creator(sumsub: Sumsub, setup: Setup):
    body = sumsub.create(setup.case_body()).json()
    assert body["createdByType"] == "byApi"
    assert not {"createdByOfficer", "createdByRule", "createdByWorkflowRef"} & set(body)


def test_rule_case_names_the_rule_and_grouping(
    client: TestClient, app: FastAPI, db: Database, kit: TenantKit, sumsub: Sumsub
):
    api = Api(client, app, db, kit)
    rule = api.rule({"test": "amount", "at_least": "10000"}, title="Large transfer")
    customer = api.customer("Ada Lovelace")
    api.post(tx(customer, "12500.00"))
    api.settle()
    case = only_case(api, customer)

    body = sumsub.case(case["id"]).json()
    assert body["createdByType"] == "byRule"
    assert body["createdByRule"] == {
        "id": rule["id"],
        "name": rule["name"],
        "title": "Large transfer",
        "revision": 1,
    }
    assert body["groupByType"] == "byApplicant"
    assert body["totalAmountInDefaultCurrency"] == 12500
    assert body["name"] == "Large transfer: Ada Lovelace"
    assert "createdByOfficer" not in body and "createdByWorkflowRef" not in body


def test_workflow_case_points_to_its_parent_which_lists_it(
    client: TestClient, app: FastAPI, kit: TenantKit, setup: Setup, sumsub: Sumsub
):
    kyc = setup.config(name="Owner KYC", checks=[{"type": "JURISDICTION"}])
    kyb = setup.config(
        name="Business onboarding",
        checks=[{"type": "UBO_RESOLUTION", "params": {"ubo_threshold": 50}}],
        kyc_config=kyc["slug"],
    )
    company = setup.customer(
        customer_type="BUSINESS",
        first_name=None,
        last_name=None,
        full_name="Nordlys Freight AS",
        birth_date=None,
        country="NOR",
        input_details={"ownership": OWNERSHIP},
    )
    made = sumsub.create(
        {"applicantId": company["id"], "blueprintId": kyb["id"], "name": "Onboard Nordlys"}
    )
    assert made.status_code == 200, made.text
    parent = made.json()
    assert parent["review"]["reviewStatus"] == "pending"
    app.state.jobs.join()

    listed = client.get(
        "/v1/cases", params={"created_by_type": "byWorkflow"}, headers=kit.admin.headers
    ).json()["items"]
    (child,) = [c for c in listed if c["parent_case_id"] == parent["id"]]
    body = sumsub.case(child["id"]).json()
    assert body["createdByType"] == "byWorkflow"
    assert body["createdByWorkflowRef"] == {"id": parent["id"], "title": "Beneficial owner KYC"}
    assert body["blueprintReference"] == {"name": "Owner KYC", "blueprintId": kyc["id"]}
    assert body["applicantReference"]["fullName"] == "Eva Berg"
    assert body["amlCases"] == []

    again = sumsub.case(parent["id"]).json()
    assert again["amlCases"] == [{"amlCaseId": child["id"]}]
    assert again["applicantInfo"]["firstName"] == ""
    assert again["applicantInfo"]["country"] == "NOR"


def test_review_block_follows_the_checks(
    client: TestClient, app: FastAPI, kit: TenantKit, setup: Setup, sumsub: Sumsub
):
    screened = setup.config(checks=[{"type": "JURISDICTION"}])
    made = sumsub.create(setup.case_body(blueprintId=screened["id"])).json()
    assert (made["review"]["reviewStatus"], made["review"]["attemptCnt"]) == ("pending", 0)
    app.state.jobs.join()
    first = sumsub.case(made["id"]).json()["review"]
    assert (first["reviewStatus"], first["attemptCnt"]) == ("completed", 0)
    assert first["reviewId"] == made["review"]["reviewId"]
    assert first["attemptId"] == made["review"]["attemptId"]

    _native(client, kit, f"/v1/cases/{made['id']}/start", {})
    app.state.jobs.join()
    second = sumsub.case(made["id"]).json()["review"]
    assert (second["reviewStatus"], second["attemptCnt"]) == ("completed", 1)
    assert second["reviewId"] == first["reviewId"]
    assert second["attemptId"] != first["attemptId"]
    assert second["createDate"] == made["createdAt"]


def _move(client: TestClient, kit: TenantKit, case_id: str, to: str, **extra: str) -> None:
    body: dict[str, Any] = {"to": to, **extra}
    if to == "resolved":  # over the checklist the case was opened with
        body |= {"override_checklist": True, "override_reason": "Reviewed"}
    _native(client, kit, f"/v1/cases/{case_id}/transition", body)


def test_case_review_status_through_the_states(
    client: TestClient, kit: TenantKit, setup: Setup, sumsub: Sumsub
):
    made = sumsub.create(setup.case_body()).json()
    case_id = made["id"]

    def status() -> str:
        return str(sumsub.case(case_id).json()["caseReview"]["status"])

    for to, shown in [("in_progress", "open"), ("blocked", "blocked")]:
        _move(client, kit, case_id, to)
        assert status() == shown
    _native(client, kit, f"/v1/cases/{case_id}/rfi", {"text": "Please send a payslip."})
    assert status() == "awaitingUser"
    assert sumsub.case(case_id).json()["review"]["reviewStatus"] == "init"
    _move(client, kit, case_id, "resolved", resolution="potential_threat", note="Confirmed")
    assert status() == "resolvedPotentialThreat"
    assert sumsub.case(case_id).json()["review"]["reviewStatus"] == "completed"
    _move(client, kit, case_id, "closed")
    assert status() == "resolvedPotentialThreat"

    other = sumsub.create(setup.case_body()).json()["id"]
    _move(client, kit, other, "resolved", resolution="false_positive", note="Explained")
    assert sumsub.case(other).json()["caseReview"]["status"] == "resolvedFalsePositive"
    _move(client, kit, other, "closed")
    body = sumsub.case(other).json()
    assert body["caseReview"]["status"] == "resolvedFalsePositive"
    assert body["updatedAt"] >= body["createdAt"]


def test_ticked_checklist_items_are_checked(
    client: TestClient, kit: TenantKit, setup: Setup, sumsub: Sumsub
):
    made = sumsub.create(setup.case_body()).json()
    native = client.get(f"/v1/cases/{made['id']}", headers=kit.admin.headers).json()
    first = native["tasks"][0]["id"]
    r = client.patch(
        f"/v1/cases/{made['id']}/tasks/{first}", json={"done": True}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    checklist = sumsub.case(made["id"]).json()["caseReview"]["checklistState"]["checklist"]
    assert [c["checked"] for c in checklist] == [True, False]


NULLABLE = {
    "applicantReference",
    "applicantInfo",
    "applicantInfo.dob",
    "applicantInfo.country",
    "blueprintReference",
}
DOC = Path(__file__).resolve().parents[3] / "docs" / "dialects" / "sumsub.md"


def _null_paths(value: Any, path: str = "") -> set[str]:
    if value is None:
        return {path}
    if isinstance(value, dict):
        return {
            p for key, item in value.items() for p in _null_paths(item, f"{path}.{key}".lstrip("."))
        }
    if isinstance(value, list):
        return {p for item in value for p in _null_paths(item, f"{path}[]")}
    return set()


def _documented_nulls() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Null values", 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"^\| `([A-Za-z.]+)` \|", section, flags=re.MULTILINE))


def test_null_only_where_the_documentation_says(
    sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit
):
    bare = _native(client, kit, "/v1/cases", {"title": "Opened by hand"})
    unknown = setup.customer(birth_date=None, country=None)
    opened = sumsub.create(setup.case_body(applicantId=unknown["id"], txnIds=[]))
    assert opened.status_code == 200, opened.text
    found = _null_paths(sumsub.case(bare["id"]).json()) | _null_paths(opened.json())
    assert found == NULLABLE
    assert _documented_nulls() == NULLABLE
