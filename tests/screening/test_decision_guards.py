"""What a screening answer may show and how it is decided: a tenant's own list stays its
own in entity lookups, weak aliases are not shown as names, compare decides by the
schema asked, scores are given to four places and an unread birth date is said."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.factories import TenantKit


def _import(db: Database, records: list[dict[str, Any]], tmp: Any, **kwargs: Any) -> str:
    name = f"guards-{secrets.token_hex(4)}"
    path = tmp / f"{name}.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path], **kwargs)
    return name


def _person(key: str, name: str, **properties: list[str]) -> dict[str, Any]:
    props = {"name": [name], "topics": ["sanction"], **properties}
    return {"id": key, "schema": "Person", "target": True, "properties": props}


@pytest.fixture
def private(
    db: Database, kit: TenantKit, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """A list only ``kit``'s tenant may see, and its one entity's id."""
    name = _import(
        db,
        [_person("p1", "Teodora Vasquez Lind")],
        tmp_path_factory.mktemp("private"),
        tenant_id=kit.tenant_id,
    )
    return name, f"{name}:p1"


def test_a_tenants_own_list_is_not_shown_to_another(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, private: tuple[str, str]
):
    name, entity_id = private
    url = f"/v1/watchlist/entities/{entity_id}"
    mine = client.get(url, headers=kit.viewer.headers)
    assert mine.status_code == 200, mine.text
    theirs = client.get(url, headers=other_kit.viewer.headers)
    assert theirs.status_code == 404, theirs.text
    assert theirs.json()["detail"] == f"no watchlist entity {entity_id}"
    assert "Teodora" not in theirs.text
    for missing in (f"{name}:nobody", f"{name}p1", "nowhere:p1"):
        r = client.get(f"/v1/watchlist/entities/{missing}", headers=kit.viewer.headers)
        assert r.status_code == 404, missing
        assert r.json()["detail"] == f"no watchlist entity {missing}"
    listed = client.get("/v1/watchlist/datasets", headers=other_kit.viewer.headers).text
    assert name not in listed


def test_an_entity_key_may_hold_a_colon(
    client: TestClient, db: Database, kit: TenantKit, tmp_path_factory: pytest.TempPathFactory
):
    name = _import(db, [_person("ofac:123", "Rurik Solberg")], tmp_path_factory.mktemp("colon"))
    r = client.get(f"/v1/watchlist/entities/{name}:ofac:123", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    assert "Rurik Solberg" in r.text


def test_weak_aliases_are_not_shown_as_names(
    client: TestClient, db: Database, kit: TenantKit, tmp_path_factory: pytest.TempPathFactory
):
    record = _person("w1", "Casimir Oyelaran Dube", weakAlias=["The Tailor"])
    name = _import(db, [record], tmp_path_factory.mktemp("weak"))
    r = client.post(
        "/v1/screenings",
        json={"name": "Casimir Oyelaran Dube", "datasets": [name]},
        headers=kit.viewer.headers,
    )
    (match,) = r.json()["matches"]
    assert "Casimir Oyelaran Dube" in match["names"] and "The Tailor" not in match["names"]


def _compare(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/screenings/compare", json=body, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_compare_decides_by_the_schema_asked(client: TestClient, kit: TenantKit):
    pair = {"a": {"name": "Acme Trading Ltd"}, "b": {"name": "Acme Trading"}}
    company = _compare(client, kit, schema="Company", threshold=0.9, **pair)
    person = _compare(client, kit, schema="Person", threshold=0.9, **pair)
    # A legal form is not part of a company's name; for a person it is just a word.
    assert company["match"] is True and person["match"] is False
    assert company["score"] > person["score"]


def test_compare_gives_four_places_and_says_what_it_could_not_read(
    client: TestClient, kit: TenantKit
):
    result = _compare(
        client,
        kit,
        a={"name": "Acme Trading Ltd", "birth_date": "about 1970?"},
        b={"name": "Acme Trading"},
    )
    assert 0 < result["score"] < 1
    assert round(result["score"], 4) == result["score"]
    assert len(repr(result["score"]).partition(".")[2]) <= 4
    (warning,) = result["warnings"]
    assert warning.startswith("a: ") and "about 1970?" in warning


def _sanctions_case(
    client: TestClient, kit: TenantKit, full_name: str, **params: Any
) -> dict[str, Any]:
    slug = f"s-{secrets.token_hex(3)}"
    config = {
        "slug": slug,
        "name": "Sanctions",
        "checks": [{"type": "SANCTIONS", "params": params}],
    }
    r = client.post("/v1/case-configs", json=config, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    body = {
        "title": "Onboarding",
        "config": slug,
        "customer": {"customer_type": "INDIVIDUAL", "full_name": full_name},
    }
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert case.status_code == 201, case.text
    client.app.state.jobs.join()
    r = client.get(f"/v1/cases/{case.json()['id']}/checks", headers=kit.viewer.headers)
    (check,) = r.json()["items"]
    assert check["status"] in ("COMPLETED", "ERROR"), check
    return dict(check)


def test_a_check_never_searches_another_tenants_own_list(
    client: TestClient,
    db: Database,
    kit: TenantKit,
    other_kit: TenantKit,
    private: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
):
    name, entity_id = private
    shared = _import(db, [_person("s1", "Halvard Ekwueme")], tmp_path_factory.mktemp("shared"))
    theirs = _sanctions_case(client, other_kit, "Teodora Vasquez Lind")
    assert theirs["status"] == "COMPLETED" and shared in json.dumps(theirs), "it did search"
    assert entity_id not in json.dumps(theirs)
    assert name not in json.dumps(theirs.get("dataset_versions") or {})
    mine = _sanctions_case(client, kit, "Teodora Vasquez Lind")
    assert [m["entity_id"] for m in mine["matches"]] == [entity_id]


def test_a_check_keeps_at_most_ten_matches_a_subject_and_honours_its_threshold(
    client: TestClient, db: Database, kit: TenantKit, tmp_path_factory: pytest.TempPathFactory
):
    same = "Anselm Quarshie Mbeki"
    name = _import(
        db,
        [_person(f"q{n}", same) for n in range(12)],
        tmp_path_factory.mktemp("many"),
        tenant_id=kit.tenant_id,
    )
    check = _sanctions_case(client, kit, same, threshold=0.9)
    found = [m for m in check["matches"] if m["entity_id"].startswith(f"{name}:")]
    assert len(found) == 10
    above = _sanctions_case(client, kit, same, threshold=0.9501)
    assert [m for m in above["matches"] if m["entity_id"].startswith(f"{name}:")] == []
