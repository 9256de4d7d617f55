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
_LONG_WORDS = sorted(word for word in SMALL if len(word) >= FUZZY_FROM)
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
    if len(token) >= FUZZY_FROM:
        # A typo in a long number word ("Elewenth") still reads as the number.
        near = process.extractOne(token, _LONG_WORDS, scorer=OSA.distance, score_cutoff=1)
        if near is not None:
            return SMALL[near[0]]
    return None


def _continues(current: int, small: int) -> bool:
    """Whether a number word adds to the number so far ("twenty" + "six")."""
    last = current % 100
    return current == 0 or last == 0 or (last >= 20 and last % 10 == 0 and small < 10)


def digits_for_numbers(tokens: list[str], *, roman_numerals: bool = True) -> list[str]:
    """The tokens with every written-out number, ordinal or Roman numeral as digits.

    Runs of number words are read as one number ("three hundred and thirteen" is 313,
    "twenty six" is 26); "and" only joins number words.
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value = _number_word(token)
        if value is None:
            numeral = roman(token) if roman_numerals else None
            out.append(str(numeral) if numeral is not None else token)
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
