"""Korean names written in Hangul, romanised the way names are, a syllable at a time.

Letter-by-letter transliteration writes a syllable's final consonant as it is spelled
("박" as "bag", "석" as "seog") and runs one-letter syllables into the next ("오극렬" as
"ogeug"). Names are romanised by sound, syllable by syllable: "Bak", "Seok", "O Geuk
Ryeol". This follows the Revised Romanization, which the matcher then relates to
McCune-Reischauer (see ``casework.screening.romanisation``). Each syllable block is
decomposed arithmetically (Unicode's Hangul syllable layout), so no table of syllables
is needed.
"""

from __future__ import annotations

FIRST = 0xAC00
LAST = 0xD7A3
_INITIALS = "g kk n d tt r m b pp s ss _ j jj ch k t p h".split()
_MEDIALS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINALS = ["", *"k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()]


def is_hangul(ch: str) -> bool:
    return FIRST <= ord(ch) <= LAST


def _syllable(ch: str) -> str:
    index = ord(ch) - FIRST
    initial, rest = divmod(index, 21 * 28)
    medial, final = divmod(rest, 28)
    lead = _INITIALS[initial].replace("_", "")
    # A name's first "ㄹ" reads as "r" in North Korean names ("Ri") and is dropped or
    # read "n" in the South ("I", "Yi"); "r" is kept and the matcher relates the rest.
    return lead + _MEDIALS[medial] + _FINALS[final]


def romanise_hangul(text: str) -> str:
    """The text with every Hangul syllable romanised and written as a word of its own."""
    out: list[str] = []
    for ch in text:
        if is_hangul(ch):
            out.append(f" {_syllable(ch)} ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())
