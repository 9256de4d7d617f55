"""How alike two normalised words are, from 0 (different words) to 1 (the same word).

Edits allowed grow with length (none for three letters, one up to seven, two up to
twelve); spellings that transliteration schemes disagree on are folded first; sound-alike
words score at least ``PHONETIC_SIM``; a given name meets its short forms; a vowelless
word (an abjad script transliterated) meets a voweled one through its consonants.
Numbers must be equal, an initial only meets a word that starts with it, and two names
of countries (or their adjectives) must name the same country: "Central Bank of Iran"
is not "Central Bank of Iraq".
"""

from __future__ import annotations

import re
from functools import cache

import pycountry
from rapidfuzz.distance import OSA

from casework.screening.given_names import has_short_forms, same_given_name
from casework.screening.spelling import fold, has_vowel, memo, phonetic_key, skeleton

INITIAL_SIM = 0.6
NICKNAME_SIM = 0.85  # a given name and its short form ("Bill" / "William")
PHONETIC_SIM = 0.8
FOLDED_SIM = 0.9
SKELETON_SIM = 0.75
ABJAD_SIM = 0.8  # the same consonants, from Arabic or Hebrew script ("bshar" / "Bashar")
ABJAD_SHORT_SIM = 0.6  # ... when they are only two

_DIGITS = re.compile(r"\d+")
# Adjectives of the countries lists most often name; the names themselves come from
# ISO 3166 (pycountry).
_ADJECTIVES = frozenset(
    (
        "afghan albanian algerian american angolan argentine armenian australian austrian "
        "azerbaijani bahraini bangladeshi belarusian belgian bolivian bosnian brazilian "
        "british bulgarian burmese burundian cambodian cameroonian canadian chadian chilean "
        "chinese colombian congolese croatian cuban cypriot czech danish dutch ecuadorian "
        "egyptian emirati eritrean estonian ethiopian filipino finnish french georgian "
        "german ghanaian greek guatemalan guinean haitian honduran hungarian indian "
        "indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian "
        "kazakh kenyan korean kuwaiti kyrgyz laotian latvian lebanese liberian libyan "
        "lithuanian malaysian malian mauritanian mexican moldovan mongolian montenegrin "
        "moroccan mozambican nepali nicaraguan nigerian nigerien norwegian omani pakistani "
        "palestinian panamanian paraguayan peruvian polish portuguese qatari romanian "
        "russian rwandan saudi senegalese serbian singaporean slovak slovenian somali "
        "spanish sudanese swedish swiss syrian taiwanese tajik tanzanian thai tunisian "
        "turkish turkmen ugandan ukrainian uruguayan uzbek venezuelan vietnamese yemeni "
        "zambian zimbabwean"
    ).split()
)


@cache
def place_words() -> frozenset[str]:
    """One-word country names and adjectives, lower-case ASCII."""
    words = set(_ADJECTIVES)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if not value:
                continue
            head = value.split(",")[0].strip().lower()
            if head.isalpha() and head.isascii():
                words.add(head)
    return frozenset(words)


_EDITS = (0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2)


def _allowed_edits(longest: int) -> int:
    """None up to three letters, one up to seven, two up to twelve, then three."""
    return _EDITS[longest] if longest < len(_EDITS) else 3


# What ``_token_sim`` asks of a word, looked up once per word: whether it is all
# letters, all digits, a place word, its folded spelling, its phonetic key, whether it
# has a vowel and short forms. A plain tuple, which the garbage collector soon stops
# walking (a named tuple it walks for good).
_Word = tuple[bool, bool, bool, str, str, bool, bool]


@memo(200_000)
def _word(token: str) -> _Word:
    return (
        token.isalpha(),
        token.isdigit(),
        token in place_words(),
        fold(token),
        phonetic_key(token),
        has_vowel(token),
        has_short_forms(token),
    )


def _sound_alike(a: _Word, b: _Word, dist: int, size_a: int, size_b: int) -> bool:
    """Same phonetic key, trusted less for short keys, which many unrelated names share."""
    key = a[4]
    if key != b[4]:
        return False
    if len(key) >= 3 and min(size_a, size_b) >= 4:
        return True
    return dist <= 1 or OSA.distance(a[3], b[3]) <= 1


_SIMILARITIES: dict[tuple[str, str], float] = {}
_MAX_SIMILARITIES = 500_000


def token_sim(a: str, b: str) -> float:
    """Similarity of two normalised tokens in 0..1 (remembered; see ``_token_sim``)."""
    key = (a, b)
    found = _SIMILARITIES.get(key)
    if found is None:
        if len(_SIMILARITIES) >= _MAX_SIMILARITIES:
            _SIMILARITIES.clear()
        found = _SIMILARITIES[key] = _token_sim(a, b)
    return found


def _token_sim(a: str, b: str) -> float:
    """Similarity of two normalised tokens in 0..1; 0 means they are different words."""
    if a == b:
        return 1.0
    size_a, size_b = len(a), len(b)
    if size_a == 1 or size_b == 1:
        return INITIAL_SIM if a[0] == b[0] else 0.0
    wa, wb = _word(a), _word(b)
    if not (wa[0] and wb[0]) and (wa[1] or wb[1] or _DIGITS.findall(a) != _DIGITS.findall(b)):
        return 0.0
    if wa[2] and wb[2]:
        return 0.0
    longest = size_a if size_a > size_b else size_b
    allowed = _EDITS[longest] if longest < len(_EDITS) else 3
    # Past the allowed edits (or one, which the sound-alike test asks about) the exact
    # distance does not matter, so the computation may stop early.
    dist = OSA.distance(a, b, score_cutoff=max(allowed, 1))
    sim = 1.0 - dist / longest if dist <= allowed else 0.0
    if sim < FOLDED_SIM:
        fa, fb = wa[3], wb[3]
        if fa == fb:
            sim = FOLDED_SIM
        elif fa != a or fb != b:
            flong = max(len(fa), len(fb))
            fallowed = _allowed_edits(flong)
            folded = OSA.distance(fa, fb, score_cutoff=fallowed)
            if folded <= fallowed:
                sim = max(sim, FOLDED_SIM * (1.0 - folded / flong))
    if sim < NICKNAME_SIM and (wa[6] or wb[6]) and same_given_name(a, b):
        sim = NICKNAME_SIM
    if sim < PHONETIC_SIM and _sound_alike(wa, wb, dist, size_a, size_b):
        sim = PHONETIC_SIM
    if sim < SKELETON_SIM and (not wa[5] or not wb[5]):
        key = skeleton(a)
        if len(key) >= 2 and key == skeleton(b) and a[0] == b[0]:
            sim = SKELETON_SIM
    return sim


# Arabic and Hebrew letters that Latin spellings of one name write differently.
_ABJAD_FOLDS = (
    ("z", "s"), ("dh", "d"), ("th", "t"), ("gh", "g"), ("kh", "h"), ("sh", "x"), ("ch", "x"),
    ("q", "k"), ("g", "k"), ("c", "k"), ("j", "y"), ("ph", "f"), ("p", "f"), ("v", "b"),
)  # fmt: skip
_NOT_CONSONANTS = frozenset("aeiouwy'")


def abjad_key(token: str) -> str:
    """The consonants of a word as an abjad script writes them: short vowels, long
    vowels and glides dropped, letters that Latin spellings disagree on folded, doubled
    letters once ("Qaddafi", "Gadhafi" and "القذافي" all give "kdf")."""
    for a, b in _ABJAD_FOLDS:
        token = token.replace(a, b)
    consonants = "".join(ch for ch in token if ch not in _NOT_CONSONANTS)
    return re.sub(r"(.)\1+", r"\1", consonants)


def abjad_sim(a: str, b: str) -> float:
    """Similarity of two words of which one was written in an abjad script."""
    key_a, key_b = abjad_key(a), abjad_key(b)
    if len(key_a) < 2 or len(key_b) < 2:
        return 0.0
    if key_a == key_b:
        # Two consonants are shared by too many names ("ysf": Yusuf, Yasif, Asaf) to
        # count for much on their own.
        return ABJAD_SIM if len(key_a) >= 3 else ABJAD_SHORT_SIM
    if min(len(key_a), len(key_b)) >= 4 and OSA.distance(key_a, key_b) <= 1:
        return ABJAD_SIM - 0.1
    return 0.0
