"""The bound on a name pair's score (``bounds.bound``) is never below what the pair
scores."""

from __future__ import annotations

import csv

from casework.screening.alignment import align_names
from casework.screening.bounds import QueryName, bound
from casework.screening.entity import Schema
from casework.screening.normalize import NameForm, normalize_name
from tests.screening.golden import PAIRS_CSV, SCHEMAS


def _pairs() -> list[tuple[NameForm, NameForm, bool]]:
    with PAIRS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows:
        schema = SCHEMAS[row["schema"]]
        a, b = normalize_name(row["a"], schema), normalize_name(row["b"], schema)
        if a.tokens and b.tokens:
            for query, candidate in ((a, b), (b, a)):
                found.append((query, candidate, schema == Schema.person))
                # The same words as another kind of party: other costs and rules apply.
                found.append((query, candidate, schema != Schema.person))
    return found


def test_no_pair_scores_above_its_bound() -> None:
    below = 0
    for query, candidate, person in _pairs():
        aligned = align_names(query, candidate, person=person)
        most = bound(QueryName(query), candidate, person=person)
        assert aligned.score <= most, (query.original, candidate.original, person)
        below += most < 0.7
    assert below  # the bound does rule pairs out
