"""Regulatory reports through /v1: drafted from the case, validated against the official
schemas, approved by a second person, filed, amended; deadlines; refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.factories import Member, TenantKit
from tests.reports import support
from tests.reports.support import FINCEN, GOAML, NARRATIVE, draft, reporting_case, write

FC = {"fc2": "www.fincen.gov/base"}


def _needs(path: Any) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is absent")


def _validation(client: TestClient, who: Member, report_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/reports/{report_id}/validation", headers=who.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _xml(client: TestClient, who: Member, report_id: str) -> etree._Element:
    r = client.get(f"/v1/reports/{report_id}/xml", headers=who.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    return etree.fromstring(r.content)


def _post(client: TestClient, who: Member, path: str, body: Any = None) -> Any:
    return client.post(path, json=body, headers=who.headers)


def _log(client: TestClient, kit: TenantKit, case_id: str) -> list[str]:
    events = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers).json()
    return [e["action"] for e in events]


@pytest.mark.parametrize("code", ["STR", "SAR"])
@pytest.mark.parametrize("kind", ["person", "business"])
def test_a_goaml_report_from_a_case_validates_against_the_official_schema(
    client: TestClient, kit: TenantKit, code: str, kind: str
):
    _needs(support.GOAML_XSD)
    support.configure(client, kit, goaml=GOAML)
    used = support.upload_schema(client, kit, "goaml", support.GOAML_XSD)
    assert len(used["adjustments"]) == 2  # the two patterns written for the FIU portal
    case = reporting_case(client, kit, kind)
    report = draft(client, kit.analyst, case["id"], format="goaml", report_code=code)

    content = report["content"]
    assert content["local_currency"] == "EUR"
    amounts = [(t["amount"], t["currency"], t["amount_local"]) for t in content["transactions"]]
    # USD at 1.08 per euro: 12000 USD is 11111.1111 EUR.
    assert amounts == [
        ("9500.0000", "EUR", "9500.0000"),
        ("12000.0000", "USD", "11111.1111"),
        ("4800.0000", "EUR", "4800.0000"),
        ("7300.5000", "USD", "6759.7222"),
    ]
    if kind == "business":
        assert content["subject"]["business"]["registration_number"] == "HRB 123456"
        assert [(p["first_name"], p["last_name"], p["role"]) for p in content["parties"]] == [
            ("Jan de", "Vries", "director"),
            ("Eva", "Berg", "director"),
        ]
    else:
        person = content["subject"]["person"]
        assert (person["last_name"], person["birth_date"], person["nationality"]) == (
            "Schmidt",
            "1980-05-06",
            "DEU",
        )
        assert [i["type"] for i in person["identifications"]] == [
            "passport",
            "national_id",
            "tax_id",
        ]

    before = _validation(client, kit.analyst, report["id"])
    assert not before["valid"]
    assert {p["field"] for p in before["problems"]} >= {"narrative"}

    write(
        client,
        kit.analyst,
        report,
        narrative=NARRATIVE,
        action="Account restricted",
        indicators=["UMFAC"],
    )
    after = _validation(client, kit.analyst, report["id"])
    assert after["problems"] == [] and after["valid"], after
    assert after["schema_used"]["sha256"] == used["sha256"]

    root = _xml(client, kit.viewer, report["id"])
    assert root.findtext("rentity_id") == "1042"
    assert root.findtext("report_code") == code
    assert root.findtext("currency_code_local") == "EUR"
    foreign = root.findall("transaction/t_from_my_client/from_foreign_currency") + root.findall(
        "transaction/t_to_my_client/to_foreign_currency"
    )
    assert {f.findtext("foreign_currency_code") for f in foreign} == {"USD"}
    assert len(root.findall("transaction")) == 4


def test_a_fincen_sar_from_a_case_validates_against_the_official_schema(
    client: TestClient, kit: TenantKit
):
    _needs(support.FINCEN_XSD)
    support.configure(client, kit, fincen=FINCEN)
    support.upload_schema(client, kit, "fincen_sar", support.FINCEN_XSD)
    case = reporting_case(client, kit, "person")
    report = draft(
        client,
        kit.analyst,
        case["id"],
        format="fincen_sar",
        report_code="initial",
        content={"narrative": NARRATIVE, "activity_types": ["812"]},
    )
    # FinCEN amounts are in dollars whatever the tenant's books are kept in.
    assert report["content"]["local_currency"] == "USD"
    assert [t["amount_local"] for t in report["content"]["transactions"]] == [
        "10260.0000",
        "12000.0000",
        "5184.0000",
        "7300.5000",
    ]
    found = _validation(client, kit.analyst, report["id"])
    assert found["problems"] == [], found
    root = _xml(client, kit.viewer, report["id"])
    total = root.xpath("//fc2:TotalSuspiciousAmountText/text()", namespaces=FC)
    assert total == [
        str(
            int(
                (Decimal("10260") + 12000 + 5184 + Decimal("7300.5")).to_integral_value(
                    rounding="ROUND_CEILING"
                )
            )
        )
    ]
    assert root.xpath("//fc2:InitialReportIndicator/text()", namespaces=FC) == ["Y"]


def test_missing_data_is_listed_with_the_field_that_fills_it(client: TestClient, kit: TenantKit):
    case = client.post(
        "/v1/cases", json={"title": "No customer yet"}, headers=kit.analyst.headers
    ).json()
    report = draft(client, kit.analyst, case["id"], format="goaml", report_code="STR")
    found = _validation(client, kit.analyst, report["id"])
    assert found["schema_used"] is None  # casework's own rules, no schema set
    fields = {p["field"] for p in found["problems"]}
    # Exactly what is missing: the entity's id, what the analyst writes, and what the
    # case does not hold (a customer, transactions).
    assert fields == {
        "settings.goaml.rentity_id",
        "narrative",
        "indicators",
        "subject",
        "transactions",
    }
    for problem in found["problems"]:
        assert problem["element"].startswith("/report")
        assert problem["message"] and problem["rule"]
        assert problem["source"] == "rules"
    refused = _post(client, kit.analyst, f"/v1/reports/{report['id']}/ready")
    assert refused.status_code == 409
    assert {e["field"] for e in refused.json()["errors"]} == fields


def _ready_goaml(
    client: TestClient, kit: TenantKit, who: Member | None = None
) -> tuple[dict, dict]:
    support.configure(client, kit, goaml=GOAML)
    case = reporting_case(client, kit, "person")
    report = draft(
        client,
        who or kit.analyst,
        case["id"],
        format="goaml",
        report_code="STR",
        content={"narrative": NARRATIVE, "action": "Account restricted", "indicators": ["UMFAC"]},
    )
    ready = _post(client, who or kit.analyst, f"/v1/reports/{report['id']}/ready")
    assert ready.status_code == 200, ready.text
    return case, ready.json()


def test_a_ready_report_waits_for_a_second_person_and_freezes_its_xml(
    client: TestClient, kit: TenantKit
):
    case, report = _ready_goaml(client, kit)
    assert report["status"] == "ready" and report["pending_decision_id"]
    assert report["xml_sha256"]
    (decision,) = client.get(
        f"/v1/cases/{case['id']}/decisions", headers=kit.viewer.headers
    ).json()["items"]
    assert (decision["kind"], decision["status"]) == ("report", "pending")
    assert decision["change"]["xml_sha256"] == report["xml_sha256"]

    frozen = client.get(f"/v1/reports/{report['id']}/xml", headers=kit.viewer.headers).content
    edit = client.patch(
        f"/v1/reports/{report['id']}",
        json={"suspect_identified": False},
        headers=kit.analyst.headers,
    )
    assert edit.status_code == 409
    early = _post(
        client,
        kit.analyst,
        f"/v1/reports/{report['id']}/file",
        {"reference": "X", "acknowledged_on": date.today().isoformat()},
    )
    assert early.status_code == 409

    # The drafter may not approve, not even through an API client acting for them, and
    # not as a supervisor.
    mine = _post(client, kit.analyst, f"/v1/reports/{report['id']}/approve", {})
    assert mine.status_code == 403
    approved = _post(
        client, kit.supervisor, f"/v1/reports/{report['id']}/approve", {"note": "Agreed"}
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    assert body["approved_by_name"] and body["pending_decision_id"] is None
    assert (
        client.get(f"/v1/reports/{report['id']}/xml", headers=kit.viewer.headers).content == frozen
    )

    filed = _post(
        client,
        kit.analyst,
        f"/v1/reports/{report['id']}/file",
        {"reference": "FIU-2026-0042", "acknowledged_on": date.today().isoformat()},
    )
    assert filed.status_code == 200, filed.text
    assert (filed.json()["status"], filed.json()["reference"]) == ("filed", "FIU-2026-0042")
    again = client.patch(
        f"/v1/reports/{report['id']}", json={"suspect_identified": False}, headers=kit.admin.headers
    )
    assert again.status_code == 409
    assert _log(client, kit, case["id"])[-5:] == [
        "report.ready",
        "decision.proposed",
        "decision.approved",
        "report.approved",
        "report.filed",
    ]


def test_the_person_who_marked_it_ready_cannot_approve_it(client: TestClient, kit: TenantKit):
    support.configure(client, kit, goaml=GOAML)
    case = reporting_case(client, kit, "person")
    report = draft(
        client,
        kit.analyst,
        case["id"],
        format="goaml",
        report_code="STR",
        content={"narrative": NARRATIVE, "action": "Restricted", "indicators": ["UMFAC"]},
    )
    # A supervisor submits the analyst's draft: neither of them may approve it.
    assert _post(client, kit.supervisor, f"/v1/reports/{report['id']}/ready").status_code == 200
    for who in (kit.supervisor, kit.analyst):
        r = _post(client, who, f"/v1/reports/{report['id']}/approve", {})
        assert r.status_code == 403, r.text
    assert (
        client.get(f"/v1/reports/{report['id']}", headers=kit.viewer.headers).json()["status"]
        == "ready"
    )
    assert _post(client, kit.admin, f"/v1/reports/{report['id']}/approve", {}).status_code == 200


def test_a_rejected_report_returns_to_draft_and_can_be_edited(client: TestClient, kit: TenantKit):
    _case, report = _ready_goaml(client, kit)
    r = _post(client, kit.supervisor, f"/v1/reports/{report['id']}/reject", {"note": "Say more"})
    assert r.status_code == 200, r.text
    back = r.json()
    assert (back["status"], back["xml_sha256"], back["pending_decision_id"]) == (
        "draft",
        None,
        None,
    )
    edited = write(client, kit.analyst, back, narrative=NARRATIVE + " More detail.")
    assert edited["content"]["narrative"].endswith("More detail.")


def test_a_goaml_amendment_carries_the_rejected_reference(client: TestClient, kit: TenantKit):
    _needs(support.GOAML_XSD)
    support.upload_schema(client, kit, "goaml", support.GOAML_XSD)
    _case, report = _ready_goaml(client, kit)
    rid = report["id"]
    assert _post(client, kit.supervisor, f"/v1/reports/{rid}/approve", {}).status_code == 200
    today = date.today().isoformat()
    assert _post(client, kit.analyst, f"/v1/reports/{rid}/amend").status_code == 409
    _post(
        client,
        kit.analyst,
        f"/v1/reports/{rid}/file",
        {"reference": "FIU-77", "acknowledged_on": today},
    )
    assert _post(client, kit.analyst, f"/v1/reports/{rid}/amend").status_code == 409  # not rejected
    rejected = _post(
        client, kit.analyst, f"/v1/reports/{rid}/fiu-rejection", {"note": "Wrong branch"}
    )
    assert rejected.json()["status"] == "rejected"
    amended = _post(client, kit.analyst, f"/v1/reports/{rid}/amend")
    assert amended.status_code == 201, amended.text
    amendment = amended.json()
    assert (amendment["status"], amendment["amends_report_id"], amendment["prior_reference"]) == (
        "draft",
        rid,
        "FIU-77",
    )
    assert _validation(client, kit.analyst, amendment["id"])["problems"] == []
    root = _xml(client, kit.viewer, amendment["id"])
    assert root.findtext("prev_rejected_ref_number") == "FIU-77"


def test_fincen_deadlines_count_from_detection_and_filing(client: TestClient, kit: TenantKit):
    support.configure(client, kit, fincen=FINCEN)
    case = reporting_case(client, kit, "person")
    detected = date.today() - timedelta(days=40)
    known = draft(
        client,
        kit.analyst,
        case["id"],
        format="fincen_sar",
        report_code="initial",
        detected_on=detected.isoformat(),
        content={"narrative": NARRATIVE, "activity_types": ["812"]},
    )
    assert known["due_on"] == (detected + timedelta(days=30)).isoformat()
    assert known["deadline"] == {
        "kind": "filing",
        "on": known["due_on"],
        "days_left": -10,
        "overdue": True,
    }
    unknown = draft(
        client,
        kit.analyst,
        case["id"],
        format="fincen_sar",
        report_code="initial",
        detected_on=detected.isoformat(),
        suspect_identified=False,
    )
    assert unknown["due_on"] == (detected + timedelta(days=60)).isoformat()
    overdue = client.get("/v1/reports", params={"overdue": "true"}, headers=kit.viewer.headers)
    assert [r["id"] for r in overdue.json()["items"]] == [known["id"]]
    soon = client.get(
        "/v1/reports/deadlines", params={"within_days": 30}, headers=kit.viewer.headers
    )
    assert [r["id"] for r in soon.json()["items"]] == [known["id"], unknown["id"]]

    rid = known["id"]
    assert _post(client, kit.analyst, f"/v1/reports/{rid}/ready").status_code == 200
    assert _post(client, kit.supervisor, f"/v1/reports/{rid}/approve", {}).status_code == 200
    filed = _post(
        client,
        kit.analyst,
        f"/v1/reports/{rid}/file",
        {"reference": "31000012345678", "acknowledged_on": date.today().isoformat()},
    ).json()
    today = date.today()
    assert filed["review_on"] == (today + timedelta(days=90)).isoformat()
    assert filed["deadline"]["kind"] == "continuing_review"

    continuing = draft(
        client,
        kit.analyst,
        case["id"],
        format="fincen_sar",
        report_code="continuing",
        continues_report_id=rid,
        content={"narrative": NARRATIVE, "activity_types": ["812"]},
    )
    assert continuing["due_on"] == (today + timedelta(days=120)).isoformat()
    assert continuing["prior_reference"] == "31000012345678"
    root = _xml(client, kit.viewer, continuing["id"])
    assert root.xpath("//fc2:EFilingPriorDocumentNumber/text()", namespaces=FC) == [
        "31000012345678"
    ]

    reviewed = _post(client, kit.analyst, f"/v1/reports/{rid}/review", {"note": "Activity stopped"})
    assert reviewed.status_code == 200
    assert reviewed.json()["deadline"] is None
    assert (
        _post(client, kit.analyst, f"/v1/reports/{rid}/review", {"note": "Again"}).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "goaml", "report_code": "CTR"}, "report_code"),
        ({"format": "fincen_sar", "report_code": "STR"}, "report_code"),
        ({"format": "pdf", "report_code": "STR"}, "format"),
        ({"format": "goaml", "report_code": "STR", "detected_on": "2999-01-01"}, "detected_on"),
        ({"format": "goaml", "report_code": "STR", "suspect_identified": 1}, "suspect_identified"),
        ({"format": "fincen_sar", "report_code": "continuing"}, "continues_report_id"),
        (
            {"format": "goaml", "report_code": "STR", "continues_report_id": "0" * 24},
            "continues_report_id",
        ),
        (
            {"format": "goaml", "report_code": "STR", "content": {"narrative": ""}},
            "content.narrative",
        ),
        (
            {"format": "goaml", "report_code": "STR", "content": {"local_currency": "XXQ"}},
            "content.local_currency",
        ),
    ],
    ids=lambda value: str(value).replace("\\", "")[:40] if isinstance(value, dict) else str(value),
)
def test_bad_report_requests_name_the_field_and_change_nothing(
    client: TestClient, kit: TenantKit, body: dict[str, Any], field: str
):
    case = client.post("/v1/cases", json={"title": "c"}, headers=kit.analyst.headers).json()
    r = _post(client, kit.analyst, f"/v1/cases/{case['id']}/reports", body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    listed = client.get(f"/v1/cases/{case['id']}/reports", headers=kit.viewer.headers)
    assert listed.json()["items"] == []


def test_a_schema_that_reaches_for_other_files_is_refused(client: TestClient, kit: TenantKit):
    hostile = (
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        b'<xs:include schemaLocation="/etc/passwd"/></xs:schema>'
    )
    for data in (hostile, b"not xml", b"<root/>"):
        r = client.put(
            "/v1/settings/reporting/schemas/goaml",
            files={"file": ("s.xsd", data, "application/xml")},
            headers=kit.admin.headers,
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "file"
    assert (
        client.get("/v1/settings/reporting/schemas/goaml", headers=kit.admin.headers).status_code
        == 404
    )


def test_another_tenant_cannot_continue_my_report(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    support.configure(client, other_kit, fincen=FINCEN)
    theirs = reporting_case(client, other_kit, "person")
    filed_elsewhere = draft(
        client, other_kit.analyst, theirs["id"], format="fincen_sar", report_code="initial"
    )
    mine = client.post("/v1/cases", json={"title": "c"}, headers=kit.analyst.headers).json()
    r = _post(
        client,
        kit.analyst,
        f"/v1/cases/{mine['id']}/reports",
        {
            "format": "fincen_sar",
            "report_code": "continuing",
            "continues_report_id": filed_elsewhere["id"],
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "continues_report_id"
    assert (
        client.get(f"/v1/reports/{filed_elsewhere['id']}", headers=kit.admin.headers).status_code
        == 404
    )


def test_report_approval_is_always_in_the_policy(client: TestClient, kit: TenantKit):
    policy = client.get("/v1/settings/approvals", headers=kit.viewer.headers).json()
    assert policy["report"] == "always"
    r = client.put("/v1/settings/approvals", json={"report": "never"}, headers=kit.admin.headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["report"]


def test_an_amendment_stays_due_when_the_original_was(client: TestClient, kit: TenantKit):
    support.configure(client, kit, fincen=FINCEN)
    case = reporting_case(client, kit, "person")
    detected = date.today() - timedelta(days=10)
    report = draft(
        client,
        kit.analyst,
        case["id"],
        format="fincen_sar",
        report_code="initial",
        detected_on=detected.isoformat(),
        content={"narrative": NARRATIVE, "activity_types": ["812"]},
    )
    rid = report["id"]
    assert _post(client, kit.analyst, f"/v1/reports/{rid}/ready").status_code == 200
    assert _post(client, kit.supervisor, f"/v1/reports/{rid}/approve", {}).status_code == 200
    filing = {"reference": "31000012345678", "acknowledged_on": date.today().isoformat()}
    assert _post(client, kit.analyst, f"/v1/reports/{rid}/file", filing).status_code == 200
    correction = _post(client, kit.analyst, f"/v1/reports/{rid}/amend").json()
    assert (correction["report_code"], correction["prior_reference"]) == (
        "correct",
        "31000012345678",
    )
    assert correction["due_on"] == report["due_on"]
    moved = client.patch(
        f"/v1/reports/{correction['id']}",
        json={"detected_on": (detected - timedelta(days=5)).isoformat()},
        headers=kit.analyst.headers,
    ).json()
    assert moved["due_on"] == report["due_on"]


def test_text_xml_cannot_carry_is_refused_or_left_out(client: TestClient, kit: TenantKit):
    case = reporting_case(client, kit, "person")
    bad = {"format": "goaml", "report_code": "STR", "content": {"narrative": "wire\u0001d"}}
    r = _post(client, kit.analyst, f"/v1/cases/{case['id']}/reports", bad)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["content.narrative"]
    r = client.put(
        "/v1/settings/reporting",
        json={"goaml": {"rentity_branch": "Head\u000boffice"}},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["goaml.rentity_branch"]

    # A counterparty named with a control character by the core system is cleaned.
    customer_id = case["customer"]["id"]
    tx = client.post(
        "/v1/transactions",
        json={
            "external_id": "tx-bell",
            "customer_id": customer_id,
            "amount": "10",
            "currency": "EUR",
            "direction": "out",
            "counterparty_name": "Acme\u0007Ltd",
            "occurred_at": "2026-10-14T15:00:00Z",
        },
        headers=kit.analyst.headers,
    )
    assert tx.status_code == 201, tx.text
    linked = client.post(
        "/v1/cases",
        json={"title": "Bell", "customer_id": customer_id, "transaction_ids": [tx.json()["id"]]},
        headers=kit.analyst.headers,
    ).json()
    report = draft(client, kit.analyst, linked["id"], format="goaml", report_code="STR")
    assert report["content"]["transactions"][0]["counterparty_name"] == "Acme Ltd"
    assert (
        client.get(f"/v1/reports/{report['id']}/xml", headers=kit.viewer.headers).status_code == 200
    )


def test_each_problem_says_where_casework_keeps_the_missing_value(
    client: TestClient, kit: TenantKit
):
    support.configure(client, kit, goaml=GOAML)
    case = reporting_case(client, kit, "person")
    report = draft(client, kit.analyst, case["id"], format="goaml", report_code="STR")
    first = report["content"]["transactions"][0]
    person = report["content"]["subject"]["person"]
    gaps = {
        **report["content"],
        "subject": {**report["content"]["subject"], "person": {**person, "birth_date": None}},
        "transactions": [
            {**first, "counterparty_name": None},
            *report["content"]["transactions"][1:],
        ],
    }
    write(client, kit.analyst, report, **gaps)
    found = _validation(client, kit.analyst, report["id"])["problems"]
    origins = {p["field"]: p["filled_from"] for p in found}
    assert origins["subject.person.birth_date"] == "customer.birth_date"
    assert origins["transactions[0].counterparty_name"] == (
        f"transaction {first['reference']} ({first['transaction_id']}): counterparty_name"
    )
    assert origins["narrative"] == "the report draft, written by the analyst"
    assert origins["indicators"] == "the report draft, written by the analyst"
