"""Screening: find the listed entities a query may be, each with a score and its reasons.

A ``Matcher`` is built once per set of list versions (``Matcher.build``) and is then
read-only: searches can run from many threads, and a new list version means building a
new matcher and swapping it in. Search is staged: the index retrieves a few dozen
candidate names per query name cheaply (see ``casework.screening.index``), and only
those are scored in detail (see ``casework.screening.score``). Results depend only on
the entities given and the query, so the same list version always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from casework.screening.countries import to_alpha3
from casework.screening.entity import Entity, Schema
from casework.screening.index import EntityFilter, Index, IndexBuilder
from casework.screening.normalize import (
    NameForm,
    compound_variants,
    normalize_gender,
    normalize_identifier,
    normalize_name,
)
from casework.screening.score import Record, compatible_schemas, score_records

DEFAULT_THRESHOLD = 0.7
NAMES_PER_QUERY_NAME = 48


@dataclass
class Query:
    """What is known of the party being screened; only the name is required."""

    schema: Schema | None  # None: any kind of party
    name: str
    aliases: list[str] = field(default_factory=list)
    birth_date: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    countries: list[str] = field(default_factory=list)  # ISO alpha-3 (names are accepted)
    gender: str | None = None
    identifiers: list[str] = field(default_factory=list)  # raw values, any punctuation


@dataclass
class Match:
    entity_key: str
    dataset: str
    score: float
    explanation: dict[str, Any]


def query_record(query: Query) -> Record:
    """A query normalised exactly as listed entities are."""
    names: dict[tuple[str, ...], NameForm] = {}
    for value in [query.name, *query.aliases]:
        form = normalize_name(value, query.schema)
        if form.tokens:
            names.setdefault(form.tokens, form)
    countries = {to_alpha3(c) for c in query.countries}
    identifiers = {normalize_identifier(i) for i in query.identifiers}
    return Record(
        schema=query.schema,
        names=list(names.values()),
        birth_dates=(query.birth_date,) if query.birth_date else (),
        countries=frozenset(c for c in countries if c),
        gender=normalize_gender(query.gender),
        identifiers=frozenset(i for i in identifiers if i),
    )


class Matcher:
    """Screens queries against an indexed set of listed entities from one or more lists."""

    def __init__(self, index: Index) -> None:
        self.index = index

    @classmethod
    def build(cls, entries: Iterable[tuple[str, Entity]]) -> Matcher:
        """Index (dataset name, entity) pairs; keys must be unique within a dataset."""
        builder = IndexBuilder()
        for dataset, entity in entries:
            builder.add(dataset, entity)
        return cls(builder.build())

    def __len__(self) -> int:
        return len(self.index)

    @property
    def datasets(self) -> list[str]:
        return list(self.index.datasets)

    def entity(self, dataset: str, key: str) -> Entity | None:
        eid = self.index.entity_id(dataset, key)
        return None if eid is None else self.index.entity(eid)

    def _record(self, eid: int, name_ids: Iterable[int]) -> Record:
        index = self.index
        return Record(
            schema=index.schema(eid),
            names=[index.name_form(nid) for nid in name_ids],
            birth_dates=index.birth_dates(eid),
            countries=index.entity_countries(eid),
            gender=index.gender(eid),
            identifiers=index.entity_identifiers(eid),
        )

    def search(
        self,
        query: Query,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = 10,
        datasets: set[str] | None = None,
        topics: set[str] | None = None,
    ) -> list[Match]:
        """Listed entities scoring at least ``threshold``, best first, at most ``limit``.

        Ties are broken by dataset and key, so the order is stable.
        """
        record = query_record(query)
        allowed = EntityFilter(
            schemas=compatible_schemas(query.schema),
            datasets=frozenset(datasets) if datasets is not None else None,
            topics=frozenset(topics) if topics is not None else None,
        )
        index = self.index
        wanted: dict[int, set[int]] = {}
        for form in record.names:
            for tokens in [form.tokens, *compound_variants(form.tokens)]:
                found = index.retrieve(tokens, allowed, NAMES_PER_QUERY_NAME)
                for nid in found.names.tolist():
                    wanted.setdefault(int(index.name_entity[nid]), set()).add(nid)
        for value in sorted(record.identifiers):
            for eid in index.identifier_entities(value):
                if allowed.allows(index, eid):
                    wanted[eid] = set(index.entity_name_ids(eid))
        matches: list[Match] = []
        for eid, name_ids in wanted.items():
            score, explanation = score_records(record, self._record(eid, sorted(name_ids)))
            if score >= threshold:
                matches.append(
                    Match(
                        entity_key=index.keys[eid],
                        dataset=index.datasets[int(index.ent_dataset[eid])],
                        score=round(score, 4),
                        explanation=explanation,
                    )
                )
        matches.sort(key=lambda m: (-m.score, m.dataset, m.entity_key))
        return matches[:limit]

    def explain(self, query: Query, dataset: str, key: str) -> Match | None:
        """Score one listed entity against a query on all its names, whatever the score.

        For "why did (or didn't) this entity match": search only scores the names the
        index retrieved, this scores every name of the entity.
        """
        eid = self.index.entity_id(dataset, key)
        if eid is None:
            return None
        record = self._record(eid, self.index.entity_name_ids(eid))
        score, explanation = score_records(query_record(query), record)
        return Match(
            entity_key=key, dataset=dataset, score=round(score, 4), explanation=explanation
        )

    @staticmethod
    def compare(schema: Schema | None, a: Query, b: Query) -> tuple[float, dict[str, Any]]:
        """Score two ad-hoc records against each other, as if ``b`` were listed."""
        qa = query_record(Query(**{**a.__dict__, "schema": schema or a.schema}))
        qb = query_record(Query(**{**b.__dict__, "schema": schema or b.schema}))
        score, explanation = score_records(qa, qb)
        return round(score, 4), explanation
