"""GET /case-management: numbered pages, filters, and only the caller's tenant."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.sigma.support import assert_error, create, sigma
from tests.factories import TenantKit


def _list(client: TestClient, kit: TenantKit, **params: Any) -> dict[str, Any]:
    r = client.get("/case-management", params=params, headers=sigma(kit.viewer))
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert answer["message"] == "Cases retrieved successfully"
    assert set(answer["data"]) == {"cases", "pagination"}
    return dict(answer["data"])


def _ids(data: dict[str, Any]) -> list[str]:
    return [c["_id"] for c in data["cases"]]


def test_pages_newest_first(client: TestClient, kit: TenantKit):
    made = [create(client, kit, title=f"Case {n}")["_id"] for n in range(5)]
    newest_first = made[::-1]
    first = _list(client, kit)
    assert _ids(first) == newest_first
    assert first["pagination"] == {"page": 1, "limit": 20, "total": 5, "pages": 1}

    pages = [_list(client, kit, page=p, limit=2) for p in (1, 2, 3, 4)]
    assert [_ids(p) for p in pages] == [newest_first[:2], newest_first[2:4], newest_first[4:], []]
    assert pages[0]["pagination"] == {"page": 1, "limit": 2, "total": 5, "pages": 3}
    assert pages[3]["pagination"]["total"] == 5

    single = client.get(f"/case-management/{made[0]}", headers=sigma(kit.viewer)).json()
    assert pages[2]["cases"][0] == single["data"]


def test_empty_tenant(client: TestClient, kit: TenantKit):
    assert _list(client, kit) == {
        "cases": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0},
    }


def test_filters(client: TestClient, kit: TenantKit):
    low = create(client, kit, priority="low", module="kyc")["_id"]
    high = create(client, kit, priority="high", customModule="internal-audit", module=...)
    mine = create(client, kit, priority="medium", assignedTo=kit.analyst.user_id)["_id"]
    worked = create(client, kit, priority="medium", module="kyc")["_id"]
    r = client.post(
        f"/v1/cases/{worked}/transition", json={"to": "awaiting_user"}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text

    assert _ids(_list(client, kit, priority="low")) == [low]
    assert _ids(_list(client, kit, priority="medium")) == [worked, mine]
    assert _ids(_list(client, kit, module="kyc")) == [worked, low]
    assert _ids(_list(client, kit, module="internal-audit")) == [high["_id"]]
    assert _ids(_list(client, kit, assignedTo=kit.analyst.user_id)) == [mine]
    assert _ids(_list(client, kit, status="in-progress")) == [worked]
    assert _ids(_list(client, kit, status="open")) == [mine, high["_id"], low]
    assert _ids(_list(client, kit, status="resolved")) == []
    both = _list(client, kit, status="open", module="kyc", limit=1)
    assert _ids(both) == [low]
    assert both["pagination"] == {"page": 1, "limit": 1, "total": 1, "pages": 1}


def test_only_the_callers_tenant(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    ours = create(client, kit)["_id"]
    theirs = create(client, other_kit)["_id"]
    assert _ids(_list(client, kit)) == [ours]
    assert _ids(_list(client, other_kit)) == [theirs]


def test_query_rules(client: TestClient, kit: TenantKit):
    headers = sigma(kit.viewer)
    for params, field in [
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"status": "pending"}, "status"),
        ({"priority": "urgent"}, "priority"),
    ]:
        r = client.get("/case-management", params=params, headers=headers)
        assert_error(r, 400, field)
    assert _list(client, kit, limit=100)["pagination"]["limit"] == 100
