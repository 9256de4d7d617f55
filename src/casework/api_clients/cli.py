"""`casework api-clients ...`: issue and revoke a tenant's API credentials."""

from __future__ import annotations

from typing import Annotated

import typer

from casework.cli_support import JsonFlag, TenantOpt, emit, fail, open_database, run_or_exit

app = typer.Typer(help="API clients of a tenant.", no_args_is_help=True)


@app.command("create")
def clients_create(
    tenant: TenantOpt,
    name: Annotated[str, typer.Option()],
    acting_user: Annotated[str, typer.Option("--acting-user", help="Email of the user it acts as")],
    as_json: JsonFlag = False,
) -> None:
    """Create API credentials; the secret and API key are printed once and never again."""
    from casework.api_clients.service import create_api_client
    from casework.auth.principal import Principal
    from casework.infra.secrets_box import box_for
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


@app.command("revoke")
def clients_revoke(
    tenant: TenantOpt,
    client_id: Annotated[str, typer.Option("--client-id")],
    as_json: JsonFlag = False,
) -> None:
    from casework.api_clients.service import revoke_api_client
    from casework.auth import repository as auth
    from casework.auth.principal import Principal
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database, database.transaction() as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        client = auth.client_by_client_id(session, tenant_id=tenant_row.id, client_id=client_id)
        if client is None:
            raise fail(f"no API client {client_id} in tenant {tenant}", 2)
        actor = Principal.system(tenant_row.id, "cli")
        run_or_exit(lambda: revoke_api_client(session, actor=actor, api_client_id=client.id))
    emit({"client_id": client_id, "revoked": True}, as_json, f"revoked {client_id}")
