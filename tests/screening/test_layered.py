"""A base index with an overlay finds the entities a new version added, changed or removed
exactly as a full rebuild does, with the same scores and explanations."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import partial
from typing import Any

import pytest

from casework.screening.engine import EntityFilter, Match, Matcher, Query
from casework.screening.entity import Entity, Name, NameKind, Schema
from casework.screening.index_store import build_full
from casework.screening.index_tables import TableIndex
from casework.screening.layered import REMOVED, LayeredIndex, overlay_tables
from casework.screening.normalize import compound_variants, normalize_name
from casework.screening.score import compatible_schemas
from tests.screening import world


def layered(
    base: TableIndex, added: list[tuple[str, Entity]], removed: list[tuple[str, str]]
) -> Matcher:
    tables = overlay_tables(base, added, removed)
    return Matcher(LayeredIndex(base, TableIndex(tables), tables.arrays[REMOVED]))


@pytest.fixture(scope="module")
def base() -> TableIndex:
    return TableIndex(build_full(world.entities()))


def test_an_empty_overlay_answers_as_its_base(base: TableIndex):
    plain, over = Matcher(base), layered(base, [], [])
    for search in world.searches():
        assert world.answer(over, search) == world.answer(plain, search), search


def _found(matches: list[Match]) -> dict[tuple[str, str], Any]:
    return {(m.dataset, m.entity_key): (m.score, m.explanation) for m in matches}


def test_what_a_version_changed_is_found_as_a_rebuild_finds_it(base: TableIndex):
    listed = world.entities()
    rows = world.rows()
    rng = random.Random(5)
    picked = rng.sample(range(len(listed)), 90)
    changed, removed = picked[:40], picked[40:70]
    new = [
        ("un", Entity(key=f"new{i}", schema=listed[i][1].schema, names=[Name(rows[i]["a"])]))
        for i in picked[70:]
    ]
    added = [
        (
            listed[i][0],
            replace(listed[i][1], names=[*listed[i][1].names, Name(rows[i]["a"], NameKind.aka)]),
        )
        for i in changed
    ] + new
    gone = [(listed[i][0], listed[i][1].key) for i in removed]
    after = {(d, e.key): (d, e) for d, e in listed}
    for dataset, key in gone:
        del after[(dataset, key)]
    after.update({(d, e.key): (d, e) for d, e in added})
    full = Matcher.build(after.values())
    over = layered(base, added, gone)
    assert len(over) == len(full)

    touched = [listed[i] for i in changed + removed] + new
    checked = 0
    for dataset, entity in touched:
        names = {n.value for n in entity.names} | {
            n.value for n in after.get((dataset, entity.key), (dataset, entity))[1].names
        }
        for name in sorted(names):
            query = Query(entity.schema, name)
            for datasets in (None, {dataset}):
                a = _found(full.search(query, threshold=0.5, datasets=datasets))
                b = _found(over.search(query, threshold=0.5, datasets=datasets))
                key = (dataset, entity.key)
                assert (key in a) == (key in b), (query, datasets)
                assert a.get(key) == b.get(key), (query, datasets)
                checked += key in a
        assert over.entity(dataset, entity.key) == full.entity(dataset, entity.key)
    assert checked > 2 * (len(changed) + len(new)), "the changed and added entities are found"


def test_retrieving_at_several_limits_at_once_gives_each_limit_its_own_answer(base: TableIndex):
    """A search retrieves a set of words once when it asks for it at two limits (a cut of
    a name that is also its compound variant): what each limit gets must be what
    retrieving at that limit alone gets, from a base and from a base with an overlay."""
    listed = world.entities()
    rows = world.rows()
    added = [
        (d, replace(e, names=[*e.names, Name(rows[i]["a"], NameKind.aka)]))
        for i, (d, e) in enumerate(listed[:400:7])
    ]
    over = layered(base, added, [(d, e.key) for d, e in listed[3:400:11]]).index
    limits = [16, 8, 32, 1, 8]
    checked = 0
    for index in (base, over):
        for search in world.searches():
            query = search["query"]
            schema = Schema(query["schema"]) if query["schema"] else None
            allowed = EntityFilter(
                schemas=compatible_schemas(schema),
                datasets=frozenset(search["datasets"]) if search["datasets"] else None,
            )
            mask = partial(allowed.mask, index)
            tokens = normalize_name(query["name"], schema).tokens
            for words in (tokens, *compound_variants(tokens)):
                together = index.retrieve_at(words, mask, limits)
                for limit, found in zip(limits, together, strict=True):
                    alone = index.retrieve(words, mask, limit)
                    assert found.names.tolist() == alone.names.tolist(), (words, limit)
                    assert found.scores.tolist() == alone.scores.tolist(), (words, limit)
                    checked += len(alone.names) > limit
    assert checked, "the overlay's answers go past the limit, merged from both layers"
