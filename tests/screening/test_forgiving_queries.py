"""Forgiving queries, strict answers: a messy birth date is still screened and the result
says what was used; a batch answers a bad query with its error in place."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.factories import TenantKit


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"dates-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    record = {
        "id": "ka",
        "schema": "Person",
        "target": True,
        "properties": {
            "name": ["Karim Abdelaziz Mansour"],
            "birthDate": ["1977-08-12"],
            "topics": ["sanction"],
        },
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _screen(client: TestClient, kit: TenantKit, listed: str, birth_date: str) -> dict[str, Any]:
    r = client.post(
        "/v1/screenings",
        json={"name": "Karim Abdelaziz Mansour", "birth_date": birth_date, "datasets": [listed]},
        headers=kit.viewer.headers,
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("birth_date", "said"),
    [
        ("1977-8-12", None),
        ("12 Aug 1977", None),
        ("12/08/1977", "day-month or month-day"),
        ("1975-1979", "range"),
        ("1977-13-30", "not a calendar date"),
        ("sometime in the seventies", "could not be read"),
    ],
)
def test_messy_birth_dates_are_screened_and_said(
    client: TestClient, kit: TenantKit, listed: str, birth_date: str, said: str | None
):
    result = _screen(client, kit, listed, birth_date)
    assert [m["entity_id"] for m in result["matches"]] == [f"{listed}:ka"]
    date_warnings = [w for w in result["warnings"] if "birth date" in w]
    if said is None:
        assert date_warnings == []
    else:
        assert len(date_warnings) == 1 and said in date_warnings[0]


def test_a_certain_date_counts_and_an_ambiguous_one_only_by_year(
    client: TestClient, kit: TenantKit, listed: str
):
    exact = _screen(client, kit, listed, "12 Aug 1977")["matches"][0]
    year = _screen(client, kit, listed, "12/08/1977")["matches"][0]
    conflict = _screen(client, kit, listed, "1960")["matches"]
    assert exact["explanation"]["birth_date"]["text"].startswith("same date of birth")
    assert year["explanation"]["birth_date"]["text"].startswith("same year of birth")
    assert exact["score"] > year["score"]
    assert not conflict or conflict[0]["score"] < year["score"]


def test_a_batch_answers_bad_queries_in_place_and_screens_the_rest(
    client: TestClient, kit: TenantKit, listed: str
):
    queries = [
        {"name": "Karim Abdelaziz Mansour", "datasets": [listed]},
        {"name": "", "datasets": [listed]},
        {"name": "Karim Mansour", "countries": ["Atlantis"], "datasets": [listed]},
        {"name": "Karim Abdelaziz Mansour", "datasets": ["no-such-list"]},
        "not a query",
        {"name": "Karim Abdelaziz Mansour", "birth_date": "31/31/1977", "datasets": [listed]},
    ]
    r = client.post("/v1/screenings/batch", json={"queries": queries}, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == len(queries)
    assert [m["entity_id"] for m in results[0]["matches"]] == [f"{listed}:ka"]
    for index, field in ((1, "queries[1].name"), (2, "queries[2].countries.0")):
        assert "matches" not in results[index]
        assert results[index]["error"]["status"] == 422
        assert [e["field"] for e in results[index]["error"]["errors"]] == [field]
    assert results[3]["error"]["status"] == 422
    assert results[3]["error"]["errors"][0]["field"] == "queries[3].datasets"
    assert results[4]["error"]["status"] == 422
    assert [m["entity_id"] for m in results[5]["matches"]] == [f"{listed}:ka"]
    assert any("not a calendar date" in w for w in results[5]["warnings"])


def test_compare_reads_messy_dates_and_says_so(client: TestClient, kit: TenantKit):
    body = {
        "schema": "Person",
        "a": {"name": "Karim Mansour", "birth_date": "12/08/1977"},
        "b": {"name": "Karim Mansour", "birth_date": "1977-08-12"},
    }
    r = client.post("/v1/screenings/compare", json=body, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    assert r.json()["match"] is True
    assert r.json()["warnings"] == [
        "a: birth date '12/08/1977' could be day-month or month-day; "
        "screened with the year 1977 only"
    ]
