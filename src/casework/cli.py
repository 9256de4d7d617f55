"""The ``casework`` command line: serve, migrate and administer."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select

from casework.audit.cli import app as audit_app
from casework.cli_support import (
    JsonFlag,
    TenantOpt,
    console,
    emit,
    fail,
    open_database,
    run_or_exit,
)
from casework.config import Settings
from casework.db import Database
from casework.fx.cli import app as fx_app
from casework.screening.cli import app as lists_app
from casework.screening.cli import screen_command
from casework.transactions.cli import app as transactions_app

app = typer.Typer(help="casework: compliance case management.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenants_app = typer.Typer(help="Tenants.", no_args_is_help=True)
users_app = typer.Typer(help="Users of a tenant.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients of a tenant.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="api-clients")
app.add_typer(audit_app, name="audit")
app.add_typer(lists_app, name="lists")
app.add_typer(fx_app, name="fx")
app.add_typer(transactions_app, name="transactions")
app.command("screen")(screen_command)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the configured database."""
    from casework.migrations import current_revision, upgrade

    settings = Settings()
    database = Database(settings)
    try:
        upgrade(database.engine, settings=settings)
        console.print(f"database at revision {current_revision(database.engine)}")
    finally:
        database.dispose()
    if not settings.is_sqlite:
        from casework.worker import ProcrastinateJobs

        ProcrastinateJobs(settings).ensure_schema()
        console.print("job queue tables present")


@tenants_app.command("create")
def tenants_create(
    slug: Annotated[str, typer.Option(help="Short lowercase name, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")],
    currency: Annotated[str, typer.Option(help="Default ISO 4217 currency")] = "EUR",
    as_json: JsonFlag = False,
) -> None:
    from casework.tenants.service import create_tenant

    with open_database() as database, database.transaction() as session:
        tenant = run_or_exit(
            lambda: create_tenant(session, slug_value=slug, name=name, currency=currency)
        )
        data = {
            "id": tenant.id,
            "slug": tenant.slug,
            "name": tenant.name,
            "default_currency": tenant.default_currency,
        }
    emit(data, as_json, f"created tenant {slug} ({data['id']})")


@tenants_app.command("list")
def tenants_list(as_json: JsonFlag = False) -> None:
    from casework.models import Tenant

    with open_database() as database, database.transaction(write=False) as session:
        rows: list[dict[str, Any]] = [
            {"id": t.id, "slug": t.slug, "name": t.name, "default_currency": t.default_currency}
            for t in session.scalars(select(Tenant).order_by(Tenant.slug))
        ]
    table = Table("slug", "name", "currency", "id")
    for r in rows:
        table.add_row(r["slug"], r["name"], r["default_currency"], r["id"])
    emit(rows, as_json, table)


@users_app.command("create")
def users_create(
    tenant: TenantOpt,
    email: Annotated[str, typer.Option()],
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    role: Annotated[str, typer.Option(help="admin, supervisor, analyst, viewer or a custom role")],
    password: Annotated[
        str | None,
        typer.Option(envvar="CASEWORK_USER_PASSWORD", help="At least 12 characters."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    from casework.auth.principal import Principal
    from casework.tenants.service import get_tenant_by_slug
    from casework.users.service import create_user

    with open_database() as database, database.transaction() as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        user = run_or_exit(
            lambda: create_user(
                session,
                actor=Principal.system(tenant_row.id, "cli"),
                email=email,
                first_name=first_name,
                last_name=last_name,
                role_slug=role,
                password=password,
            )
        )
        data = {"id": user.id, "email": user.email, "role": role, "tenant": tenant}
    emit(data, as_json, f"created user {data['email']} ({data['id']}) with role {role}")


@users_app.command("list")
def users_list(tenant: TenantOpt, as_json: JsonFlag = False) -> None:
    from sqlalchemy.orm import joinedload

    from casework.models import User
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database, database.transaction(write=False) as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        rows: list[dict[str, Any]] = [
            {
                "id": u.id,
                "email": u.email,
                "name": u.full_name,
                "role": u.role.slug,
                "is_active": u.is_active,
            }
            for u in session.scalars(
                select(User)
                .options(joinedload(User.role))
                .where(User.tenant_id == tenant_row.id)
                .order_by(User.email)
            )
        ]
    table = Table("email", "name", "role", "active", "id")
    for r in rows:
        table.add_row(r["email"], r["name"], r["role"], str(r["is_active"]), r["id"])
    emit(rows, as_json, table)


@clients_app.command("create")
def clients_create(
    tenant: TenantOpt,
    name: Annotated[str, typer.Option()],
    acting_user: Annotated[str, typer.Option("--acting-user", help="Email of the user it acts as")],
    as_json: JsonFlag = False,
) -> None:
    """Create API credentials; the secret and API key are printed once and never again."""
    from casework.api_clients.service import create_api_client
    from casework.auth.principal import Principal
    from casework.secrets_box import box_for
    from casework.tenants.service import get_tenant_by_slug
    from casework.users.service import get_user_by_email

    with open_database() as database, database.transaction() as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        user = run_or_exit(
            lambda: get_user_by_email(session, tenant_id=tenant_row.id, email=acting_user)
        )
        client, secret, api_key = run_or_exit(
            lambda: create_api_client(
                session,
                actor=Principal.system(tenant_row.id, "cli"),
                name=name,
                acting_user_id=user.id,
                box=box_for(database.settings),
            )
        )
        data = {
            "id": client.id,
            "name": client.name,
            "client_id": client.client_id,
            "client_secret": secret,
            "api_key": api_key,
            "acting_user": user.email,
        }
    human = (
        f"created API client {name}\n  client_id:     {data['client_id']}\n"
        f"  client_secret: {secret}\n  api_key:       {api_key}\n"
        "[yellow]The secret and API key are shown only now; store them safely.[/yellow]"
    )
    emit(data, as_json, human)


@clients_app.command("revoke")
def clients_revoke(
    tenant: TenantOpt,
    client_id: Annotated[str, typer.Option("--client-id")],
    as_json: JsonFlag = False,
) -> None:
    from casework.api_clients.service import revoke_api_client
    from casework.auth.principal import Principal
    from casework.models import ApiClient
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database, database.transaction() as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        client = session.scalar(
            select(ApiClient).where(
                ApiClient.tenant_id == tenant_row.id, ApiClient.client_id == client_id
            )
        )
        if client is None:
            raise fail(f"no API client {client_id} in tenant {tenant}", 2)
        actor = Principal.system(tenant_row.id, "cli")
        run_or_exit(lambda: revoke_api_client(session, actor=actor, api_client_id=client.id))
    emit({"client_id": client_id, "revoked": True}, as_json, f"revoked {client_id}")


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Create the demo tenant, users, configs and cases (does nothing if present)."""
    from casework.demo import ensure_demo

    with open_database() as database:
        report = ensure_demo(database)
    emit(report.as_dict(), as_json, report.human())


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once", min=1, max=64)] = 4,
) -> None:
    """Run background jobs (PostgreSQL): checks, webhook deliveries, the recovery sweep."""
    from casework.worker import run_worker

    settings = Settings()
    if settings.is_sqlite:
        raise fail("workers need PostgreSQL; on SQLite `casework serve` runs the jobs")
    run_worker(settings, concurrency=concurrency)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only)")] = 1,
) -> None:
    """Run the API (and, on the embedded default, load demo data into an empty database)."""
    import uvicorn

    from casework.demo import ensure_demo, needs_demo

    settings = Settings()
    with open_database(settings) as database:
        if database.is_sqlite and needs_demo(database):
            console.print(ensure_demo(database).human())
    if workers > 1:
        if settings.is_sqlite:
            raise fail("--workers above 1 needs PostgreSQL")
        uvicorn.run("casework.asgi:app", host=host, port=port, workers=workers, log_level="info")
        return
    from casework.app import create_app

    console.print(f"casework listening on http://{host}:{port}  (API docs: /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    app()
