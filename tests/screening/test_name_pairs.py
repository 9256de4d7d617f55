"""POST /v1/screenings/compare on the labelled name pairs in data/name_pairs.csv.

The pairs are real listed names and real-world name knowledge (data/README.md says how each
kind was made): aliases, other scripts, romanisations, acronyms, legal forms, nicknames, and
near-misses that name different parties. The endpoint decides each on the two names alone.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.factories import TenantKit

PAIRS = Path(__file__).parent / "data" / "name_pairs.csv"
SCHEMAS = {"Person", "Company", "Organization", "Vessel"}
MIN_F1 = 0.88


def _pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _f1(tally: Counter[str]) -> tuple[float, float, float]:
    tp, fp, fn = tally["tp"], tally["fp"], tally["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def test_the_pair_set_is_well_formed():
    pairs = _pairs()
    assert len(pairs) >= 1500
    assert {p["schema"] for p in pairs} == SCHEMAS
    assert {p["match"] for p in pairs} == {"0", "1"}
    assert all(p["kind"] and p["a"].strip() and p["b"].strip() for p in pairs)
    assert all(len(p["a"]) <= 300 and len(p["b"]) <= 300 for p in pairs)
    keys = [(p["schema"], frozenset((p["a"], p["b"]))) for p in pairs]
    assert len(keys) == len(set(keys)), "a pair appears twice"
    by_schema = Counter(p["schema"] for p in pairs)
    assert by_schema["Organization"] >= 150
    assert by_schema["Vessel"] >= 150
    for schema in SCHEMAS:
        matches = sum(p["match"] == "1" for p in pairs if p["schema"] == schema)
        assert 0.3 <= matches / by_schema[schema] <= 0.7, schema


@pytest.mark.one_backend
def test_compare_decides_the_labelled_pairs(client: TestClient, kit: TenantKit):
    pairs = _pairs()
    overall: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    for pair in pairs:
        r = client.post(
            "/v1/screenings/compare",
            headers=kit.viewer.headers,
            json={"schema": pair["schema"], "a": {"name": pair["a"]}, "b": {"name": pair["b"]}},
        )
        assert r.status_code == 200, (pair, r.text)
        decided, labelled = r.json()["match"], pair["match"] == "1"
        outcome = {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get(
            (decided, labelled), "tn"
        )
        overall[outcome] += 1
        by_kind.setdefault(pair["kind"], Counter())[outcome] += 1

    precision, recall, f1 = _f1(overall)
    wrong = {
        kind: (tally["fp"] + tally["fn"]) / sum(tally.values()) for kind, tally in by_kind.items()
    }
    worst = ", ".join(
        f"{kind} {share:.0%}" for kind, share in sorted(wrong.items(), key=lambda x: -x[1])[:8]
    )
    assert f1 >= MIN_F1, (
        f"F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f}) on {len(pairs)} pairs;"
        f" most often wrong: {worst}"
    )
