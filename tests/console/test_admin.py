"""The console's administration pages: users, roles, API clients, and who may use them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.admin_support import (
    ADMIN_PAGES,
    ESCAPED,
    SCRIPT,
    Open,
    api_config,
    api_user,
    audited,
    config_form,
    field_error,
    fresh_slug,
    location_id,
    new_user,
    role_id_of,
    user_count,
)
from tests.console.support import PASSWORD
from tests.console.test_accessibility import PageAudit
from tests.factories import Member, TenantKit


def test_every_page_renders_for_an_admin(client: TestClient, staff: TenantKit, browser: Open):
    config = api_config(client, staff)
    admin = browser(staff.admin)
    details = [
        f"/console/admin/users/{staff.analyst.user_id}",
        f"/console/admin/roles/{role_id_of(client, staff, 'analyst')}",
        f"/console/admin/api-clients/{staff.analyst.api_client_id}",
        f"/console/admin/case-configs/{config['id']}",
        "/console/admin/case-configs",
    ]
    for url in [*ADMIN_PAGES, *details]:
        page = admin.get(url)
        assert page.status_code == 200, (url, page.text)
        audit = PageAudit()
        audit.feed(page.text)
        assert audit.h1 == 1 and not audit.unlabelled(), (url, audit.unlabelled())
    index = admin.get("/console/admin").text
    for link in ("users", "roles", "api-clients", "case-configs", "webhooks", "rules"):
        assert f'href="/console/admin/{link}"' in index
    users = admin.get("/console/admin/users").text
    assert staff.viewer.email in users and "None (API only)" not in users


def test_admin_creates_edits_and_deactivates_a_user(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    admin = browser(staff.admin)
    form = new_user(password="a long initial password")
    user_id = location_id(admin.post("/console/admin/users", form), "users")
    created = api_user(client, staff, user_id)
    assert (created["email"], created["role"], created["is_active"]) == (
        form["email"],
        "analyst",
        True,
    )
    assert audited(db, "user.created", user_id)

    r = admin.post(
        f"/console/admin/users/{user_id}",
        {"first_name": "Norah", "last_name": "Quinn-Lee", "role": "supervisor"},
    )
    assert r.status_code == 303, r.text
    edited = api_user(client, staff, user_id)
    assert (edited["first_name"], edited["last_name"], edited["role"]) == (
        "Norah",
        "Quinn-Lee",
        "supervisor",
    )
    assert "User saved." in admin.get(r.headers["location"]).text

    r = admin.post(f"/console/admin/users/{user_id}/password", {"password": PASSWORD})
    assert r.status_code == 303, r.text
    member = Member(user_id, form["email"], "supervisor", "", "", "", "")
    assert browser(None).sign_in(member).status_code == 303

    page = admin.get(f"/console/admin/users/{user_id}").text
    assert 'action="/console/admin/users/' + user_id + '/deactivate" data-confirm=' in page
    assert admin.post(f"/console/admin/users/{user_id}/deactivate").status_code == 303
    assert api_user(client, staff, user_id)["is_active"] is False
    assert browser(None).sign_in(member).status_code == 401
    assert admin.post(f"/console/admin/users/{user_id}/activate").status_code == 303
    assert api_user(client, staff, user_id)["is_active"] is True


def test_a_user_without_a_password_is_shown_so(client: TestClient, staff: TenantKit, browser: Open):
    admin = browser(staff.admin)
    form = new_user()
    user_id = location_id(admin.post("/console/admin/users", form), "users")
    assert "None (API only)" in admin.get(f"/console/admin/users/{user_id}").text


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"email": "not-an-email"}, "email", 422),
        ({"first_name": " "}, "first_name", 422),
        ({"last_name": "x" * 101}, "last_name", 422),
        ({"role": "no-such-role"}, "role", 422),
        ({"password": "short"}, "password", 422),
    ],
)
def test_bad_user_input_names_the_field_and_creates_nothing(
    client: TestClient,
    staff: TenantKit,
    browser: Open,
    fields: dict[str, str],
    field: str,
    status: int,
):
    before = user_count(client, staff)
    r = browser(staff.admin).post("/console/admin/users", new_user(**fields))
    assert r.status_code == status
    field_error(r, field)
    assert user_count(client, staff) == before


def test_duplicate_email_is_a_conflict_on_email(
    client: TestClient, staff: TenantKit, browser: Open
):
    before = user_count(client, staff)
    r = browser(staff.admin).post("/console/admin/users", new_user(email=staff.viewer.email))
    assert r.status_code == 409
    field_error(r, "email")
    assert user_count(client, staff) == before


def test_bad_user_edits_name_the_field(client: TestClient, staff: TenantKit, browser: Open):
    admin = browser(staff.admin)
    url = f"/console/admin/users/{staff.analyst.user_id}"
    r = admin.post(url, {"first_name": "", "last_name": "Smith", "role": "analyst"})
    field_error(r, "first_name")
    field_error(admin.post(url, {"first_name": "A", "last_name": "B", "role": "zz"}), "role")
    field_error(admin.post(f"{url}/password", {"password": "tiny"}), "password")
    assert api_user(client, staff, staff.analyst.user_id)["role"] == "analyst"
    own = f"/console/admin/users/{staff.admin.user_id}/deactivate"
    assert admin.post(own).status_code == 409
    assert api_user(client, staff, staff.admin.user_id)["is_active"] is True


def test_admin_creates_and_edits_a_custom_role(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    admin = browser(staff.admin)
    slug = fresh_slug("role")
    data = {"slug": slug, "name": "Auditor", "permissions": ["case.read", "audit.read"]}
    role_id = location_id(admin.post("/console/admin/roles", data), "roles")
    r = client.get(f"/v1/roles/{role_id}", headers=staff.admin.headers)
    assert r.json()["permissions"] == ["audit.read", "case.read"]
    assert audited(db, "role.created", role_id)
    listing = admin.get("/console/admin/roles").text
    assert "Auditor" in listing and "audit.read" in listing

    edit = {"name": "Senior auditor", "permissions": ["case.read"]}
    assert admin.post(f"/console/admin/roles/{role_id}", edit).status_code == 303
    r = client.get(f"/v1/roles/{role_id}", headers=staff.admin.headers)
    assert (r.json()["name"], r.json()["permissions"]) == ("Senior auditor", ["case.read"])
    page = admin.get(f"/console/admin/roles/{role_id}").text
    assert 'value="case.read" checked' in page and 'value="audit.read" >' in page


def test_bad_role_input_names_the_field(client: TestClient, staff: TenantKit, browser: Open):
    admin = browser(staff.admin)
    bad_slug = admin.post("/console/admin/roles", {"slug": "Not A Slug", "name": "X"})
    field_error(bad_slug, "slug")
    unknown = {"slug": fresh_slug("role"), "name": "X", "permissions": ["case.read", "fly"]}
    field_error(admin.post("/console/admin/roles", unknown), "permissions[1]")
    taken = admin.post("/console/admin/roles", {"slug": "analyst", "name": "Again"})
    assert taken.status_code == 409
    field_error(taken, "slug")
    builtin = role_id_of(client, staff, "viewer")
    assert admin.post(f"/console/admin/roles/{builtin}", {"name": "Mine"}).status_code == 409
    assert "Built-in roles cannot be changed" in admin.get(f"/console/admin/roles/{builtin}").text


def test_api_client_secret_is_shown_once_and_revoking_stops_it(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    admin = browser(staff.admin)
    created = admin.post(
        "/console/admin/api-clients",
        {"name": "Core banking", "acting_user_id": staff.admin.user_id},
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    assert "location" not in created.headers
    secret = re.search(r'id="client-secret">([^<]+)<', created.text)
    api_key = re.search(r'id="api-key">([^<]+)<', created.text)
    assert secret and api_key
    client_id = re.search(r'href="/console/admin/api-clients/(\w+)"', created.text)
    assert client_id
    url = f"/console/admin/api-clients/{client_id.group(1)}"
    assert audited(db, "api_client.created", client_id.group(1))
    for page in (admin.get("/console/admin/api-clients"), admin.get(url)):
        assert page.status_code == 200
        assert "Core banking" in page.text
        assert secret.group(1) not in page.text and api_key.group(1) not in page.text
    for value in created.cookies.values():
        assert secret.group(1) not in value and api_key.group(1) not in value

    bearer = {"Authorization": f"Bearer {api_key.group(1)}"}
    assert client.get("/v1/users", headers=bearer).status_code == 200
    detail = admin.get(url).text
    assert f'action="{url}/revoke" data-confirm=' in detail
    assert admin.post(f"{url}/revoke").status_code == 303
    assert client.get("/v1/users", headers=bearer).status_code == 401
    assert "Revoked" in admin.get("/console/admin/api-clients").text
    assert admin.post(f"{url}/revoke").status_code == 409


def test_bad_api_client_input_names_the_field(
    staff: TenantKit, other_staff: TenantKit, browser: Open
):
    admin = browser(staff.admin)
    nameless = {"name": " ", "acting_user_id": staff.admin.user_id}
    field_error(admin.post("/console/admin/api-clients", nameless), "name")
    foreign = {"name": "Foreign", "acting_user_id": other_staff.admin.user_id}
    field_error(admin.post("/console/admin/api-clients", foreign), "acting_user_id")
    assert "Foreign" not in admin.get("/console/admin/api-clients").text


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_analysts_and_viewers_are_refused_everywhere(
    client: TestClient, staff: TenantKit, browser: Open, role: str
):
    config = api_config(client, staff, name="Untouched")
    them = browser(staff.members[role])
    role_id = role_id_of(client, staff, "analyst")
    details = [
        f"/console/admin/users/{staff.admin.user_id}",
        f"/console/admin/roles/{role_id}",
        f"/console/admin/api-clients/{staff.admin.api_client_id}",
    ]
    for url in [*ADMIN_PAGES, *details]:
        assert them.get(url).status_code == 403, url
    posts = {
        "/console/admin/users": new_user(),
        f"/console/admin/users/{staff.admin.user_id}": {"first_name": "Mallory"},
        f"/console/admin/users/{staff.admin.user_id}/password": {"password": "x" * 20},
        f"/console/admin/users/{staff.admin.user_id}/deactivate": {},
        "/console/admin/roles": {"slug": fresh_slug("role"), "name": "Mine"},
        f"/console/admin/roles/{role_id}": {"name": "Mine"},
        "/console/admin/api-clients": {"name": "Mine", "acting_user_id": staff.admin.user_id},
        f"/console/admin/api-clients/{staff.admin.api_client_id}/revoke": {},
        "/console/admin/case-configs": config_form(),
        f"/console/admin/case-configs/{config['id']}": config_form(name="Changed"),
    }
    for url, data in posts.items():
        assert them.post(url, data).status_code == 403, url
    # Both roles may read configs (config.read), without any form to change them.
    page = them.get(f"/console/admin/case-configs/{config['id']}")
    assert (
        page.status_code == 200
        and '<form method="post" action="/console/admin/case' not in page.text
    )
    assert "New case config" not in them.get("/console/admin/case-configs").text
    assert api_user(client, staff, staff.admin.user_id)["is_active"] is True
    assert client.get("/v1/users", headers=staff.admin.headers).status_code == 200
    saved = client.get(f"/v1/case-configs/{config['id']}", headers=staff.admin.headers).json()
    assert saved["name"] == "Untouched"


def test_other_tenants_rows_are_not_found(
    client: TestClient, staff: TenantKit, other_staff: TenantKit, browser: Open
):
    admin = browser(staff.admin)
    config = api_config(client, other_staff)
    theirs = {
        "users": other_staff.analyst.user_id,
        "roles": role_id_of(client, other_staff, "analyst"),
        "api-clients": other_staff.analyst.api_client_id,
        "case-configs": config["id"],
    }
    for area, row_id in theirs.items():
        assert admin.get(f"/console/admin/{area}/{row_id}").status_code == 404, area
    user = f"/console/admin/users/{theirs['users']}"
    posts = {
        user: {"first_name": "A", "last_name": "B", "role": "viewer"},
        f"{user}/password": {"password": "x" * 20},
        f"{user}/deactivate": {},
        f"/console/admin/roles/{theirs['roles']}": {"name": "Mine"},
        f"/console/admin/api-clients/{theirs['api-clients']}/revoke": {},
        f"/console/admin/case-configs/{config['id']}": config_form(name="Mine"),
    }
    for url, data in posts.items():
        assert admin.post(url, data).status_code == 404, url
    assert api_user(client, other_staff, other_staff.analyst.user_id)["is_active"] is True
    assert client.get("/v1/cases", headers=other_staff.analyst.headers).status_code == 200
    saved = client.get(f"/v1/case-configs/{config['id']}", headers=other_staff.admin.headers)
    assert saved.json()["name"] == "Base"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, staff: TenantKit, browser: Open
):
    admin = browser(staff.admin)
    before = user_count(client, staff)
    r = admin.client.post("/console/admin/users", data=new_user())
    assert r.status_code == 403
    r = admin.client.post(f"/console/admin/users/{staff.analyst.user_id}/deactivate")
    assert r.status_code == 403
    r = admin.client.post(f"/console/admin/api-clients/{staff.analyst.api_client_id}/revoke")
    assert r.status_code == 403
    r = admin.client.post("/console/admin/case-configs", data=config_form())
    assert r.status_code == 403
    assert user_count(client, staff) == before
    assert api_user(client, staff, staff.analyst.user_id)["is_active"] is True
    assert client.get("/v1/cases", headers=staff.analyst.headers).status_code == 200
    assert client.get("/v1/case-configs", headers=staff.admin.headers).json()["items"] == []


def test_user_and_config_names_are_escaped(client: TestClient, staff: TenantKit, browser: Open):
    admin = browser(staff.admin)
    user_id = location_id(admin.post("/console/admin/users", new_user(first_name=SCRIPT)), "users")
    form = config_form(name=SCRIPT, checklist=SCRIPT)
    config_id = location_id(admin.post("/console/admin/case-configs", form), "case-configs")
    creds = {"name": SCRIPT, "acting_user_id": user_id}
    client_page = admin.post("/console/admin/api-clients", creds)
    for page in (
        admin.get("/console/admin/users"),
        admin.get(f"/console/admin/users/{user_id}"),
        admin.get("/console/admin/case-configs"),
        admin.get(f"/console/admin/case-configs/{config_id}"),
        admin.get("/console/admin/api-clients"),
        admin.get("/console/admin/api-clients/new"),
        browser(staff.viewer).get(f"/console/admin/case-configs/{config_id}"),
        client_page,
    ):
        assert page.status_code in {200, 201}, page.text
        assert SCRIPT not in page.text
        assert ESCAPED in page.text
