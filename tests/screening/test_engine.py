"""The Matcher API, on small lists the tests make and on the real lists when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.screening.engine import DEFAULT_THRESHOLD, Match, Matcher, Query
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema
from casework.screening.importers import ofac_csv, un_xml

P = Schema.person


def entity(key: str, schema: Schema, *names: str, **fields: object) -> Entity:
    return Entity(
        key=key,
        schema=schema,
        names=[Name(n, NameKind.primary if i == 0 else NameKind.aka) for i, n in enumerate(names)],
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(
        [
            ("sdn", entity("putin", P, "PUTIN, Vladimir Vladimirovich", birth_dates=["1952-10-07"],
                           nationalities=["RUS"], gender="male", topics=["sanction"])),
            ("sdn", entity("habbash", P, "HABBASH, George", topics=["sanction"])),
            ("sdn", entity("ivanov", P, "Иванов Сергей Борисович", topics=["sanction"])),
            ("sdn", entity("emma", Schema.company, "EMMA LLC", topics=["sanction"])),
            ("sdn", entity("hamas", Schema.organization, "HAMAS", topics=["sanction"])),
            ("sdn", entity("vessel", Schema.vessel, "SEA STAR", topics=["sanction"],
                           identifiers=[Identifier("imo", "IMO 9187629")])),
            ("pep", entity("putin-pep", P, "Vladimir Putin", birth_dates=["1952-10-07"],
                           topics=["role.pep"])),
            ("pep", entity("smith-a", P, "John Smith", topics=["role.pep"])),
            ("pep", entity("smith-b", P, "John Smith", topics=["role.pep"])),
        ]
    )  # fmt: skip


def keys(matches: list[Match]) -> list[str]:
    return [m.entity_key for m in matches]


def test_short_form_finds_the_listed_person(matcher: Matcher) -> None:
    found = matcher.search(Query(P, "Vladimir Putin"), threshold=DEFAULT_THRESHOLD, limit=10)
    assert set(keys(found)) == {"putin", "putin-pep"}
    assert found[0].entity_key == "putin-pep"  # the exact name ranks first
    explanation = found[1].explanation
    assert explanation["name"]["candidate"] == "PUTIN, Vladimir Vladimirovich"
    assert explanation["name"]["aligned"][0]["how"] == "exact"
    assert "text" in explanation["name"]


def test_cyrillic_query_finds_latin_listing(matcher: Matcher) -> None:
    found = matcher.search(Query(P, "Путин Владимир"), threshold=DEFAULT_THRESHOLD, limit=5)
    assert "putin" in keys(found)


def test_latin_query_finds_cyrillic_listing(matcher: Matcher) -> None:
    found = matcher.search(Query(P, "Sergei Ivanov"), threshold=DEFAULT_THRESHOLD, limit=5)
    assert keys(found) == ["ivanov"]


def test_must_not_match(matcher: Matcher) -> None:
    assert matcher.search(Query(P, "George Bush"), threshold=DEFAULT_THRESHOLD, limit=5) == []
    assert matcher.search(Query(P, "Emma Daniels"), threshold=DEFAULT_THRESHOLD, limit=5) == []
    assert matcher.search(Query(None, "Emma Daniels"), threshold=DEFAULT_THRESHOLD, limit=5) == []
    assert (
        matcher.search(Query(None, "Hamas Trading Company Of Gaza"), threshold=0.7, limit=5) == []
    )
    assert keys(matcher.search(Query(None, "Hamas"), threshold=0.7, limit=5)) == ["hamas"]


def test_qualifiers_reorder_results(matcher: Matcher) -> None:
    query = Query(P, "Vladimir Putin", birth_date="1952-10-07", countries=["RUS"])
    found = matcher.search(query, threshold=DEFAULT_THRESHOLD, limit=5)
    assert found[0].explanation["birth_date"]["adjustment"] > 0
    conflicting = Query(P, "Vladimir Putin", birth_date="1980-01-01")
    assert matcher.search(conflicting, threshold=DEFAULT_THRESHOLD, limit=5) == []


def test_identifier_alone_finds_the_entity(matcher: Matcher) -> None:
    query = Query(Schema.vessel, "Unknown Ship", identifiers=["9187629"])
    found = matcher.search(query, threshold=DEFAULT_THRESHOLD, limit=5)
    assert keys(found) == ["vessel"]
    assert found[0].explanation["identifier"]["matched"] == ["9187629"]


def test_ties_are_broken_by_dataset_and_key(matcher: Matcher) -> None:
    found = matcher.search(Query(P, "John Smith"), threshold=DEFAULT_THRESHOLD, limit=5)
    assert keys(found) == ["smith-a", "smith-b"]
    assert found[0].score == found[1].score


def test_limit_threshold_and_filters(matcher: Matcher) -> None:
    query = Query(P, "Vladimir Putin")
    assert len(matcher.search(query, threshold=0.7, limit=1)) == 1
    assert matcher.search(query, threshold=0.99, limit=5) == []
    assert keys(matcher.search(query, threshold=0.7, limit=5, datasets={"sdn"})) == ["putin"]
    assert keys(matcher.search(query, threshold=0.7, limit=5, topics={"role.pep"})) == ["putin-pep"]
    assert matcher.search(query, threshold=0.7, limit=5, datasets={"nowhere"}) == []
    assert matcher.search(Query(Schema.company, "Vladimir Putin"), threshold=0.7, limit=5) == []


def test_results_are_deterministic(matcher: Matcher) -> None:
    query = Query(None, "Vladimir Putin", aliases=["Putin V. V."])
    first = matcher.search(query, threshold=0.3, limit=10)
    rebuilt = Matcher.build(
        (ds, matcher.entity(ds, key))  # type: ignore[misc]
        for ds, key in [("sdn", "putin"), ("pep", "putin-pep"), ("pep", "smith-a")]
    )
    again = rebuilt.search(query, threshold=0.3, limit=10)
    assert [(m.entity_key, m.score) for m in first if m.entity_key != "habbash"] == [
        (m.entity_key, m.score) for m in again
    ]
    assert first == matcher.search(query, threshold=0.3, limit=10)


def test_entity_and_explain(matcher: Matcher) -> None:
    listed = matcher.entity("sdn", "putin")
    assert listed is not None
    assert listed.birth_dates == ["1952-10-07"]
    assert matcher.entity("sdn", "nobody") is None
    explained = matcher.explain(Query(P, "Putin"), "sdn", "putin")
    assert explained is not None
    assert explained.score < DEFAULT_THRESHOLD
    assert matcher.explain(Query(P, "Putin"), "sdn", "nobody") is None
    assert len(matcher) == 9
    assert sorted(matcher.datasets) == ["pep", "sdn"]


def test_compare_two_records() -> None:
    score, explanation = Matcher.compare(
        P,
        Query(P, "Osama bin Laden", birth_date="1957"),
        Query(P, "BIN LADIN, Usama", birth_date="1957-03-10"),
    )
    assert score >= DEFAULT_THRESHOLD
    assert explanation["birth_date"]["text"].startswith("same year")


@pytest.fixture(scope="module")
def real(watchlists: Path) -> Matcher:
    sdn = sorted((watchlists / "ofac_sdn_2019").iterdir())
    entries = [("ofac-sdn", e) for e in ofac_csv.read(sdn) if isinstance(e, Entity)]
    un = [watchlists / "un" / "UN_consolidated.xml"]
    entries += [("un-sc", e) for e in un_xml.read(un) if isinstance(e, Entity)]
    return Matcher.build(entries)


@pytest.mark.parametrize(
    ("query", "caption"),
    [
        (Query(P, "Osama Bin Ladin"), "BIN LADIN, Usama bin Muhammad bin Awad"),
        (Query(P, "Kim Jong-Un"), "KIM, Jong Un"),
        (Query(P, "Ayman Zawahiri", birth_date="1951-06-19"), "AL ZAWAHIRI, Dr. Ayman"),
        (Query(P, "Joaquin Guzman Loera"), "GUZMAN LOERA, Joaquin"),
        (Query(P, "Guzman Loera Joakin Archivaldo"), "GUZMAN LOERA, Joaquin"),
        (Query(Schema.company, "Banco Nacional de Cuba S.A."), "BANCO NACIONAL DE CUBA"),
        (Query(Schema.company, "Cimex Iberica Limited"), "CIMEX IBERICA"),
        (Query(None, "Hamas"), "HAMAS"),
        (Query(P, "Хасан Насралла"), "NASRALLAH, Hasan"),
    ],
)
def test_real_lists_find_known_entities(real: Matcher, query: Query, caption: str) -> None:
    found = real.search(query, threshold=DEFAULT_THRESHOLD, limit=5)
    captions = [real.entity(m.dataset, m.entity_key).caption for m in found]  # type: ignore[union-attr]
    assert caption in captions, (query.name, captions)


def test_real_lists_clean_names_raise_no_alert(real: Matcher) -> None:
    for name in ["Ingeborg Abrahamsen", "Kathryn Barr", "Reni Mehdi Klemm", "Maria Alice Nathan"]:
        assert real.search(Query(P, name), threshold=DEFAULT_THRESHOLD, limit=5) == [], name
