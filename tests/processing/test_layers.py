"""The layers of the package, read from the source: no feature or cross-cutting module
imports the processing layer, no module below the adapters imports a dialect, and the
job machinery imports no feature. Every import counts, also one inside a function or
only for type checking."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import casework
from casework.screening import snapshot

PACKAGE = Path(casework.__file__).parent
# Above processing: the adapters (dialects, console, command line, demo data) and the
# assembly of the application and the worker.
ADAPTERS = ("casework.dialects", "casework.console", "casework.demo")
ASSEMBLY = {"casework.app", "casework.asgi", "casework.assembly", "casework.worker"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        parts = ["casework", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _imports(module: str, path: Path, *, typing: bool = True) -> set[str]:
    """The casework modules ``module`` imports (without ``typing``, at run time only)."""
    with snapshot.PARSER:  # the session's app may map a snapshot in a thread meanwhile
        tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if not typing:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "casework" or name.startswith("casework.")}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _above_features(module: str) -> bool:
    return (
        module in ASSEMBLY
        or any(_within(module, adapter) for adapter in ADAPTERS)
        or module.rpartition(".")[2] == "cli"
    )


def test_no_lower_layer_imports_processing():
    offenders = [
        f"{module} imports {name}"
        for module, path in _modules()
        if not _within(module, "casework.processing") and not _above_features(module)
        for name in sorted(_imports(module, path))
        if _within(name, "casework.processing")
    ]
    assert offenders == []


def test_no_module_below_the_adapters_imports_a_dialect():
    offenders = [
        f"{module} imports {name}"
        for module, path in _modules()
        if not _above_features(module)
        for name in sorted(_imports(module, path))
        if _within(name, "casework.dialects")
    ]
    assert offenders == []


def test_the_job_machinery_imports_no_feature():
    imported = _imports("casework.infra.jobs", PACKAGE / "infra" / "jobs.py", typing=False)
    assert imported
    assert [
        n
        for n in imported
        if not any(
            _within(n, allowed)
            for allowed in ("casework.config", "casework.infra.db", "casework.infra.storage")
        )
    ] == []


def test_the_scan_sees_the_imports_it_is_meant_to_refuse():
    """The rules above would pass on a scan that found nothing."""
    imported = {module: _imports(module, path) for module, path in _modules()}
    assert "casework.processing.tasks" in imported["casework.assembly"]
    assert "casework.dialects.payloads" in imported["casework.assembly"]
    assert "casework.cases.service" in imported["casework.processing.children"]
