"""The ``casework`` command line: the features' sub-commands assembled, and the
process commands (serve, worker, demo, db upgrade)."""

from __future__ import annotations

from typing import Annotated

import typer

from casework.api_clients.cli import app as api_clients_app
from casework.audit.cli import app as audit_app
from casework.cli_support import (
    JsonFlag,
    address,
    bound_socket,
    checked_store,
    console,
    emit,
    fail,
    open_database,
    read_settings,
)
from casework.config import Settings
from casework.fx.cli import app as fx_app
from casework.infra.db import Database
from casework.screening.cli import app as lists_app
from casework.screening.cli import screen_command
from casework.tenants.cli import app as tenants_app
from casework.transactions.cli import app as transactions_app
from casework.users.cli import app as users_app

app = typer.Typer(help="casework: compliance case management.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(api_clients_app, name="api-clients")
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

    settings = read_settings()
    if settings.is_sqlite:
        raise fail("workers need PostgreSQL; on SQLite `casework serve` runs the jobs")
    run_worker(settings, concurrency=concurrency, storage=checked_store(settings))


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to bind", show_default="CASEWORK_HOST, else 127.0.0.1"),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port to listen on", show_default="CASEWORK_PORT, else 8000", min=1, max=65535
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only)")] = 1,
) -> None:
    """Run the API (and, on the embedded default, load demo data into an empty database)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from casework.demo import ensure_demo, needs_demo

    settings = read_settings()
    host = settings.host if host is None else host
    port = settings.port if port is None else port
    if workers > 1 and settings.is_sqlite:
        raise fail("--workers above 1 needs PostgreSQL")
    # The port is taken before anything else, so a busy one is said at once, and only
    # once, instead of after an announcement that casework is listening there.
    sock = bound_socket(host, port)
    try:
        storage = checked_store(settings)
        with open_database(settings) as database:
            if database.is_sqlite and needs_demo(database):
                console.print(ensure_demo(database).human())
        if workers > 1:
            config = uvicorn.Config(
                "casework.asgi:app", host=host, port=port, workers=workers, log_level="info"
            )
        else:
            from casework.app import create_app

            config = uvicorn.Config(
                create_app(settings, storage=storage), host=host, port=port, log_level="warning"
            )
        sock.listen(config.backlog)
        console.print(f"casework listening on http://{address(host, port)}  (API docs: /docs)")
        try:
            if workers > 1:
                Multiprocess(config, sockets=[sock]).run()
            else:
                server = uvicorn.Server(config)
                server.run(sockets=[sock])
                if not server.started:
                    raise typer.Exit(3)
        except KeyboardInterrupt:
            pass
    finally:
        sock.close()


if __name__ == "__main__":
    app()
