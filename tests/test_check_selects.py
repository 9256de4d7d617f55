"""The lint check that keeps SELECTs in repository modules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_selects", ROOT / "scripts/check_selects.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_selects", module)
    spec.loader.exec_module(module)
    return module


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_package_keeps_its_selects_in_repositories() -> None:
    checker = _checker()
    assert checker.problems(ROOT / "src/casework", checker.ALLOWED) == []


def test_a_select_outside_a_repository_is_refused(tmp_path: Path) -> None:
    checker = _checker()
    _write(tmp_path, "things/repository.py", "from sqlalchemy import select\nselect(1)\n")
    _write(tmp_path, "things/service.py", "import sqlalchemy as sa\n\n\nsa.select(1)\n")
    _write(tmp_path, "things/router.py", "from sqlalchemy import select as pick\n")
    _write(tmp_path, "things/notes.py", '"""Never select() in a docstring."""\n# select(1)\n')
    found = checker.problems(tmp_path, {})
    assert found == [
        f"{tmp_path / 'things/router.py'}:1: a SELECT outside a repository module: move the "
        "read to the feature's repository.py",
        f"{tmp_path / 'things/service.py'}:4: a SELECT outside a repository module: move the "
        "read to the feature's repository.py",
    ]


def test_allowed_modules_pass_and_an_entry_that_allows_nothing_fails(tmp_path: Path) -> None:
    checker = _checker()
    _write(tmp_path, "migrations/versions/one.py", "from sqlalchemy import select\n")
    _write(tmp_path, "jobs.py", "from sqlalchemy import select\nselect(1)\n")
    _write(tmp_path, "quiet.py", "x = 1\n")
    allowed = {"migrations/": "why", "jobs.py": "why", "quiet.py": "why", "gone.py": "why"}
    assert checker.problems(tmp_path, allowed) == [
        f"{tmp_path / 'quiet.py'}: allowed to build SELECTs but builds none: remove it from "
        "ALLOWED",
        f"{tmp_path / 'gone.py'}: allowed to build SELECTs but builds none: remove it from ALLOWED",
    ]


def test_every_allowed_module_says_why() -> None:
    assert all(reason.strip() for reason in _checker().ALLOWED.values())
