"""Name normalisation: scripts, honorifics, legal forms, name order, keys."""

from __future__ import annotations

import pytest

from casework.screening.entity import Schema
from casework.screening.normalize import (
    compound_variants,
    fold,
    given_name_first,
    normalize_gender,
    normalize_identifier,
    normalize_name,
    phonetic_key,
    skeleton,
    strip_legal_forms,
    to_latin,
    token_weight,
    tokenize,
)


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("Владимир Путин", "vladimir putin"),
        ("Сергей Шойгу", "sergey shoygu"),
        ("Αλέξης Τσίπρας", "alexis tsipras"),
        ("Müller-Lüdenscheidt", "muller-ludenscheidt"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Пётр", "pyotr"),
    ],
)
def test_scripts_are_transliterated_to_latin(text: str, latin: str) -> None:
    assert to_latin(text) == latin


def test_arabic_comes_out_as_consonants_that_meet_the_latin_spelling() -> None:
    tokens = tokenize("محمد")
    assert tokens == ["mhmd"]
    assert skeleton(tokens[0]) == skeleton("mohammed")


def test_cjk_syllables_are_split_into_words() -> None:
    assert tokenize("习近平") == ["xi", "jin", "ping"]


def test_apostrophes_and_dotted_initials_do_not_split_words() -> None:
    assert tokenize("O'Brien") == ["obrien"]
    assert tokenize("J.P. Morgan") == ["jp", "morgan"]
    assert tokenize("Zelens'kiy") == ["zelenskiy"]


def test_surname_comma_given_is_written_given_name_first() -> None:
    assert given_name_first("PUTIN, Vladimir Vladimirovich") == "Vladimir Vladimirovich PUTIN"
    assert given_name_first("No comma here") == "No comma here"
    assert given_name_first("A, B, C") == "A, B, C"
    form = normalize_name("PUTIN, Vladimir Vladimirovich", Schema.person)
    assert form.tokens == ("vladimir", "vladimirovich", "putin")


def test_name_parts_from_the_publisher_give_the_order() -> None:
    form = normalize_name(
        "BIN LADIN, Usama", Schema.person, first_name="Usama", last_name="BIN LADIN"
    )
    assert form.tokens == ("usama", "bin", "ladin")


def test_leading_honorifics_are_dropped_but_a_name_keeps_two_words() -> None:
    assert normalize_name("Dr. Ayman al-Zawahiri", Schema.person).tokens == (
        "ayman",
        "al",
        "zawahiri",
    )
    assert normalize_name("Colonel Innocent KAINA", Schema.person).tokens == ("innocent", "kaina")
    assert normalize_name("Хаджи Азизуллах Ализаи", Schema.person).tokens == (
        "azizullakh",
        "alizai",
    )
    assert normalize_name("FAZLULLAH, Maulana", Schema.person).tokens == ("maulana", "fazlullah")


def test_ranks_are_only_titles_for_people() -> None:
    assert normalize_name("General Trading Co", None).tokens == ("general", "trading")
    assert normalize_name("Mr General Ahmed Ali", None).tokens == ("general", "ahmed", "ali")


@pytest.mark.parametrize(
    ("name", "tokens", "forms"),
    [
        ("EMMA LLC", ("emma",), ("llc",)),
        ("CIMEX, S.A.", ("cimex",), ("sa",)),
        ("OOO Alfa-Bank", ("alfa", "bank"), ("ooo",)),
        ("ANGLO-CARIBBEAN CO., LTD.", ("anglo", "caribbean"), ("ltd",)),
        ("Rosneft Limited Liability Company", ("rosneft",), ("llc",)),
        ("Obshchestvo s Ogranichennoy Otvetstvennostyu Rosneft", ("rosneft",), ("ooo",)),
        ("Global Age Limietd", ("global", "age"), ("ltd",)),
        ("Joit Stock Company Miskhor", ("miskhor",), ("jsc",)),
        ("Company Limited", ("company",), ("ltd",)),
        ("Compass Limited", ("compass",), ("ltd",)),
        ("Croporacion Daimex S.A.", ("daimex",), ("corp", "sa")),
    ],
)
def test_legal_forms_are_set_aside(
    name: str, tokens: tuple[str, ...], forms: tuple[str, ...]
) -> None:
    form = normalize_name(name, Schema.company)
    assert form.tokens == tokens
    assert set(form.legal_forms) == set(forms)


def test_short_legal_forms_only_count_at_the_ends() -> None:
    assert strip_legal_forms(["sa", "trading", "ab", "group"]) == (
        ["trading", "ab", "group"],
        ["sa"],
    )
    assert strip_legal_forms(["alfa"]) == (["alfa"], [])


def test_people_keep_words_that_look_like_legal_forms() -> None:
    assert normalize_name("Kim Sa", Schema.person).tokens == ("kim", "sa")


def test_weights_make_particles_and_initials_light() -> None:
    assert token_weight("al") < 0.5
    assert token_weight("bin") < 0.5
    assert token_weight("j") < 0.5
    assert token_weight("trading") < 1.0
    assert token_weight("qahtani") == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("mohammed", "muhammad"),
        ("usama", "osama"),
        ("yusuf", "youssef"),
        ("putin", "poutine"),
        ("mukhammad", "muhammad"),
        ("dzhamal", "jamal"),
    ],
)
def test_spelling_variants_share_a_phonetic_key(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


def test_fold_joins_transliteration_spellings() -> None:
    assert fold("khadzhi") == fold("hajji") == "haji"
    assert fold("tserkez") == fold("cerkez")


def test_compound_prefixes_are_joined_and_split() -> None:
    variants = compound_variants(("abdul", "rahman", "qahtani"))
    assert ("abdulrahman", "qahtani") in variants
    assert ("abdul", "rahman", "al", "qahtani") not in variants
    assert ("abdul", "rahman") in compound_variants(("abdulrahman",))


def test_identifiers_keep_letters_and_digits() -> None:
    assert normalize_identifier("IMO 9123456") == "9123456"
    assert normalize_identifier("A-123.45 67") == "A1234567"
    assert normalize_identifier("AB") is None
    assert normalize_identifier("ABCDEFG") is None


def test_gender_spellings() -> None:
    assert normalize_gender("M") == "male"
    assert normalize_gender("Female") == "female"
    assert normalize_gender("unknown") is None
    assert normalize_gender(None) is None
