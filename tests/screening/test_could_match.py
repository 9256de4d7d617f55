"""The gate a rescreen puts before search: when it says no, search finds nothing."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Name, NameKind, Schema
from casework.screening.score import CAPPED_MAX

PEOPLE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "screening-eval"
    / "negatives_synthetic_people.csv"
)


def _person(key: str, *names: str, birth: str | None = None) -> Entity:
    return Entity(
        key=key,
        schema=Schema.person,
        names=[Name(n, NameKind.primary if i == 0 else NameKind.aka) for i, n in enumerate(names)],
        birth_dates=[birth] if birth else [],
        topics=["sanction"],
    )


ENTITIES = [
    _person("a", "Heriberto Solano Vidaurre", birth="1971-04-02"),
    _person("b", "Abdulrahman Mohammed Al-Harbi", "Abdul Rahman Al Harbi"),
    _person("c", "Madonna"),
    _person("d", "Ivan Petrovich Sidorov", "Иван Петрович Сидоров"),
    _person("e", "Kim Jong Un"),
]
MATCHER = Matcher.build(("list", e) for e in ENTITIES)
QUERIES = [
    "Heriberto Solano",
    "Eriberto Solano Vidaure",
    "Solano Vidaurre Heriberto",
    "Abdul Rahman Al-Harbi",
    "Abdulrahman Alharbi",
    "Madonna",
    "Madona Smith",
    "Ivan Sidorov",
    "Иван Сидоров",
    "Kim Jong-un",
    "Jong Un Kim",
    "Maria Kim",
    "Ingeborg Abrahamsen",
    "Kathryn Barr",
    "Hector Vidal",
    "Peter Ivanov",
]


def _check(matcher: Matcher, query: Query, threshold: float) -> bool:
    if matcher.could_match(query, threshold=threshold):
        return True
    assert matcher.search(query, threshold=threshold) == [], query.name
    return False


@pytest.mark.parametrize("name", QUERIES)
@pytest.mark.parametrize("threshold", [0.65, 0.7, 0.85])
def test_a_query_the_gate_turns_away_finds_nothing(name: str, threshold: float):
    _check(MATCHER, Query(Schema.person, name), threshold)


def test_the_gate_turns_away_unrelated_names_and_keeps_close_ones():
    kept = {n for n in QUERIES if MATCHER.could_match(Query(Schema.person, n), threshold=0.7)}
    assert {"Heriberto Solano", "Eriberto Solano Vidaure", "Madonna", "Ivan Sidorov"} <= kept
    assert {"Ingeborg Abrahamsen", "Kathryn Barr"}.isdisjoint(kept)


def test_low_thresholds_and_identifiers_always_go_to_search():
    far = Query(Schema.person, "Ingeborg Abrahamsen")
    assert MATCHER.could_match(far, threshold=CAPPED_MAX)
    assert MATCHER.could_match(
        Query(Schema.person, "Ingeborg Abrahamsen", identifiers=["X1"]), threshold=0.9
    )


@pytest.mark.skipif(not PEOPLE.exists(), reason="needs ../shared")
def test_on_many_real_names_the_gate_never_hides_a_match():
    with PEOPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(5)
    sample = rng.sample(rows, 400)
    # Listed: half of the sample, recombined; queried: all of it, as written.
    listed = [
        _person(str(i), f"{r['first_name']} {rng.choice(rows)['last_name']}")
        for i, r in enumerate(sample[:200])
    ]
    matcher = Matcher.build(("list", e) for e in listed)
    turned_away = sum(
        not _check(matcher, Query(Schema.person, r["full_name"]), 0.7) for r in sample
    )
    assert turned_away > 100, "the gate should spare most searches"
