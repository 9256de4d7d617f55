"""Real listed names, disguised: over a thousand variants of primary names on the OFAC SDN
and consolidated lists and the UN Security Council list (../shared/data), made with
every technique of ``tests.screening.evasion``, are screened through the API a customer
uses (``POST /v1/screenings/batch``) on an install that has those lists imported.

At least 99% must find the entity they were made from, and the clean people of
../shared/data/screening-eval, screened as a KYC record (name, date of birth,
nationality, gender), must raise at most one false alert per 1,000. Skipped when the
shared data is absent.

``bench/screening_evasion.py`` prints the same measure per technique, with the engine
alone and over HTTP against a running server.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.config import Settings
from casework.screening.countries import to_alpha3
from casework.screening.entity import Entity
from casework.screening.importers import ofac_csv, un_xml
from casework.screening.service import import_dataset
from tests.factories import TenantKit, make_tenant_kit
from tests.install import Install, fresh_install
from tests.screening.evasion import TECHNIQUES, TWO, Variant, sources, variants

# What is found does not depend on the database the lists were imported into.
pytestmark = pytest.mark.one_backend

PER_TECHNIQUE = 60  # 16 techniques and twice as many with two: 1,080 variants
NEGATIVES = 2000
SEED = 20160616
BATCH = 500


def _lists(watchlists: Path) -> dict[str, tuple[str, list[Path]]]:
    return {
        "ofac-sdn": ("ofac-csv", sorted((watchlists / "ofac_sdn_2019").glob("*.csv"))),
        "ofac-cons": ("ofac-csv", sorted((watchlists / "ofac_consolidated").glob("*.csv"))),
        "un-sc": ("un-xml", [watchlists / "un" / "UN_consolidated.xml"]),
    }


@pytest.fixture(scope="module")
def install(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, watchlists: Path
) -> Iterator[Install]:
    """An install of its own with the real lists imported (the session's database is
    shared with tests that expect only their own small lists)."""
    with fresh_install(settings, tmp_path_factory.mktemp("evasion-install")) as fresh:
        for dataset, (format_name, paths) in _lists(watchlists).items():
            with fresh.db.transaction() as session:
                import_dataset(session, name=dataset, format_name=format_name, paths=paths)
        yield fresh


@pytest.fixture(scope="module")
def made(watchlists: Path) -> list[Variant]:
    entries: list[tuple[str, Entity]] = []
    for dataset, (format_name, paths) in _lists(watchlists).items():
        read = ofac_csv.read if format_name == "ofac-csv" else un_xml.read
        entries += [(dataset, e) for e in read(paths) if isinstance(e, Entity)]
    return variants(sources(entries), PER_TECHNIQUE, SEED)


def _screen(install: Install, kit: TenantKit, queries: list[dict[str, Any]]) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(queries), BATCH):
        r = install.client.post(
            "/v1/screenings/batch",
            json={"queries": queries[start : start + BATCH]},
            headers=kit.viewer.headers,
        )
        assert r.status_code == 200, r.text
        results += [item["matches"] for item in r.json()["results"]]
    return results


def test_disguised_listed_names_are_found_through_the_api(
    install: Install, made: list[Variant]
) -> None:
    assert len(made) >= 1000
    assert {v.technique for v in made} == {*TECHNIQUES, TWO}
    kit = make_tenant_kit(install.db)
    queries = [{"name": v.text, "schema": v.source.schema.value, "limit": 50} for v in made]
    found: dict[str, list[bool]] = defaultdict(list)
    missed = []
    for variant, matches in zip(made, _screen(install, kit, queries), strict=True):
        wanted = f"{variant.source.dataset}:{variant.source.key}"
        hit = any(m["entity_id"] == wanted and m["match"] for m in matches)
        found[variant.technique].append(hit)
        if not hit:
            missed.append(f"{variant.technique}: {variant.text!r} for {variant.source.name!r}")
    recall = sum(sum(hits) for hits in found.values()) / len(made)
    assert recall >= 0.99, missed
    for technique, hits in found.items():
        assert sum(hits) / len(hits) >= 0.95, (technique, missed)


def test_clean_people_raise_no_more_false_alerts(install: Install, screening_eval: Path) -> None:
    with (screening_eval / "negatives_synthetic_people.csv").open(newline="") as f:
        rows = random.Random(SEED).sample(list(csv.DictReader(f)), NEGATIVES)
    queries = []
    for row in rows:
        country = to_alpha3(row["nationality"])
        queries.append(
            {
                "name": row["full_name"],
                "schema": "Person",
                "birth_date": row["date_of_birth"] or None,
                "countries": [country] if country else [],
                "gender": row["gender"] if row["gender"] in ("male", "female") else None,
                "limit": 1,
            }
        )
    kit = make_tenant_kit(install.db)
    alerts = [
        (q["name"], m[0]["entity_id"])
        for q, m in zip(queries, _screen(install, kit, queries), strict=True)
        if m and m[0]["match"]
    ]
    assert len(alerts) * 1000 / NEGATIVES <= 1.0, alerts
