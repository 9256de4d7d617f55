"""What the checks say reads the same, and reads as sentences, through every API: the
Sphinx check, the Sigma log and /v1 all carry the runner's own words ("No PEP match",
"Counterparty country PRK"), and a Sphinx customer's country reaches JURISDICTION."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.cases.repository import number_to_id
from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.dialects.sigma.support import sigma
from tests.dialects.sphinx.support import bearer
from tests.factories import TenantKit
from tests.install import listed, write_list

PEP_TITLE = "No PEP match"
JURISDICTION_TITLE = "Customer country IRN: FATF call for action"


@pytest.fixture
def pep_list(db: Database, kit: TenantKit, tmp_path: Path) -> str:
    """A list of politically exposed persons that only ``kit``'s tenant searches."""
    name = f"officials-{secrets.token_hex(3)}"
    path = write_list(
        tmp_path / "officials.json",
        listed("o1", "Person", "Teodora Vasquez Lind", ["role.pep"], birthDate="1961-03-02"),
    )
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path], tenant_id=kit.tenant_id)
    return name


def _sphinx_case(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/cases/", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_check_texts_through_sphinx_sigma_and_v1(
    app: FastAPI, client: TestClient, db: Database, kit: TenantKit, pep_list: str
):
    auth = bearer(client, kit.analyst)
    body = {
        "customer": {"full_name": "Dariush Karimi", "input_details": {"country": "IRN"}},
        "checks": [
            {"check_type": "PEP"},
            {"check_type": "JURISDICTION", "input_details": {"counterparty_countries": ["PRK"]}},
        ],
    }
    number = _sphinx_case(client, auth, body)["id"]
    app.state.jobs.join()

    done = client.get(f"/api/cases/{number}/", headers=auth).json()
    titles = {c["check_type"]: c["title"] for c in done["checks"]}
    assert titles == {"PEP": PEP_TITLE, "JURISDICTION": JURISDICTION_TITLE}
    jurisdiction = next(c for c in done["checks"] if c["check_type"] == "JURISDICTION")
    assert "\nCounterparty country PRK: FATF call for action" in jurisdiction["reasoning"]
    assert "ounterparty counterparty" not in jurisdiction["reasoning"]

    with db.transaction(write=False) as session:
        case_id = number_to_id(session, tenant_id=kit.tenant_id, number=number)
    log = client.get(f"/case-management/{case_id}", headers=sigma(kit.analyst)).json()
    messages = [entry["message"] for entry in log["data"]["log"]]
    assert PEP_TITLE in messages and JURISDICTION_TITLE in messages

    native = client.get(f"/v1/cases/{case_id}/checks", headers=kit.admin.headers).json()
    assert {c["title"] for c in native["items"]} == {PEP_TITLE, JURISDICTION_TITLE}


@pytest.mark.parametrize(
    "customer",
    [
        {"country": "IRN"},
        {"input_details": {"country": "IRN"}},
        {"input_details": {"country": "IR"}},
    ],
    ids=["country", "input-details-alpha-3", "input-details-alpha-2"],
)
def test_a_sphinx_customers_country_reaches_the_jurisdiction_check(
    app: FastAPI, client: TestClient, kit: TenantKit, customer: dict[str, Any]
):
    auth = bearer(client, kit.analyst)
    r = client.post(
        "/api/customers/", json={"full_name": "Dariush Karimi", **customer}, headers=auth
    )
    assert r.status_code == 201, r.text
    assert r.json()["country"] == "IRN"
    body = {"customer_id": r.json()["id"], "checks": [{"check_type": "JURISDICTION"}]}
    number = _sphinx_case(client, auth, body)["id"]
    app.state.jobs.join()
    (check,) = client.get(f"/api/cases/{number}/", headers=auth).json()["checks"]
    assert check["title"] == JURISDICTION_TITLE
    assert "no country given" not in check["reasoning"]


def test_a_country_that_is_no_code_is_refused_where_it_is_a_field(
    client: TestClient, kit: TenantKit
):
    auth = bearer(client, kit.analyst)
    r = client.post("/api/customers/", json={"full_name": "X", "country": "Iran"}, headers=auth)
    assert r.status_code == 400
    assert r.json() == {"country": ["Enter a valid ISO 3166-1 alpha-3 country code, such as NOR."]}
    # In input_details, which the vendor leaves free, it is kept and left to the check.
    r = client.post(
        "/api/customers/",
        json={"full_name": "X", "input_details": {"country": "Iran"}},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    assert r.json()["country"] is None and r.json()["input_details"] == {"country": "Iran"}
