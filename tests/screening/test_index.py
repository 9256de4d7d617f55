"""Candidate retrieval: which listed names the index hands to the scorer."""

from __future__ import annotations

from functools import partial

import pytest

from casework.screening.engine import EntityFilter
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema
from casework.screening.index import Index, IndexBuilder
from casework.screening.normalize import compound_variants, normalize_name, retrieval_tokens

ANY = EntityFilter(schemas=frozenset(Schema))


def person(key: str, *names: str, **fields: object) -> Entity:
    return Entity(
        key=key,
        schema=Schema.person,
        names=[Name(n, NameKind.primary if i == 0 else NameKind.aka) for i, n in enumerate(names)],
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def index() -> Index:
    builder = IndexBuilder()
    entities = [
        person("putin", "PUTIN, Vladimir Vladimirovich"),
        person("qahtani", "AL-QAHTANI, Abdulrahman Muhammad"),
        person("usama", "BIN LADIN, Usama", "Osama bin Laden"),
        person(
            "kim", "KIM, Jong Un", gender="male", identifiers=[Identifier("passport", "745310010")]
        ),
        person("cyrillic", "Иванов Сергей Петрович"),
        Entity(key="hamas", schema=Schema.organization, names=[Name("HAMAS")], topics=["sanction"]),
        Entity(key="emma", schema=Schema.company, names=[Name("EMMA LLC")], topics=["debarment"]),
    ]
    entities += [person(f"filler-{i}", f"Vladimir Filler{i:03d}") for i in range(200)]
    for entity in entities:
        builder.add("test", entity)
    return builder.build()


def found(
    index: Index, text: str, schema: Schema | None = None, allowed: EntityFilter = ANY
) -> list[str]:
    tokens = normalize_name(text, schema).tokens
    result = index.retrieve(tokens, partial(allowed.mask, index), 20)
    return [index.keys[int(index.name_entity[n])] for n in result.names]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Vladimir Putin", "putin"),
        ("Vladmir Putin", "putin"),  # a letter dropped
        ("Vladimir Puttin", "putin"),  # a letter added
        ("Vladimir Ptuin", "putin"),  # letters transposed
        ("Vladimir Poutine", "putin"),  # sounds alike, two edits
        ("Владимир Путин", "putin"),
        ("Osama bin Ladin", "usama"),
        ("Mohammed Qahtani", "qahtani"),
        ("Sergei Ivanov", "cyrillic"),
        ("Hamas", "hamas"),
    ],
)
def test_variants_retrieve_the_listed_name(index: Index, query: str, key: str) -> None:
    assert key in found(index, query)


def test_the_best_candidate_comes_first(index: Index) -> None:
    assert found(index, "Vladimir Putin")[0] == "putin"


def test_a_shared_common_word_alone_does_not_retrieve(index: Index) -> None:
    assert "putin" not in found(index, "Vladimir Smith")
    assert found(index, "Vladimir") == []


def test_one_word_names_are_retrieved_by_any_word_of_the_query(index: Index) -> None:
    assert "hamas" in found(index, "Hamas Movement")


def test_compound_spellings_are_found_through_their_variants(index: Index) -> None:
    assert "qahtani" in found(index, "Abdulrahman Qahtani")
    tokens = normalize_name("Abdul Rahman Qahtani", Schema.person).tokens
    assert index.retrieve(tokens, partial(ANY.mask, index), 20).names.size == 0
    keys = {
        index.keys[int(index.name_entity[n])]
        for variant in compound_variants(tokens)
        for n in index.retrieve(variant, partial(ANY.mask, index), 20).names
    }
    assert keys == {"qahtani"}


def test_filters_apply_before_ranking(index: Index) -> None:
    people = EntityFilter(schemas=frozenset({Schema.person}))
    assert found(index, "Hamas", allowed=people) == []
    assert (
        found(
            index, "Emma", allowed=EntityFilter(frozenset(Schema), topics=frozenset({"sanction"}))
        )
        == []
    )
    assert found(
        index, "Emma", allowed=EntityFilter(frozenset(Schema), topics=frozenset({"debarment"}))
    ) == ["emma"]
    assert (
        found(index, "Emma", allowed=EntityFilter(frozenset(Schema), datasets=frozenset({"other"})))
        == []
    )


def test_identifiers_are_indexed_normalised(index: Index) -> None:
    eids = index.identifier_entities("745310010")
    assert [index.keys[e] for e in eids] == ["kim"]
    assert index.identifier_entities("000") == []


def test_entity_details_round_trip(index: Index) -> None:
    eid = index.entity_id("test", "kim")
    assert eid is not None
    record = index.record(eid, index.entity_name_ids(eid))
    assert record.gender == "male"
    assert record.identifiers == frozenset({"745310010"})
    assert [n.tokens for n in record.names] == [("jong", "un", "kim")]
    assert index.entity(eid).caption == "KIM, Jong Un"
    assert index.entity_id("test", "nobody") is None
    assert index.entity_id("nowhere", "kim") is None


def test_expansion_carries_similarity(index: Index) -> None:
    expanded = {index.tokens[t]: s for t, s in index.expand("vladmir")}
    assert expanded["vladimir"] > 0.8
    assert index.expand("zzzzzz") == ()


def test_particles_are_not_looked_up() -> None:
    assert retrieval_tokens(["abu", "bakr", "al", "baghdadi"]) == ["abu", "bakr", "baghdadi"]
    assert retrieval_tokens(["al", "bin"]) == ["al", "bin"]


def test_duplicate_keys_are_refused() -> None:
    builder = IndexBuilder()
    builder.add("a", person("x", "John Smith"))
    builder.add("b", person("x", "John Smith"))
    with pytest.raises(ValueError, match="duplicate"):
        builder.add("a", person("x", "Jane Smith"))
