"""Numbers in organisation and vessel names, written one way: as digits.

"Second Brigade", "2nd Brigade" and "Brigade 2" say the same number; "Unit Twenty-Six"
is "Unit 26". Numbers are also what tells the members of a series apart ("Fund III" /
"Fund IV", "Ocean Star 2" / "Ocean Star 3"), so the matcher compares them exactly once
they are all digits. Roman numerals are read only from two letters up (a single "I",
"V" or "X" is more often an initial), and never "XI", a common Chinese name.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_UNITS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
    "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_ORDINAL_TENS = "_ _ twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth"

SMALL: dict[str, int] = {word: n for n, word in enumerate(_UNITS)}
SMALL |= {word: n * 10 for n, word in enumerate(_TENS) if word != "_"}
SMALL |= {word: n for n, word in enumerate(_ORDINAL_UNITS)}
SMALL |= {word: n * 10 for n, word in enumerate(_ORDINAL_TENS.split()) if word != "_"}
SMALL |= {"fourty": 40, "ninth": 9}
SCALES = {"hundred": 100, "hundredth": 100, "thousand": 1000, "thousandth": 1000}
FUZZY_FROM = 7
SWAPPED_FROM = 5
_NOT_NUMBERS = frozenset({"there", "fro", "tow", "fiev"})
# Ordinals of six letters are read with a typo too; no common word is one typo from them.
_SHORT_ORDINALS = ("second", "fourth", "eighth")
_ORDINAL_STARTS = frozenset(word[:2] for word in _SHORT_ORDINALS)
_LONG_WORDS = sorted(word for word in SMALL if len(word) >= FUZZY_FROM or word in _SHORT_ORDINALS)
_DIGIT_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_NOT_ROMAN = frozenset({"xi"})


def roman(token: str) -> int | None:
    """The value of a Roman numeral from II to XXXIX, else None."""
    if len(token) < 2 or token in _NOT_ROMAN or not _ROMAN.match(token):
        return None
    total = 0
    for i, ch in enumerate(token):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[token[i + 1]] if i + 1 < len(token) else 0
        total += -value if value < following else value
    return total


def _number_word(token: str) -> int | None:
    if token in SMALL:
        return SMALL[token]
    found = _DIGIT_ORDINAL.match(token)
    if found:
        return int(found.group(1))
    if len(token) >= FUZZY_FROM or (len(token) >= 6 and token[:2] in _ORDINAL_STARTS):
        # A typo in a long number word ("Elewenth", "Siecond") still reads as the number.
        near = process.extractOne(token, _LONG_WORDS, scorer=OSA.distance, score_cutoff=1)
        if near is not None:
            return SMALL[near[0]]
    if len(token) >= SWAPPED_FROM and token not in _NOT_NUMBERS:
        # Two letters swapped in a shorter one ("Fisrt", "Thrid").
        for word, value in SMALL.items():
            if len(word) == len(token) and word[0] == token[0] and _swapped(word, token):
                return value
    return None


def _swapped(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two adjacent letters swapped."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


_CARDINALS = frozenset(_UNITS) | frozenset(w for w in _TENS if w != "_") | {"fourty"}
_LETTER_NUMERALS = frozenset({"i", "v", "x"})


def _is_number(token: str, person: bool) -> bool:
    if roman(token) is not None:
        return True
    value = _number_word(token)
    return value is not None and not (person and token in _CARDINALS)


def _continues(current: int, small: int) -> bool:
    """Whether a number word adds to the number so far ("twenty" + "six")."""
    last = current % 100
    return current == 0 or last == 0 or (last >= 20 and last % 10 == 0 and small < 10)


def digits_for_numbers(
    tokens: list[str], *, roman_numerals: bool = True, person: bool = False
) -> list[str]:
    """The tokens with every written-out number, ordinal or Roman numeral as digits.

    Runs of number words are read as one number ("three hundred and thirteen" is 313,
    "twenty six" is 26); "and" only joins number words, and "the" before a number is
    dropped ("Elizabeth the Second" is "Elizabeth 2", as "Elizabeth II" is). In a
    person's name only ordinals and Roman numerals are numbers; in other names a last
    "I", "V" or "X" is one too ("Argo I").
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        value = _number_word(word)
        if person and value is not None and word in _CARDINALS:
            value = None
        if value is None:
            numeral = roman(word) if roman_numerals else None
            if (
                numeral is None
                and roman_numerals
                and not person
                and i == len(tokens) - 1
                and i >= 1
                and word in _LETTER_NUMERALS
            ):
                numeral = _ROMAN_VALUES[word]
            if word == "the" and i + 1 < len(tokens) and _is_number(tokens[i + 1], person):
                i += 1
                continue
            out.append(str(numeral) if numeral is not None else word)
            i += 1
            continue
        total, current = 0, value
        i += 1
        while i < len(tokens):
            word = tokens[i]
            if word in SCALES:
                current = max(current, 1) * SCALES[word]
                if SCALES[word] == 1000:
                    total, current = total + current, 0
            elif word == "and" and i + 1 < len(tokens) and tokens[i + 1] in SMALL:
                pass
            elif word in SMALL and _continues(current, SMALL[word]):
                current += SMALL[word]
            else:
                break
            i += 1
        out.append(str(total + current))
    return out
