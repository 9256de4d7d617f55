"""What every ``casework`` sub-command shares: output, failing with an exit code, and
the database opened for one command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from casework.config import Settings
from casework.infra.db import Database
from casework.tenants import numbering

T = TypeVar("T")

console = Console(stderr=False)
err = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant slug.")]


def emit(data: dict[str, Any] | list[Any], as_json: bool, human: str | Table) -> None:
    """``data`` as JSON on stdout with ``--json``, else ``human`` for people."""
    if as_json:
        sys.stdout.write(json.dumps(data, default=str, indent=2) + "\n")
    else:
        console.print(human)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error; the caller raises what this returns."""
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code)


def run_or_exit(fn: Callable[[], T]) -> T:
    """``fn()``; a refusal of the domain (a DomainError) ends the command with code 2."""
    from casework.infra.errors import DomainError

    try:
        return fn()
    except DomainError as exc:
        raise fail(exc.detail, 2) from None


@contextmanager
def open_database(settings: Settings | None = None) -> Iterator[Database]:
    """The configured database, its schema brought up to date when it is embedded SQLite."""
    from casework.migrations import current_revision, head_revision, upgrade

    numbering.install()
    database = Database(settings or Settings())
    try:
        if database.is_sqlite:
            upgrade(database.engine, settings=database.settings)
        elif current_revision(database.engine) != head_revision():
            raise fail("the database schema is not current: run `casework db upgrade`")
        yield database
    finally:
        database.dispose()
