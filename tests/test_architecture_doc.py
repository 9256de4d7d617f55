"""docs/architecture.md shows the layers the import contract enforces, package for package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_layer_diagram_is_drawn_from_the_contract():
    path = ROOT / "scripts" / "architecture_diagram.py"
    spec = importlib.util.spec_from_file_location("architecture_diagram", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.diagram() in (ROOT / "docs" / "architecture.md").read_text("utf-8"), (
        "docs/architecture.md is out of date: python scripts/architecture_diagram.py --write"
    )


def test_every_package_of_casework_is_in_one_layer():
    path = ROOT / "scripts" / "architecture_diagram.py"
    spec = importlib.util.spec_from_file_location("architecture_diagram", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    listed = [name for layer in module.layers() for name in layer]
    package = ROOT / "src" / "casework"
    present = sorted(
        p.stem if p.suffix == ".py" else p.name
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    )
    assert sorted(listed) == present
