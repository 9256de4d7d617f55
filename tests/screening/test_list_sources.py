"""`casework lists update` against a publisher on loopback: the default sources, each
version's publication date, progress on stderr, and dataset names in both styles."""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.config import DEFAULT_LIST_SOURCES, Settings
from casework.infra.db import Database
from casework.models import WatchlistDataset, WatchlistVersion
from casework.screening.service import import_dataset
from tests.factories import TenantKit
from tests.screening.test_lists import _cli, _person, _write

UN_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>IVAN</FIRST_NAME>
      <SECOND_NAME>PETROV</SECOND_NAME>
      <REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>
"""
MODIFIED = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


class _Publisher(SimpleHTTPRequestHandler):
    """Serves a directory with Last-Modified from the files' times, except under /bare/."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "last-modified" and self.path.startswith("/bare/"):
            return
        super().send_header(keyword, value)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "publisher"
    (root / "bare").mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Publisher, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join()


def _sources(monkeypatch: pytest.MonkeyPatch, **sources: tuple[str, list[str]]) -> None:
    config = {name: {"format": fmt, "urls": urls} for name, (fmt, urls) in sources.items()}
    monkeypatch.setenv("CASEWORK_LIST_SOURCES", json.dumps(config))


def _published(db: Database, dataset: str) -> datetime | None:
    with db.transaction(write=False) as session:
        return session.scalars(
            select(WatchlistVersion.published_at)
            .join(WatchlistDataset, WatchlistDataset.id == WatchlistVersion.dataset_id)
            .where(WatchlistDataset.name == dataset, WatchlistVersion.status == "current")
        ).one()


def test_defaults_are_the_public_official_lists(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CASEWORK_LIST_SOURCES", raising=False)
    sources = Settings().list_sources
    assert sources == DEFAULT_LIST_SOURCES
    assert {
        name: (s.format, {urlsplit(u).netloc for u in s.urls}) for name, s in sources.items()
    } == {
        "ofac-sdn": ("ofac-csv", {"www.treasury.gov"}),
        "ofac-consolidated": ("ofac-csv", {"www.treasury.gov"}),
        "un-sc": ("un-xml", {"scsanctions.un.org"}),
        "uk-sanctions": ("uk-xml", {"sanctionslist.fcdo.gov.uk"}),
    }
    assert sources["uk-sanctions"].urls == [
        "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
    ]
    names = {Path(urlsplit(u).path).name for u in sources["ofac-sdn"].urls}
    assert names == {"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"}


def test_publication_date_from_the_file_the_server_or_neither(
    settings: Settings,
    db: Database,
    client: TestClient,
    kit: TenantKit,
    publisher: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
):
    base, root = publisher
    stamp = MODIFIED.timestamp()
    (root / "consolidated.xml").write_text(UN_XML, encoding="utf-8")
    os.utime(root / "consolidated.xml", (stamp, stamp))
    _write(root / "people.json", _person("p1", "Ivan Petrov"))
    os.utime(root / "people.json", (stamp, stamp))
    _write(root / "bare" / "people.json", _person("p1", "Ivan Petrov"))
    suffix = secrets.token_hex(3)
    stated, served, unknown = f"un_{suffix}", f"served_{suffix}", f"unknown-{suffix}"
    _sources(
        monkeypatch,
        **{
            stated: ("un-xml", [f"{base}/consolidated.xml"]),
            served: ("ftm", [f"{base}/people.json"]),
            unknown: ("ftm", [f"{base}/bare/people.json"]),
        },
    )

    code, out, err = _cli(settings, "lists", "update", "--json")
    assert code == 0, err
    reports = {r["dataset"]: r["report"] for r in json.loads(out)}
    # The file's own date wins over the server's Last-Modified.
    assert reports[stated]["published_at"] == "2026-02-27T00:00:09.554000+00:00"
    assert reports[served]["published_at"] == "2026-03-01T12:30:00+00:00"
    assert reports[unknown]["published_at"] is None
    assert _published(db, stated) == datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)
    assert _published(db, served) == MODIFIED
    assert _published(db, unknown) is None

    _code, out, _ = _cli(settings, "lists", "--json")
    listed = {d["name"]: d for d in json.loads(out)}
    assert listed[served]["published_at"] == "2026-03-01T12:30:00+00:00"
    assert listed[served]["versions"][0]["published_at"] == "2026-03-01T12:30:00+00:00"
    assert listed[unknown]["published_at"] is None
    _code, out, _ = _cli(settings, "lists")
    assert "2026-02-27" in out and "2026-03-01 12:30 UTC" in out

    r = client.get("/v1/watchlist/datasets", headers=kit.viewer.headers)
    assert r.status_code == 200
    shown = {d["name"]: d for d in r.json()}
    assert shown[stated]["published_at"] == "2026-02-27T00:00:09.554000Z"
    assert shown[served]["published_at"] == "2026-03-01T12:30:00Z"
    assert shown[unknown]["published_at"] is None


def test_lists_import_records_the_date_the_files_state(
    settings: Settings, db: Database, tmp_path: Path
):
    path = tmp_path / "consolidated.xml"
    path.write_text(UN_XML, encoding="utf-8")
    name = f"un_sc_sanctions_{secrets.token_hex(3)}"
    code, out, err = _cli(
        settings, "lists", "import", "--dataset", name, "--format", "un-xml", str(path), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["published_at"] == "2026-02-27T00:00:09.554000+00:00"
    assert _published(db, name) == datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)


def test_progress_on_stderr_and_never_in_json(
    settings: Settings, publisher: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
):
    base, root = publisher
    name = f"progress_{secrets.token_hex(3)}"
    _write(root / "people.json", _person("p1", "Ivan Petrov"), _person("p2", "Olga Sidorova"))
    _sources(monkeypatch, **{name: ("ftm", [f"{base}/people.json"])})

    code, out, err = _cli(settings, "lists", "update")
    assert code == 0, err
    assert f"{name}: people.json" in err, "the download's bar names the file"
    assert f"{name}: importing" in err and "2 entities" in err
    size = (root / "people.json").stat().st_size
    assert f"{size}/{size} bytes" in err, "bytes received of the size the server gave"
    assert f"{name} version 1: 2 entities" in out

    _write(root / "people.json", _person("p1", "Ivan Petrov"))
    code, out, err = _cli(settings, "lists", "update", "--json")
    assert code == 0
    assert err == ""
    (result,) = json.loads(out)
    assert result["status"] == "imported" and result["report"]["removed"] == 1

    code, out, err = _cli(settings, "lists", "update", "--json")
    assert (code, err, json.loads(out)) == (0, "", [{"dataset": name, "status": "unchanged"}])

    code, out, err = _cli(
        settings,
        "lists",
        "import",
        "--dataset",
        name,
        "--format",
        "ftm",
        str(root / "people.json"),
        "--json",
    )
    assert code == 0 and err == ""
    assert json.loads(out)["version"] == 3


def test_opensanctions_style_names_through_import_update_and_screening(
    settings: Settings,
    client: TestClient,
    kit: TenantKit,
    publisher: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
):
    suffix = secrets.token_hex(3)
    imported, updated = f"us_ofac_sdn_{suffix}", f"un_sc_sanctions_{suffix}"
    path = _write(tmp_path / "sdn.json", _person("p1", "Ivan Petrov", birthDate="1970"))
    code, out, err = _cli(
        settings, "lists", "import", "--dataset", imported, "--format", "ftm", str(path), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["dataset"] == imported

    base, root = publisher
    _write(root / "un.json", _person("u1", "Olga Sidorova"))
    _sources(monkeypatch, **{updated: ("ftm", [f"{base}/un.json"])})
    code, out, err = _cli(settings, "lists", "update", "--dataset", updated, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["status"] == "imported"

    for dataset, name, key in ((imported, "Petrov Ivan", "p1"), (updated, "Olga Sidorova", "u1")):
        r = client.post(
            "/v1/screenings",
            json={"name": name, "datasets": [dataset]},
            headers=kit.viewer.headers,
        )
        assert r.status_code == 200, r.text
        assert r.json()["matches"][0]["entity_id"] == f"{dataset}:{key}"


def test_case_config_checks_take_either_style(
    client: TestClient, kit: TenantKit, db: Database, tmp_path: Path
):
    name = f"gb_fcdo_sanctions_{secrets.token_hex(3)}"
    with db.transaction() as session:
        import_dataset(
            session,
            name=name,
            format_name="ftm",
            paths=[_write(tmp_path / "uk.json", _person("p1", "Ivan Petrov"))],
        )
    checks = [{"type": "SANCTIONS", "params": {"datasets": [name, "ofac-sdn"]}}]
    r = client.post(
        "/v1/case-configs",
        json={"slug": f"kyc-{secrets.token_hex(3)}", "name": "KYC", "checks": checks},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["checks"][0]["params"]["datasets"] == [name, "ofac-sdn"]


@pytest.mark.parametrize("bad", ["US OFAC", "us.ofac", "-sdn", "ofac:sdn", "Ofac_sdn", "x" * 64])
def test_bad_dataset_names_are_refused_naming_the_field(
    client: TestClient, kit: TenantKit, bad: str
):
    r = client.post(
        "/v1/screenings",
        json={"name": "Ivan Petrov", "datasets": [bad]},
        headers=kit.viewer.headers,
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["datasets.0"]
    assert "lowercase letters, digits, hyphens or underscores" in r.text

    checks = [{"type": "PEP", "params": {"datasets": ["pep", bad]}}]
    r = client.post(
        "/v1/case-configs",
        json={"slug": f"bad-{secrets.token_hex(3)}", "name": "Bad", "checks": checks},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["checks.0.params.datasets.1"]


def test_bad_dataset_names_in_the_cli_and_the_settings(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = _write(tmp_path / "l.json", _person("p1", "Ivan Petrov"))
    code, _, err = _cli(
        settings, "lists", "import", "--dataset", "US OFAC", "--format", "ftm", str(path)
    )
    assert code == 2
    assert "--dataset 'US OFAC'" in err
    code, _, err = _cli(settings, "lists", "update", "--dataset", "us.ofac")
    assert code == 2
    assert "--dataset 'us.ofac'" in err
    with db.transaction(write=False) as session:
        names = set(session.scalars(select(WatchlistDataset.name)))
    assert not names & {"US OFAC", "us.ofac"}

    monkeypatch.setenv(
        "CASEWORK_LIST_SOURCES",
        json.dumps({"US OFAC": {"format": "ftm", "urls": ["http://127.0.0.1:9/x.json"]}}),
    )
    code, _, err = _cli(settings, "lists", "update")
    assert code == 2
    assert "list_sources.US OFAC" in err
    monkeypatch.setenv(
        "CASEWORK_LIST_SOURCES",
        json.dumps({"us_ofac": {"format": "pdf", "urls": ["http://127.0.0.1:9/x.json"]}}),
    )
    code, _, err = _cli(settings, "lists", "update")
    assert code == 2
    assert "list_sources.us_ofac.format" in err and "uk-xml" in err


def test_the_dataset_listing_shows_a_tenant_only_its_own_lists(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database, tmp_path: Path
):
    name = f"own_{secrets.token_hex(3)}"
    with db.transaction() as session:
        import_dataset(
            session,
            name=name,
            format_name="ftm",
            paths=[_write(tmp_path / "own.json", _person("p1", "Ivan Petrov"))],
            tenant_id=kit.tenant_id,
            published_at=MODIFIED,
        )
    mine = client.get("/v1/watchlist/datasets", headers=kit.viewer.headers).json()
    theirs = client.get("/v1/watchlist/datasets", headers=other_kit.viewer.headers).json()
    assert [d["published_at"] for d in mine if d["name"] == name] == ["2026-03-01T12:30:00Z"]
    assert name not in {d["name"] for d in theirs}
