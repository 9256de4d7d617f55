"""Scoring properties: what must match, what must not, and how qualifiers move a score."""

from __future__ import annotations

import pytest

from casework.screening.alignment import align_names
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Schema
from casework.screening.normalize import normalize_name
from casework.screening.score import compatible, parse_date
from casework.screening.similarity import token_sim

P = Schema.person


def score(a: Query, b: Query, schema: Schema | None = None) -> float:
    return Matcher.compare(schema, a, b)[0]


def test_surname_comma_form_matches_the_short_form() -> None:
    value, explanation = Matcher.compare(
        P, Query(P, "Vladimir Putin"), Query(P, "PUTIN, Vladimir Vladimirovich")
    )
    assert value >= DEFAULT_THRESHOLD
    assert explanation["name"]["unmatched_candidate"] == ["vladimirovich"]
    assert {a["query"] for a in explanation["name"]["aligned"]} == {"vladimir", "putin"}


def test_cyrillic_matches_latin_both_ways() -> None:
    listed = Query(P, "PUTIN, Vladimir Vladimirovich")
    assert score(Query(P, "Владимир Путин"), listed) >= DEFAULT_THRESHOLD
    assert score(Query(P, "Vladimir Putin"), Query(P, "Путин Владимир Владимирович")) >= 0.7


def test_one_shared_given_name_is_not_a_match() -> None:
    assert score(Query(P, "George Bush"), Query(P, "George Habbash")) < 0.5
    assert score(Query(P, "George Habbash"), Query(P, "HABBASH, George")) >= 0.9


def test_a_person_is_not_a_company_of_the_same_first_name() -> None:
    emma = Query(Schema.company, "EMMA LLC")
    assert score(Query(P, "Emma Daniels"), emma, None) < DEFAULT_THRESHOLD
    assert Matcher.compare(None, Query(P, "Emma Daniels"), emma)[0] < DEFAULT_THRESHOLD
    assert score(Query(None, "Emma Daniels"), emma) < DEFAULT_THRESHOLD


def test_schemas_that_cannot_be_the_same_party_score_zero() -> None:
    value, explanation = Matcher.compare(
        None, Query(P, "Emma Daniels"), Query(Schema.company, "Emma Daniels LLC")
    )
    assert value == 0.0
    assert "schema" in explanation
    assert compatible(Schema.company, Schema.legal_entity)
    assert not compatible(Schema.vessel, Schema.person)


@pytest.mark.parametrize(
    "query",
    ["John Hamas Smith", "Hamas Trading Group", "Ali Hamas", "Hamas Hamas Hamas Ibrahim"],
)
def test_a_one_word_listed_name_does_not_match_longer_names(query: str) -> None:
    assert score(Query(None, query), Query(Schema.organization, "HAMAS")) < DEFAULT_THRESHOLD


def test_one_word_names_match_themselves() -> None:
    assert score(Query(None, "Hamas"), Query(Schema.organization, "HAMAS")) >= 0.9


def test_conflicting_date_of_birth_lowers_and_matching_raises() -> None:
    listed = Query(P, "Ali Hassan Mansour", birth_date="1961-03-04")
    plain = score(Query(P, "Ali Hassan Mansour"), listed)
    same = score(Query(P, "Ali Hassan Mansour", birth_date="1961-03-04"), listed)
    year = score(Query(P, "Ali Hassan Mansour", birth_date="1961"), listed)
    near = score(Query(P, "Ali Hassan Mansour", birth_date="1962-03-04"), listed)
    other = score(Query(P, "Ali Hassan Mansour", birth_date="1975-08-09"), listed)
    assert same > year > plain > near > other
    assert other < DEFAULT_THRESHOLD <= plain


def test_day_and_month_swapped_is_not_a_conflict() -> None:
    listed = Query(P, "Ali Hassan Mansour", birth_date="1961-03-04")
    swapped = score(Query(P, "Ali Hassan Mansour", birth_date="1961-04-03"), listed)
    assert swapped == score(Query(P, "Ali Hassan Mansour"), listed)


def test_identifier_match_is_strong() -> None:
    listed = Query(P, "Ivan Petrov", identifiers=["P 1234567"])
    weak_name = Query(P, "I. Petrov-Vodkin", identifiers=["p1234567"])
    without = score(Query(P, "I. Petrov-Vodkin"), listed)
    value, explanation = Matcher.compare(P, weak_name, listed)
    assert without < DEFAULT_THRESHOLD <= value
    assert explanation["identifier"]["matched"] == ["P1234567"]


def test_gender_and_country_qualify() -> None:
    listed = Query(P, "Kim Jong Un", gender="male", countries=["PRK"])
    base = score(Query(P, "Kim Jong Un"), listed)
    assert score(Query(P, "Kim Jong Un", countries=["PRK"]), listed) > base
    assert score(Query(P, "Kim Jong Un", countries=["FRA"]), listed) < base
    assert score(Query(P, "Kim Jong Un", gender="female"), listed) < base - 0.1


def test_scores_are_spread_not_piled_at_one() -> None:
    listed = Query(P, "ZULETA TROCHEZ, Jose Oscar", birth_date="1960-02-01", countries=["HND"])
    queries = [
        Query(P, "Jose Oscar Zuleta Trochez", birth_date="1960-02-01", countries=["HND"]),
        Query(P, "Jose Oscar Zuleta Trochez"),
        Query(P, "Jose Zuleta Trochez"),
        Query(P, "Jose Oskar Zuleta"),
        Query(P, "Jose Zuleta"),
        Query(P, "Oscar Trochez Ramirez"),
        Query(P, "Jose Zuleta", birth_date="1971"),
        Query(P, "Jose Smith"),
    ]
    values = [score(q, listed) for q in queries]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)
    assert values[0] > values[1] > 0.9
    assert sum(v >= 0.999 for v in values) <= 1
    assert values[-1] < 0.3


def test_typos_transpositions_and_spellings_still_match() -> None:
    listed = Query(P, "AL-QAHTANI, Abdulrahman Muhammad")
    for variant in [
        "Abdulrahman Muhammad al-Qahtani",
        "Abdulrahman Muhamamd al-Qahtani",
        "Abdul Rahman Mohammed Qahtani",
        "Abdurahman al Kahtani",
        "Абдулрахман Мухаммад Аль-Кахтани",
    ]:
        assert score(Query(P, variant), listed) >= DEFAULT_THRESHOLD, variant


def test_token_similarity_rules() -> None:
    assert token_sim("putin", "putin") == 1.0
    assert token_sim("vladimir", "vladmir") > 0.8
    assert token_sim("ali", "aly") > 0.0
    assert token_sim("bush", "habbash") == 0.0
    assert token_sim("12", "13") == 0.0
    assert token_sim("v", "vladimir") == pytest.approx(0.6)
    assert token_sim("v", "ivan") == 0.0
    assert token_sim("mhmd", "mohammed") > 0.7


def test_alignment_joins_compound_words() -> None:
    result = align_names(
        normalize_name("Abdulrahman Qahtani", P),
        normalize_name("ABDUL RAHMAN AL-QAHTANI", P),
        person=True,
    )
    assert ("abdulrahman", "abdul rahman", 1.0) in result.aligned
    assert result.score > 0.9


def test_weak_aliases_never_score_full() -> None:
    strong = normalize_name("India Queen", P)
    weak = normalize_name("India Queen", P, weak=True)
    assert align_names(strong, weak, person=True).score < 0.85


def test_partial_dates() -> None:
    assert parse_date("1961") == (1961, 0, 0)
    assert parse_date("1961-03") == (1961, 3, 0)
    assert parse_date("1961-03-04") == (1961, 3, 4)
    assert parse_date("circa 1961") is None


def test_compare_is_deterministic() -> None:
    a = Query(P, "Usama bin Ladin", birth_date="1957", countries=["SAU"])
    b = Query(P, "BIN LADEN, Usama bin Muhammad bin Awad", birth_date="1957-03-10")
    assert Matcher.compare(P, a, b) == Matcher.compare(P, a, b)
