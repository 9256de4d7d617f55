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
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

from casework.screening.alignment import ABJAD_SCRIPTS
from casework.screening.arrays import BoolArray, IntArray
from casework.screening.countries import to_alpha3
from casework.screening.entity import Entity, Schema
from casework.screening.index import SCHEMAS, Candidates, Index, IndexBuilder, Readings
from casework.screening.normalize import (
    NameForm,
    compound_variants,
    has_vowel,
    normalize_gender,
    normalize_identifier,
    normalize_name,
    retrieval_tokens,
    token_weight,
    tokenize,
)
from casework.screening.romanisation import families
from casework.screening.score import (
    CAPPED_MAX,
    STRONG_WEIGHT,
    NamePairs,
    Record,
    compatible_schemas,
    may_reach,
    score_above,
    score_records,
)

DEFAULT_THRESHOLD = 0.7
NAMES_PER_QUERY_NAME = 32
NAMES_PER_VARIANT = 16  # for the other cuts of a compound name, which rarely add much
NAMES_PER_RECUT = 8  # for a name cut into listed words differently (``Index.recut``): precise


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
    # More dates it may be born on, as partial dates: the years of a range, for one.
    birth_dates: list[str] = field(default_factory=list)


@dataclass
class Match:
    entity_key: str
    dataset: str
    score: float
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EntityFilter:
    """Which entities a search may return: schemas, datasets and topics (None: any)."""

    schemas: frozenset[Schema]
    datasets: frozenset[str] | None = None
    topics: frozenset[str] | None = None

    def mask(self, index: Index, eids: IntArray) -> BoolArray:
        lut = np.array([s in self.schemas for s in SCHEMAS], dtype=bool)
        ok = lut[index.ent_schema[eids]]
        if self.datasets is not None:
            wanted = [index.dataset_ids[d] for d in self.datasets if d in index.dataset_ids]
            ok &= np.isin(index.ent_dataset[eids], np.array(wanted, dtype=np.int16))
        if self.topics is not None:
            bits = 0
            for topic in self.topics:
                bit = index.topic_bits.get(topic)
                if bit is not None and bit < 63:
                    bits |= 1 << bit
            ok &= (index.ent_topics[eids] & np.int64(bits)) != 0
        return ok

    def allows(self, index: Index, eid: int) -> bool:
        return bool(self.mask(index, np.array([eid], dtype=np.int32))[0])


def _uses(explanation: dict[str, Any], words: frozenset[str]) -> bool:
    """Whether the best name alignment matched every one of ``words`` of the query.

    A query name cut into words differently only counts where the new words are what
    matched: "Hendrickson" read as "Hendrick Son" must not match "Son" alone.
    """
    name = explanation.get("name")
    if not isinstance(name, dict):
        return False
    unmatched = set(name.get("unmatched_query", ()))
    return not unmatched.intersection(words)


def query_record(query: Query) -> Record:
    """A query normalised exactly as listed entities are."""
    names: dict[tuple[str, ...], NameForm] = {}
    for value in [query.name, *query.aliases]:
        form = normalize_name(value, query.schema)
        if form.tokens:
            names.setdefault(form.tokens, form)
    countries = {to_alpha3(c) or (c.upper() if len(c) == 3 else None) for c in query.countries}
    identifiers = {normalize_identifier(i) for i in query.identifiers}
    return Record(
        schema=query.schema,
        names=list(names.values()),
        birth_dates=(*([query.birth_date] if query.birth_date else []), *query.birth_dates),
        countries=frozenset(c for c in countries if c),
        gender=normalize_gender(query.gender),
        identifiers=frozenset(i for i in identifiers if i),
    )


def _initials(tokens: tuple[str, ...]) -> tuple[list[str], str]:
    """A name's strong words and the letters of its initials, when it has one strong word
    besides initials ("V. Putin", "GW Bush", "D.A. Medvedev"), else nothing."""
    strong = [t for t in tokens if token_weight(t) >= STRONG_WEIGHT and not _initial_like(t)]
    letters = "".join(t for t in tokens if _initial_like(t))
    return (strong, letters) if len(strong) == 1 else ([], "")


def _initial_like(token: str) -> bool:
    return token.isalpha() and (
        (len(token) <= 2 and token_weight(token) < STRONG_WEIGHT)
        or (len(token) <= 4 and not has_vowel(token))
    )


def _reading(form: NameForm) -> Readings | None:
    """The expansions a query name's language or script adds, if any."""
    romanised = bool(families(form.tokens, form.script))
    abjad = form.script in ABJAD_SCRIPTS
    return Readings(romanised=romanised, abjad=abjad) if romanised or abjad else None


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

    def dataset_topics(self) -> dict[str, frozenset[str]]:
        """The topics each indexed dataset's entities carry (a PEP check needs a list
        that holds PEPs)."""
        return {
            name: frozenset(self.index.dataset_topics[i])
            for i, name in enumerate(self.index.datasets)
        }

    def entity(self, dataset: str, key: str) -> Entity | None:
        eid = self.index.entity_id(dataset, key)
        return None if eid is None else self.index.entity(eid)

    def _recut_names(
        self, form: NameForm, schema: Schema | None
    ) -> list[tuple[NameForm, frozenset[str]]]:
        """A query name's other cuts into listed words (``Index.recut``), each normalised
        as if typed with those spaces, with the words the new cut made.

        All its words are cut, legal forms and titles too: "PublicJoint Stock Company
        Rushydro" and "HajiMohammadKhan" hold them.
        """
        found = []
        for recut in self.index.recut(tuple(tokenize(form.original))):
            name = normalize_name(" ".join(recut.tokens), schema)
            if name.tokens and name.tokens != form.tokens:
                found.append(
                    (replace(name, original=form.original, weak=form.weak), recut.rewritten)
                )
        return found

    def could_match(self, query: Query, *, threshold: float) -> bool:
        """False when ``search`` at ``threshold`` is sure to find nothing; a cheap gate
        for many queries against few entities.

        A person or company name with two or more strong words scores at most
        ``CAPPED_MAX`` against a name that aligns with only one of them (the single-token
        cap), so above that only names sharing enough of its words can match, and those
        are the ones ``Index.shared_enough`` looks for. Names that could match on one
        word, compound names, names that cut into listed words differently (``Index.recut``),
        repeated words and identifiers always go to ``search``.
        """
        if query.identifiers or threshold <= CAPPED_MAX:
            return True
        for form in query_record(query).names:
            words = set(retrieval_tokens(form.tokens))
            strong = sum(1 for token in form.tokens if token_weight(token) >= STRONG_WEIGHT)
            if (
                strong < 2
                or len(words) < 2
                or form.acronyms
                or _reading(form) is not None
                or _initials(form.tokens)[0]
                or compound_variants(form.tokens)
                or self._recut_names(form, query.schema)
                or self.index.shared_enough(form.tokens)
            ):
                return True
        return False

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
        recuts: list[tuple[Record, frozenset[str]]] = []
        recut_found: dict[int, set[int]] = {}  # the recuts (by position) that found an entity
        for form in record.names:
            reading = _reading(form)
            searches = [(form.tokens, NAMES_PER_QUERY_NAME, -1)]
            for variant in compound_variants(form.tokens):
                if all(t in form.tokens or t in index.vocab for t in variant):
                    searches.append((variant, NAMES_PER_VARIANT, -1))
            # Listed one-word names the query name is the acronym of ("IRGC"), exactly.
            for acronym in form.acronyms:
                found = index.one_word_names(
                    acronym, partial(allowed.mask, index), NAMES_PER_VARIANT
                )
                for nid in found.names.tolist():
                    wanted.setdefault(int(index.name_entity[nid]), set()).add(nid)
            if reading is not None and reading.romanised:
                # Syllables of a Chinese or Korean name written apart ("Tse-tung"), joined
                # where the lists hold the joined word in some romanisation.
                for i in range(len(form.tokens) - 1):
                    joined = form.tokens[i] + form.tokens[i + 1]
                    if index.romanised_word(joined):
                        tokens = (*form.tokens[:i], joined, *form.tokens[i + 2 :])
                        searches.append((tokens, NAMES_PER_VARIANT, -1))
            strong, letters = _initials(form.tokens)
            if strong and letters:
                found = index.initialled_names(
                    strong, letters, partial(allowed.mask, index), NAMES_PER_VARIANT
                )
                for nid in found.names.tolist():
                    wanted.setdefault(int(index.name_entity[nid]), set()).add(nid)
            for recut_name, rewritten in self._recut_names(form, query.schema):
                searches.append((recut_name.tokens, NAMES_PER_RECUT, len(recuts)))
                recuts.append((replace(record, names=[recut_name]), rewritten))
            # A cut of the name into listed words may also be one of its compound
            # variants: each set of words is retrieved once, at every limit it is asked at.
            limits: dict[tuple[str, ...], list[int]] = {}
            for tokens, limit_names, _ in searches:
                limits.setdefault(tokens, []).append(limit_names)
            retrieved: dict[tuple[tuple[str, ...], int], Candidates] = {}
            for tokens, asked in limits.items():
                ranked = index.retrieve_at(tokens, partial(allowed.mask, index), asked, reading)
                retrieved.update(((tokens, n), c) for n, c in zip(asked, ranked, strict=True))
            for tokens, limit_names, recut in searches:
                for nid in retrieved[tokens, limit_names].names.tolist():
                    eid = int(index.name_entity[nid])
                    wanted.setdefault(eid, set()).add(nid)
                    if recut >= 0:
                        recut_found.setdefault(eid, set()).add(recut)
        for value in sorted(record.identifiers):
            for eid in index.identifier_entities(value):
                if allowed.allows(index, eid):
                    wanted[eid] = set(index.entity_name_ids(eid))
        matches: list[Match] = []
        pairs = NamePairs()
        for eid, name_ids in wanted.items():
            # Most entities are ruled out by their names' bound before they are read.
            names = [index.name_form(nid) for nid in sorted(name_ids)]
            schema = SCHEMAS[int(index.ent_schema[eid])]
            if not may_reach(record, schema, names, threshold, pairs) and not any(
                may_reach(recuts[recut][0], schema, names, threshold, pairs)
                for recut in recut_found.get(eid, ())
            ):
                continue
            listed = index.record(eid, (), like=record)
            listed.names = names  # read once, for the bound above
            # None: below the threshold, which is all that matters of it then.
            scored = score_above(record, listed, threshold, pairs)
            for recut in sorted(recut_found.get(eid, ())):
                recut_record, rewritten = recuts[recut]
                floor = threshold if scored is None else scored.score
                recut_scored = score_above(recut_record, listed, floor, pairs)
                if (
                    recut_scored is not None
                    and (scored is None or recut_scored.score > scored.score)
                    and _uses(recut_scored.explanation(), rewritten)
                ):
                    scored = recut_scored
            if scored is not None and scored.score >= threshold:
                matches.append(
                    Match(
                        entity_key=index.keys[eid],
                        dataset=index.datasets[int(index.ent_dataset[eid])],
                        score=round(scored.score, 4),
                        explanation=scored.explanation(),
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
        record = self.index.record(eid, self.index.entity_name_ids(eid))
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
