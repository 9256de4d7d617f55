"""The news provider a deployment configures is searched by ADVERSE_MEDIA checks run
through the API, and a misconfigured one fails those checks visibly."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.checks.runners.news import Article
from casework.checks.runners.screening import Subject
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner
from casework.screening.service import import_dataset
from tests.factories import TenantKit


class FraudDesk:
    """A news source that knows one story."""

    name = "fraud-desk"

    def search(self, subject: Subject, *, since: date | None) -> list[Article]:
        if "Quintrell" not in subject.name:
            return []
        return [
            Article(
                url="https://news.example/quintrell-charged",
                title="Quintrell charged over invoice fraud",
                source="Example News",
                published=date(2026, 3, 2),
                snippet="Prosecutors say...",
                categories=("crime.fraud",),
                relevance=0.92,
            )
        ]


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"news-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    properties = {"name": ["Nobody Relevant"], "topics": ["sanction"]}
    record = {"id": "x", "schema": "Person", "properties": properties}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _run(
    app: FastAPI, client: TestClient, kit: TenantKit, monkeypatch: pytest.MonkeyPatch, path: str
) -> dict[str, Any]:
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    settings = runner.context.settings.model_copy(update={"news_provider": path})
    monkeypatch.setattr(runner, "context", replace(runner.context, settings=settings))
    body = {
        "title": "Onboarding",
        "customer": {"customer_type": "INDIVIDUAL", "full_name": "Dorian Quintrell"},
        "checks": [{"type": "ADVERSE_MEDIA"}, {"type": "SANCTIONS"}],
    }
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    runner.join()
    checks = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()
    return {c["type"]: c for c in checks["items"]}


def test_the_configured_provider_feeds_adverse_media(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    watchlist: str,
    monkeypatch: pytest.MonkeyPatch,
):
    checks = _run(app, client, kit, monkeypatch, "tests.checks.test_news_wiring:FraudDesk")
    media = checks["ADVERSE_MEDIA"]
    assert media["status"] == "COMPLETED" and media["outcome"] == "PENDING"
    (match,) = media["matches"]
    assert match["entity_id"].startswith("news:fraud-desk:")
    assert match["explanation"]["url"] == "https://news.example/quintrell-charged"
    assert media["evidence"]["news"]["provider"] == "fraud-desk"
    sanctions = checks["SANCTIONS"]
    assert sanctions["status"] == "COMPLETED"
    assert sanctions["matches"] == [], "only adverse media asks the news"


def test_a_misconfigured_provider_fails_adverse_media_only(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    watchlist: str,
    monkeypatch: pytest.MonkeyPatch,
):
    checks = _run(app, client, kit, monkeypatch, "tests.checks.nowhere:Nothing")
    assert checks["ADVERSE_MEDIA"]["status"] == "ERROR"
    assert "cannot import" in checks["ADVERSE_MEDIA"]["error"]
    assert checks["SANCTIONS"]["status"] == "COMPLETED"
