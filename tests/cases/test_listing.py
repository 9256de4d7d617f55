"""The case list: filters, sorts and cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body


def _make(client: TestClient, kit: TenantKit, **overrides: object) -> dict:
    r = client.post("/v1/cases", json=case_body(**overrides), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _ids(client: TestClient, kit: TenantKit, **params: object) -> list[str]:
    r = client.get("/v1/cases", params=params, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_cursor_pagination_walks_every_case_once(client: TestClient, kit: TenantKit):
    made = [_make(client, kit, title=f"Case {i}")["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/cases", params=params, headers=kit.viewer.headers).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_sort_by_priority_then_newest(client: TestClient, kit: TenantKit):
    low = _make(client, kit, priority="low")["id"]
    high1 = _make(client, kit, priority="high")["id"]
    med = _make(client, kit, priority="medium")["id"]
    high2 = _make(client, kit, priority="high")["id"]
    assert _ids(client, kit, sort="-priority") == [high2, high1, med, low]
    assert _ids(client, kit, sort="-priority", limit=1) == [high2]
    page = client.get(
        "/v1/cases", params={"sort": "-priority", "limit": 2}, headers=kit.viewer.headers
    ).json()
    rest = _ids(client, kit, sort="-priority", limit=2, cursor=page["next_cursor"])
    assert rest == [med, low]


def test_sort_by_due_date_puts_missing_last(client: TestClient, kit: TenantKit):
    soon = datetime.now(UTC) + timedelta(days=1)
    later = _make(client, kit, due_date=(soon + timedelta(days=5)).isoformat())["id"]
    none = _make(client, kit)["id"]
    first = _make(client, kit, due_date=soon.isoformat())["id"]
    assert _ids(client, kit, sort="due_date") == [first, later, none]
    page1 = client.get(
        "/v1/cases", params={"sort": "due_date", "limit": 2}, headers=kit.viewer.headers
    ).json()
    assert [c["id"] for c in page1["items"]] == [first, later]
    assert _ids(client, kit, sort="due_date", cursor=page1["next_cursor"]) == [none]


def test_filters(client: TestClient, kit: TenantKit):
    mine = _make(client, kit, assignee_id=kit.analyst.user_id, module="aml")["id"]
    unassigned = _make(
        client, kit, module=None, custom_module="internal-audit", title="Ledger gap"
    )["id"]
    h = kit.analyst.headers
    assert [
        c["id"]
        for c in client.get("/v1/cases", params={"assignee": "me"}, headers=h).json()["items"]
    ] == [mine]
    assert _ids(client, kit, assignee="none") == [unassigned]
    assert _ids(client, kit, module="aml") == [mine]
    assert _ids(client, kit, q="ledger") == [unassigned]
    assert _ids(client, kit, created_by_type="byApi") == [unassigned, mine]
    assert _ids(client, kit, review_status="resolved") == []
    client.post(f"/v1/cases/{mine}/transition", json={"to": "blocked"}, headers=h)
    assert _ids(client, kit, review_status=["blocked", "awaiting_user"]) == [mine]


def test_search_matches_customer_name(client: TestClient, kit: TenantKit):
    cid = _make(client, kit, customer={"full_name": "Zebulon Quartz"})["id"]
    _make(client, kit)
    assert _ids(client, kit, q="zebulon") == [cid]
    assert _ids(client, kit, q="%") == []


def test_bad_cursor_and_limits_are_422(client: TestClient, kit: TenantKit):
    h = kit.viewer.headers
    r = client.get("/v1/cases", params={"cursor": "not-a-cursor"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    r = client.get("/v1/cases", params={"limit": 1000}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.limit"
    r = client.get("/v1/cases", params={"sort": "title"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.sort"
