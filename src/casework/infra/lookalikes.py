# ruff: noqa: RUF002
# (look-alike letters of other scripts are this module's subject, also in its docstrings)
"""Identifiers that read the same to a person: normalised emails and their skeletons.

An email is kept in one form: NFKC (full-width "ａ" is "a", "ﬁ" is "fi") and case-folded.
Two emails that still differ may look the same ("аdmin" with a Cyrillic "а", "paypa1"):
they are confusable when their skeletons are equal, as in Unicode's UTS #39 (section 4):
every character is replaced by the representative of the characters it can be mistaken
for, using the confusables data that confusable-homoglyphs ships.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from confusable_homoglyphs import confusables

# The data wraps right-to-left characters in left-to-right marks, for display only.
_DISPLAY_MARKS = "\u200e\u200f"


def normalise_email(value: str) -> str:
    """The one form an email is stored and looked up in (NFKC, case-folded)."""
    folded = unicodedata.normalize("NFKC", value.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


@cache
def confusable_groups(strip: str = "") -> tuple[frozenset[str], ...]:
    """The groups of characters and sequences a reader can mistake for one another.

    The data lists every mapping both ways, so a group is a connected part of it.
    ``strip`` names characters removed from every entry before it is grouped.
    """
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    data: dict[str, list[dict[str, str]]] = confusables.confusables_data
    for source, targets in data.items():
        for target in targets:
            a = root(source.strip(strip))
            b = root(target["c"].strip(strip))
            if a and b and a != b:
                parent[a] = b
    groups: dict[str, set[str]] = {}
    for member in parent:
        groups.setdefault(root(member), set()).add(member)
    return tuple(frozenset(group) for group in groups.values())


@cache
def _representatives() -> dict[str, str]:
    """Each confusable character's stand-in: the same for all characters of a group. A
    group that holds a sequence ("rn" for "m", "cl" for "d") stands for that sequence,
    so that the sequence typed out letter by letter has the same skeleton.
    """
    single: dict[str, str] = {}
    sequences: dict[str, str] = {}
    for group in confusable_groups(_DISPLAY_MARKS):
        chars = sorted(m for m in group if len(m) == 1)
        # Plain letters and digits first, so that the skeleton of plain text stays legible.
        chars.sort(key=lambda c: not c.isascii())
        longer = sorted((m for m in group if len(m) > 1), key=lambda m: (not m.isascii(), m))
        for ch in chars:
            single[ch] = chars[0]
            if longer:
                sequences[ch] = longer[0]
    return {ch: "".join(single.get(c, c) for c in sequences.get(ch, ch)) for ch in single}


def skeleton(text: str) -> str:
    """What ``text`` looks like: equal skeletons mean a reader could mistake one for the
    other."""
    representatives = _representatives()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(representatives.get(ch, ch) for ch in decomposed)
    return unicodedata.normalize("NFD", mapped)
