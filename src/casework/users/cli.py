"""`casework users ...`: create and list a tenant's users."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from casework.cli_support import JsonFlag, TenantOpt, emit, open_database, run_or_exit

app = typer.Typer(help="Users of a tenant.", no_args_is_help=True)


@app.command("create")
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


@app.command("list")
def users_list(tenant: TenantOpt, as_json: JsonFlag = False) -> None:
    from casework.tenants.service import get_tenant_by_slug
    from casework.users import repository as users

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
            for u in users.of_tenant_by_email(session, tenant_id=tenant_row.id)
        ]
    table = Table("email", "name", "role", "active", "id")
    for r in rows:
        table.add_row(r["email"], r["name"], r["role"], str(r["is_active"]), r["id"])
    emit(rows, as_json, table)
