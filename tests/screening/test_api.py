"""The screening API: search, batch, compare, entity lookup, validation and permissions."""

# Cyrillic names are the point of some of these tests.

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.factories import TenantKit


def _thing(entity_id: str, schema: str, name: str, **properties: Any) -> dict[str, Any]:
    props = {"name": [name], "topics": ["sanction"], **properties}
    return {
        "id": entity_id,
        "schema": schema,
        "target": True,
        "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()},
    }


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small sanctions list, imported once for this module's tests."""
    name = f"api-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    records = [
        _thing(
            "vp",
            "Person",
            "Vladimir Vladimirovich Putin",
            birthDate="1952-10-07",
            nationality="ru",
            gender="male",
            alias=["Владимир Владимирович Путин"],
        ),
        _thing("gh", "Person", "George Habbash", birthDate="1926"),
        _thing("emma", "Company", "EMMA LLC", jurisdiction="us"),
        _thing("ship", "Vessel", "OCEAN STAR", imoNumber="IMO9123456"),
        _thing("pass", "Person", "Ahmad Karimi", passportNumber="K1234567", birthDate="1980"),
    ]
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _screen(client: TestClient, kit: TenantKit, listed: str, **body: Any) -> dict[str, Any]:
    r = client.post(
        "/v1/screenings", json={"datasets": [listed], **body}, headers=kit.viewer.headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def _top(result: dict[str, Any]) -> tuple[str, bool] | None:
    if not result["matches"]:
        return None
    first = result["matches"][0]
    return first["entity_id"].split(":", 1)[1], first["match"]


def test_finds_reordered_name_with_explanation(client: TestClient, kit: TenantKit, listed: str):
    result = _screen(client, kit, listed, name="PUTIN, Vladimir Vladimirovich", schema="Person")
    assert _top(result) == ("vp", True)
    best = result["matches"][0]
    assert best["schema"] == "Person"
    assert best["datasets"] == [listed]
    assert "name" in best["explanation"]
    assert 0 < best["score"] <= 1
    assert result["dataset_versions"][listed] == 1
    assert result["took_ms"] >= 0


def test_cyrillic_query_finds_latin_listing(client: TestClient, kit: TenantKit, listed: str):
    result = _screen(client, kit, listed, name="Путин Владимир", schema="Person")
    assert _top(result) == ("vp", True)


def test_no_false_alerts_on_lookalikes(client: TestClient, kit: TenantKit, listed: str):
    assert not any(
        m["match"]
        for m in _screen(client, kit, listed, name="George Bush", schema="Person")["matches"]
    )
    assert not any(
        m["match"]
        for m in _screen(client, kit, listed, name="Emma Daniels", schema="Person")["matches"]
    )


def test_identifier_and_birth_date_qualifiers(client: TestClient, kit: TenantKit, listed: str):
    with_id = _screen(client, kit, listed, name="Ahmed Karimy", identifiers=["K1234567"])
    without = _screen(client, kit, listed, name="Ahmed Karimy")
    conflict = _screen(
        client, kit, listed, name="Ahmad Karimi", birth_date="1955-01-01", threshold=0.0
    )
    same = _screen(client, kit, listed, name="Ahmad Karimi", birth_date="1980-05-05", threshold=0.0)
    score = {
        k: next((m["score"] for m in r["matches"] if m["entity_id"].endswith(":pass")), 0.0)
        for k, r in {
            "with_id": with_id,
            "without": without,
            "conflict": conflict,
            "same": same,
        }.items()
    }
    assert score["with_id"] > score["without"]
    assert score["same"] > score["conflict"]


def test_batch_keeps_order(client: TestClient, kit: TenantKit, listed: str):
    queries = [
        {"name": "George Habbash", "datasets": [listed]},
        {"name": "Nobody Atall Here", "datasets": [listed]},
        {"name": "Vladimir Putin", "datasets": [listed]},
    ]
    r = client.post("/v1/screenings/batch", json={"queries": queries}, headers=kit.viewer.headers)
    assert r.status_code == 200
    tops = [_top(result) for result in r.json()["results"]]
    assert tops[0] == ("gh", True)
    assert tops[1] is None or tops[1][1] is False
    assert tops[2] == ("vp", True)


def test_compare_explains_without_a_list(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/screenings/compare",
        headers=kit.viewer.headers,
        json={
            "schema": "Person",
            "a": {"name": "Vladimir Putin", "birth_date": "1952"},
            "b": {"name": "PUTIN, Vladimir Vladimirovich", "birth_date": "1952-10-07"},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["match"] is True
    assert "name" in r.json()["explanation"]
    r = client.post(
        "/v1/screenings/compare",
        headers=kit.viewer.headers,
        json={"a": {"name": "George Bush"}, "b": {"name": "George Habbash"}},
    )
    assert r.json()["match"] is False


def test_entity_lookup(client: TestClient, kit: TenantKit, listed: str):
    r = client.get(f"/v1/watchlist/entities/{listed}:ship", headers=kit.viewer.headers)
    assert r.status_code == 200
    assert r.json()["schema"] == "Vessel"
    assert r.json()["entity"]["identifiers"][0]["value"].endswith("9123456")
    assert (
        client.get(f"/v1/watchlist/entities/{listed}:nope", headers=kit.viewer.headers).status_code
        == 404
    )
    assert (
        client.get("/v1/watchlist/entities/no-colon", headers=kit.viewer.headers).status_code == 404
    )


def test_datasets_are_listed(client: TestClient, kit: TenantKit, listed: str):
    r = client.get("/v1/watchlist/datasets", headers=kit.viewer.headers)
    assert any(d["name"] == listed and d["entities"] == 5 for d in r.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "schema": "Robot"}, "schema"),
        ({"name": "x", "birth_date": "1" * 61}, "birth_date"),
        ({"name": "x", "countries": ["Atlantis"]}, "countries.0"),
        ({"name": "x", "threshold": 2}, "threshold"),
        ({"name": "x", "limit": 0}, "limit"),
        ({"name": "x", "datasets": ["no-such-list"]}, "datasets"),
        ({"name": "x", "gender": "other"}, "gender"),
    ],
)
def test_bad_screening_requests(client: TestClient, kit: TenantKit, body: dict, field: str):
    r = client.post("/v1/screenings", json=body, headers=kit.viewer.headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


def test_batch_is_capped(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/screenings/batch", json={"queries": [{"name": "x"}] * 1001}, headers=kit.viewer.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "queries"


def test_results_are_deterministic(client: TestClient, kit: TenantKit, listed: str):
    body = {"name": "Vladimir Putin", "threshold": 0.0, "limit": 5}
    first = _screen(client, kit, listed, **body)["matches"]
    second = _screen(client, kit, listed, **body)["matches"]
    assert first == second
