"""The webhooks package imports no feature: what its events show is shaped by what the
features register (``casework.webhooks.shapers``)."""

from __future__ import annotations

import ast
from pathlib import Path

import casework
from casework.screening import snapshot

PACKAGE = Path(casework.__file__).parent
# Below the features: the models, the cross-cutting code (infra), the audit trail and
# authentication, which every feature uses, and webhooks itself.
BENEATH = {"audit", "auth", "infra", "migrations", "models", "webhooks"}


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, also inside functions."""
    names: set[str] = set()
    with snapshot.PARSER:  # the session's app may map a snapshot in a thread meanwhile
        tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from within casework.webhooks
                parent = ["casework", "webhooks"][: 3 - node.level]
                base = ".".join([*parent, base] if base else parent)
            names.update([base, *(f"{base}.{alias.name}" for alias in node.names)])
    return names


def test_webhooks_import_no_feature_package():
    features = {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name not in BENEATH
    }
    assert {"cases", "checks", "customers", "dialects"} <= features
    found = sorted(
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "webhooks").rglob("*.py")
        for name in _imported(path)
        if name.split(".")[0] == "casework" and name.count(".") and name.split(".")[1] in features
    )
    assert found == []
