"""The cycle check finds every circle of imports, however long, and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _checker() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "scripts" / "check_cycles.py"
    spec = importlib.util.spec_from_file_location("check_cycles", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_circles_are_found_and_chains_are_not():
    cycles = _checker().cycles
    edges = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},  # a -> b -> c -> a
        "d": {"e"},
        "e": set(),
        "f": {"f"},  # a module importing itself
        "g": {"h"},
        "h": {"g"},
    }
    assert cycles(edges) == [["a", "b", "c"], ["f"], ["g", "h"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_a_long_chain_needs_no_recursion():
    cycles = _checker().cycles
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(5000)}
    assert cycles(chain) == []
    chain["m5000"] = {"m0"}
    assert cycles(chain) == [sorted(f"m{i}" for i in range(5001))]


def test_casework_has_no_import_cycle():
    checker = _checker()
    assert checker.cycles(checker.module_imports("casework")) == []
