"""Searches and comparisons give exactly the answers recorded in ``data/golden_*.json``
(see ``tests.screening.golden``): every entity, score and explanation, in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casework.screening import retrieval
from tests.screening import golden


def _recorded(path: Path) -> dict[str, list[Any]]:
    recorded: dict[str, list[Any]] = json.loads(path.read_text(encoding="utf-8"))
    return recorded


def _pairs_searches_give_the_recorded_answers() -> tuple[dict[str, list[Any]], list[Any]]:
    recorded = _recorded(golden.PAIRS_GOLDEN)
    matcher, searches, rows = golden.pairs_world()
    assert len(searches) == len(recorded["searches"])
    for search, expected in zip(searches, recorded["searches"], strict=True):
        assert golden.canonical(search.describe()) == expected["search"]
        assert golden.canonical(search.run(matcher)) == expected["matches"], search.describe()
    return recorded, rows


def test_searches_and_comparisons_give_the_recorded_answers() -> None:
    recorded, rows = _pairs_searches_give_the_recorded_answers()
    compared = golden.compare_pairs(rows)
    for values, now, then in zip(rows, compared, recorded["compared"], strict=True):
        assert now == then, (values["a"], values["b"])


def test_names_counted_in_a_slot_each_give_the_same_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Retrieval counts shared words in an array with a slot per listed name once the
    posting lists are long (common names in a large list); forced to count so for every
    query, it must find exactly what merging the lists finds."""
    monkeypatch.setattr(retrieval, "DENSE_FROM", 0)
    monkeypatch.setattr(retrieval, "PROBE_COST", 1e18)
    _pairs_searches_give_the_recorded_answers()


def test_searches_on_the_real_lists_give_the_recorded_answers() -> None:
    if not golden.shared_present():
        pytest.skip(f"real list files not found at {golden.SHARED}")
    recorded = _recorded(golden.SHARED_GOLDEN)
    matcher, searches = golden.shared_world()
    assert len(searches) == len(recorded["searches"])
    for search, expected in zip(searches, recorded["searches"], strict=True):
        matches = golden.canonical(search.run(matcher))
        found = [[m["dataset"], m["key"], m["score"]] for m in matches]
        assert found == expected["found"], search.describe()
        assert golden.digest(matches) == expected["digest"], search.describe()
