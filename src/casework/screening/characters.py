# ruff: noqa: RUF002
# (look-alike letters of other scripts are this module's subject, also in its docstrings)
"""A name's characters as a reader sees them, before it is transliterated.

A listed name can be disguised without changing how it looks: letters of another script
that look the same (Cyrillic "Н" for Latin "H"), invisible characters (zero-width spaces
and joiners, soft hyphens, bidirectional controls, tags, variation selectors, Hangul
fillers), compatibility forms (full-width or mathematical letters, ligatures), odd
spaces, stacks of combining marks, and text stored backwards under a right-to-left
override. ``as_seen`` undoes all of that; listed names and queries both pass through
it, so a disguise changes neither side.

Look-alikes come from Unicode's confusables data (UTS #39) and script property, as the
confusable-homoglyphs package ships them: two characters are confusable when they share
a skeleton. Only letters are folded, only to a letter of the plain alphabet of the
script the name is mostly written in, and a word written wholly in another script is
left alone unless every letter of it has such a look-alike. So "Ѕaddam" is Latin
"Saddam", while a name written in Cyrillic stays Cyrillic and is transliterated as such.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache, lru_cache

from confusable_homoglyphs import categories

from casework.infra.lookalikes import confusable_groups

# Scripts a look-alike may be folded to, best first when a name could be either, each
# with the letters it may become: its plain alphabet, never symbols, small capitals or
# other rarities.
_ALPHABETS: dict[str, frozenset[str]] = {
    "LATIN": frozenset(string.ascii_letters),
    "CYRILLIC": frozenset(map(chr, range(0x0400, 0x0460))),
    "GREEK": frozenset(
        ch for ch in map(chr, range(0x0386, 0x03CF)) if unicodedata.category(ch)[0] == "L"
    ),
}
_PREFERENCE = {name: -rank for rank, name in enumerate(_ALPHABETS)}
# Characters shared by every script (punctuation, digits, marks): never a script of their own.
_NEUTRAL = frozenset({"COMMON", "INHERITED", "Unknown"})

# Invisible in any text, yet not format characters (Cf, always dropped): the variation
# selectors, the combining grapheme joiner, Mongolian free variation selectors, Khmer
# inherent vowels and the Hangul fillers.
_INVISIBLE = frozenset(
    [
        *map(chr, range(0xFE00, 0xFE10)),
        *map(chr, range(0xE0100, 0xE01F0)),
        "\u034f",
        *map(chr, range(0x180B, 0x1810)),
        "\u17b4",
        "\u17b5",
        "\u115f",
        "\u1160",
        "\u3164",
        "\uffa0",
    ]
)
# Marks that any script's letters can carry and that no script needs once its letters
# are composed ("й", "é" are single characters after NFKC): the combining diacritics
# that stacked marks ("Zalgo" text) are made of. Script-specific marks (Arabic vowels,
# Devanagari signs) are kept for the transliteration.
_STACKABLE = (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


@lru_cache(maxsize=8192)
def _visible(ch: str) -> str:
    """What one character becomes: itself, a plain space, or nothing."""
    category = unicodedata.category(ch)
    if category == "Cf" or ch in _INVISIBLE:
        return ""
    if category in ("Zs", "Zl", "Zp", "Cc") or ch == "\u2800":
        return " "
    return ch


@lru_cache(maxsize=8192)
def _unstacked(ch: str) -> str:
    """A combining diacritic left over once letters are composed is dropped."""
    if unicodedata.category(ch) in ("Mn", "Me") and any(
        lo <= ord(ch) <= hi for lo, hi in _STACKABLE
    ):
        return ""
    return ch


@lru_cache(maxsize=8192)
def script(ch: str) -> str:
    """The Unicode script of a character ("LATIN", "CYRILLIC", "COMMON", ...)."""
    return str(categories.alias(ch))


@cache
def _skeleton_classes() -> dict[str, frozenset[str]]:
    """Each confusable character's class: the characters sharing its skeleton."""
    return {
        member: group
        for group in confusable_groups()
        if len(group) > 1
        for member in group
        if len(member) == 1
    }


@lru_cache(maxsize=8192)
def lookalike(ch: str, target: str) -> str | None:
    """The letter of ``target``'s plain alphabet that ``ch`` imitates, if there is one.

    Of several, the one of the same case ("І" is "I", "і" is "i"). A letter with none
    borrows its other case's ("н" looks like a small "Н", so "h").
    """
    alphabet = _ALPHABETS[target]
    for candidate in (ch, ch.upper(), ch.lower()):
        if len(candidate) != 1:
            continue
        similar = [c for c in _skeleton_classes().get(candidate, ()) if c in alphabet]
        if similar:
            same_case = [c for c in similar if c.isupper() == candidate.isupper()]
            return min(same_case or similar)
    return None


def _letters(text: str) -> list[tuple[str, str]]:
    return [(ch, script(ch)) for ch in text if unicodedata.category(ch)[0] == "L"]


def _imitated(letters: list[tuple[str, str]], scripts: set[str]) -> str | None:
    """The script the name is written in: the one most of its letters are in or imitate."""
    best: tuple[int, int, int, str] | None = None
    for target in scripts:
        if target not in _ALPHABETS:
            continue
        own = sum(1 for _, s in letters if s == target)
        reach = own + sum(
            1 for ch, s in letters if s != target and s not in _NEUTRAL and lookalike(ch, target)
        )
        if best is None or (reach, own, _PREFERENCE[target]) > best[:3]:
            best = (reach, own, _PREFERENCE[target], target)
    return best[3] if best else None


def _fold_word(word: str, target: str) -> str:
    """A word with look-alikes of ``target``'s letters written as those letters."""
    letters = _letters(word)
    foreign = [ch for ch, s in letters if s != target and s not in _NEUTRAL]
    if not foreign:
        return word
    mixed = len(foreign) < len(letters)
    if not mixed and not all(lookalike(ch, target) for ch in foreign):
        return word  # a real word of another script, not a disguised one
    out = []
    for ch in word:
        s = script(ch)
        folded = lookalike(ch, target) if s != target and s not in _NEUTRAL else None
        out.append(folded or ch)
    return "".join(out)


def fold_lookalikes(text: str) -> str:
    """Letters imitating those of the script the name is written in, folded to them."""
    letters = _letters(text)
    scripts = {s for _, s in letters} - _NEUTRAL
    if len(scripts) < 2:
        return text
    target = _imitated(letters, scripts)
    if target is None:
        return text
    words: list[str] = []
    word: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in "LM":
            word.append(ch)
            continue
        if word:
            words.append(_fold_word("".join(word), target))
            word = []
        words.append(ch)
    if word:
        words.append(_fold_word("".join(word), target))
    return "".join(words)


_OVERRIDE = re.compile("\u202e([^\u202a-\u202e\u2066-\u2069\n]*)(?:\u202c|$)")


def _displayed(override: re.Match[str]) -> str:
    """Left-to-right text under a right-to-left override, in the order it is displayed.

    Stored backwards ("nitup rimidalv"), it reads the right way round on screen.
    Letters keep their marks; text of a right-to-left script is displayed as stored.
    """
    text = override.group(1)
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text
    clusters: list[str] = []
    for ch in text:
        if clusters and unicodedata.category(ch)[0] == "M":
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return "".join(reversed(clusters))


def as_seen(text: str) -> str:
    """The text as a reader sees it (see the module docstring); ASCII is returned as is."""
    if text.isascii():
        return text
    if "\u202e" in text:
        text = _OVERRIDE.sub(_displayed, text)
    text = unicodedata.normalize("NFKC", "".join(map(_visible, text)))
    text = "".join(map(_unstacked, text))
    if text.isascii():
        return text
    return fold_lookalikes(text)
