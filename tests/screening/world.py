"""A fixed list and a few hundred varied searches made from the labelled name pairs
(``data/name_pairs.csv``), for the tests that hold indexes built in different ways, or
mapped in different processes, to the same answers.

The listed side of every pair is an entity, with dates of birth, countries, gender,
identifiers, aliases, topics and one of three datasets drawn from a fixed seed; the
searches are the pairs' other side, some with those qualifiers, filters and thresholds.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema
from casework.screening.index_builder import TableBuilder
from casework.screening.snapshot import Tables

PAIRS = Path(__file__).parent / "data" / "name_pairs.csv"
SEED = 20240611
SCHEMAS = {
    "Person": Schema.person,
    "Company": Schema.company,
    "Organization": Schema.organization,
    "Vessel": Schema.vessel,
}
COUNTRIES = ["RUS", "IRN", "SYR", "PRK", "CUB", "IRQ", "AFG", "VEN", "CHN", "TUR"]
TOPICS = ["sanction", "role.pep", "crime", "debarment"]
DATASETS = ["sdn", "un", "pep"]
EVERY = 4  # one search per this many pairs


def rows() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def entities() -> list[tuple[str, Entity]]:
    rng = random.Random(SEED)
    pairs = rows()
    found: list[tuple[str, Entity]] = []
    for i, row in enumerate(pairs):
        schema = SCHEMAS[row["schema"]]
        names = [Name(row["b"], NameKind.primary)]
        if rng.random() < 0.15:
            other = rng.choice(pairs)
            if other["schema"] == row["schema"]:
                names.append(Name(other["b"], NameKind.aka))
        person = schema is Schema.person
        entity = Entity(
            key=f"e{i}",
            schema=schema,
            names=names,
            birth_dates=[f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-01"]
            if person and rng.random() < 0.5
            else [],
            countries=[rng.choice(COUNTRIES)] if rng.random() < 0.4 else [],
            gender=rng.choice(("male", "female", None)) if person else None,
            identifiers=[Identifier("passport", f"P{rng.randint(10**6, 10**7)}")]
            if rng.random() < 0.1
            else [],
            topics=[rng.choice(TOPICS)],
        )
        found.append((rng.choice(DATASETS), entity))
    return found


def searches() -> list[dict[str, Any]]:
    """Search arguments, as JSON: the query and the search's options."""
    rng = random.Random(SEED + 1)
    listed = entities()
    found = []
    for i, row in enumerate(rows()):
        if i % EVERY:
            continue
        dataset, entity = listed[i]
        query: dict[str, Any] = {
            "schema": row["schema"] if rng.random() < 0.8 else None,
            "name": row["a"],
            "aliases": [],
            "birth_date": entity.birth_dates[0][:4] if entity.birth_dates else None,
            "countries": list(entity.countries) if rng.random() < 0.5 else [],
            "gender": entity.gender if rng.random() < 0.5 else None,
            "identifiers": [entity.identifiers[0].value]
            if entity.identifiers and rng.random() < 0.5
            else [],
            "birth_dates": [],
        }
        found.append(
            {
                "query": query,
                "threshold": rng.choice((0.7, 0.7, 0.5, 0.85, 0.3)),
                "limit": rng.choice((10, 5)),
                "datasets": sorted({dataset, rng.choice(DATASETS)}) if rng.random() < 0.3 else None,
                "topics": [rng.choice(TOPICS)] if rng.random() < 0.2 else None,
            }
        )
    return found


def answer(matcher: Matcher, search: dict[str, Any]) -> list[Any]:
    """What the search finds, in order: dataset, key, score and explanation each."""
    query = dict(search["query"])
    query["schema"] = Schema(query["schema"]) if query["schema"] else None
    found = matcher.search(
        Query(**query),
        threshold=search["threshold"],
        limit=search["limit"],
        datasets=set(search["datasets"]) if search["datasets"] is not None else None,
        topics=set(search["topics"]) if search["topics"] is not None else None,
    )
    answers = [[m.dataset, m.entity_key, m.score, m.explanation] for m in found]
    plain: list[Any] = json.loads(json.dumps(answers))
    return plain


def matcher_tables() -> Tables:
    builder = TableBuilder()
    for dataset, entity in entities():
        builder.add(dataset, entity)
    return builder.freeze()
