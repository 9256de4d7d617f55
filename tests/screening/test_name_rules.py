"""The rules that make two names one party, and the rules that tell near-misses apart."""

from __future__ import annotations

import pytest

from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Schema
from casework.screening.given_names import is_given_name, same_given_name, short_forms
from casework.screening.legal_forms import forms_agree
from casework.screening.numbers import digits_for_numbers, roman
from casework.screening.romanisation import Family, chinese_keys, families, korean_keys


def score(schema: Schema, a: str, b: str) -> tuple[float, dict[str, object]]:
    return Matcher.compare(schema, Query(schema=schema, name=a), Query(schema=schema, name=b))


@pytest.mark.parametrize(
    ("schema", "a", "b"),
    [
        (Schema.person, "VladimirPutin", "Vladimir Putin"),
        (Schema.person, "Ser Gei Sho Igu", "Sergei Shoigu"),
        (Schema.company, "Commerzbank Aktiengesellschaft", "Commerzbank AG"),
        (Schema.company, "Romashka Limited Liability Company", "OOO Romashka"),
        (Schema.company, "Gesellschaft mit beschränkter Haftung Alpenblick", "Alpenblick GmbH"),
        (Schema.organization, "IRGC", "Islamic Revolutionary Guard Corps"),
        (Schema.organization, "FARC", "Fuerzas Armadas Revolucionarias de Colombia"),
        (Schema.organization, "2nd Brigade", "Second Brigade"),
        (Schema.organization, "Unit Twenty-Six", "Unit 26"),
        (Schema.organization, "Three Hundred Thirteen Brigade", "313 Brigade"),
        (Schema.vessel, "Ocean Star II", "Ocean Star 2"),
        (Schema.person, "Bill Clinton", "William Clinton"),
        (Schema.person, "Peggy Guggenheim", "Margaret Guggenheim"),
        (Schema.person, "GW Bush", "George Walker Bush"),
        (Schema.person, "G.W. Bush", "George Walker Bush"),
        (Schema.person, "Putin Vladimir", "Vladimir Putin"),
    ],
)
def test_one_party_written_two_ways_matches(schema: Schema, a: str, b: str) -> None:
    found, explanation = score(schema, a, b)
    assert found >= DEFAULT_THRESHOLD, explanation


@pytest.mark.parametrize(
    ("schema", "a", "b", "note"),
    [
        (Schema.company, "Siemens AG", "Siemens GmbH", "different legal forms"),
        (Schema.company, "Apex Trading LLC", "Apex Trading Inc", "different legal forms"),
        (Schema.company, "Acme Holdings II Ltd", "Acme Holdings Ltd", "different numbers"),
        (Schema.organization, "Fund III", "Fund IV", None),
        (Schema.vessel, "Ocean Star 2", "Ocean Star 3", None),
        (Schema.person, "Thomas Peter", "Peter Thomas", "given name and surname swapped"),
        (Schema.person, "Ivan Petrovich Sidorov", "Ivan Sergeyevich Sidorov", "different names"),
        (Schema.person, "Ahmed bin Ali al-Harbi", "Ahmed bin Saleh al-Harbi", "different names"),
        (Schema.person, "JFK", "John Fitzgerald Kennedy", "only initials"),
    ],
)
def test_near_misses_stay_below_the_threshold(
    schema: Schema, a: str, b: str, note: str | None
) -> None:
    found, explanation = score(schema, a, b)
    assert found < DEFAULT_THRESHOLD, explanation
    if note:
        assert note in explanation["name"]["text"]  # type: ignore[index]


def test_translated_and_generic_forms_agree() -> None:
    assert forms_agree(["ooo"], ["llc"])
    assert forms_agree(["co"], ["gmbh"])
    assert forms_agree([], ["ag"])
    assert not forms_agree(["ag"], ["gmbh"])
    assert not forms_agree(["ltd"], ["plc"])


def test_numbers_are_read_as_digits() -> None:
    assert digits_for_numbers("unit twenty six".split()) == ["unit", "26"]
    assert digits_for_numbers("one hundred and five".split()) == ["105"]
    assert digits_for_numbers("one thousand nine hundred eighty four".split()) == ["1984"]
    assert digits_for_numbers("2nd brigade".split()) == ["2", "brigade"]
    assert digits_for_numbers("elewenth ocean".split()) == ["11", "ocean"]
    assert digits_for_numbers("two three".split()) == ["2", "3"]
    assert digits_for_numbers("the hundred years".split()) == ["the", "hundred", "years"]
    assert digits_for_numbers(["fund", "iv"], roman_numerals=False) == ["fund", "iv"]


def test_roman_numerals_from_two_letters_and_never_xi() -> None:
    assert [roman(t) for t in ("ii", "iv", "ix", "xiv", "xxxix")] == [2, 4, 9, 14, 39]
    assert roman("i") is None
    assert roman("xi") is None
    assert roman("civil") is None


def test_short_forms_link_a_name_to_its_own_nicknames_only() -> None:
    assert same_given_name("bill", "william")
    assert same_given_name("william", "bill")
    assert "william" in short_forms("bill")
    assert not same_given_name("albert", "alfred")  # both are "Al"
    assert not short_forms("al")  # two-letter forms are particles too
    assert is_given_name("thomas")
    assert not is_given_name("putin")


def test_explanations_name_the_rule() -> None:
    _, explanation = score(Schema.person, "Bill Clinton", "William Clinton")
    hows = {a["how"] for a in explanation["name"]["aligned"]}  # type: ignore[index]
    assert "short form" in hows
    _, explanation = score(Schema.person, "GW Bush", "George Walker Bush")
    hows = {a["how"] for a in explanation["name"]["aligned"]}  # type: ignore[index]
    assert "initials" in hows


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mao Tse-tung", "Mao Zedong"),
        ("Teng Hsiao-ping", "Deng Xiaoping"),
        ("Chou En-lai", "Zhou Enlai"),
        ("Lin Piao", "Lin Biao"),
        ("Chiang Ching-kuo", "Jiang Jingguo"),
        ("김정은", "Kim Jong Un"),
        ("Gim Jeong-eun", "Kim Jong Un"),
        ("Pak Pong Ju", "Park Bong-ju"),
        ("Choe Ryong Hae", "Choi Ryong-hae"),
        ("习近平", "Xi Jinping"),
    ],
)
def test_chinese_and_korean_romanisations_meet(a: str, b: str) -> None:
    found, explanation = score(Schema.person, a, b)
    assert found >= DEFAULT_THRESHOLD, explanation


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kim Jong-chol", "Kim Jong-chun"),
        ("김정은", "김정일"),
        ("王建国", "王建军"),
    ],
)
def test_one_different_syllable_is_another_person(a: str, b: str) -> None:
    found, explanation = score(Schema.person, a, b)
    assert found < DEFAULT_THRESHOLD, explanation


def test_romanisation_keys() -> None:
    assert "tsetung" in chinese_keys("zedong") & chinese_keys("tsetung")
    assert chinese_keys("ren") & chinese_keys("jen")
    assert chinese_keys("shaoqi") & chinese_keys("shaochi")  # "chi" is also Wade-Giles qi
    assert not chinese_keys("smith")
    assert korean_keys("jeongeun") & korean_keys("jongun")
    assert korean_keys("hyeon") & korean_keys("hyun")
    assert not korean_keys("cheol") & korean_keys("chun")
    assert families(("kim", "jong", "un")) == {Family.korean}
    assert families(("mao", "ze", "dong")) == {Family.chinese}
    assert families(("geuk", "ryeol")) == frozenset()
    assert families(("geuk", "ryeol"), "HANGUL") == {Family.korean}
    assert families(("dan", "smith")) == frozenset()


@pytest.mark.parametrize(
    ("schema", "a", "b"),
    [
        (Schema.organization, "AQIM", "Al-Qaida in the Islamic Maghreb"),
        (Schema.organization, "JNIM", "Jama'at Nusrat al-Islam wal-Muslimin"),
        (Schema.organization, "MOIS", "Ministry of Intelligence and Security"),
        (Schema.company, "PDVSA", "Petróleos de Venezuela, S.A."),
        (Schema.company, "HSBC", "Hongkong and Shanghai Banking Corporation"),
        (Schema.company, "Aktiebolaget Volvo", "AB Volvo"),
        (Schema.company, "Nokia Julkinen osakeyhtiö", "Nokia Oyj"),
        (Schema.company, "Romashka OOO", "Romashka Sociedad de responsabilidad limitada"),
        (
            Schema.company,
            "Obscehstvo S Ogranichennoi Otvetstvennostyu Prominvest",
            "OOO Prominvest",
        ),
        (Schema.company, "Fisrt East Export Bank", "First East Export Bank"),
        (Schema.person, "Elizabeth the Second", "Elizabeth II"),
        (Schema.person, "William Henry Gates 3rd", "William Henry Gates III"),
        (Schema.vessel, "Argo 1", "Argo I"),
        (Schema.person, "Jalal ud Din Haqqani", "Jalaluddin Haqqani"),
        (Schema.person, "SergeiShoigu", "Sergei Kuzhugetovich Shoigu"),
        (Schema.person, "KimJongUn", "Kim Jong Un"),
        (Schema.person, "D.A. Medvedev", "Dmitry Anatolyevich Medvedev"),
        (Schema.person, "Sasha Lukashenko", "Alexander Lukashenko"),
        (Schema.person, "Kate Middleton", "Catherine Middleton"),
        (Schema.person, "Tony Blair", "Anthony Charles Lynton Blair"),
        (Schema.person, "Shfeai Sultan Mohammed Al-Ajmi", "AL-AJMI, Shafi Sultan Mohammed"),
        (Schema.person, "Liu Shao-chi", "Liu Shaoqi"),
        (Schema.person, "Roh Moo-hyun", "No Mu-hyeon"),
    ],
)
def test_more_ways_of_writing_one_party(schema: Schema, a: str, b: str) -> None:
    found, explanation = score(schema, a, b)
    assert found >= DEFAULT_THRESHOLD, explanation


@pytest.mark.parametrize(
    ("schema", "a", "b", "note"),
    [
        (Schema.company, "Genting Malaysia Sdn Bhd", "Genting Malaysia Berhad", "legal forms"),
        (Schema.company, "Equinor AS", "Equinor ASA", "legal forms"),
        (Schema.company, "Central Bank of Iran", "Central Bank of Iraq", None),
        (Schema.vessel, "YANGZHOU DAYANG DY906", "YANGZHOU DAYANG DY905", None),
        (Schema.vessel, "MARIE DE LOURDES", "MARIE DE LOURDES I", "different numbers"),
        (Schema.person, "王毅", "王义", "different characters"),
        (Schema.person, "박정천", "박정철", None),
        (Schema.person, "Hwang Pyong So", "Hwang Pyong Su", None),
        (Schema.person, "Pak Yong Sik", "Pak Tong Sok", None),
        (Schema.person, "Mikhail Maratovich Fridman", "Mikhail Markovich Fridman", None),
        (Schema.person, "Ali Hassan", "Hassan Ali", "swapped"),
        (
            Schema.person,
            "AL-TIKRITI, Ayman Sabawi Ibrahim Hasan",
            "AL-TIKRITI, Bashar Sabawi Ibrahim Hasan",
            "different names",
        ),
    ],
)
def test_more_near_misses(schema: Schema, a: str, b: str, note: str | None) -> None:
    found, explanation = score(schema, a, b)
    assert found < DEFAULT_THRESHOLD, explanation
    if note:
        assert note in explanation["name"]["text"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("schema", "a", "b"),
    [
        (Schema.company, "Acme Trading LLTD", "Acme Trading Ltd"),
        (Schema.company, "ZZAO Romashka", "ZAO Romashka"),
        (Schema.person, "Kim Yu-Roo", "Kim Yu-Ro"),
    ],
)
def test_doubled_letters_change_nothing(schema: Schema, a: str, b: str) -> None:
    found, explanation = score(schema, a, b)
    assert found >= DEFAULT_THRESHOLD, explanation
