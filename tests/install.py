"""A fresh install for tests that need one: its own empty database on the backend under
test (schema from the migrations), its own application and job runner, and nothing
imported yet. The session-wide database cannot stand for one: other tests import lists
every tenant shares into it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from casework.app import create_app
from casework.cli import app as cli
from casework.config import Settings
from casework.infra.db import Database
from casework.migrations import upgrade
from tests.conftest import new_database_url


@dataclass
class Install:
    settings: Settings
    db: Database
    app: FastAPI
    client: TestClient

    def cli(self, *args: str) -> tuple[int, str, str]:
        """``casework <args>`` against this install: exit code, stdout, stderr."""
        env = {
            "CASEWORK_DATABASE_URL": self.settings.resolved_database_url,
            "CASEWORK_DATA_DIR": str(self.settings.data_dir),
        }
        result = CliRunner().invoke(cli, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr


@contextmanager
def fresh_install(settings: Settings, data_dir: Path) -> Iterator[Install]:
    """An install like ``settings``' but on a database of its own in ``data_dir``."""
    with contextmanager(new_database_url)(data_dir) as url:
        # Validated anew, not copied: a copy would keep the other database's cached URL.
        own = Settings.model_validate(
            settings.model_dump() | {"database_url": url, "data_dir": data_dir}
        )
        database = Database(own)
        upgrade(database.engine)
        app = create_app(own, database)
        with TestClient(app) as client:  # runs the app's job runner; disposes the database
            yield Install(own, database, app, client)


def write_list(path: Path, *records: dict[str, Any]) -> Path:
    """FollowTheMoney JSON lines."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def listed(key: str, schema: str, name: str, topics: list[str], **props: Any) -> dict[str, Any]:
    properties = {"name": [name], "topics": topics, **{k: [v] for k, v in props.items()}}
    return {"id": key, "schema": schema, "target": True, "properties": properties}
