"""GET /v1/analytics/cases: counts by status, priority and module, overdue cases and the
median time to resolve, always within the caller's tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from casework.infra.db import Database
from casework.models import Case
from tests.factories import Member, TenantKit, case_body

STATUSES = ("open", "in_progress", "awaiting_user", "blocked", "resolved", "closed")
MODULES = ("transaction-monitoring", "aml", "cdd", "kyc", "reporting", "custom", "none")


def _empty() -> dict[str, Any]:
    return {
        "total": 0,
        "by_review_status": dict.fromkeys(STATUSES, 0),
        "by_priority": {"low": 0, "medium": 0, "high": 0},
        "by_module": dict.fromkeys(MODULES, 0),
        "overdue": 0,
        "median_time_to_resolve_hours": None,
    }


def _analytics(client: TestClient, member: Member, **params: str) -> dict[str, Any]:
    r = client.get("/v1/analytics/cases", params=params, headers=member.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _create(client: TestClient, kit: TenantKit, **overrides: Any) -> str:
    r = client.post("/v1/cases", json=case_body(**overrides), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _move(client: TestClient, kit: TenantKit, case_id: str, to: str) -> dict[str, Any]:
    r = client.post(f"/v1/cases/{case_id}/transition", json={"to": to}, headers=kit.analyst.headers)
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == to
    return r.json()


def _resolve(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    """Tick every open checklist item, then resolve as the analyst (no override)."""
    h = kit.analyst.headers
    for task in client.get(f"/v1/cases/{case_id}", headers=h).json()["tasks"]:
        if not task["done"]:
            r = client.patch(
                f"/v1/cases/{case_id}/tasks/{task['id']}", json={"done": True}, headers=h
            )
            assert r.status_code == 200, r.text
    r = client.post(
        f"/v1/cases/{case_id}/transition",
        json={"to": "resolved", "resolution": "false_positive", "note": "Benign"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["resolved_at"] is not None
    return r.json()


def _reopen(client: TestClient, kit: TenantKit, case_id: str) -> None:
    r = client.post(
        f"/v1/cases/{case_id}/reopen", json={"note": "New evidence"}, headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text


def _set(db: Database, case_id: str, **values: Any) -> None:
    with db.transaction() as session:
        result = session.execute(update(Case).where(Case.id == case_id).values(**values))
        assert result.rowcount == 1


def _case(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _listed(client: TestClient, kit: TenantKit, **params: Any) -> set[str]:
    r = client.get("/v1/cases", params={"limit": 200, **params}, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return {c["id"] for c in r.json()["items"]}


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=7)).isoformat()


# --- Counts ---------------------------------------------------------------------------------


def test_empty_tenant_has_every_key_at_zero(client: TestClient, kit: TenantKit):
    assert _analytics(client, kit.viewer) == _empty()


def test_every_count_is_exact(client: TestClient, kit: TenantKit):
    # Open, untouched.
    _create(client, kit, priority="high", module="transaction-monitoring")
    _create(client, kit, priority="medium", module="aml")
    # Working states.
    _move(client, kit, _create(client, kit, priority="high", module="aml"), "in_progress")
    _move(client, kit, _create(client, kit, priority="medium", module="aml"), "awaiting_user")
    _move(client, kit, _create(client, kit, priority="low", module="kyc"), "blocked")
    # Resolved: one after ticking its checklist, one without a checklist.
    _resolve(
        client,
        kit,
        _create(client, kit, priority="medium", module=None, custom_module="sanctions-screening"),
    )
    _resolve(client, kit, _create(client, kit, priority="high", module="reporting", tasks=[]))
    # Closed (resolved first), with neither a module nor a custom module.
    closed = _create(client, kit, priority="low", module=None, tasks=[])
    _resolve(client, kit, closed)
    _move(client, kit, closed, "closed")
    # Resolved, then reopened: counts as in progress and not as resolved.
    reopened = _create(client, kit, priority="high", module="transaction-monitoring", tasks=[])
    _resolve(client, kit, reopened)
    _reopen(client, kit, reopened)

    stats = _analytics(client, kit.viewer)
    median = stats.pop("median_time_to_resolve_hours")
    expected = _empty()
    expected.pop("median_time_to_resolve_hours")
    expected.update(
        total=9,
        by_review_status={
            "open": 2,
            "in_progress": 2,
            "awaiting_user": 1,
            "blocked": 1,
            "resolved": 2,
            "closed": 1,
        },
        by_priority={"low": 2, "medium": 3, "high": 4},
        by_module={
            "transaction-monitoring": 2,
            "aml": 3,
            "cdd": 0,
            "kyc": 1,
            "reporting": 1,
            "custom": 1,
            "none": 1,
        },
        overdue=0,
    )
    assert stats == expected
    # Three cases carry a resolved_at (two resolved, one closed), each resolved within
    # seconds of being created in this test.
    assert median is not None
    assert 0 <= median < 0.1


def test_only_the_callers_tenant_is_counted(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    mine = _create(client, kit, priority="low", module="kyc", tasks=[])
    _resolve(client, kit, mine)

    for priority in ("high", "high", "medium"):
        theirs = _create(client, other_kit, priority=priority, module="aml", due_date=_future())
        _set(db, theirs, due_date=datetime.now(UTC) - timedelta(days=1))
    resolved = _create(client, other_kit, tasks=[])
    _resolve(client, other_kit, resolved)
    _set(
        db,
        resolved,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        resolved_at=datetime(2024, 1, 11, tzinfo=UTC),
    )

    stats = _analytics(client, kit.viewer)
    assert stats["total"] == 1
    assert stats["by_review_status"] == dict.fromkeys(STATUSES, 0) | {"resolved": 1}
    assert stats["by_priority"] == {"low": 1, "medium": 0, "high": 0}
    assert stats["by_module"] == dict.fromkeys(MODULES, 0) | {"kyc": 1}
    assert stats["overdue"] == 0
    assert stats["median_time_to_resolve_hours"] is not None
    assert stats["median_time_to_resolve_hours"] < 0.1

    theirs_stats = _analytics(client, other_kit.viewer)
    assert theirs_stats["total"] == 4
    assert theirs_stats["overdue"] == 3
    assert theirs_stats["by_module"]["aml"] == 3
    assert theirs_stats["median_time_to_resolve_hours"] == 240.0


# --- Overdue --------------------------------------------------------------------------------


def test_overdue_counts_only_unfinished_cases_past_their_due_date(
    client: TestClient, kit: TenantKit, db: Database
):
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    late_open = _create(client, kit, due_date=_future(), tasks=[])
    late_working = _create(client, kit, due_date=_future(), tasks=[])
    _move(client, kit, late_working, "in_progress")
    late_resolved = _create(client, kit, due_date=_future(), tasks=[])
    _resolve(client, kit, late_resolved)
    late_closed = _create(client, kit, due_date=_future(), tasks=[])
    _resolve(client, kit, late_closed)
    _move(client, kit, late_closed, "closed")
    on_time = _create(client, kit, due_date=_future(), tasks=[])
    undated = _create(client, kit, tasks=[])

    assert _analytics(client, kit.viewer)["overdue"] == 0
    assert _case(client, kit, late_open)["is_overdue"] is False
    assert _listed(client, kit, overdue="true") == set()

    for case_id in (late_open, late_working, late_resolved, late_closed):
        _set(db, case_id, due_date=past)

    assert _analytics(client, kit.viewer)["overdue"] == 2

    for case_id in (late_open, late_working):
        case = _case(client, kit, case_id)
        assert case["is_overdue"] is True
        assert datetime.fromisoformat(case["due_date"]) == past
    for case_id in (late_resolved, late_closed, on_time, undated):
        assert _case(client, kit, case_id)["is_overdue"] is False, case_id

    assert _listed(client, kit, overdue="true") == {late_open, late_working}
    assert _listed(client, kit, overdue="false") == {late_resolved, late_closed, on_time, undated}
    r = client.get("/v1/cases", params={"overdue": "true"}, headers=kit.viewer.headers)
    assert all(c["is_overdue"] for c in r.json()["items"])

    # Reopening a case that is past its due date makes it overdue again.
    _reopen(client, kit, late_resolved)
    assert _analytics(client, kit.viewer)["overdue"] == 3
    assert _case(client, kit, late_resolved)["is_overdue"] is True
    assert _listed(client, kit, overdue="true") == {late_open, late_working, late_resolved}


# --- Median time to resolve -----------------------------------------------------------------


def _resolved_case(
    client: TestClient, kit: TenantKit, db: Database, created: datetime, hours: float
) -> str:
    case_id = _create(client, kit, tasks=[])
    _resolve(client, kit, case_id)
    _set(db, case_id, created_at=created, resolved_at=created + timedelta(hours=hours))
    return case_id


def test_median_time_to_resolve_is_exact(client: TestClient, kit: TenantKit, db: Database):
    base = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    # Created in an order that is not the order of their durations.
    _resolved_case(client, kit, db, base, 10)
    _resolved_case(client, kit, db, base + timedelta(days=1), 1)
    _resolved_case(client, kit, db, base + timedelta(days=2), 2)
    # Unresolved cases, however old, are not part of the median.
    old_open = _create(client, kit, tasks=[])
    _set(db, old_open, created_at=base - timedelta(days=300))

    assert _analytics(client, kit.viewer)["median_time_to_resolve_hours"] == 2.0

    # With an even number, the mean of the middle two: 1, 2, 4, 10 -> 3.
    _resolved_case(client, kit, db, base + timedelta(days=3), 4)
    assert _analytics(client, kit.viewer)["median_time_to_resolve_hours"] == 3.0

    # 0.5, 1, 2, 4, 10 -> 2.
    _resolved_case(client, kit, db, base + timedelta(days=4), 0.5)
    assert _analytics(client, kit.viewer)["median_time_to_resolve_hours"] == 2.0


def test_median_ignores_reopened_cases_and_counts_closed_ones(
    client: TestClient, kit: TenantKit, db: Database
):
    base = datetime(2024, 5, 1, tzinfo=UTC)
    closed = _resolved_case(client, kit, db, base, 6)
    _move(client, kit, closed, "closed")
    reopened = _resolved_case(client, kit, db, base + timedelta(days=1), 100)
    _reopen(client, kit, reopened)
    stats = _analytics(client, kit.viewer)
    assert stats["median_time_to_resolve_hours"] == 6.0
    assert stats["by_review_status"]["closed"] == 1
    assert stats["by_review_status"]["in_progress"] == 1


def test_median_of_a_single_case_and_of_fractional_hours(
    client: TestClient, kit: TenantKit, db: Database
):
    base = datetime(2024, 6, 1, 23, 30, tzinfo=UTC)
    _resolved_case(client, kit, db, base, 1.75)
    assert _analytics(client, kit.viewer)["median_time_to_resolve_hours"] == 1.75
    _resolved_case(client, kit, db, base + timedelta(hours=1), 49.5)
    assert _analytics(client, kit.viewer)["median_time_to_resolve_hours"] == pytest.approx(
        (1.75 + 49.5) / 2
    )


# --- Created-at window ----------------------------------------------------------------------


def test_created_window_limits_counts_and_median(client: TestClient, kit: TenantKit, db: Database):
    march = _resolved_case(client, kit, db, datetime(2024, 3, 1, tzinfo=UTC), 5)
    april = _resolved_case(client, kit, db, datetime(2024, 4, 1, tzinfo=UTC), 7)
    may = _create(client, kit, priority="low", tasks=[])
    _set(db, may, created_at=datetime(2024, 5, 1, tzinfo=UTC))
    assert {march, april, may}

    window = _analytics(
        client,
        kit.viewer,
        # The same instant as 2024-04-01T00:00Z, given with an offset: inclusive.
        created_from="2024-04-01T02:00:00+02:00",
        # Exclusive upper bound exactly at the May case's creation.
        created_to="2024-05-01T00:00:00Z",
    )
    assert window["total"] == 1
    assert window["by_review_status"]["resolved"] == 1
    assert window["median_time_to_resolve_hours"] == 7.0

    since_april = _analytics(client, kit.viewer, created_from="2024-04-01T00:00:00Z")
    assert since_april["total"] == 2
    assert since_april["by_priority"]["low"] == 1
    assert since_april["median_time_to_resolve_hours"] == 7.0

    before_april = _analytics(client, kit.viewer, created_to="2024-04-01T00:00:00Z")
    assert before_april["total"] == 1
    assert before_april["median_time_to_resolve_hours"] == 5.0

    nothing = _analytics(client, kit.viewer, created_from="2030-01-01T00:00:00Z")
    assert nothing == _empty()


def test_created_window_must_be_ordered_and_aware(client: TestClient, kit: TenantKit):
    r = client.get(
        "/v1/analytics/cases",
        params={"created_from": "2024-05-01T00:00:00Z", "created_to": "2024-04-01T00:00:00Z"},
        headers=kit.viewer.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["query.created_to"]
    r = client.get(
        "/v1/analytics/cases",
        params={"created_from": "2024-05-01T00:00:00"},
        headers=kit.viewer.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["query.created_from"]


# --- Access ---------------------------------------------------------------------------------


def test_every_role_including_viewer_may_read(client: TestClient, kit: TenantKit):
    _create(client, kit)
    for member in kit.members.values():
        assert _analytics(client, member)["total"] == 1, member.role


def test_anonymous_is_401(client: TestClient):
    r = client.get("/v1/analytics/cases")
    assert r.status_code == 401
