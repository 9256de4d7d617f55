"""What every ``casework`` sub-command shares: output, failing with an exit code, and
the database opened for one command."""

from __future__ import annotations

import errno
import json
import socket
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.storage import Store, StoreUnavailable, open_store
from casework.tenants import numbering

T = TypeVar("T")

# Rich lays output out for an 80-column screen whenever it is not writing to a terminal
# (a pipe, a file, a log), cutting long lines there. Lines are never wrapped by casework:
# a terminal wraps what is too long for it, and a log keeps each line whole.
UNBOUNDED = 10_000


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else UNBOUNDED
    return Console(stderr=stderr, soft_wrap=True, width=width)


console = _console(stderr=False)
err = _console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant slug.")]
VerboseFlag = Annotated[
    bool, typer.Option("--verbose", "-v", help="List every record that was not imported.")
]
EXAMPLES = 2
REASONS_SHOWN = 10


def by_reason(records: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """(where, reason) pairs counted by reason, most frequent first, each with the first
    ``EXAMPLES`` places it was met."""
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for where, reason in records:
        counts[reason] += 1
        seen = examples.setdefault(reason, [])
        if len(seen) < EXAMPLES:
            seen.append(where)
    return [
        {"reason": reason, "count": count, "examples": examples[reason]}
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def reason_lines(groups: Sequence[dict[str, Any]], indent: str = "    ") -> list[str]:
    """One line per reason, ``reason: count (e.g. where; where)``, the rarest reasons
    beyond ``REASONS_SHOWN`` folded into one line."""
    lines = [
        f"{indent}{g['reason']}: {g['count']} (e.g. {'; '.join(g['examples'])})"
        for g in groups[:REASONS_SHOWN]
    ]
    rest = groups[REASONS_SHOWN:]
    if rest:
        count = sum(g["count"] for g in rest)
        lines.append(f"{indent}... {len(rest)} other reasons: {count}")
    return lines


def plain(text: str) -> None:
    """``text`` on stdout as it is: no markup read into it, no highlighting."""
    console.print(text, markup=False, highlight=False)


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


def read_settings() -> Settings:
    """The settings from the environment; a value that does not fit ends the command with
    a line naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"CASEWORK_{str(first['loc'][0]).upper()}" if first["loc"] else "a setting"
        raise fail(escape(f"{name}: {first['msg']}")) from None


def address(host: str, port: int) -> str:
    """``host:port`` as a URL writes it (an IPv6 address in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


_CANNOT_BIND = {
    errno.EADDRINUSE: "the address is already in use; "
    "choose another port with --port or CASEWORK_PORT",
    errno.EACCES: "permission denied (ports below 1024 need privileges); "
    "choose another port with --port or CASEWORK_PORT",
    errno.EADDRNOTAVAIL: "that address is not one of this machine's; "
    "choose another with --host or CASEWORK_HOST",
}


def bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host`` and ``port``, for the server to listen on; a
    port that cannot be had ends the command with one line saying why."""
    where = address(host, port)
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise fail(
            f"casework cannot listen on {where}: the host is unknown ({exc.strerror}); "
            "choose another with --host or CASEWORK_HOST"
        ) from None
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: the port of a server that just stopped is free again at once,
    # while a port another process listens on is still refused.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(sockaddr)
    except OSError as exc:
        sock.close()
        reason = _CANNOT_BIND.get(exc.errno or 0, exc.strerror or str(exc))
        raise fail(f"casework cannot listen on {where}: {reason}") from None
    return sock


def checked_store(settings: Settings) -> Store:
    """The document store, checked: one that cannot be used (a missing bucket, refused
    credentials, an endpoint out of reach) ends the command with one line saying why."""
    name = "CASEWORK_STORAGE_URL" if settings.storage_url else "CASEWORK_DATA_DIR"
    store = open_store(settings.storage_location)
    try:
        store.check()
    except StoreUnavailable as exc:
        raise fail(escape(f"{name}: {exc}")) from None
    return store


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
