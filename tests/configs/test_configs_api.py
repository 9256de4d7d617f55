"""Case configs through /v1/case-configs, and what a case opened from one is given."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent
from tests.factories import TenantKit

CONFIG_FIELDS = {
    "checks",
    "outcome_policy",
    "approvals",
    "monitoring",
    "kyc_config",
    "id",
    "slug",
    "name",
    "module",
    "custom_module",
    "default_priority",
    "checklist",
    "sla_hours",
    "is_active",
    "created_at",
    "updated_at",
}
CHECKLIST = ["Review transaction history", "Verify source of funds", "Record the decision"]


def _slug() -> str:
    return f"cfg-{secrets.token_hex(4)}"


def _config_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": _slug(),
        "name": "AML investigation",
        "module": "aml",
        "default_priority": "high",
        "checklist": CHECKLIST,
        "sla_hours": 72,
    }
    body.update(overrides)
    return body


def _create(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    r = client.post("/v1/case-configs", json=_config_body(**overrides), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _open_case(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post(
        "/v1/cases", json={"title": "From a config", **body}, headers=kit.analyst.headers
    )
    assert r.status_code == 201, r.text
    return r.json()


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


# --- CRUD ------------------------------------------------------------------------------


def test_create_returns_full_shape(client: TestClient, kit: TenantKit):
    body = _config_body()
    r = client.post("/v1/case-configs", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    config = r.json()
    assert set(config) == CONFIG_FIELDS
    assert {k: config[k] for k in body} == body
    assert config["custom_module"] is None
    assert config["is_active"] is True
    assert len(config["id"]) == 24


def test_create_defaults(client: TestClient, kit: TenantKit):
    slug = _slug()
    r = client.post(
        "/v1/case-configs", json={"slug": slug, "name": "Bare"}, headers=kit.supervisor.headers
    )
    assert r.status_code == 201, r.text
    config = r.json()
    assert config["default_priority"] == "medium"
    assert config["checklist"] == []
    assert config["sla_hours"] is None
    assert config["module"] is None and config["custom_module"] is None


def test_get_and_list(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    kyc = _create(client, kit, module="kyc", slug=f"b-{secrets.token_hex(3)}")
    aml = _create(client, kit, module="aml", slug=f"a-{secrets.token_hex(3)}")
    custom = _create(client, kit, module=None, custom_module="periodic-review")
    h = kit.viewer.headers
    r = client.get(f"/v1/case-configs/{kyc['id']}", headers=h)
    assert r.status_code == 200 and r.json() == kyc

    page = client.get("/v1/case-configs", headers=h).json()
    assert page["next_cursor"] is None
    slugs = [c["slug"] for c in page["items"]]
    assert slugs == sorted([kyc["slug"], aml["slug"], custom["slug"]])
    only_kyc = client.get("/v1/case-configs", params={"module": "kyc"}, headers=h).json()
    assert [c["id"] for c in only_kyc["items"]] == [kyc["id"]]
    r = client.get("/v1/case-configs", params={"module": "astrology"}, headers=h)
    assert r.status_code == 422

    assert client.get("/v1/case-configs", headers=other_kit.viewer.headers).json()["items"] == []
    r = client.get(f"/v1/case-configs/{kyc['id']}", headers=other_kit.admin.headers)
    assert r.status_code == 404


def test_list_filters_on_activity_and_paginates(client: TestClient, kit: TenantKit):
    configs = [_create(client, kit) for _ in range(5)]
    h = kit.admin.headers
    r = client.patch(f"/v1/case-configs/{configs[0]['id']}", json={"is_active": False}, headers=h)
    assert r.status_code == 200
    active = client.get("/v1/case-configs", params={"is_active": "true"}, headers=h).json()
    inactive = client.get("/v1/case-configs", params={"is_active": "false"}, headers=h).json()
    assert [c["id"] for c in inactive["items"]] == [configs[0]["id"]]
    assert {c["id"] for c in active["items"]} == {c["id"] for c in configs[1:]}

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/case-configs", params=params, headers=h).json()
        seen += [c["slug"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(c["slug"] for c in configs)


def test_patch_changes_fields_and_logs_only_changes(
    client: TestClient, kit: TenantKit, db: Database
):
    config = _create(client, kit)
    new_slug = _slug()
    r = client.patch(
        f"/v1/case-configs/{config['id']}",
        json={
            "slug": new_slug,
            "name": "Renamed",
            "default_priority": "low",
            "checklist": ["Only step"],
            "sla_hours": 24,
            "module": "kyc",
        },
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["slug"] == new_slug
    assert updated["name"] == "Renamed"
    assert updated["default_priority"] == "low"
    assert updated["checklist"] == ["Only step"]
    assert updated["sla_hours"] == 24
    assert updated["module"] == "kyc"
    assert (
        client.get(f"/v1/case-configs/{config['id']}", headers=kit.viewer.headers).json() == updated
    )

    r = client.patch(
        f"/v1/case-configs/{config['id']}",
        json={"name": "Renamed", "default_priority": "low"},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    with db.transaction(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == config["id"])
                .order_by(AuditEvent.seq)
            )
        )
    assert [e.action for e in events] == ["case_config.created", "case_config.updated"]
    assert events[1].before == {
        "slug": config["slug"],
        "name": "AML investigation",
        "module": "aml",
        "default_priority": "high",
        "checklist": CHECKLIST,
        "sla_hours": 72,
    }


def test_patch_can_clear_optional_fields(client: TestClient, kit: TenantKit):
    config = _create(client, kit)
    r = client.patch(
        f"/v1/case-configs/{config['id']}",
        json={"sla_hours": None, "module": None, "checklist": []},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["sla_hours"] is None
    assert r.json()["module"] is None
    assert r.json()["checklist"] == []


def test_patch_switches_between_module_and_custom_module(client: TestClient, kit: TenantKit):
    config = _create(client, kit, module="aml")
    url = f"/v1/case-configs/{config['id']}"
    r = client.patch(url, json={"custom_module": "sanctions"}, headers=kit.admin.headers)
    assert r.status_code == 200
    assert (r.json()["module"], r.json()["custom_module"]) == (None, "sanctions")
    r = client.patch(url, json={"module": "cdd"}, headers=kit.admin.headers)
    assert (r.json()["module"], r.json()["custom_module"]) == ("cdd", None)


@pytest.mark.parametrize("field", ["slug", "name", "default_priority", "is_active"])
def test_patch_cannot_remove_required_fields(client: TestClient, kit: TenantKit, field: str):
    config = _create(client, kit)
    r = client.patch(
        f"/v1/case-configs/{config['id']}", json={field: None}, headers=kit.admin.headers
    )
    assert r.status_code == 422
    assert _fields(r) == [field]


def test_patch_of_unknown_or_foreign_config_is_404(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    config = _create(client, other_kit)
    h = kit.admin.headers
    assert (
        client.patch(f"/v1/case-configs/{config['id']}", json={"name": "x"}, headers=h).status_code
        == 404
    )
    assert client.patch("/v1/case-configs/nope", json={"name": "x"}, headers=h).status_code == 404
    assert client.get("/v1/case-configs/nope", headers=h).status_code == 404


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["AML", "-aml", "aml_review", "aml review", "amlé", "a" * 64, "", "aml/x"]
)
def test_bad_slug_is_422_naming_slug(client: TestClient, kit: TenantKit, slug: str):
    r = client.post("/v1/case-configs", json=_config_body(slug=slug), headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["slug"]


def test_bad_slug_in_patch_is_422(client: TestClient, kit: TenantKit):
    config = _create(client, kit)
    r = client.patch(
        f"/v1/case-configs/{config['id']}", json={"slug": "Not Ok"}, headers=kit.admin.headers
    )
    assert r.status_code == 422
    assert _fields(r) == ["slug"]


@pytest.mark.parametrize("slug", ["a", "0-day", "aml-2024", "a" * 63])
def test_good_slugs_are_accepted(client: TestClient, kit: TenantKit, slug: str):
    r = client.post("/v1/case-configs", json=_config_body(slug=slug), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["slug"] == slug


def test_duplicate_slug_is_409(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    first = _create(client, kit)
    r = client.post(
        "/v1/case-configs", json=_config_body(slug=first["slug"]), headers=kit.admin.headers
    )
    assert r.status_code == 409
    r = client.post(
        "/v1/case-configs", json=_config_body(slug=first["slug"]), headers=other_kit.admin.headers
    )
    assert r.status_code == 201, "slugs are unique per tenant only"


def test_renaming_onto_a_taken_slug_is_409(client: TestClient, kit: TenantKit):
    a, b = _create(client, kit), _create(client, kit)
    url = f"/v1/case-configs/{b['id']}"
    r = client.patch(url, json={"slug": a["slug"]}, headers=kit.admin.headers)
    assert r.status_code == 409
    r = client.patch(url, json={"slug": b["slug"]}, headers=kit.admin.headers)
    assert r.status_code == 200, "keeping its own slug is fine"


def test_module_and_custom_module_together_is_422(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/case-configs",
        json=_config_body(module="aml", custom_module="sanctions"),
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert _fields(r) == ["custom_module"]
    config = _create(client, kit)
    r = client.patch(
        f"/v1/case-configs/{config['id']}",
        json={"module": "kyc", "custom_module": "sanctions"},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert _fields(r) == ["custom_module"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sla_hours": 0}, "sla_hours"),
        ({"sla_hours": 8761}, "sla_hours"),
        ({"default_priority": "urgent"}, "default_priority"),
        ({"module": "astrology"}, "module"),
        ({"checklist": ["ok", ""]}, "checklist.1"),
        ({"checklist": ["step"] * 101}, "checklist"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_fields_are_422(
    client: TestClient, kit: TenantKit, overrides: dict[str, Any], field: str
):
    r = client.post("/v1/case-configs", json=_config_body(**overrides), headers=kit.admin.headers)
    assert r.status_code == 422
    assert _fields(r) == [field]


# --- who may --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_can_read_but_not_write(client: TestClient, kit: TenantKit, role: str):
    config = _create(client, kit)
    h = getattr(kit, role).headers
    assert client.get("/v1/case-configs", headers=h).status_code == 200
    assert client.get(f"/v1/case-configs/{config['id']}", headers=h).status_code == 200
    r = client.post("/v1/case-configs", json=_config_body(), headers=h)
    assert r.status_code == 403
    assert "config.manage" in r.json()["detail"]
    r = client.patch(f"/v1/case-configs/{config['id']}", json={"name": "Mine"}, headers=h)
    assert r.status_code == 403
    after = client.get(f"/v1/case-configs/{config['id']}", headers=h).json()
    assert after == config
    assert len(client.get("/v1/case-configs", headers=h).json()["items"]) == 1


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_managers_can_write(client: TestClient, kit: TenantKit, role: str):
    h = getattr(kit, role).headers
    r = client.post("/v1/case-configs", json=_config_body(), headers=h)
    assert r.status_code == 201
    r = client.patch(f"/v1/case-configs/{r.json()['id']}", json={"name": "Ok"}, headers=h)
    assert r.status_code == 200


def test_configs_need_credentials(client: TestClient):
    assert client.get("/v1/case-configs").status_code == 401
    assert client.post("/v1/case-configs", json=_config_body()).status_code == 401


# --- cases opened from a config -------------------------------------------------------


def test_case_from_config_gets_checklist_priority_module_and_due_date(
    client: TestClient, kit: TenantKit
):
    config = _create(client, kit, sla_hours=72)
    before = datetime.now(UTC)
    case = _open_case(client, kit, config=config["slug"], tasks=["Call the customer"])
    after = datetime.now(UTC)
    assert case["config"] == config["slug"]
    assert [t["text"] for t in case["tasks"]] == [*CHECKLIST, "Call the customer"]
    assert all(t["done"] is False for t in case["tasks"])
    assert case["priority"] == "high"
    assert case["module"] == "aml"
    assert case["custom_module"] is None
    due = _when(case["due_date"])
    assert before + timedelta(hours=72) - timedelta(seconds=1) <= due
    assert due <= after + timedelta(hours=72) + timedelta(seconds=1)
    assert case["is_overdue"] is False
    stored = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()
    assert [t["text"] for t in stored["tasks"]] == [*CHECKLIST, "Call the customer"]
    assert _when(stored["due_date"]) == due


def test_case_from_config_is_logged_with_its_config(client: TestClient, kit: TenantKit):
    config = _create(client, kit)
    case = _open_case(client, kit, config=config["slug"])
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    assert len(log) == 1
    assert log[0]["after"]["config"] == config["slug"]
    assert log[0]["after"]["tasks"] == CHECKLIST
    assert log[0]["after"]["priority"] == "high"


def test_request_values_win_over_the_config(client: TestClient, kit: TenantKit):
    config = _create(client, kit, sla_hours=72)
    due = (datetime.now(UTC) + timedelta(days=3, hours=5)).replace(microsecond=0)
    case = _open_case(
        client,
        kit,
        config=config["slug"],
        priority="low",
        module="kyc",
        due_date=due.isoformat(),
    )
    assert case["priority"] == "low"
    assert case["module"] == "kyc"
    assert _when(case["due_date"]) == due
    assert [t["text"] for t in case["tasks"]] == CHECKLIST


def test_request_custom_module_wins_over_the_config_module(client: TestClient, kit: TenantKit):
    config = _create(client, kit, module="aml")
    case = _open_case(client, kit, config=config["slug"], custom_module="sanctions")
    assert (case["module"], case["custom_module"]) == (None, "sanctions")


def test_config_custom_module_and_no_sla(client: TestClient, kit: TenantKit):
    config = _create(
        client,
        kit,
        module=None,
        custom_module="periodic-review",
        sla_hours=None,
        default_priority="low",
        checklist=[],
    )
    case = _open_case(client, kit, config=config["slug"])
    assert case["module"] is None
    assert case["custom_module"] == "periodic-review"
    assert case["due_date"] is None
    assert case["priority"] == "low"
    assert case["tasks"] == []


def test_case_without_config_gets_medium_and_no_due_date(client: TestClient, kit: TenantKit):
    case = _open_case(client, kit)
    assert case["config"] is None
    assert case["priority"] == "medium"
    assert case["due_date"] is None
    assert case["module"] is None
    assert case["tasks"] == []


def test_later_config_changes_leave_open_cases_alone(client: TestClient, kit: TenantKit):
    config = _create(client, kit)
    case = _open_case(client, kit, config=config["slug"])
    r = client.patch(
        f"/v1/case-configs/{config['id']}",
        json={"checklist": ["Something else"], "default_priority": "low", "sla_hours": 1},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    again = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()
    assert [t["text"] for t in again["tasks"]] == CHECKLIST
    assert again["priority"] == "high"
    assert again["due_date"] == case["due_date"]
    newer = _open_case(client, kit, config=config["slug"])
    assert [t["text"] for t in newer["tasks"]] == ["Something else"]
    assert newer["priority"] == "low"


def test_unknown_config_slug_is_422_naming_config(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/cases", json={"title": "x", "config": "no-such-config"}, headers=kit.analyst.headers
    )
    assert r.status_code == 422
    assert _fields(r) == ["config"]


def test_config_of_another_tenant_is_unknown(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    config = _create(client, other_kit)
    r = client.post(
        "/v1/cases", json={"title": "x", "config": config["slug"]}, headers=kit.analyst.headers
    )
    assert r.status_code == 422
    assert _fields(r) == ["config"]


def test_inactive_config_is_422_naming_config(client: TestClient, kit: TenantKit):
    config = _create(client, kit)
    url = f"/v1/case-configs/{config['id']}"
    assert client.patch(url, json={"is_active": False}, headers=kit.admin.headers).is_success
    before = client.get("/v1/cases", headers=kit.viewer.headers).json()["items"]
    r = client.post(
        "/v1/cases", json={"title": "x", "config": config["slug"]}, headers=kit.analyst.headers
    )
    assert r.status_code == 422
    assert _fields(r) == ["config"]
    assert client.get("/v1/cases", headers=kit.viewer.headers).json()["items"] == before
    assert client.patch(url, json={"is_active": True}, headers=kit.admin.headers).is_success
    assert _open_case(client, kit, config=config["slug"])["config"] == config["slug"]


def test_a_stored_dataset_name_the_rule_now_refuses_still_reads(
    client: TestClient, kit: TenantKit, db: Database
):
    """Configs stored before dataset names were checked stay readable."""
    from casework.models import CaseConfig

    made = _create(
        client, kit, checks=[{"type": "SANCTIONS", "params": {"datasets": ["ofac-sdn"]}}]
    )
    with db.transaction() as session:
        config = session.get(CaseConfig, made["id"])
        assert config is not None
        config.checks = [{"type": "SANCTIONS", "params": {"datasets": ["OFAC SDN"]}}]
    r = client.get(f"/v1/case-configs/{made['id']}", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == [
        {
            "type": "SANCTIONS",
            "params": {"datasets": ["OFAC SDN"], "threshold": None, "ubo_threshold": None},
        }
    ]
    r = client.patch(
        f"/v1/case-configs/{made['id']}",
        json={"checks": [{"type": "SANCTIONS", "params": {"datasets": ["OFAC SDN"]}}]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert _fields(r) == ["checks.0.params.datasets.0"]
