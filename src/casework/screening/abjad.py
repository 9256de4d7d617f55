# ruff: noqa: RUF001
# (letters of other scripts that look like Latin ones are this table's subject)
"""Arabic, Persian and Hebrew names romanised the way names are written in Latin letters.

These scripts write consonants and long vowels and leave short vowels out, so a name
comes out of letter-by-letter transliteration as "bshr lsd" for "Bashar al-Assad": the
article run into its noun, the long "ā" dropped. Here the article is a word of its own
("al"), long vowels and the common name particles ("bin", "abu", "abd") are written as
Latin spellings write them, and the vowel marks a text may carry are kept. The matcher
then compares such words by their consonants (``similarity.abjad_key``).
"""

from __future__ import annotations

import re

_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j",
    "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s",
    "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l",
    "م": "m", "ن": "n", "ه": "h", "ة": "a", "ى": "a", "ء": "", "ؤ": "u", "ئ": "i", "پ": "p",
    "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k", "\u064e": "a", "\u0650": "i", "\u064f": "u",
    "\u064b": "", "\u064c": "", "\u064d": "", "\u0652": "", "\u0640": "",
}  # fmt: skip
_GLIDES = {"و": ("w", "u"), "ي": ("y", "i"), "ی": ("y", "i")}  # (first letter, elsewhere)
_SHADDA = "\u0651"
_ARABIC_WORDS = {
    "بن": "bin", "ابن": "ibn", "بنت": "bint", "ابو": "abu", "أبو": "abu", "ابي": "abi",
    "أبي": "abi", "عبد": "abd", "الله": "allah", "ال": "al",
}  # fmt: skip
_HEBREW = {
    "א": "", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ו": "o", "ז": "z", "ח": "h", "ט": "t",
    "י": "y", "כ": "k", "ך": "k", "ל": "l", "מ": "m", "ם": "m", "נ": "n", "ן": "n", "ס": "s",
    "ע": "", "פ": "p", "ף": "f", "צ": "ts", "ץ": "ts", "ק": "k", "ר": "r", "ש": "sh", "ת": "t",
}  # fmt: skip
_LETTERS = "\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
# A word with at least one Arabic or Hebrew letter, and any Latin letters in it (a typo, or
# a disguise), which are kept as they are.
_WORD = re.compile(f"[A-Za-z{_LETTERS}]*[{_LETTERS}][A-Za-z{_LETTERS}]*")


def _arabic_word(word: str) -> str:
    if word in _ARABIC_WORDS:
        return _ARABIC_WORDS[word]
    prefix = ""
    if word.startswith("ال") and len(word) > 3:
        prefix, word = "al ", word[2:]
    out: list[str] = []
    for i, ch in enumerate(word):
        if ch == _SHADDA:
            if out:
                out.append(out[-1][-1:])
        elif ch in _GLIDES:
            out.append(_GLIDES[ch][0 if i == 0 else 1])
        else:
            out.append(_ARABIC.get(ch, ch))
    return prefix + "".join(out)


def _hebrew_word(word: str) -> str:
    return "".join(
        _HEBREW.get(ch, "") if "\u05d0" <= ch <= "\u05ea" else ch if ch.isascii() else ""
        for ch in word
    )


def _word(found: re.Match[str]) -> str:
    word = found.group(0)
    if any("\u05d0" <= ch <= "\u05ea" for ch in word):
        return f" {_hebrew_word(word)} "
    return f" {_arabic_word(word)} "


def romanise_abjad(text: str) -> str:
    """The text with every Arabic, Persian or Hebrew word romanised."""
    if not _WORD.search(text):
        return text
    return " ".join(_WORD.sub(_word, text).split())
