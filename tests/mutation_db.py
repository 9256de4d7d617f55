"""A pytest plugin for mutation runs (bench/mutation.py, ``-p tests.mutation_db``).

mutmut starts a fresh test session for every mutant, and migrating that session's SQLite
database is most of its cost. The schema is migrated once, kept as a template named
after the migration head, and copied into each later session's database file. The
migrations are never under mutation, so the copy is the database they would make.
"""

from __future__ import annotations

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
    head = ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()
    return Path(tempfile.gettempdir()) / f"casework-mutation-{head}-{os.getuid()}.db"


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
