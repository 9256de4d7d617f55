"""Hangul, Arabic, Persian and Hebrew names romanised as names are written in Latin."""

from __future__ import annotations

import pytest

from casework.screening.abjad import romanise_abjad
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Schema
from casework.screening.hangul import romanise_hangul
from casework.screening.normalize import normalize_name, tokenize, written_in
from casework.screening.similarity import abjad_key


def test_hangul_is_romanised_by_sound_a_syllable_at_a_time() -> None:
    assert romanise_hangul("박봉주") == "bak bong ju"
    assert romanise_hangul("오극렬") == "o geuk ryeol"
    assert romanise_hangul("김정은") == "gim jeong eun"
    assert romanise_hangul("금성 3") == "geum seong 3"
    assert romanise_hangul("Kim 정은") == "Kim jeong eun"


def test_arabic_article_and_particles_are_words_of_their_own() -> None:
    assert romanise_abjad("بشار الأسد") == "bshar al asd"
    assert romanise_abjad("أسامة بن لادن") == "asama bin ladn"
    assert romanise_abjad("عبد الله") == "abd allah"
    assert romanise_abjad("Ali محمد") == "Ali mhmd"


def test_hebrew_letters_are_romanised() -> None:
    assert romanise_abjad("בנימין נתניהו") == "bnymyn ntnyho"


def test_consonant_keys_bridge_latin_spellings() -> None:
    assert abjad_key("qaddafi") == abjad_key("gadhafi") == abjad_key("qdhafi") == "kdf"
    assert abjad_key("ytshk") == abjad_key("yitzhak")
    assert abjad_key("bnymyn") == abjad_key("benjamin")


def test_the_script_a_name_is_written_in() -> None:
    assert written_in("习近平") == "CJK"
    assert written_in("김정은") == "HANGUL"
    assert written_in("بشار الأسد") == "ARABIC"
    assert written_in("Владимир Путин") == "CYRILLIC"
    assert written_in("Vladimir Putin") is None
    assert normalize_name("بشار الأسد", Schema.person).script == "ARABIC"


def test_an_arabic_name_is_not_read_as_a_title() -> None:
    # "معمر" romanises as "mmr", which folded would read as "Mr"
    assert tokenize("معمر القذافي")[0] == "mmr"
    assert normalize_name("معمر القذافي", Schema.person).tokens[0] == "mmr"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("بشار الأسد", "Bashar al-Assad"),
        ("معمر القذافي", "Muammar Qaddafi"),
        ("أسامة بن لادن", "Osama bin Laden"),
        ("יצחק רבין", "Yitzhak Rabin"),
        ("בנימין נתניהו", "Benjamin Netanyahu"),
        ("박봉주", "Pak Pong Ju"),
        ("리병철", "Ri Pyong Chol"),
        ("윤석열", "Yoon Suk-yeol"),
    ],
)
def test_names_in_other_scripts_meet_their_latin_listing(a: str, b: str) -> None:
    found, explanation = Matcher.compare(
        Schema.person, Query(schema=Schema.person, name=a), Query(schema=Schema.person, name=b)
    )
    assert found >= DEFAULT_THRESHOLD, explanation
