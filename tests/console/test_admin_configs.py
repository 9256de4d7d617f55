"""The console's case config pages: creating and editing the blueprints of cases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.admin_support import (
    Open,
    api_config,
    audited,
    config_form,
    field_error,
    location_id,
)
from tests.factories import TenantKit


def test_admin_creates_and_edits_a_case_config(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    admin = browser(staff.admin)
    form = config_form()
    config_id = location_id(admin.post("/console/admin/case-configs", form), "case-configs")
    saved = client.get(f"/v1/case-configs/{config_id}", headers=staff.admin.headers).json()
    assert saved["slug"] == form["slug"] and saved["module"] == "kyc"
    assert saved["checklist"] == ["Verify identity", "Check source of wealth"]
    assert [(c["type"], c["params"]["threshold"]) for c in saved["checks"]] == [("SANCTIONS", 0.8)]
    assert (saved["sla_hours"], saved["default_priority"], saved["monitoring"]) == (
        48,
        "high",
        True,
    )
    assert saved["outcome_policy"] == {"accept_below": 0.2, "reject_from": 0.9}
    assert audited(db, "case_config.created", config_id)
    assert form["name"] in admin.get("/console/admin/case-configs").text

    page = admin.get(f"/console/admin/case-configs/{config_id}").text
    assert "Verify identity\nCheck source of wealth" in page and "SANCTIONS" in page
    dual = api_config(client, staff)
    edit = config_form(
        slug=form["slug"],
        name="EDD (retail)",
        module="",
        custom_module="retail-edd",
        sla_hours="",
        checks="",
        monitoring="off",
        kyc_config=dual["slug"],
    )
    assert admin.post(f"/console/admin/case-configs/{config_id}", edit).status_code == 303
    saved = client.get(f"/v1/case-configs/{config_id}", headers=staff.admin.headers).json()
    assert (saved["name"], saved["module"], saved["custom_module"]) == (
        "EDD (retail)",
        None,
        "retail-edd",
    )
    assert (saved["sla_hours"], saved["checks"], saved["monitoring"]) == (None, [], False)
    assert (saved["kyc_config"], saved["is_active"]) == (dual["slug"], False)
    assert audited(db, "case_config.updated", config_id)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"checks": "[{"}, "checks"),
        ({"checks": '[{"type": "HOROSCOPE"}]'}, "checks[0].type"),
        ({"checks": '[{"type": "PEP", "params": {"x": "\\u0000"}}]'}, "checks[0].params.x"),
        ({"checks": '[{"type": "PEP", "params": {"x": "\\ud800"}}]'}, "checks[0].params.x"),
        ({"checks": "[" * 40 + "]" * 40}, "checks"),
        ({"sla_hours": "soon"}, "sla_hours"),
        ({"sla_hours": "24.0"}, "sla_hours"),
        ({"sla_hours": "true"}, "sla_hours"),
        ({"sla_hours": "0"}, "sla_hours"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"name": ""}, "name"),
        ({"default_priority": "urgent"}, "default_priority"),
        ({"module": "astrology"}, "module"),
        ({"accept_below": "0.9", "reject_from": "0.1"}, "outcome_policy"),
        ({"monitoring": "maybe"}, "monitoring"),
        ({"kyc_config": "no-such-config"}, "kyc_config"),
    ],
)
def test_bad_config_input_names_the_field_and_creates_nothing(
    client: TestClient, staff: TenantKit, browser: Open, fields: dict[str, str], field: str
):
    form = config_form(**fields)
    r = browser(staff.admin).post("/console/admin/case-configs", form)
    field_error(r, field)
    listed = client.get("/v1/case-configs", headers=staff.admin.headers).json()["items"]
    assert form["slug"] not in [c["slug"] for c in listed]


def test_duplicate_config_slug_is_a_conflict_on_slug(
    client: TestClient, staff: TenantKit, browser: Open
):
    existing = api_config(client, staff)
    r = browser(staff.admin).post("/console/admin/case-configs", config_form(slug=existing["slug"]))
    assert r.status_code == 409
    field_error(r, "slug")


def test_readers_see_a_config_without_a_form(client: TestClient, staff: TenantKit, browser: Open):
    config = api_config(client, staff, module="kyc", default_priority="high", sla_hours=24)
    viewer = browser(staff.viewer)
    listing = viewer.get("/console/admin/case-configs")
    assert listing.status_code == 200
    assert "KYC" in listing.text and 'class="badge priority-high"' in listing.text
    page = viewer.get(f"/console/admin/case-configs/{config['id']}")
    assert page.status_code == 200
    assert "24 hours" in page.text and "KYC" in page.text
    assert 'method="post" action="/console/admin/case-configs' not in page.text
    assert viewer.get("/console/admin/case-configs/new").status_code == 403
