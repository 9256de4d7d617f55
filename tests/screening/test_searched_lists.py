"""What a screening searched: every result names the list versions it searched with
their publication dates, stale lists warn wherever results are shown, and a list that
belongs to one tenant is invisible to every other tenant on every surface."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner
from casework.models.base import utcnow
from casework.monitoring.ongoing import with_searched
from casework.screening.scope import SearchedList
from casework.screening.service import import_dataset, record_failure
from tests.console.support import PASSWORD, Browser
from tests.factories import TenantKit, make_tenant_kit
from tests.install import listed, write_list

OWN_NAME = "Marisol Quenteveros Dunmore"
SHARED_NAME = "Orrin Vasquez-Tellmann"
STALE_NAME = "Zebulon Oakhart-Prynne"


class Lists:
    """This module's lists: one shared and fresh, one shared and stale, one owned by a
    tenant and stale, and one whose only import failed."""

    def __init__(self, db: Database, folder: Path, owner: TenantKit) -> None:
        tag = secrets.token_hex(3)
        self.shared, self.stale, self.own, self.failed = (
            f"shared-{tag}",
            f"shared-old-{tag}",
            f"own-{tag}",
            f"failed-{tag}",
        )
        now = utcnow()
        self.shared_published = now - timedelta(days=2)
        self.own_published = now - timedelta(days=400)
        with db.transaction() as session:
            for name, person, published, tenant in (
                (self.shared, SHARED_NAME, self.shared_published, None),
                (self.stale, STALE_NAME, now - timedelta(days=90), None),
                (self.own, OWN_NAME, self.own_published, owner.tenant_id),
            ):
                path = write_list(
                    folder / f"{name}.json", listed("p1", "Person", person, ["sanction"])
                )
                import_dataset(
                    session,
                    name=name,
                    format_name="ftm",
                    paths=[path],
                    tenant_id=tenant,
                    published_at=published,
                )
        with db.transaction() as session:
            record_failure(
                session,
                name=self.failed,
                format_name="ftm",
                paths=[write_list(folder / "bad.json")],
                error="not FollowTheMoney",
            )


@pytest.fixture(scope="module")
def owner(db: Database) -> TenantKit:
    return make_tenant_kit(db, password=PASSWORD)


@pytest.fixture(scope="module")
def stranger(db: Database) -> TenantKit:
    return make_tenant_kit(db, password=PASSWORD)


@pytest.fixture(scope="module")
def lists(db: Database, owner: TenantKit, tmp_path_factory: pytest.TempPathFactory) -> Lists:
    return Lists(db, tmp_path_factory.mktemp("searched"), owner)


@pytest.fixture
def browse(app: FastAPI, client: TestClient) -> Callable[[TenantKit], Browser]:
    def open_as(kit: TenantKit) -> Browser:
        browser = Browser(app)
        assert browser.sign_in(kit.analyst).status_code == 303
        return browser

    return open_as


def _screen(client: TestClient, kit: TenantKit, **body: Any) -> Any:
    return client.post("/v1/screenings", json=body, headers=kit.viewer.headers)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_result_names_each_list_version_it_searched(
    client: TestClient, owner: TenantKit, lists: Lists
):
    r = _screen(client, owner, name=SHARED_NAME, datasets=[lists.shared])
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["matches"][0]["entity_id"] == f"{lists.shared}:p1"
    assert result["dataset_versions"] == {lists.shared: 1}
    [searched] = result["datasets"]
    assert (searched["name"], searched["version"], searched["stale"]) == (lists.shared, 1, False)
    assert _at(searched["published_at"]) == lists.shared_published
    assert _at(searched["imported_at"]) > lists.shared_published
    assert result["warnings"] == []


def test_a_stale_list_warns_in_the_result(client: TestClient, owner: TenantKit, lists: Lists):
    r = _screen(client, owner, name=OWN_NAME, datasets=[lists.own, lists.shared])
    assert r.status_code == 200, r.text
    result = r.json()
    stale = {d["name"]: d["stale"] for d in result["datasets"]}
    assert stale == {lists.own: True, lists.shared: False}
    [warning] = result["warnings"]
    published = f"{lists.own_published:%Y-%m-%d}"
    assert f"{lists.own} v1 was published on {published}, 400 days ago" in warning
    assert "30 days" in warning


def test_a_dataset_without_a_current_version_is_409(
    client: TestClient, owner: TenantKit, lists: Lists
):
    r = _screen(client, owner, name=SHARED_NAME, datasets=[lists.shared, lists.failed])
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["errors"][0]["field"] == "datasets"
    assert lists.failed in body["detail"] and lists.shared not in body["detail"]
    r = client.post(
        "/v1/screenings/batch",
        json={
            "queries": [
                {"name": "x", "datasets": [lists.shared]},
                {"name": "y", "datasets": [lists.failed]},
            ]
        },
        headers=owner.viewer.headers,
    )
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["datasets"][0]["name"] == lists.shared
    assert "matches" not in second and second["error"]["status"] == 409
    assert second["error"]["errors"][0]["field"] == "queries[1].datasets"


def test_a_tenants_list_is_invisible_to_another_tenant_in_the_api(
    client: TestClient, owner: TenantKit, stranger: TenantKit, lists: Lists
):
    mine = _screen(client, owner, name=OWN_NAME).json()
    assert mine["matches"][0]["entity_id"] == f"{lists.own}:p1"
    assert lists.own in mine["dataset_versions"]

    theirs = _screen(client, stranger, name=OWN_NAME, threshold=0.0, limit=100).json()
    assert not any(m["entity_id"].startswith(f"{lists.own}:") for m in theirs["matches"])
    assert lists.own not in theirs["dataset_versions"]
    assert lists.own not in {d["name"] for d in theirs["datasets"]}
    assert not any(lists.own in w for w in theirs["warnings"])

    r = _screen(client, stranger, name=OWN_NAME, datasets=[lists.own])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "datasets"
    r = client.post(
        "/v1/screenings/batch",
        json={"queries": [{"name": OWN_NAME, "datasets": [lists.own]}]},
        headers=stranger.viewer.headers,
    )
    error = r.json()["results"][0]["error"]
    assert error["status"] == 422 and error["errors"][0]["field"] == "queries[0].datasets"

    entity = f"/v1/watchlist/entities/{lists.own}:p1"
    assert client.get(entity, headers=owner.viewer.headers).status_code == 200
    assert client.get(entity, headers=stranger.viewer.headers).status_code == 404

    def names(kit: TenantKit) -> set[str]:
        r = client.get("/v1/watchlist/datasets", headers=kit.viewer.headers)
        assert r.status_code == 200, r.text
        return {d["name"] for d in r.json()}

    assert {lists.own, lists.shared} <= names(owner)
    assert lists.shared in names(stranger) and lists.own not in names(stranger)


def _run_checks(app: FastAPI, client: TestClient, kit: TenantKit, name: str) -> dict[str, Any]:
    body = {
        "title": f"Onboarding {name}",
        "customer": {"customer_type": "INDIVIDUAL", "full_name": name},
        "checks": [{"type": "SANCTIONS"}],
    }
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    r = client.get(f"/v1/cases/{r.json()['id']}/checks", headers=kit.viewer.headers)
    (check,) = r.json()["items"]
    return dict(check)


def test_a_check_searches_its_tenants_lists_and_warns_of_stale_ones(
    app: FastAPI, client: TestClient, owner: TenantKit, stranger: TenantKit, lists: Lists
):
    mine = _run_checks(app, client, owner, OWN_NAME)
    assert mine["status"] == "COMPLETED" and mine["outcome"] == "PENDING"
    assert [m["entity_id"] for m in mine["matches"]] == [f"{lists.own}:p1"]
    assert mine["dataset_versions"][lists.own] == 1
    searched = {d["name"]: d for d in mine["evidence"]["datasets"]}
    assert searched[lists.own]["stale"] is True and searched[lists.shared]["stale"] is False
    assert searched[lists.own]["published_at"][:10] == f"{lists.own_published:%Y-%m-%d}"
    assert any(w.startswith(f"{lists.own} v1 was published") for w in mine["evidence"]["warnings"])
    assert any(line.startswith(f"Warning: {lists.own} v1") for line in mine["reasoning"])
    assert any(line.startswith("Lists searched: ") for line in mine["reasoning"])

    theirs = _run_checks(app, client, stranger, OWN_NAME)
    assert theirs["status"] == "COMPLETED"
    assert not any(m["entity_id"].startswith(f"{lists.own}:") for m in theirs["matches"])
    assert lists.own not in theirs["dataset_versions"]
    assert lists.own not in {d["name"] for d in theirs["evidence"]["datasets"]}
    assert lists.own not in " ".join(theirs["reasoning"])


def test_the_console_shows_a_tenant_only_its_lists_and_their_staleness(
    browse: Callable[[TenantKit], Browser], owner: TenantKit, stranger: TenantKit, lists: Lists
):
    mine = browse(owner)
    page = mine.get("/console/screening").text
    assert f'<option value="{lists.own}"' in page
    assert "Stale watchlists" in page and f"{lists.own} v1 was published" in page
    result = mine.get("/console/screening", params={"name": OWN_NAME, "dataset": lists.own})
    assert result.status_code == 200
    assert "stale</strong>" in result.text and f"{lists.own} v1 was published" in result.text
    watchlists = mine.get("/console/watchlists").text
    row = watchlists[watchlists.index(f'href="/console/watchlists/{lists.own}"') :]
    row = row[: row.index("</tr>")]
    # The publication date has a column of its own, beside the import time.
    published = re.findall(r'<td class="date">(.*?)</td>', row, re.S)[0]
    assert "stale" in published and f"{lists.own_published:%Y-%m-%d}" in published
    assert mine.get(f"/console/watchlists/{lists.own}").status_code == 200
    assert mine.get(f"/console/watchlists/entities/{lists.own}:p1").status_code == 200

    theirs = browse(stranger)
    for url in ("/console/screening", "/console/watchlists"):
        assert lists.own not in theirs.get(url).text
    assert lists.shared in theirs.get("/console/watchlists").text
    searched = theirs.get("/console/screening", params={"name": OWN_NAME, "threshold": "0"})
    assert searched.status_code == 200 and lists.own not in searched.text
    refused = theirs.get("/console/screening", params={"name": OWN_NAME, "dataset": lists.own})
    assert refused.status_code == 422
    assert theirs.get(f"/console/watchlists/{lists.own}").status_code == 404
    assert theirs.get(f"/console/watchlists/entities/{lists.own}:p1").status_code == 404


def test_healthz_summarises_the_shared_lists_and_warns_of_stale_ones(
    client: TestClient, lists: Lists
):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    summary = {item["name"]: item for item in body["lists"]}
    assert summary[lists.shared]["stale"] is False and summary[lists.shared]["version"] == 1
    assert summary[lists.stale]["stale"] is True and summary[lists.stale]["age_days"] == 90
    assert any(w.startswith(f"{lists.stale} v1 was published") for w in body["warnings"])
    assert lists.own not in r.text, "a tenant's own list is not shown"


def test_the_openapi_documents_the_nothing_to_search_answer(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/screenings", "/v1/screenings/batch"):
        responses = paths[path]["post"]["responses"]
        assert "Nothing to search" in responses["409"]["description"]
        assert "another tenant" in responses["422"]["description"]


def test_a_list_is_stale_once_older_than_the_setting():
    now = datetime(2026, 3, 1, tzinfo=UTC)

    def at(published: datetime | None, imported: datetime) -> SearchedList:
        return SearchedList.of(
            "un-sc", 4, published_at=published, imported_at=imported, now=now, max_age_days=30
        )

    assert not at(now - timedelta(days=30), now).stale
    assert at(now - timedelta(days=30, seconds=1), now).stale
    # Without a publication date, the import time counts.
    unknown = at(None, now - timedelta(days=45))
    assert unknown.stale and unknown.age_days == 45
    assert unknown.warning == (
        "un-sc v4 was imported on 2026-01-15 (its publication date is unknown), 45 days "
        "ago: older than the 30 days a list is trusted for; update it"
    )
    assert at(now - timedelta(days=1), now - timedelta(days=400)).warning is None
    assert at(now + timedelta(days=1), now).age_days == 0


def test_a_rescreen_names_its_list_version_in_place_of_the_earlier_one():
    now = datetime(2026, 3, 1, tzinfo=UTC)

    def version(number: int, days_old: int) -> SearchedList:
        published = now - timedelta(days=days_old)
        return SearchedList.of(
            "un-sc", number, published_at=published, imported_at=now, now=now, max_age_days=30
        )

    earlier = {
        "screened": ["Ri Sol Ju (customer)"],
        "datasets": [version(3, 60).as_dict(), {"name": "ofac-sdn", "version": 9}],
        "warnings": [str(version(3, 60).warning), "ofac-sdn v9 was imported long ago"],
    }
    later = with_searched(earlier, version(4, 1))
    assert [(d["name"], d["version"]) for d in later["datasets"]] == [
        ("ofac-sdn", 9),
        ("un-sc", 4),
    ]
    assert later["warnings"] == ["ofac-sdn v9 was imported long ago"]
    assert later["screened"] == earlier["screened"]
    assert with_searched(earlier, version(5, 45))["warnings"][-1].startswith("un-sc v5 was")
