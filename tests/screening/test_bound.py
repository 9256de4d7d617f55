"""The bound on a name pair's score (``alignment.bound_names``) never rules out a pair
that scores what is asked, and what it prepares aligns exactly as ``align_names`` does."""

from __future__ import annotations

import csv

from casework.screening.alignment import align_names, bound_names
from casework.screening.entity import Schema
from casework.screening.normalize import NameForm, normalize_name
from tests.screening.golden import PAIRS_CSV, SCHEMAS

FLOORS = (0.2, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


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


def test_a_pair_ruled_out_scores_below_the_floor() -> None:
    ruled_out = 0
    for query, candidate, person in _pairs():
        aligned = align_names(query, candidate, person=person)
        for floor in FLOORS:
            prepared = bound_names(
                query, candidate, person=person, enough=lambda most, floor=floor: most >= floor
            )
            if prepared is None:
                ruled_out += 1
                assert aligned.score < floor, (query.original, candidate.original, person)
            else:
                again = align_names(query, candidate, person=person, prepared=prepared)
                assert again == aligned, (query.original, candidate.original, person)
    assert ruled_out  # the bound does rule pairs out
