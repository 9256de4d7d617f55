"""Reads live in repositories: fail when ``select(`` is called outside a ``repository.py``.

Each feature keeps its queries in its own ``repository.py`` (built on
``casework/infra/repository.py``); services, routers, tasks, dialects and console pages call
them. The few modules below may still build a SELECT themselves, each for the reason
given. An entry that no longer needs its place (the module is gone, or has no SELECT
left) fails the check too, so the list only shrinks.

Run from the repository root (``make lint`` does): ``python scripts/check_selects.py``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = Path("src/casework")

# Paths relative to the package; one ending in "/" covers a directory.
ALLOWED: dict[str, str] = {
    "migrations/": "migrations read the tables as they were at their own revision",
    "audit/seal.py": (
        "run only by migration 0016: reads the event columns as they were when the "
        "chains were sealed"
    ),
    "processing/claim.py": (
        "a write: a claim locks the pending checks it loads (SKIP LOCKED on PostgreSQL)"
    ),
    "rules/grouping.py": (
        "a write for rule hits: it locks alert groups and their cases and finds what it links"
    ),
    "webhooks/outbox.py": "the event path: the outbox cursor's lock and the events it sends",
    "webhooks/publisher.py": (
        "a write: publishing locks the tenant's cursor and queued events (SKIP LOCKED) and "
        "reads the events it turns into deliveries in that transaction"
    ),
    "idempotency.py": (
        "a write: once the insert of a key's claim row conflicts, it reads the row that won"
    ),
}


def selects(source: str) -> Iterator[int]:
    """The lines in ``source`` that call ``select`` (or ``<module>.select``), or import
    SQLAlchemy's ``select`` (under whatever name)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", None)
            if name == "select":
                yield node.lineno
        elif _imports_select(node):
            yield node.lineno


def _imports_select(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("sqlalchemy")
        and any(alias.name == "select" for alias in node.names)
    )


def _allowed_by(relative: str, allowed: Mapping[str, str]) -> str | None:
    for entry in allowed:
        if relative == entry or (entry.endswith("/") and relative.startswith(entry)):
            return entry
    return None


def problems(package: Path, allowed: Mapping[str, str]) -> list[str]:
    """Each SELECT built outside a repository module or an allowed one, and each entry
    of ``allowed`` that allows nothing."""
    found: list[str] = []
    used: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        lines = list(selects(path.read_text(encoding="utf-8")))
        if not lines or path.name == "repository.py":
            continue
        entry = _allowed_by(relative, allowed)
        if entry is not None:
            used.add(entry)
            continue
        found += [
            f"{path}:{line}: a SELECT outside a repository module: move the read to the "
            "feature's repository.py"
            for line in sorted(set(lines))
        ]
    found += [
        f"{package / entry}: allowed to build SELECTs but builds none: remove it from ALLOWED"
        for entry in allowed
        if entry not in used
    ]
    return found


def main() -> int:
    found = problems(PACKAGE, ALLOWED)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
