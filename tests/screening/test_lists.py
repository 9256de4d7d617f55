"""Importing lists as versions: the report, the differences, failure, and `lists update`."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework.cli import app as cli
from casework.config import Settings
from casework.infra.db import Database
from casework.models import WatchlistChange, WatchlistDataset, WatchlistEntity, WatchlistVersion
from tests.factories import TenantKit


def _person(entity_id: str, name: str, **properties: Any) -> dict[str, Any]:
    props = {"name": [name], "topics": ["sanction"], **properties}
    return {
        "id": entity_id,
        "schema": "Person",
        "target": True,
        "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()},
    }


def _write(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def dataset() -> str:
    return f"list-{secrets.token_hex(4)}"


def _import(settings: Settings, dataset: str, path: Path) -> dict[str, Any]:
    code, out, err = _cli(
        settings, "lists", "import", "--dataset", dataset, "--format", "ftm", str(path), "--json"
    )
    assert code == 0, err
    return json.loads(out)


def test_import_reports_and_versions(
    settings: Settings, db: Database, dataset: str, tmp_path: Path
):
    first = _write(
        tmp_path / "v1.json",
        _person("p1", "Ivan Petrov", birthDate="1970"),
        _person("p2", "Olga Sidorova"),
        _person("p3", "Karl Weiss"),
    )
    report = _import(settings, dataset, first)
    assert report["version"] == 1
    assert report["entities"] == 3
    assert report["by_schema"] == {"Person": 3}
    assert (report["added"], report["changed"], report["removed"]) == (3, 0, 0)

    second = _write(
        tmp_path / "v2.json",
        _person("p1", "Ivan Petrov", birthDate="1971"),
        _person("p2", "Olga Sidorova"),
        _person("p4", "Mila Novak"),
    )
    report = _import(settings, dataset, second)
    assert report["version"] == 2
    assert (report["added"], report["changed"], report["removed"], report["unchanged"]) == (
        1,
        1,
        1,
        1,
    )

    with db.transaction(write=False) as session:
        ds = session.scalars(select(WatchlistDataset).where(WatchlistDataset.name == dataset)).one()
        assert ds.current_version == 2
        changes = {
            (c.key, c.change)
            for c in session.scalars(
                select(WatchlistChange).where(
                    WatchlistChange.dataset_id == ds.id, WatchlistChange.version == 2
                )
            )
        }
        assert changes == {("p1", "changed"), ("p3", "removed"), ("p4", "added")}
        current = set(
            session.scalars(
                select(WatchlistEntity.key).where(
                    WatchlistEntity.dataset_id == ds.id, WatchlistEntity.version_to.is_(None)
                )
            )
        )
        assert current == {"p1", "p2", "p4"}
        as_of_v1 = set(
            session.scalars(
                select(WatchlistEntity.key).where(
                    WatchlistEntity.dataset_id == ds.id,
                    WatchlistEntity.version_from <= 1,
                    (WatchlistEntity.version_to.is_(None)) | (WatchlistEntity.version_to > 1),
                )
            )
        )
        assert as_of_v1 == {"p1", "p2", "p3"}
        statuses = [
            v.status
            for v in session.scalars(
                select(WatchlistVersion)
                .where(WatchlistVersion.dataset_id == ds.id)
                .order_by(WatchlistVersion.number)
            )
        ]
        assert statuses == ["superseded", "current"]

    _code, out, _ = _cli(settings, "lists", "--json")
    listed = {d["name"]: d for d in json.loads(out)}
    assert listed[dataset]["current_version"] == 2
    assert listed[dataset]["entities"] == 3


def test_malformed_input_never_becomes_current(
    settings: Settings, db: Database, dataset: str, tmp_path: Path
):
    good = _write(tmp_path / "good.json", _person("p1", "Ivan Petrov"))
    _import(settings, dataset, good)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_person("p9", "New Person")) + "\n{not json\n", encoding="utf-8")
    code, _, err = _cli(
        settings, "lists", "import", "--dataset", dataset, "--format", "ftm", str(bad)
    )
    assert code == 2
    assert "bad.json" in err
    assert "line 2" in err
    with db.transaction(write=False) as session:
        ds = session.scalars(select(WatchlistDataset).where(WatchlistDataset.name == dataset)).one()
        assert ds.current_version == 1
        keys = set(
            session.scalars(select(WatchlistEntity.key).where(WatchlistEntity.dataset_id == ds.id))
        )
        assert keys == {"p1"}
        versions = {
            v.number: v.status
            for v in session.scalars(
                select(WatchlistVersion).where(WatchlistVersion.dataset_id == ds.id)
            )
        }
        assert versions == {1: "current", 2: "failed"}


def test_unknown_format_and_missing_file(settings: Settings, tmp_path: Path):
    code, _, err = _cli(
        settings,
        "lists",
        "import",
        "--dataset",
        "x",
        "--format",
        "pdf",
        str(_write(tmp_path / "a.json", _person("p", "P"))),
    )
    assert code == 2
    assert "--format" in err
    code, _, _ = _cli(
        settings,
        "lists",
        "import",
        "--dataset",
        "x",
        "--format",
        "ftm",
        str(tmp_path / "missing.json"),
    )
    assert code != 0


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving a directory, like a list publisher."""
    root = tmp_path / "publisher"
    root.mkdir()
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_update_downloads_imports_and_skips_unchanged(
    settings: Settings,
    db: Database,
    dataset: str,
    publisher: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
):
    base, root = publisher
    _write(root / "people.json", _person("p1", "Ivan Petrov"))
    sources = {dataset: {"format": "ftm", "urls": [f"{base}/people.json"]}}
    monkeypatch.setenv("CASEWORK_LIST_SOURCES", json.dumps(sources))

    code, out, err = _cli(settings, "lists", "update", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["status"] == "imported"

    code, out, _ = _cli(settings, "lists", "update", "--json")
    assert json.loads(out)[0]["status"] == "unchanged"

    _write(root / "people.json", _person("p1", "Ivan Petrov"), _person("p2", "Olga Sidorova"))
    code, out, _ = _cli(settings, "lists", "update", "--json")
    result = json.loads(out)[0]
    assert result["status"] == "imported"
    assert result["report"]["version"] == 2
    assert result["report"]["added"] == 1

    with db.transaction(write=False) as session:
        count = session.scalar(
            select(func.count())
            .select_from(WatchlistVersion)
            .join(WatchlistDataset)
            .where(WatchlistDataset.name == dataset)
        )
    assert count == 2


def test_update_reports_download_failure(
    settings: Settings, publisher: tuple[str, Path], dataset: str, monkeypatch: pytest.MonkeyPatch
):
    base, _ = publisher
    sources = {dataset: {"format": "ftm", "urls": [f"{base}/nothing-here.json"]}}
    monkeypatch.setenv("CASEWORK_LIST_SOURCES", json.dumps(sources))
    code, out, _ = _cli(settings, "lists", "update", "--json")
    assert code == 1
    assert json.loads(out)[0]["status"] == "download_failed"
    assert "404" in json.loads(out)[0]["error"]


def test_screen_command(settings: Settings, dataset: str, tmp_path: Path):
    _import(
        settings,
        dataset,
        _write(tmp_path / "l.json", _person("p1", "Ivan Petrov", birthDate="1970")),
    )
    code, out, err = _cli(settings, "screen", "Petrov Ivan", "--dataset", dataset, "--json")
    assert code == 0, err
    matches = json.loads(out)["matches"]
    assert matches[0]["entity_id"] == f"{dataset}:p1"
    assert matches[0]["match"] is True
    code, _, err = _cli(settings, "screen", "Ivan", "--schema", "Robot")
    assert code == 2
    assert "schema" in err
    code, out, err = _cli(
        settings, "screen", "Petrov Ivan", "--dob", "tomorrow", "--dataset", dataset, "--json"
    )
    assert code == 0, err
    assert "birth date 'tomorrow' could not be read" in json.loads(out)["warnings"][0]


def test_import_for_one_tenant(
    settings: Settings, db: Database, kit: TenantKit, other_kit: TenantKit, tmp_path: Path
):
    """`lists import --tenant` makes the list that tenant's alone."""
    name = f"own-{secrets.token_hex(4)}"
    path = _write(tmp_path / "l.json", _person("p1", "Ivan Petrov", birthDate="1970"))
    args = ["lists", "import", "--dataset", name, "--format", "ftm", str(path), "--json"]
    code, _, err = _cli(settings, *args, "--tenant", "no-such-tenant")
    assert code == 2 and "--tenant" in err
    code, _, err = _cli(settings, *args, "--tenant", kit.slug)
    assert code == 0, err
    with db.transaction(write=False) as session:
        owner = session.scalar(
            select(WatchlistDataset.tenant_id).where(WatchlistDataset.name == name)
        )
    assert owner == kit.tenant_id
    # The same name cannot then become every tenant's list, nor another tenant's.
    code, _, err = _cli(settings, *args)
    assert code == 2 and "belongs to one tenant" in err
    code, _, err = _cli(settings, *args, "--tenant", other_kit.slug)
    assert code == 2


def _related(n: int) -> dict[str, Any]:
    return {"id": f"own-{n}", "schema": "Ownership", "properties": {"owner": ["p1"]}}


def test_import_counts_skipped_records_by_reason(settings: Settings, dataset: str, tmp_path: Path):
    """Hundreds of skipped records make one line per reason, with two examples each;
    --verbose and --json list the records themselves."""
    path = _write(
        tmp_path / "skips.json",
        _person("p1", "Ivan Petrov"),
        *(_related(n) for n in range(240)),
        *({"id": f"x-{n}", "schema": "Person", "properties": {}} for n in range(3)),
        _person("p1", "Ivan Petrov again"),
    )
    args = ["lists", "import", "--dataset", dataset, "--format", "ftm", str(path)]
    code, out, err = _cli(settings, *args)
    assert code == 0, err
    lines = out.splitlines()
    # The first line names the dataset and the schemas: longer than 80 columns, unbroken.
    assert lines[0].startswith(f"{dataset} version 1: 1 entities (Person 1)")
    assert lines[1].endswith("; skipped 244")
    assert lines[2:] == [
        "  skipped, by reason:",
        f"    not a screenable schema: Ownership: 240 (e.g. {path}: line 2; {path}: line 3)",
        f"    no name: 3 (e.g. {path}: line 242; {path}: line 243)",
        f"    duplicate id: 1 (e.g. {path}: line 245 (id p1))",
        "  --verbose lists each skipped record; --json reports them too",
    ]
    assert max(len(line) for line in lines) > 80

    code, out, err = _cli(settings, *args, "--verbose")
    assert code == 0, err
    records = [line for line in out.splitlines() if line.startswith(f"    {path}: line ")]
    assert len(records) == 200  # the records an import keeps
    assert f"    {path}: line 2: not a screenable schema: Ownership" in records
    assert "    (the first 200 of 244 are kept)" in out.splitlines()

    code, out, err = _cli(settings, *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["skipped"] == 244 and len(report["skipped_records"]) == 200
    assert report["skipped_reasons"] == [
        {
            "reason": "not a screenable schema: Ownership",
            "count": 240,
            "examples": [f"{path}: line 2", f"{path}: line 3"],
        },
        {
            "reason": "no name",
            "count": 3,
            "examples": [f"{path}: line 242", f"{path}: line 243"],
        },
        {"reason": "duplicate id", "count": 1, "examples": [f"{path}: line 245 (id p1)"]},
    ]


def test_screen_shows_the_alias_that_matched(settings: Settings, dataset: str, tmp_path: Path):
    path = _write(
        tmp_path / "aliases.json",
        _person("p1", "Ivan Sergeyevich Petrov", alias=["Johnny Walker Petrovich", "I. Petrov"]),
        _person("p2", "Karl Weiss"),
    )
    _import(settings, dataset, path)
    code, out, err = _cli(settings, "screen", "Johnny Walker Petrovich", "--dataset", dataset)
    assert code == 0, err
    row = next(line for line in out.splitlines() if f"{dataset}:p1" in line)
    # One table row on one line: the caption, and the alias the name matched.
    assert "Ivan Sergeyevich Petrov" in row and "Johnny Walker Petrovich" in row
    assert "matched alias" in out
    code, out, err = _cli(settings, "screen", "Ivan Sergeyevich Petrov", "--dataset", dataset)
    assert code == 0, err
    row = next(line for line in out.splitlines() if f"{dataset}:p1" in line)
    assert "Johnny" not in row  # the caption matched: no alias to show
