"""A pytest plugin for mutation runs (bench/mutation.py, ``-p tests.mutation_db``).

mutmut starts a fresh test session for every mutant, and migrating that session's SQLite
database is most of its cost. The schema is migrated once, kept as a template named
after the content of the migration files (a migration filled in under the same revision
makes a new template), and copied into each later session's database file. The
migrations are never under mutation, so the copy is the database they would make.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from casework import migrations


def _template() -> Path:
    scripts = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    digest = hashlib.sha256()
    for path in sorted(Path(scripts.versions).glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    name = f"casework-mutation-{scripts.get_current_head()}-{digest.hexdigest()[:12]}"
    return Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}.db"


TEMPLATE = _template()


def upgrade_from_template(engine: Engine, revision: str = "head") -> None:
    path = engine.url.database
    if engine.dialect.name != "sqlite" or revision != "head" or not path:
        migrations.upgrade(engine, revision)
        return
    engine.dispose()
    if not TEMPLATE.exists():
        migrations.upgrade(engine, revision)
        engine.dispose()
        partial = TEMPLATE.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(path, partial)
        os.replace(partial, TEMPLATE)
        return
    shutil.copyfile(TEMPLATE, path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    conftest = sys.modules.get("tests.conftest")
    if conftest is not None:
        conftest.upgrade = upgrade_from_template  # type: ignore[attr-defined]
