# ruff: noqa: RUF001, RUF003
# (look-alike letters of other scripts are what these tests are about)
"""Names disguised without changing how they look are read as a person reads them: at
import and at query alike, since both go through ``to_latin``."""

from __future__ import annotations

import pytest

from casework.screening.characters import as_seen, lookalike
from casework.screening.normalize import fold, to_latin, tokenize

SADDAM = ["saddam", "hussein", "al", "tikriti"]


@pytest.mark.parametrize(
    "disguised",
    [
        pytest.param("Ѕaddam Нussein Al-Tikriti", id="Cyrillic look-alikes"),
        pytest.param("Saddam Ηussein Αl-Tikriti", id="Greek look-alikes"),
        pytest.param("ꓢaddam Husseiո Al-Tikriᴛi", id="Lisu, Armenian, small capital"),
        pytest.param("ᏚADDAM HUSSEIN AL-TIKRITI", id="Cherokee look-alike"),
        pytest.param("SАDDАМ НUЅЅЕІN AL-TIKRITI", id="capitals mostly Cyrillic"),
        pytest.param("Ｓａｄｄａｍ Ｈｕｓｓｅｉｎ Al-Tikriti", id="full-width"),
        pytest.param("𝐒𝐚𝐝𝐝𝐚𝐦 𝑯𝒖𝒔𝒔𝒆𝒊𝒏 Al-Tikriti", id="mathematical letters"),
        pytest.param("Ⓢⓐⓓⓓⓐⓜ Hussein Al-Tikriti", id="circled letters"),
        pytest.param("Sad\u200bdam Hus\u200csein Al-Tik\u200driti", id="zero-width"),
        pytest.param("Sad\u2060dam Hussein\ufeff Al-Tikriti", id="word joiner and BOM"),
        pytest.param("Sad\u00addam Hus\u00adsein Al-Tik\u00adriti", id="soft hyphens"),
        pytest.param("Sad\u200edam Hus\u202bsein\u202c Al\u2067-Tikriti\u2069", id="bidi"),
        pytest.param("\u202eitirkiT-lA niessuH maddaS\u202c", id="right-to-left override"),
        pytest.param("Sad\ufe0fdam Hus\U000e0041sein Al-Tik\U000e007friti", id="selectors, tags"),
        pytest.param("Sad\u034fdam Hus\u115fsein Al-Tikriti", id="grapheme joiner, filler"),
        pytest.param("S\u0336a\u0301\u0301\u0301d\u0308dam H\u0489ussein Al-Tikriti", id="marks"),
        pytest.param("Saddam\u00a0Hussein\u3000Al-Tikriti\u2003", id="odd spaces"),
        pytest.param("Saddam\tHussein\u2028Al-Tikriti", id="tab and line separator"),
    ],
)
def test_disguised_names_read_as_seen(disguised: str) -> None:
    assert tokenize(disguised) == SADDAM


def test_look_alikes_take_the_case_of_what_they_imitate() -> None:
    assert lookalike("Ѕ", "LATIN") == "S"
    assert lookalike("І", "LATIN") == "I"
    assert lookalike("і", "LATIN") == "i"
    assert lookalike("н", "LATIN") == "H"  # a small Н, as small capitals are read
    assert lookalike("y", "CYRILLIC") == "у"
    assert lookalike("Д", "LATIN") is None


def test_a_name_in_cyrillic_stays_cyrillic() -> None:
    assert to_latin("Сергей Шойгу") == "sergey shoygu"
    assert to_latin("Ѕергей") == "dzergey", "one script throughout: nothing imitates anything"
    assert to_latin("ОВАМА") == "ovama"


def test_a_word_in_another_script_is_folded_only_when_every_letter_imitates() -> None:
    assert to_latin("Barack ОВАМА") == "barack obama"
    assert to_latin("Ivan Петров") == "ivan petrov", "п has no Latin look-alike: a real word"
    assert to_latin("Ivan ПЕТРОВ") == "ivan petrov"


def test_latin_letters_in_a_cyrillic_or_greek_name_are_folded_to_that_script() -> None:
    assert to_latin("Пyтин") == "putin"  # a Latin y imitating the Cyrillic у
    assert to_latin("Αλέξης Tσίπρας") == "alexis tsipras"
    assert as_seen("Cemil ΒΑΥΙΚ") == "Cemil BAYIK"


def test_script_specific_marks_are_kept_for_transliteration() -> None:
    assert as_seen("मोदी") == "मोदी"
    assert as_seen("Nguyễn") == "Nguyễn"
    assert as_seen("и\u200d\u0306") == "й", "an invisible joiner does not hide a breve"


@pytest.mark.parametrize(
    ("stuffed", "tokens"),
    [
        ("V.l.a.d.i.m.i.r P-u-t-i-n", ["vladimir", "putin"]),
        ("P_u_t_i_n", ["putin"]),
        ("P*u*t*i*n V•l•a•d", ["putin", "vlad"]),
        ("J.R.R. Tolkien", ["jrr", "tolkien"]),
        ("J. R. R. Tolkien", ["jrr", "tolkien"]),
        ("J.P. Morgan", ["jp", "morgan"]),
        ("A.Smith", ["a", "smith"]),
        ("Al-Tikriti", ["al", "tikriti"]),
        ("M/V OCEAN STAR", ["mv", "ocean", "star"]),
        ("Co.,Ltd.", ["co", "ltd"]),
    ],
)
def test_letters_strung_together_with_punctuation_are_one_word(
    stuffed: str, tokens: list[str]
) -> None:
    assert tokenize(stuffed) == tokens


def test_doubled_letters_fold_away() -> None:
    assert fold("puuutin") == fold("putin")
    assert fold("vlaadimir") == fold("vladimir")
