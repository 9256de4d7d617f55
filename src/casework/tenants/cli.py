"""`casework tenants ...`: create and list tenants."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from casework.cli_support import JsonFlag, emit, open_database, run_or_exit

app = typer.Typer(help="Tenants.", no_args_is_help=True)


@app.command("create")
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


@app.command("list")
def tenants_list(as_json: JsonFlag = False) -> None:
    from casework.tenants import repository as tenants

    with open_database() as database, database.transaction(write=False) as session:
        rows: list[dict[str, Any]] = [
            {"id": t.id, "slug": t.slug, "name": t.name, "default_currency": t.default_currency}
            for t in tenants.all_by_slug(session)
        ]
    table = Table("slug", "name", "currency", "id")
    for r in rows:
        table.add_row(r["slug"], r["name"], r["default_currency"], r["id"])
    emit(rows, as_json, table)
