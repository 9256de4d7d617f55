"""Never "clear" without looking. On a fresh install with no list, every surface says that
nothing was searched: the API (a 409), the CLI (a failing exit), the console, the checks
(ERROR, with the reason in /v1 and in the Sphinx, Sigma and Sumsub shapes) and /healthz.
A list that holds no PEP (or no adverse media, or no sanctions) data fails the checks
that need it the same way.

One tenant here has no list at all; another has only a sanctions list of its own, which
no other tenant sees, so neither changes what the first one finds."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from casework.checks.runners.news import Article
from casework.checks.runners.screening import Subject
from casework.config import Settings
from casework.infra.jobs import EmbeddedRunner
from casework.screening.service import import_dataset
from tests.console.support import PASSWORD, Browser
from tests.dialects.sigma.support import sigma
from tests.dialects.sphinx.support import bearer
from tests.dialects.sumsub.support import Sumsub
from tests.factories import TenantKit, make_tenant_kit
from tests.install import Install, fresh_install, listed, write_list

ALL_SCREENING = [{"type": "SANCTIONS"}, {"type": "PEP"}, {"type": "ADVERSE_MEDIA"}]


@pytest.fixture(scope="module")
def install(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    with fresh_install(settings, tmp_path_factory.mktemp("fresh-install")) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def bare(install: Install) -> TenantKit:
    """A tenant with no list to search."""
    return make_tenant_kit(install.db, password=PASSWORD)


@pytest.fixture(scope="module")
def owner(install: Install, tmp_path_factory: pytest.TempPathFactory) -> tuple[TenantKit, str]:
    """A tenant with one list of its own, which holds sanctions and nothing else."""
    kit = make_tenant_kit(install.db, password=PASSWORD)
    name = f"own-sanctions-{secrets.token_hex(3)}"
    path = write_list(
        tmp_path_factory.mktemp("own") / "list.json",
        listed("kju", "Person", "Kim Jong Un", ["sanction"], birthDate="1984-01-08"),
    )
    with install.db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path], tenant_id=kit.tenant_id)
    return kit, name


def _problem(r: Any, status: int, field: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    assert [e["field"] for e in body["errors"]] == [field], body
    return body


def _case(install: Install, kit: TenantKit, name: str, checks: list[dict[str, Any]]) -> str:
    body = {
        "title": f"Onboarding {name}",
        "customer": {"customer_type": "INDIVIDUAL", "full_name": name},
        "checks": checks,
    }
    r = install.client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    runner = install.app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    return str(r.json()["id"])


def _checks(install: Install, kit: TenantKit, case_id: str) -> dict[str, dict[str, Any]]:
    r = install.client.get(f"/v1/cases/{case_id}/checks", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return {c["type"]: c for c in r.json()["items"]}


def test_the_api_answers_409_not_an_empty_result(install: Install, bare: TenantKit):
    client = install.client
    r = client.post("/v1/screenings", json={"name": "Kim Jong Un"}, headers=bare.viewer.headers)
    body = _problem(r, 409, "datasets")
    assert body["title"] == "Nothing to search"
    assert "no watchlist is loaded" in body["detail"] and "matches" not in body

    queries = [{"name": "Kim Jong Un"}, {"name": "Vladimir Putin"}]
    r = client.post("/v1/screenings/batch", json={"queries": queries}, headers=bare.viewer.headers)
    assert "no watchlist is loaded" in _problem(r, 409, "datasets")["detail"]


def test_asking_for_another_tenants_list_is_unknown(
    install: Install, bare: TenantKit, owner: tuple[TenantKit, str]
):
    _, name = owner
    for asked in ([name], ["no-such-list"]):
        r = install.client.post(
            "/v1/screenings",
            json={"name": "Kim Jong Un", "datasets": asked},
            headers=bare.viewer.headers,
        )
        assert asked[0] in _problem(r, 422, "datasets")["detail"]
    r = install.client.post(
        "/v1/screenings/batch",
        json={"queries": [{"name": "Kim Jong Un", "datasets": [name]}]},
        headers=bare.viewer.headers,
    )
    if r.status_code == 409:  # no list this tenant may search: the whole batch
        _problem(r, 409, "datasets")
    else:
        error = r.json()["results"][0]["error"]
        assert error["status"] == 422
        assert error["errors"][0]["field"] == "queries[0].datasets"


def test_the_owner_finds_the_listing_and_a_topic_nobody_holds_is_409(
    install: Install, owner: tuple[TenantKit, str]
):
    kit, name = owner
    r = install.client.post(
        "/v1/screenings", json={"name": "Kim Jong Un"}, headers=kit.viewer.headers
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["matches"][0]["entity_id"] == f"{name}:kju"
    assert result["dataset_versions"] == {name: 1}
    assert [d["name"] for d in result["datasets"]] == [name]

    r = install.client.post(
        "/v1/screenings",
        json={"name": "Kim Jong Un", "topics": ["role.pep"]},
        headers=kit.viewer.headers,
    )
    detail = _problem(r, 409, "datasets")["detail"]
    assert name in detail and "role.pep" in detail


def test_the_cli_fails_and_says_why(install: Install, bare: TenantKit):
    code, out, err = install.cli("screen", "Kim Jong Un")
    assert code == 1, (out, err)
    assert "nothing was searched" in err and "no watchlist is loaded" in err
    assert "no candidates" not in out and out == ""
    code, out, err = install.cli("screen", "Kim Jong Un", "--json")
    assert code == 1 and out == "" and "nothing was searched" in err
    # A tenant's own list is searched only for that tenant.
    code, _, err = install.cli("screen", "Kim Jong Un", "--tenant", bare.slug)
    assert code == 1 and "no watchlist is loaded" in err


def test_the_cli_searches_a_tenants_own_list_when_told_the_tenant(
    install: Install, owner: tuple[TenantKit, str]
):
    kit, name = owner
    code, out, err = install.cli("screen", "Kim Jong Un", "--tenant", kit.slug, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["matches"][0]["entity_id"] == f"{name}:kju"
    assert [(d["name"], d["version"], d["stale"]) for d in result["datasets"]] == [(name, 1, False)]
    assert result["datasets"][0]["published_at"] is None
    code, out, _ = install.cli("screen", "Kim Jong Un", "--tenant", kit.slug)
    assert code == 0 and f"{name} v1" in out
    code, _, err = install.cli("screen", "Kim Jong Un", "--tenant", "no-such-tenant")
    assert code == 2 and "no-such-tenant" in err


def test_the_console_shows_that_nothing_was_searched(
    install: Install, bare: TenantKit, owner: tuple[TenantKit, str]
):
    _, name = owner
    browser = Browser(install.app)
    assert browser.sign_in(bare.analyst).status_code == 303
    r = browser.get("/console/screening", params={"name": "Kim Jong Un"})
    assert r.status_code == 409
    page = r.text
    assert "Nothing was searched." in page and "no watchlist is loaded" in page
    assert 'id="results-title"' not in page and "No listed entity scored" not in page
    assert name not in page
    watchlists = browser.get("/console/watchlists").text
    assert "No list has been imported yet" in watchlists and name not in watchlists


def test_checks_end_in_error_and_every_api_says_why(install: Install, bare: TenantKit):
    client = install.client
    case_id = _case(install, bare, "Kim Jong Un", ALL_SCREENING)
    checks = _checks(install, bare, case_id)
    for kind in ("SANCTIONS", "PEP", "ADVERSE_MEDIA"):
        check = checks[kind]
        assert (check["status"], check["outcome"], check["matches"]) == ("ERROR", None, [])
        assert "no watchlist is loaded" in check["error"]
        assert check["title"] == "Not screened: no watchlist is loaded"
        assert check["note"] == check["error"] and check["reasoning"] == [check["error"]]
    assert "nobody was screened for PEP" in checks["PEP"]["error"]
    case = client.get(f"/v1/cases/{case_id}", headers=bare.viewer.headers).json()
    assert case["processing_status"] == "ERROR" and case["outcome"] is None

    sphinx = client.get(f"/api/cases/{case['number']}/", headers=bearer(client, bare.viewer)).json()
    assert sphinx["failed"] is True
    for check in sphinx["checks"]:
        assert check["status"] == "ERROR"
        assert check["title"] == "Not screened: no watchlist is loaded"
        assert "no watchlist is loaded" in check["note"]
        assert "no watchlist is loaded" in check["reasoning"]

    sigma_case = client.get(f"/case-management/{case_id}", headers=sigma(bare.viewer))
    assert sigma_case.status_code == 200, sigma_case.text
    messages = [entry["message"] for entry in sigma_case.json()["data"]["log"]]
    failed = [m for m in messages if m.startswith("Not screened: no watchlist is loaded")]
    assert len(failed) == 3 and all("nobody was screened" in m for m in failed)

    sumsub_case = Sumsub(client, bare.viewer).case(case_id)
    assert sumsub_case.status_code == 200, sumsub_case.text
    review = sumsub_case.json()["review"]
    assert review["reviewStatus"] == "completed"
    comment = review["reviewResult"]["clientComment"]
    assert "reviewAnswer" not in review["reviewResult"], "nothing was decided"
    for kind in ("SANCTIONS", "PEP", "ADVERSE_MEDIA"):
        assert f"{kind} check could not run: no watchlist is loaded" in comment

    browser = Browser(install.app)
    assert browser.sign_in(bare.viewer).status_code == 303
    page = browser.get(f"/console/cases/{case_id}").text
    assert page.count("Not screened: no watchlist is loaded") >= 3
    assert "nobody was screened for PEP" in page
    assert "No matches." not in page


def test_a_sanctions_list_does_not_make_a_pep_check_clear(
    install: Install, owner: tuple[TenantKit, str]
):
    kit, name = owner
    case_id = _case(install, kit, "Kim Jong Un", ALL_SCREENING)
    checks = _checks(install, kit, case_id)

    sanctions = checks["SANCTIONS"]
    assert sanctions["status"] == "COMPLETED" and sanctions["outcome"] == "PENDING"
    assert sanctions["dataset_versions"] == {name: 1}
    assert [d["name"] for d in sanctions["evidence"]["datasets"]] == [name]
    assert any(line.startswith(f"Lists searched: {name} v1") for line in sanctions["reasoning"])

    pep = checks["PEP"]
    assert pep["status"] == "ERROR" and pep["outcome"] is None
    assert pep["title"] == "Not screened: no PEP list is loaded"
    assert f"{name} v1" in pep["error"] and "holds PEP data" in pep["error"]
    assert "OpenSanctions" in pep["error"], "it says what to load"
    media = checks["ADVERSE_MEDIA"]
    assert media["status"] == "ERROR"
    assert media["title"] == "Not screened: no adverse media list is loaded"
    assert "news provider" in media["error"]

    sphinx = install.client.get(
        f"/api/cases/{_number(install, kit, case_id)}/", headers=bearer(install.client, kit.viewer)
    ).json()
    by_type = {c["check_type"]: c for c in sphinx["checks"]}
    assert by_type["PEP"]["title"] == "Not screened: no PEP list is loaded"
    assert "holds PEP data" in by_type["PEP"]["reasoning"]


def _number(install: Install, kit: TenantKit, case_id: str) -> int:
    r = install.client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers)
    return int(r.json()["number"])


class Desk:
    """A news source that knows one story."""

    name = "desk"

    def search(self, subject: Subject, *, since: date | None) -> list[Article]:
        return [
            Article(
                url="https://news.example/kim",
                title="Kim in the news",
                source="Example News",
                published=date(2026, 1, 5),
                snippet="...",
                categories=("crime",),
                relevance=0.9,
            )
        ]


def test_adverse_media_with_news_but_no_list_says_only_the_news_was_searched(
    install: Install, owner: tuple[TenantKit, str], monkeypatch: pytest.MonkeyPatch
):
    kit, _ = owner
    runner = install.app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    news = runner.context.settings.model_copy(update={"news_provider": f"{__name__}:Desk"})
    monkeypatch.setattr(runner, "context", replace(runner.context, settings=news))
    case_id = _case(install, kit, "Kim Jong Un", [{"type": "ADVERSE_MEDIA"}])
    (media,) = _checks(install, kit, case_id).values()
    assert media["status"] == "COMPLETED" and media["outcome"] == "PENDING"
    assert [m["entity_id"].split(":")[:2] for m in media["matches"]] == [["news", "desk"]]
    assert media["dataset_versions"] == {} and media["evidence"]["datasets"] == []
    assert any("only the news provider desk" in line for line in media["reasoning"])


def test_healthz_warns_that_no_shared_list_is_loaded(
    install: Install, owner: tuple[TenantKit, str]
):
    r = install.client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["lists"] == [], "a tenant's own list is not shown"
    assert any("no shared watchlist is loaded" in w for w in body["warnings"])
    assert owner[1] not in r.text


def test_a_new_version_of_a_tenants_list_rescreens_only_that_tenants_customers(
    install: Install, bare: TenantKit, tmp_path: Path
):
    """The owner's case config screens SANCTIONS with monitoring on; only the owner's
    customer is rescreened against the owner's new list version."""
    client = install.client
    kit = make_tenant_kit(install.db)
    name = f"own-watch-{secrets.token_hex(3)}"
    first = write_list(tmp_path / "v1.json", listed("kju", "Person", "Kim Jong Un", ["sanction"]))
    with install.db.transaction() as session:
        import_dataset(
            session, name=name, format_name="ftm", paths=[first], tenant_id=kit.tenant_id
        )
    slug = f"kyc-{secrets.token_hex(3)}"
    r = client.post(
        "/v1/case-configs",
        json={"slug": slug, "name": "KYC", "checks": [{"type": "SANCTIONS"}]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    customer = {"customer_type": "INDIVIDUAL", "full_name": "Ri Sol Ju"}
    r = client.post(
        "/v1/cases",
        json={"title": "Onboarding", "config": slug, "customer": customer},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    r = client.post("/v1/customers", json={"full_name": "Ri Sol Ju"}, headers=bare.admin.headers)
    assert r.status_code == 201, r.text
    # Another tenant's customer of the same name, monitored (as after a screening of the
    # shared lists): the owner's list must not reach it.
    _enrol(install, bare, r.json()["id"])
    runner = install.app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()

    second = write_list(
        tmp_path / "v2.json",
        listed("kju", "Person", "Kim Jong Un", ["sanction"]),
        listed("rsj", "Person", "Ri Sol Ju", ["sanction"]),
    )
    with install.db.transaction() as session:
        import_dataset(
            session, name=name, format_name="ftm", paths=[second], tenant_id=kit.tenant_id
        )
    runner.join()
    for tenant, expected in ((kit, 1), (bare, 0)):
        r = client.get("/v1/cases", params={"limit": 200}, headers=tenant.viewer.headers)
        ongoing = [c for c in r.json()["items"] if c["created_by_type"] == "byOngoingAmlHit"]
        assert len(ongoing) == expected, tenant.slug


def _enrol(install: Install, kit: TenantKit, customer_id: str) -> None:
    from casework.models import MonitoredCustomer
    from casework.models.base import utcnow

    subject = {
        "name": "Ri Sol Ju",
        "role": "customer",
        "schema": "Person",
        "aliases": [],
        "birth_date": None,
        "countries": [],
        "identifiers": [],
    }
    with install.db.transaction() as session:
        session.add(
            MonitoredCustomer(
                tenant_id=kit.tenant_id,
                customer_id=customer_id,
                checks={"SANCTIONS": {}},
                subjects=[subject],
                enrolled_at=utcnow(),
                updated_at=utcnow(),
            )
        )
