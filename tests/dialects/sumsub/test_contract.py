"""The vendor's documented example request, sent as documented, answered in the
documented structure; what the answer says about the applicant, transactions and
blueprint; and the same case seen through /v1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.sumsub.support import CASES, Setup, Sumsub
from tests.factories import TenantKit

# The documented request, byte for byte; its placeholder ids are replaced below.
EXAMPLE_REQUEST = """{
            "applicantId": "63e25fd763e1fc4014ea8a1f",
            "txnIds": [
              "6901f0f654ec3deaa5711d31",
              "6901f0f654ec3deaa1234h67"
            ],
            "blueprintId": "687a5973dc7ec611c8f93982",
            "name": "Case name"
          }"""

EXAMPLE_RESPONSE: dict[str, Any] = {
    "id": "69818c8f76dd490000000000",
    "name": "Case name",
    "applicantReference": {"applicantId": "63e25fd763e1fc0000000000", "fullName": "John Doe"},
    "createdByType": "byApi",
    "createdAt": "2026-02-03 05:50:07+0000",
    "updatedAt": "2026-02-03 05:50:07+0000",
    "totalAmountInDefaultCurrency": 101000,
    "clientId": "your_cool_client_id",
    "review": {
        "reviewId": "cvNHe",
        "attemptId": "wIOCl",
        "attemptCnt": 0,
        "createDate": "2026-02-03 05:50:07+0000",
        "reviewStatus": "init",
    },
    "applicantInfo": {
        "firstName": "John",
        "firstNameEn": "John",
        "middleName": "",
        "middleNameEn": "",
        "lastName": "Doe",
        "lastNameEn": "Doe",
        "dob": 944697600000,
        "country": "GBR",
    },
    "blueprintReference": {"name": "AML investigation", "blueprintId": "687a5973dc7ec611c8f93982"},
    "caseReview": {"status": "open"},
    "priority": "medium",
}
# Documented in the field tables but absent from the example.
DOCUMENTED_BESIDES: dict[str, Any] = {
    "caseReview": {"checklistState": {"checklist": [{"name": "Review", "checked": False}]}},
    "amlCases": [{"amlCaseId": "69818c8f76dd490000000001"}],
}
TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+0000$"


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(out.get(key), dict) else value
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_same_structure(
    expected: Any, actual: Any, path: str = "$", nullable: frozenset[str] = frozenset()
) -> None:
    """Same keys, nesting and JSON types; lists by their first element."""
    if actual is None and path in nullable:
        return
    assert _kind(actual) == _kind(expected), f"{path}: {actual!r} is not like {expected!r}"
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key, value in expected.items():
            assert_same_structure(value, actual[key], f"{path}.{key}", nullable)
    elif isinstance(expected, list) and expected and actual:
        assert_same_structure(expected[0], actual[0], f"{path}[0]", nullable)


def _example_request(customer_id: str, txn_ids: list[str], blueprint_id: str) -> bytes:
    text = (
        EXAMPLE_REQUEST.replace("63e25fd763e1fc4014ea8a1f", customer_id)
        .replace("6901f0f654ec3deaa5711d31", txn_ids[0])
        .replace("6901f0f654ec3deaa1234h67", txn_ids[1])
        .replace("687a5973dc7ec611c8f93982", blueprint_id)
    )
    return text.encode()


def test_documented_example_request_gets_the_documented_structure(
    sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit
):
    customer = setup.customer()
    txns = [setup.transaction(customer, "100000"), setup.transaction(customer, "1000")]
    config = setup.config()
    body = _example_request(customer["id"], [t["id"] for t in txns], config["id"])

    r = sumsub.post_raw(body)
    assert r.status_code == 200, r.text
    case = r.json()
    expected = _merged(EXAMPLE_RESPONSE, DOCUMENTED_BESIDES)
    assert_same_structure(expected, case)

    assert case["name"] == "Case name"
    assert case["applicantReference"] == {"applicantId": customer["id"], "fullName": "John Doe"}
    assert case["createdByType"] == "byApi"
    assert case["totalAmountInDefaultCurrency"] == 101000
    assert case["clientId"] == kit.slug
    assert case["blueprintReference"] == {"name": "AML investigation", "blueprintId": config["id"]}
    assert case["caseReview"] == {
        "status": "open",
        "checklistState": {
            "checklist": [
                {"name": "Review the transactions", "checked": False},
                {"name": "Record the decision", "checked": False},
            ]
        },
    }
    assert case["amlCases"] == []
    assert case["priority"] == "medium"
    assert case["applicantInfo"] == EXAMPLE_RESPONSE["applicantInfo"]
    review = case["review"]
    assert (review["attemptCnt"], review["reviewStatus"]) == (0, "init")
    assert len(review["reviewId"]) == len(review["attemptId"]) == 5
    assert review["createDate"] == case["createdAt"]
    for stamp in (case["createdAt"], case["updatedAt"]):
        assert stamp[:2] == "20" and stamp.endswith("+0000") and len(stamp) == 24

    again = sumsub.case(case["id"])
    assert again.status_code == 200, again.text
    assert again.json() == case


def test_totals_are_the_sum_of_linked_transactions_and_absent_without(sumsub: Sumsub, setup: Setup):
    customer = setup.customer()
    txns = [setup.transaction(customer, a) for a in ("10.25", "0.50", "89.25")]
    body = setup.case_body(applicantId=customer["id"], txnIds=[t["external_id"] for t in txns])
    r = sumsub.create(body)
    assert r.status_code == 200, r.text
    assert r.json()["totalAmountInDefaultCurrency"] == 100

    r = sumsub.create(setup.case_body(txnIds=[]))
    assert r.status_code == 200, r.text
    assert "totalAmountInDefaultCurrency" not in r.json()

    odd = setup.customer()
    parts = [setup.transaction(odd, a) for a in ("0.10", "0.15")]
    r = sumsub.create(setup.case_body(applicantId=odd["id"], txnIds=[t["id"] for t in parts]))
    assert r.json()["totalAmountInDefaultCurrency"] == 0.25


def test_applicant_info_of_a_non_latin_name(sumsub: Sumsub, setup: Setup):
    customer = setup.customer(
        first_name="Иван",
        middle_name="Сергеевич",
        last_name="Петров",
        birth_date="1980-04-12",
        country="UKR",
    )
    r = sumsub.create(setup.case_body(applicantId=customer["id"], txnIds=[]))
    assert r.status_code == 200, r.text
    assert r.json()["applicantInfo"] == {
        "firstName": "Иван",
        "firstNameEn": "Ivan",
        "middleName": "Сергеевич",
        "middleNameEn": "Sergeevich",
        "lastName": "Петров",
        "lastNameEn": "Petrov",
        "dob": 324345600000,
        "country": "UKR",
    }
    assert r.json()["applicantReference"]["fullName"] == "Иван Сергеевич Петров"


def test_partial_or_unknown_birth_date_and_country_are_null(sumsub: Sumsub, setup: Setup):
    for birth_date in ("1980-04", "1980", None):
        customer = setup.customer(birth_date=birth_date, country=None)
        r = sumsub.create(setup.case_body(applicantId=customer["id"], txnIds=[]))
        assert r.status_code == 200, r.text
        info = r.json()["applicantInfo"]
        assert (info["dob"], info["country"]) == (None, None)


def test_the_case_through_v1_and_its_audit_trail(
    sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit
):
    customer = setup.customer()
    txns = [setup.transaction(customer, "40"), setup.transaction(customer, "2.5")]
    config = setup.config(default_priority="high")
    body = {
        "applicantId": customer["external_id"],
        "txnIds": [t["id"] for t in txns],
        "blueprintId": config["slug"],
        "name": "Structuring review",
    }
    made = sumsub.create(body).json()
    # Sumsub's default, not the blueprint's: a Sumsub client expects what Sumsub documents.
    assert made["priority"] == "medium"
    # Named back as the client named it, here by its external id.
    assert made["applicantReference"]["applicantId"] == customer["external_id"]
    assert sumsub.case(made["id"]).json() == made

    r = client.get(f"/v1/cases/{made['id']}", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    native = r.json()
    assert native["title"] == "Structuring review"
    assert native["customer"]["id"] == customer["id"]
    assert native["config"] == config["slug"]
    assert native["priority"] == "medium"
    assert native["created_by_type"] == "byApi"
    assert Decimal(native["total_amount_in_default_currency"]) == Decimal("42.5")
    assert made["totalAmountInDefaultCurrency"] == 42.5
    assert [t["text"] for t in native["tasks"]] == [
        c["name"] for c in made["caseReview"]["checklistState"]["checklist"]
    ]

    log = client.get(f"/v1/cases/{made['id']}/log", headers=kit.admin.headers).json()
    created = [e for e in log if e["action"] == "case.created"]
    assert len(created) == 1
    assert created[0]["actor_type"] == "api_client"
    assert created[0]["actor_client_id"] == kit.analyst.api_client_id
    assert created[0]["actor_user_id"] == kit.analyst.user_id


def test_idempotency_key_replays_the_first_answer(sumsub: Sumsub, setup: Setup):
    body = setup.case_body()
    first = sumsub.create(body, headers={"Idempotency-Key": "sumsub-create-1"})
    again = sumsub.create(body, headers={"Idempotency-Key": "sumsub-create-1"})
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = sumsub.create(body, headers={"Idempotency-Key": "sumsub-create-2"})
    assert other.json()["id"] != first.json()["id"]
    changed = body | {"name": "Another name"}
    r = sumsub.create(changed, headers={"Idempotency-Key": "sumsub-create-1"})
    assert r.status_code == 400 and r.json()["code"] == 400, r.text
    assert "Idempotency-Key" in r.json()["description"]


def test_cases_path_with_query_string_is_signed_as_sent(sumsub: Sumsub, setup: Setup):
    made = sumsub.create(setup.case_body()).json()
    target = f"{CASES}/{made['id']}?fields=all&x=1"
    assert sumsub.get(target).status_code == 200
