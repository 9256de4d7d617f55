"""The ``casework`` command line against the test database."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework.auth.secrets import digest, verify_password
from casework.cli import app as cli
from casework.config import Settings
from casework.demo import DEMO_SLUG
from casework.infra.db import Database
from casework.models import ApiClient, AuditEvent, Tenant, User


@pytest.fixture
def run(settings: Settings, db: Database):
    """Invoke the CLI with the test database; ``db`` makes sure the schema exists."""
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
        "CASEWORK_USER_PASSWORD": None,
    }

    def invoke(*args: str, extra_env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env={**env, **(extra_env or {})})

    return invoke


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.exit_code, result.output)
    return json.loads(result.stdout)


def _failed(result: Result, *fragments: str) -> None:
    """A non-zero exit with a message on stderr and nothing half-written on stdout."""
    assert result.exit_code != 0, result.output
    assert result.stdout == ""
    message = " ".join(result.stderr.split())
    assert message.startswith("error:"), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _tenant(run: Any, **options: str) -> dict[str, Any]:
    slug = options.pop("slug", f"cli-{secrets.token_hex(4)}")
    args = ["tenants", "create", "--slug", slug, "--name", options.pop("name", "CLI Bank")]
    for key, value in options.items():
        args += [f"--{key}", value]
    return _json(run(*args, "--json"))


def _user(run: Any, tenant: str, role: str = "analyst", email: str | None = None) -> dict[str, Any]:
    email = email or f"{role}-{secrets.token_hex(4)}@cli.example.test"
    return _json(
        run(
            "users",
            "create",
            "--tenant",
            tenant,
            "--email",
            email,
            "--first-name",
            "Cli",
            "--last-name",
            role.title(),
            "--role",
            role,
            "--json",
        )
    )


def _api_client(run: Any, tenant: str, email: str) -> dict[str, Any]:
    return _json(
        run(
            "api-clients",
            "create",
            "--tenant",
            tenant,
            "--name",
            "cli client",
            "--acting-user",
            email,
            "--json",
        )
    )


# --- tenants ---------------------------------------------------------------------------


def test_tenants_create_prints_json_and_stores_the_tenant(run: Any, db: Database):
    slug = f"cli-{secrets.token_hex(4)}"
    data = _tenant(run, slug=slug, name="  Acme Bank ", currency="usd")
    assert set(data) == {"id", "slug", "name", "default_currency"}
    assert data["slug"] == slug
    assert data["name"] == "Acme Bank"
    assert data["default_currency"] == "USD"
    with db.transaction(write=False) as session:
        tenant = session.get(Tenant, data["id"])
        assert tenant is not None and tenant.slug == slug
        users = session.scalar(
            select(func.count()).select_from(User).where(User.tenant_id == tenant.id)
        )
    assert users == 0


def test_tenants_create_without_json_is_a_sentence(run: Any):
    slug = f"cli-{secrets.token_hex(4)}"
    result = run("tenants", "create", "--slug", slug, "--name", "Plain")
    assert result.exit_code == 0
    assert f"created tenant {slug}" in result.stdout


def test_tenants_list_includes_created_tenants_sorted(run: Any):
    a = _tenant(run, slug=f"cli-b-{secrets.token_hex(3)}")
    b = _tenant(run, slug=f"cli-a-{secrets.token_hex(3)}", currency="GBP")
    rows = _json(run("tenants", "list", "--json"))
    assert isinstance(rows, list)
    slugs = [r["slug"] for r in rows]
    assert slugs == sorted(slugs)
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug[a["slug"]] == a
    assert by_slug[b["slug"]] == b
    assert by_slug[b["slug"]]["default_currency"] == "GBP"


def test_duplicate_tenant_slug_fails(run: Any, db: Database):
    tenant = _tenant(run)
    result = run("tenants", "create", "--slug", tenant["slug"], "--name", "Again", "--json")
    _failed(result, "exists")
    with db.transaction(write=False) as session:
        count = session.scalar(
            select(func.count()).select_from(Tenant).where(Tenant.slug == tenant["slug"])
        )
    assert count == 1


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "12"])
def test_bad_currency_fails(run: Any, currency: str):
    slug = f"cli-{secrets.token_hex(4)}"
    result = run("tenants", "create", "--slug", slug, "--name", "X", "--currency", currency)
    _failed(result, "currency", "ISO 4217")
    assert slug not in [t["slug"] for t in _json(run("tenants", "list", "--json"))]


@pytest.mark.parametrize("slug", ["Upper", "-dash", "has space", "under_score"])
def test_bad_tenant_slug_fails(run: Any, slug: str):
    _failed(run("tenants", "create", "--slug", slug, "--name", "X"), "slug")


# --- users -----------------------------------------------------------------------------


def test_users_create_prints_json(run: Any, db: Database):
    tenant = _tenant(run)
    email = f"Someone-{secrets.token_hex(3)}@CLI.example.test"
    data = _user(run, tenant["slug"], "supervisor", email=email)
    assert set(data) == {"id", "email", "role", "tenant"}
    assert data["email"] == email.lower()
    assert data["role"] == "supervisor"
    assert data["tenant"] == tenant["slug"]
    with db.transaction(write=False) as session:
        user = session.get(User, data["id"])
        assert user is not None
        assert user.tenant_id == tenant["id"]
        assert user.password_hash is None


def test_users_create_takes_the_password_from_the_environment(run: Any, db: Database):
    tenant = _tenant(run)
    password = "a long enough cli password"
    result = run(
        "users",
        "create",
        "--tenant",
        tenant["slug"],
        "--email",
        f"pw-{secrets.token_hex(3)}@cli.example.test",
        "--first-name",
        "Pass",
        "--last-name",
        "Word",
        "--role",
        "viewer",
        "--json",
        extra_env={"CASEWORK_USER_PASSWORD": password},
    )
    data = _json(result)
    assert password not in result.output
    with db.transaction(write=False) as session:
        stored = session.scalar(select(User.password_hash).where(User.id == data["id"]))
    assert stored is not None and stored.startswith("$argon2id$")
    assert verify_password(password, stored)


def test_users_create_rejects_a_short_password(run: Any):
    tenant = _tenant(run)
    result = run(
        "users",
        "create",
        "--tenant",
        tenant["slug"],
        "--email",
        "short@cli.example.test",
        "--first-name",
        "S",
        "--last-name",
        "P",
        "--role",
        "viewer",
        "--password",
        "tooshort",
    )
    _failed(result, "password")
    assert _json(run("users", "list", "--tenant", tenant["slug"], "--json")) == []


def test_unknown_role_fails(run: Any):
    tenant = _tenant(run)
    result = run(
        "users",
        "create",
        "--tenant",
        tenant["slug"],
        "--email",
        "wizard@cli.example.test",
        "--first-name",
        "W",
        "--last-name",
        "Z",
        "--role",
        "wizard",
        "--json",
    )
    _failed(result, "role", "wizard")
    assert _json(run("users", "list", "--tenant", tenant["slug"], "--json")) == []


def test_duplicate_email_fails(run: Any):
    tenant = _tenant(run)
    user = _user(run, tenant["slug"])
    result = run(
        "users",
        "create",
        "--tenant",
        tenant["slug"],
        "--email",
        user["email"],
        "--first-name",
        "Twin",
        "--last-name",
        "User",
        "--role",
        "viewer",
    )
    _failed(result, "exists")


def test_unknown_tenant_fails(run: Any):
    _failed(run("users", "list", "--tenant", "no-such-tenant-here"), "no-such-tenant-here")


def test_users_list_json(run: Any):
    tenant = _tenant(run)
    made = [_user(run, tenant["slug"], role) for role in ("viewer", "admin", "analyst")]
    rows = _json(run("users", "list", "--tenant", tenant["slug"], "--json"))
    assert [r["email"] for r in rows] == sorted(u["email"] for u in made)
    for row in rows:
        assert set(row) == {"id", "email", "name", "role", "is_active"}
        assert row["is_active"] is True
    assert {(r["id"], r["role"]) for r in rows} == {(u["id"], u["role"]) for u in made}
    assert {r["name"] for r in rows} == {"Cli Viewer", "Cli Admin", "Cli Analyst"}
    other = _tenant(run)
    assert _json(run("users", "list", "--tenant", other["slug"], "--json")) == []


def test_users_list_shows_deactivation(run: Any, client: TestClient):
    tenant = _tenant(run)
    admin = _user(run, tenant["slug"], "admin")
    viewer = _user(run, tenant["slug"], "viewer")
    headers = {
        "Authorization": f"Bearer {_api_client(run, tenant['slug'], admin['email'])['api_key']}"
    }
    r = client.patch(f"/v1/users/{viewer['id']}", json={"is_active": False}, headers=headers)
    assert r.status_code == 200
    rows = {r["id"]: r for r in _json(run("users", "list", "--tenant", tenant["slug"], "--json"))}
    assert rows[viewer["id"]]["is_active"] is False
    assert rows[admin["id"]]["is_active"] is True


# --- api clients -----------------------------------------------------------------------


def test_api_client_created_by_cli_works_against_the_api(
    run: Any, client: TestClient, db: Database
):
    tenant = _tenant(run)
    analyst = _user(run, tenant["slug"], "analyst")
    data = _api_client(run, tenant["slug"], analyst["email"].upper())
    assert set(data) == {"id", "name", "client_id", "client_secret", "api_key", "acting_user"}
    assert data["acting_user"] == analyst["email"]
    headers = {"Authorization": f"Bearer {data['api_key']}"}
    r = client.get("/v1/cases", headers=headers)
    assert r.status_code == 200
    assert r.json()["items"] == []
    r = client.post("/v1/cases", json={"title": "From the CLI's key"}, headers=headers)
    assert r.status_code == 201
    assert r.json()["number"] == 1
    secret_headers = {"apiKey": data["client_id"], "apiSecret": data["client_secret"]}
    assert client.get("/v1/cases", headers=secret_headers).status_code == 200
    with db.transaction(write=False) as session:
        row = session.get(ApiClient, data["id"])
        assert row is not None
        assert row.api_key_hash == digest(data["api_key"])
        assert row.secret_hash == digest(data["client_secret"])


def test_api_client_for_unknown_user_fails(run: Any):
    tenant = _tenant(run)
    result = run(
        "api-clients",
        "create",
        "--tenant",
        tenant["slug"],
        "--name",
        "x",
        "--acting-user",
        "nobody@cli.example.test",
    )
    _failed(result, "nobody@cli.example.test")


def test_api_clients_revoke(run: Any, client: TestClient, db: Database):
    tenant = _tenant(run)
    analyst = _user(run, tenant["slug"], "analyst")
    data = _api_client(run, tenant["slug"], analyst["email"])
    keep = _api_client(run, tenant["slug"], analyst["email"])
    headers = {"Authorization": f"Bearer {data['api_key']}"}
    assert client.get("/v1/cases", headers=headers).status_code == 200

    result = run(
        "api-clients",
        "revoke",
        "--tenant",
        tenant["slug"],
        "--client-id",
        data["client_id"],
        "--json",
    )
    assert _json(result) == {"client_id": data["client_id"], "revoked": True}
    assert client.get("/v1/cases", headers=headers).status_code == 401
    assert (
        client.get("/v1/cases", headers={"Authorization": f"Bearer {keep['api_key']}"}).status_code
        == 200
    )

    again = run(
        "api-clients", "revoke", "--tenant", tenant["slug"], "--client-id", data["client_id"]
    )
    _failed(again, "already revoked")
    unknown = run("api-clients", "revoke", "--tenant", tenant["slug"], "--client-id", "cwc_nope")
    _failed(unknown, "cwc_nope")
    other = _tenant(run)
    foreign = run(
        "api-clients", "revoke", "--tenant", other["slug"], "--client-id", keep["client_id"]
    )
    _failed(foreign, keep["client_id"])
    with db.transaction(write=False) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.tenant_id == tenant["id"])
                .order_by(AuditEvent.seq)
            )
        )
    assert actions.count("api_client.revoked") == 1


def test_cli_secrets_never_reach_the_audit_trail(run: Any, db: Database):
    tenant = _tenant(run)
    analyst = _user(run, tenant["slug"], "analyst")
    data = _api_client(run, tenant["slug"], analyst["email"])
    with db.transaction(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == tenant["id"])
                .order_by(AuditEvent.seq)
            )
        )
    assert [e.action for e in events] == ["tenant.created", "user.created", "api_client.created"]
    assert events[2].actor_name == "cli"
    for event in events:
        text = repr([getattr(event, c.key) for c in AuditEvent.__table__.columns])
        assert data["client_secret"] not in text
        assert data["api_key"] not in text


# --- audit -----------------------------------------------------------------------------


def test_audit_verify_passes_for_a_cli_built_tenant(run: Any, db: Database):
    tenant = _tenant(run)
    user = _user(run, tenant["slug"], "admin")
    _api_client(run, tenant["slug"], user["email"])
    report = _json(run("audit", "verify", "--tenant", tenant["slug"], "--json"))
    assert report == {
        "ok": True,
        "checked": 3,
        "bad_seq": None,
        "bad_event_id": None,
        "reason": None,
        "legacy": 0,
        "checkpoints": 0,
    }
    plain = run("audit", "verify", "--tenant", tenant["slug"])
    assert plain.exit_code == 0
    assert "intact" in plain.stdout


def test_audit_verify_unknown_tenant_fails(run: Any):
    _failed(
        run("audit", "verify", "--tenant", "no-such-tenant-here", "--json"), "no tenant with slug"
    )


# --- demo ------------------------------------------------------------------------------

# Some of the demo's cases and their states (tests/demo has the rest).
DEMO_CASES = {
    "Structuring below reporting threshold": "in_progress",
    "Rapid pass-through of incoming wires": "awaiting_user",
    "Possible sanctions name match": "open",
    "Onboarding review: Northwind Trading": "resolved",
    "Unusual card spend abroad": "blocked",
    "Periodic review of high-risk customer": "open",
}


def test_demo_is_created_once_and_its_cases_exist(run: Any, client: TestClient, db: Database):
    """Robust to the demo tenant already being in this database (created by an earlier run)."""
    first = _json(run("demo", "--json"))
    second = _json(run("demo", "--json"))
    assert first["tenant"] == second["tenant"] == DEMO_SLUG
    assert second == {
        "created": False,
        "tenant": DEMO_SLUG,
        "logins": [],
        "api_client": {},
        "cases": 0,
    }
    with db.transaction(write=False) as session:
        count = session.scalar(
            select(func.count()).select_from(Tenant).where(Tenant.slug == DEMO_SLUG)
        )
    assert count == 1

    if first["created"]:
        assert first["cases"] == 26
        assert len(first["logins"]) == 5
        assert all(len(login["password"]) >= 12 for login in first["logins"])
        api_key = first["api_client"]["api_key"]
        assert set(first["api_client"]) == {"client_id", "client_secret", "api_key"}
    else:
        api_key = _api_client(run, DEMO_SLUG, "supervisor@demo.casework.test")["api_key"]

    headers = {"Authorization": f"Bearer {api_key}"}
    r = client.get("/v1/cases", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    cases = r.json()["items"]
    assert len(cases) == 26
    by_status = {c["title"]: c["review_status"] for c in cases}
    assert {title: by_status[title] for title in DEMO_CASES} == DEMO_CASES
    statuses = Counter(c["review_status"] for c in cases)
    assert statuses == {
        "open": 4,
        "in_progress": 2,
        "awaiting_user": 2,
        "resolved": 16,
        "blocked": 2,
    }
    by_title = {c["title"]: c for c in cases}
    aml = by_title["Structuring below reporting threshold"]
    assert aml["config"] == "aml-investigation"
    assert aml["priority"] == "high"
    assert aml["module"] == "aml"
    assert len(aml["tasks"]) == 4
    assert aml["due_date"] is not None
    resolved = by_title["Onboarding review: Northwind Trading"]
    assert resolved["resolution"] == "false_positive"
    assert all(t["done"] for t in resolved["tasks"])

    configs = client.get("/v1/case-configs", headers=headers).json()["items"]
    assert [c["slug"] for c in configs] == ["aml-investigation", "kyc-review"]
    assert _json(run("audit", "verify", "--tenant", DEMO_SLUG, "--json"))["ok"] is True
    users = _json(run("users", "list", "--tenant", DEMO_SLUG, "--json"))
    assert len(users) == 5


def test_demo_human_output_when_present(run: Any):
    run("demo")
    result = run("demo")
    assert result.exit_code == 0
    assert "already present" in result.stdout


def test_no_arguments_shows_help(run: Any):
    result = run()
    assert "tenants" in result.output
    assert "api-clients" in result.output
