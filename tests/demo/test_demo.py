"""The demo bank, loaded into a database of its own: its fictional list, its cases and
their checks, the spread of their dates, and the README's screening example."""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from casework.analytics import repository as analytics
from casework.app import create_app
from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cli import app as cli
from casework.config import Settings
from casework.demo import DEMO_SLUG, DemoReport, ensure_demo, timeline, watchlist
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner
from casework.migrations import upgrade
from casework.models import (
    AuditEvent,
    Case,
    Check,
    Tenant,
    WatchlistDataset,
    WatchlistEntity,
    WatchlistVersion,
)
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Entity
from casework.screening.importers import ftm, ofac_csv, un_xml
from tests.conftest import _postgres_database
from tests.factories import make_tenant_kit

ROOT = Path(__file__).resolve().parents[2]
WATCHLISTS = ROOT.parent / "shared" / "data" / "watchlists"
SCREENABLE = {"Person", "Company", "Organization", "Vessel"}


def _records() -> list[dict[str, Any]]:
    with watchlist.list_file() as path:
        lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# --- The shipped file ------------------------------------------------------------------------


def test_every_record_of_the_fictional_list_says_it_is_fictional():
    records = _records()
    assert len(records) >= 20
    for record in records:
        texts = [v for values in record["properties"].values() for v in values]
        assert any(watchlist.MARKER in text for text in texts), record["id"]
        assert record["datasets"] == [watchlist.DATASET], record["id"]
        assert record["id"].startswith("demo-"), record["id"]
        for sanction_fact in ("authority", "program"):
            for value in record["properties"].get(sanction_fact, []):
                assert "ictional" in value, (record["id"], value)


def test_the_fictional_list_covers_what_screening_shows():
    things = [r for r in _records() if r["schema"] in SCREENABLE]
    assert {r["schema"] for r in things} == SCREENABLE
    topics = Counter(t for r in things for t in r["properties"]["topics"])
    assert topics["sanction"] >= 5 and topics["role.pep"] >= 2
    assert any(t.startswith("crime.") for t in topics)
    names = [n for r in things for n in r["properties"].get("alias", [])]
    scripts = {"Cyrillic": "\u0400", "Arabic": "\u0600", "Greek": "\u0370", "Han": "\u4e00"}
    for script, first in scripts.items():
        block = range(ord(first), ord(first) + (0x5200 if script == "Han" else 0x100))
        assert any(any(ord(c) in block for c in name) for name in names), script
    people = [r for r in things if r["schema"] == "Person"]
    assert all(r["properties"].get("birthDate") for r in people)
    for record in things:
        for prop in ("passportNumber", "idNumber", "registrationNumber"):
            assert all(v.startswith("XF") for v in record["properties"].get(prop, []))
        for imo in record["properties"].get("imoNumber", []):
            digits = [int(c) for c in imo]
            check = sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10
            assert check != digits[6], f"{imo} would be a valid, possibly real, IMO number"


def _real_lists() -> list[tuple[str, Entity]]:
    if not WATCHLISTS.is_dir():
        pytest.skip(f"no real list files at {WATCHLISTS}")
    sources = [
        ("ofac-sdn", ofac_csv.read, sorted((WATCHLISTS / "ofac_sdn_2019").iterdir())),
        ("ofac-cons", ofac_csv.read, sorted((WATCHLISTS / "ofac_consolidated").iterdir())),
        ("un-sc", un_xml.read, [WATCHLISTS / "un" / "UN_consolidated.xml"]),
        ("ftm", ftm.read, sorted((WATCHLISTS / "opensanctions_ftm").iterdir())),
    ]
    return [
        (dataset, entity)
        for dataset, read, paths in sources
        for entity in read(paths)
        if isinstance(entity, Entity)
    ]


def test_no_fictional_name_matches_a_really_listed_party():
    real = Matcher.build(_real_lists())
    with watchlist.list_file() as path:
        fictional = [e for e in ftm.read([path]) if isinstance(e, Entity)]
    hits = [
        (name.value, real.entity(m.dataset, m.entity_key), m.score)
        for entity in fictional
        for name in entity.names
        for m in real.search(Query(schema=None, name=name.value), threshold=DEFAULT_THRESHOLD)
    ]
    assert hits == []


# --- The demo loaded into its own database ---------------------------------------------------


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[str]:
    if backend == "postgresql":
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('demo') / 'casework.db'}"


@pytest.fixture(scope="module")
def demo_settings(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=demo_url,
        data_dir=tmp_path_factory.mktemp("demo-data"),
        log_json=True,
        job_runner="embedded",
    )


@pytest.fixture(scope="module")
def demo_db(demo_settings: Settings) -> Iterator[Database]:
    database = Database(demo_settings)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def loaded(demo_db: Database) -> tuple[DemoReport, datetime]:
    started = datetime.now(UTC)
    report = ensure_demo(demo_db)
    assert report.created
    return report, started


@pytest.fixture(scope="module")
def demo_client(
    demo_settings: Settings, demo_db: Database, loaded: tuple[DemoReport, datetime]
) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings, demo_db)) as client:
        yield client


@pytest.fixture(scope="module")
def headers(loaded: tuple[DemoReport, datetime]) -> dict[str, str]:
    return {"Authorization": f"Bearer {loaded[0].api_client['api_key']}"}


def _tenant_id(db: Database) -> str:
    with db.transaction(write=False) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG))
    assert tenant_id is not None
    return tenant_id


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_the_demo_imports_the_fictional_list_as_the_demo_tenants_own(
    demo_db: Database, loaded: tuple[DemoReport, datetime]
):
    _, started = loaded
    with demo_db.transaction(write=False) as session:
        dataset = session.scalar(
            select(WatchlistDataset).where(WatchlistDataset.name == watchlist.DATASET)
        )
        assert dataset is not None
        assert dataset.tenant_id == _tenant_id(demo_db)
        assert "ictional" in dataset.title
        versions = list(
            session.scalars(
                select(WatchlistVersion)
                .where(WatchlistVersion.dataset_id == dataset.id)
                .order_by(WatchlistVersion.number)
            )
        )
        keys = set(
            session.scalars(
                select(WatchlistEntity.key).where(
                    WatchlistEntity.dataset_id == dataset.id, WatchlistEntity.version_to.is_(None)
                )
            )
        )
    assert keys == {r["id"] for r in _records() if r["schema"] in SCREENABLE}
    # The first issue came before the cases it screened, then one a week; today's is
    # current and fresh.
    first, *weekly, current = versions
    assert [v.status for v in versions] == ["superseded"] * (len(versions) - 1) + ["current"]
    assert len(weekly) >= 4
    assert dataset.current_version == current.number
    assert all(v.published_at is not None for v in versions)
    assert _aware(first.published_at) < started - timedelta(days=35)
    assert started - timedelta(days=1) < _aware(current.published_at) < started
    assert all(v.report["unchanged"] == len(keys) for v in versions[1:])

    # No check searched an issue more than a week old.
    with demo_db.transaction(write=False) as session:
        ran = list(
            session.scalars(
                select(Check.started_at).where(
                    Check.tenant_id == dataset.tenant_id, Check.type == "SANCTIONS"
                )
            )
        )
    assert len(ran) >= 20
    for when in ran:
        assert when is not None
        issued = max(
            _aware(v.published_at)
            for v in versions
            if v.finished_at is not None and _aware(v.finished_at) <= _aware(when)
        )
        assert _aware(when) - issued < timedelta(days=8)


def _cases(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = client.get("/v1/cases", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    return {c["title"]: c for c in r.json()["items"]}


def _checks(client: TestClient, headers: dict[str, str], case: dict[str, Any]) -> dict[str, Any]:
    r = client.get(f"/v1/cases/{case['id']}/checks", headers=headers)
    assert r.status_code == 200, r.text
    return {c["type"]: c for c in r.json()["items"]}


def _entity(key: str) -> str:
    return f"{watchlist.DATASET}:{key}"


def test_every_demo_check_completed_with_real_results(
    demo_client: TestClient, headers: dict[str, str]
):
    cases = _cases(demo_client, headers)
    assert len(cases) == 26
    assert Counter(c["review_status"] for c in cases.values()) == {
        "resolved": 16,
        "open": 4,
        "in_progress": 2,
        "awaiting_user": 2,
        "blocked": 2,
    }
    screened = [c for c in cases.values() if c["processing_status"] is not None]
    assert len(screened) == 22
    for case in screened:
        assert case["processing_status"] == "COMPLETED", case["title"]
        for check in _checks(demo_client, headers, case).values():
            assert check["status"] == "COMPLETED", (case["title"], check["type"], check["error"])
            if check["type"] in ("SANCTIONS", "PEP", "ADVERSE_MEDIA"):
                assert watchlist.DATASET in check["dataset_versions"], case["title"]

    clean = _checks(demo_client, headers, cases["Onboarding screening: Maren Solbakken"])
    assert set(clean) == set(timeline.KYC_CHECKS)
    assert all(c["outcome"] == "ACCEPTED" and c["matches"] == [] for c in clean.values())


def _match(check: dict[str, Any], key: str) -> dict[str, Any]:
    found = [m for m in check["matches"] if m["entity_id"] == _entity(key)]
    assert len(found) == 1, [m["entity_id"] for m in check["matches"]]
    return found[0]


def test_the_demo_cases_show_hits_a_false_positive_and_an_open_match(
    demo_client: TestClient, headers: dict[str, str]
):
    cases = _cases(demo_client, headers)

    review = cases["Possible sanctions name match"]
    assert review["review_status"] == "open" and review["outcome"] == "PENDING"
    match = _match(_checks(demo_client, headers, review)["SANCTIONS"], timeline.UNDER_REVIEW)
    assert match["decision"] == "unreviewed" and match["score"] >= DEFAULT_THRESHOLD

    hit_case = cases["Onboarding screening: Radomir Kvelvashin"]
    hit = _checks(demo_client, headers, hit_case)["SANCTIONS"]
    assert hit["outcome"] == "REJECTED"
    assert _match(hit, timeline.LISTED_OWNER)["decision"] == "true_positive"
    assert hit_case["resolution"] == "potential_threat"

    pep = _checks(demo_client, headers, cases["Onboarding screening: Honorata Vellacombe Ruiz"])
    assert _match(pep["PEP"], timeline.PEP)["topics"] == ["role.pep"]

    media = _checks(demo_client, headers, cases["Onboarding screening: Cassius Dunmore Welk"])
    assert "crime.fin" in _match(media["ADVERSE_MEDIA"], timeline.ADVERSE)["topics"]

    cleared_case = cases["Onboarding screening: Oskar Threnwald"]
    cleared = _checks(demo_client, headers, cleared_case)["SANCTIONS"]
    false_positive = _match(cleared, timeline.CLEARED)
    assert false_positive["decision"] == "false_positive"
    assert "1958" in false_positive["decision_note"] and false_positive["decided_by"]
    assert cleared["outcome"] == "ACCEPTED" and "1 cleared" in cleared["title"]
    assert cleared_case["resolution"] == "false_positive"
    r = demo_client.get(f"/v1/cases/{cleared_case['id']}/log", headers=headers)
    assert r.status_code == 200, r.text
    decided = [e for e in r.json() if e["action"] == "screening_match.decided"]
    assert len(decided) == 1 and decided[0]["after"]["decision"] == "false_positive"


def test_a_listed_beneficial_owner_is_found_behind_a_company(
    demo_client: TestClient, headers: dict[str, str]
):
    case = _cases(demo_client, headers)["Ownership review: Brannoch Vale Maritime"]
    assert case["customer"]["customer_type"] == "BUSINESS"
    r = demo_client.get(f"/v1/customers/{case['customer']['id']}", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["input_details"]["ownership"] == timeline.BRANNOCH_OWNERSHIP
    checks = _checks(demo_client, headers, case)
    ubo = checks["UBO_RESOLUTION"]["evidence"]
    owners = {o["name"]: o for o in ubo["owners"]}
    assert owners["Radomir Quellvashin"]["effective_percent"] == pytest.approx(45.0)
    assert owners["Radomir Quellvashin"]["is_beneficial_owner"] is True
    owner_hit = _match(checks["SANCTIONS"], timeline.LISTED_OWNER)
    assert owner_hit["subject_role"] == "owner"
    assert owner_hit["decision"] == "true_positive"
    jurisdiction = checks["JURISDICTION"]
    assert jurisdiction["risk_score"] > 0 and jurisdiction["reasoning"]
    assert case["review_status"] == "blocked" and case["escalated_to"] is not None


def test_the_demo_is_spread_over_weeks_and_its_audit_trail_agrees(
    demo_db: Database, loaded: tuple[DemoReport, datetime]
):
    _, started = loaded
    tenant_id = _tenant_id(demo_db)
    with demo_db.transaction(write=False) as session:
        cases = list(session.scalars(select(Case).where(Case.tenant_id == tenant_id)))
        checks = list(session.scalars(select(Check).where(Check.tenant_id == tenant_id)))
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
            )
        )
        assert audit.verify(session, tenant_id=tenant_id).ok
        viewer = Principal.system(tenant_id)
        daily = analytics.created_per_day(session, actor=viewer, today=started.date(), days=30)
        median = analytics.median_hours_to_resolve(
            session, actor=viewer, since=started - timedelta(days=30)
        )

    created = [_aware(c.created_at) for c in cases]
    assert min(created) < started - timedelta(days=30)
    assert max(created) < started
    assert len({c.date() for c in created}) >= 15
    days_with_cases = sum(
        1 for n in range(30) if any(counts[n] for counts in daily.by_provenance.values())
    )
    assert days_with_cases >= 15
    assert daily.by_provenance["byApi"] and daily.by_provenance["byOfficer"]
    assert sum(daily.by_provenance["byApi"]) >= 5 and sum(daily.by_provenance["byOfficer"]) >= 5
    durations = {
        round((_aware(c.resolved_at) - _aware(c.created_at)).total_seconds() / 3600)
        for c in cases
        if c.resolved_at is not None
    }
    assert len(durations) >= 5, "times to resolve differ from case to case"
    assert median is not None and 1 < median < 72

    # Events were appended in time order, each at the time of what it records.
    times = [_aware(e.occurred_at) for e in events]
    assert times == sorted(times) and times[-1] < started + timedelta(minutes=5)
    opened = {e.case_id: _aware(e.occurred_at) for e in events if e.action == "case.created"}
    for case in cases:
        assert abs(opened[case.id] - _aware(case.created_at)) < timedelta(seconds=5), case.title
    for check in checks:
        assert check.finished_at is not None
        ran = _aware(check.finished_at) - opened[check.case_id]
        assert timedelta(0) <= ran < timedelta(minutes=1), check.type


# --- Screening the fictional list ------------------------------------------------------------


def _readme_screening() -> tuple[dict[str, Any], str]:
    """The README's demo screening request, and the entity it says comes first."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = re.search(r"/v1/screenings \\\n\s+-d '(\{.*?\})'", text, re.DOTALL)
    first = re.search(r"The first match is `([^`]+)`", text)
    assert body is not None and first is not None, "the README shows a demo screening"
    return json.loads(body.group(1)), first.group(1)


def test_the_readme_screening_example_finds_its_hit(
    demo_client: TestClient, headers: dict[str, str]
):
    body, expected = _readme_screening()
    assert expected == _entity(timeline.LISTED_OWNER)
    r = demo_client.post("/v1/screenings", json=body, headers=headers)
    assert r.status_code == 200, r.text
    first = r.json()["matches"][0]
    assert first["entity_id"] == expected and first["match"] is True
    assert first["caption"] == "Radomir Quellvashin" and first["programs"] == ["DEMO-FICT-FIN"]


def test_the_readme_screen_command_finds_its_hit(
    demo_settings: Settings, loaded: tuple[DemoReport, datetime]
):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(
        line
        for line in text.splitlines()
        if line.startswith(".venv/bin/casework screen") and "--tenant demo" in line
    )
    _, expected = _readme_screening()
    env = {
        "CASEWORK_DATABASE_URL": demo_settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(demo_settings.data_dir),
    }
    result = CliRunner().invoke(cli, [*shlex.split(line)[1:], "--json"], env=env)
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["matches"][0]
    assert first["entity_id"] == expected and first["match"] is True

    without = CliRunner().invoke(cli, [*shlex.split(line)[1:-2], "--json"], env=env)
    assert watchlist.DATASET not in without.stdout, "the list is the demo tenant's alone"


def test_another_tenant_never_searches_the_fictional_list(
    demo_client: TestClient, demo_db: Database, headers: dict[str, str]
):
    other = make_tenant_kit(demo_db)
    body, expected = _readme_screening()
    r = demo_client.post("/v1/screenings", json=body, headers=other.analyst.headers)
    # With no list of its own the tenant gets a problem; never the demo tenant's entries.
    assert r.status_code in (200, 409, 503), r.text
    assert watchlist.DATASET not in r.text

    r = demo_client.get(f"/v1/watchlist/entities/{expected}", headers=other.analyst.headers)
    assert r.status_code == 404, r.text
    r = demo_client.get("/v1/watchlist/datasets", headers=other.analyst.headers)
    assert watchlist.DATASET not in r.text

    r = demo_client.post(
        "/v1/cases",
        json={
            "title": "Screening a listed name in another tenant",
            "customer": {
                "customer_type": "INDIVIDUAL",
                "full_name": "Radomir Kvelvashin",
                "birth_date": "1966-09-14",
            },
            "checks": [{"type": "SANCTIONS"}],
        },
        headers=other.analyst.headers,
    )
    assert r.status_code == 201, r.text
    runner = demo_client.app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    r = demo_client.get(f"/v1/cases/{r.json()['id']}/checks", headers=other.analyst.headers)
    (check,) = r.json()["items"]
    assert check["status"] in ("COMPLETED", "ERROR")
    assert watchlist.DATASET not in json.dumps(check)


def test_loading_the_demo_again_changes_nothing(
    demo_db: Database, loaded: tuple[DemoReport, datetime]
):
    current = select(WatchlistDataset.current_version).where(
        WatchlistDataset.name == watchlist.DATASET
    )
    with demo_db.transaction(write=False) as session:
        before = session.scalar(current)
    again = ensure_demo(demo_db)
    assert again.created is False and again.cases == 0
    with demo_db.transaction(write=False) as session:
        assert session.scalar(current) == before


def test_the_demo_bank_is_a_goaml_reporting_entity(
    demo_client: TestClient, headers: dict[str, str]
):
    settings = demo_client.get("/v1/settings/reporting", headers=headers).json()
    assert settings["goaml"]["rentity_id"] == 9001
    cases = demo_client.get("/v1/cases", params={"limit": 200}, headers=headers).json()["items"]
    with_customer = next(c for c in cases if c["customer"])
    r = demo_client.post(
        f"/v1/cases/{with_customer['id']}/reports",
        json={"format": "goaml", "report_code": "STR"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    found = demo_client.get(f"/v1/reports/{r.json()['id']}/validation", headers=headers).json()
    # The entity is set up: what remains is the analyst's to write or the case's to hold.
    assert not [p for p in found["problems"] if (p["field"] or "").startswith("settings.")]
    assert "narrative" in {p["field"] for p in found["problems"]}
