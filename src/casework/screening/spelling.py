"""Token-level spelling keys: how two spellings of one word are made to meet.

Folding writes transliteration-dependent spellings one way ("Mukhammad" / "Muhammad",
"Dzhamal" / "Jamal"); phonetic keys let sound-alikes meet ("Usama" / "Osama"); consonant
skeletons let vowelless transliterations of abjad scripts meet voweled ones ("mhmd").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from functools import wraps
from typing import TypeVar

import jellyfish

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def memo(maxsize: int) -> Callable[[Callable[[K], V]], Callable[[K], V]]:
    """Remember a one-argument function's results, forgetting all of them when full.

    ``functools.lru_cache`` keeps a linked-list node per entry, which the garbage
    collector must walk: with hundreds of thousands of entries a full collection
    stalls a search for a tenth of a second. A plain dict of strings and numbers is
    not walked at all. Results never depend on what is remembered.
    """

    def decorate(func: Callable[[K], V]) -> Callable[[K], V]:
        cache: dict[K, V] = {}

        @wraps(func)
        def remembered(key: K) -> V:
            try:
                return cache[key]
            except KeyError:
                pass
            if len(cache) >= maxsize:
                cache.clear()
            value = cache[key] = func(key)
            return value

        return remembered

    return decorate


VOWELS = frozenset("aeiouy")
DOUBLED = re.compile(r"(.)\1+")

# Spellings that differ between transliteration schemes for one sound, folded to one:
# "Mukhammad" / "Muhammad", "Dzhamal" / "Jamal" / "Djamal", "Youssef" / "Yusef".
_FOLDS = (
    ("shch", "sh"), ("dzh", "j"), ("ts", "c"), ("dj", "j"), ("zh", "j"), ("tch", "ch"), ("kh", "h"),
    ("ph", "f"), ("ck", "k"), ("q", "k"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("y", "i"),
    ("w", "v"),
)  # fmt: skip


@memo(200_000)
def fold(token: str) -> str:
    """The token with transliteration-dependent spellings folded and doubled letters single."""
    for a, b in _FOLDS:
        if a in token:
            token = token.replace(a, b)
    return DOUBLED.sub(r"\1", token)


@memo(200_000)
def phonetic_key(token: str) -> str:
    """A sound-alike key: metaphone, with a leading vowel of any colour written "A".

    Metaphone keeps an initial vowel as spelled, so "Usama" and "Osama" would differ;
    transliterations disagree on exactly those vowels.
    """
    if not token.isalpha():
        return token
    key = jellyfish.metaphone(fold(token))
    if key and key[0] in "AEIOU":
        key = "A" + key[1:]
    return key


@memo(200_000)
def skeleton(token: str) -> str:
    """Consonants only, doubled letters once: how abjad scripts come out of transliteration.

    Arabic and Hebrew script mostly omit short vowels, so "محمد" arrives as "mhmd"; its
    skeleton equals that of "Mohammed". Only used when one side has no vowels at all.
    """
    return DOUBLED.sub(r"\1", "".join(ch for ch in token if ch not in VOWELS))


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def has_vowel(token: str) -> bool:
    return not VOWELS.isdisjoint(token)
