"""A tenant ready to report: its reporting-entity settings, a person and a business
customer with what onboarding knows of them, and a case on their transactions in two
currencies."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Member, TenantKit, case_body

REGULATORY = Path(__file__).resolve().parents[3] / "shared" / "data" / "regulatory"
GOAML_XSD = REGULATORY / "goaml" / "goAMLSchema-5.0.2.xsd"
FINCEN_XSD = REGULATORY / "fincen" / "EFL_SARXBatchSchema.xsd"

ADDRESS = {
    "street": "Friedrichstrasse 10",
    "city": "Berlin",
    "postal_code": "10117",
    "state": "Berlin",
    "country": "DEU",
}
US_ADDRESS = {
    "street": "100 Main Street",
    "city": "Springfield",
    "postal_code": "62701",
    "state": "IL",
    "country": "USA",
}

GOAML = {
    "rentity_id": 1042,
    "rentity_branch": "Head office",
    "local_currency": "EUR",
    "reporting_person": {
        "gender": "F",
        "title": "Ms",
        "first_name": "Mary",
        "last_name": "Keller",
        "occupation": "MLRO",
        "email": "mlro@bank.example",
        "phone": "+49 30 9999",
        "address": ADDRESS,
    },
    "location": ADDRESS,
    "deadline_days": 15,
}

FILER = {
    "name": "Prairie State Bank",
    "tin": "12-3456789",
    "tin_type": "ein",
    "institution_type": "2",
    "primary_regulator": "4",
    "id_type": "rssd",
    "id_number": "1234567",
    "address": US_ADDRESS,
}
FINCEN = {
    "transmitter": {
        "name": "Prairie State Bank",
        "tin": "12-3456789",
        "tcc": "PBSA1234",
        "phone": "+1 (217) 555-0100",
        "address": US_ADDRESS,
        "contact_name": "Jane Filer",
    },
    "filer": FILER,
    "contact_office": {"name": "BSA Officer", "phone": "217-555-0199"},
}


def passport(number: str, country: str = "DEU") -> dict[str, str]:
    return {
        "type": "passport",
        "number": number,
        "issuing_country": country,
        "issue_date": "2019-03-01",
        "expiry_date": "2029-02-28",
    }


PERSON_DETAILS = {
    "gender": "F",
    "occupation": "Engineer",
    "phone": "+49 30 1234567",
    "address": ADDRESS,
    "identifications": [
        passport("C01X00T47"),
        {
            "type": "national_id",
            "number": "L01X00T47",
            "issuing_country": "DEU",
            "issue_date": "2018-01-01",
            "expiry_date": "2028-01-01",
        },
        {"type": "tax_id", "number": "123456789", "issuing_country": "USA"},
    ],
    "account_number": "DE89370400440532013000",
}

BUSINESS_DETAILS = {
    "registration_number": "HRB 123456",
    "legal_form": "GmbH",
    "tax_number": "12-3456789",
    "incorporation_country": "DEU",
    "incorporation_date": "2015-07-01",
    "business_activity": "Wholesale of electronics",
    "phone": "+49 40 555000",
    "address": ADDRESS,
    "account_number": "DE12500105170648489890",
    "directors": [
        {
            "name": "Jan de Vries",
            "birth_date": "1970-02-03",
            "country": "NLD",
            "identifications": [passport("NLJANDV01", "NLD")],
        },
        {
            "name": "Eva Berg",
            "birth_date": "1975-09-12",
            "country": "DEU",
            "identifications": [passport("DEEVAB001")],
        },
    ],
}


def configure(client: TestClient, kit: TenantKit, **sections: Any) -> None:
    r = client.put("/v1/settings/reporting", json=sections, headers=kit.admin.headers)
    assert r.status_code == 200, r.text


def upload_schema(client: TestClient, kit: TenantKit, fmt: str, path: Path) -> dict[str, Any]:
    r = client.put(
        f"/v1/settings/reporting/schemas/{fmt}",
        files={"file": (path.name, path.read_bytes(), "application/xml")},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def rates(client: TestClient, kit: TenantKit, day: str = "2026-10-14") -> None:
    body = {"rate_date": day, "rates": {"USD": "1.08"}, "source": "test"}
    r = client.put("/v1/fx-rates", json=body, headers=kit.admin.headers)
    assert r.status_code == 200, r.text


def customer(client: TestClient, kit: TenantKit, kind: str = "person") -> dict[str, Any]:
    if kind == "business":
        body: dict[str, Any] = {
            "customer_type": "BUSINESS",
            "full_name": "Nordlicht Handel GmbH",
            "country": "DEU",
            "email": "info@nordlicht.example",
            "input_details": BUSINESS_DETAILS,
        }
    else:
        body = {
            "first_name": "Anna",
            "middle_name": "Maria",
            "last_name": "Schmidt",
            "birth_date": "1980-05-06",
            "country": "DEU",
            "nationality": "DEU",
            "email": "anna.schmidt@example.org",
            "input_details": PERSON_DETAILS,
        }
    body["external_id"] = f"c-{secrets.token_hex(4)}"
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


TRANSACTIONS = [
    ("9500.00", "EUR", "out", "online", "Jean-Paul Dupont", "FR7630006000011234567890189", "FRA"),
    ("12000.00", "USD", "out", "swift", "Harbor Trading LLC", "US12345678901", "USA"),
    ("4800.00", "EUR", "in", "branch", "Cash deposit", None, "DEU"),
    ("7300.50", "USD", "in", "wire", "Ocean Freight Ltd", None, "GBR"),
]


def transactions(
    client: TestClient, kit: TenantKit, customer_id: str, day: str = "2026-10-14"
) -> list[dict[str, Any]]:
    made = []
    for hour, (amount, currency, direction, channel, name, account, country) in enumerate(
        TRANSACTIONS
    ):
        body: dict[str, Any] = {
            "external_id": f"tx-{secrets.token_hex(6)}",
            "customer_id": customer_id,
            "amount": amount,
            "currency": currency,
            "direction": direction,
            "channel": channel,
            "type": "transfer",
            "counterparty_name": name,
            "counterparty_country": country,
            "occurred_at": f"{day}T{10 + hour:02d}:00:00Z",
        }
        if account:
            body["counterparty_account"] = account
            body["counterparty_bank"] = "BNPAFRPP"
        r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
        assert r.status_code == 201, r.text
        made.append(r.json())
    return made


def reporting_case(
    client: TestClient, kit: TenantKit, kind: str = "person", **body: Any
) -> dict[str, Any]:
    """A case on a customer of ``kind`` and its four transactions (EUR and USD)."""
    rates(client, kit)
    who = customer(client, kit, kind)
    rows = transactions(client, kit, who["id"])
    r = client.post(
        "/v1/cases",
        json=case_body(
            tasks=[], customer_id=who["id"], transaction_ids=[t["id"] for t in rows], **body
        ),
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def draft(client: TestClient, who: Member, case_id: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/cases/{case_id}/reports", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def write(client: TestClient, who: Member, report: dict[str, Any], **content: Any) -> dict:
    r = client.patch(
        f"/v1/reports/{report['id']}",
        json={"content": {**report["content"], **content}},
        headers=who.headers,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


NARRATIVE = (
    "Between 2 and 3 November the customer moved EUR and USD funds through four transfers "
    "just below internal thresholds, inconsistent with the declared business activity."
)
