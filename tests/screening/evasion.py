# ruff: noqa: RUF001, RUF002
# (look-alike letters of other scripts are what these variants are made of)
"""Listed names disguised the way someone avoiding a screening would, one technique each.

Each technique takes a real listed name and writes it so that a reader still sees that
name (or the same letters, spaced or run together), changing only what a naive matcher
compares: look-alike letters of other scripts (Cyrillic, Greek, Armenian, Cherokee,
Lisu, Latin rarities), a word wholly in look-alikes, full-width and other compatibility
forms, invisible characters (zero-width spaces and joiners, soft hyphens, bidirectional
controls, variation selectors, tags, fillers), stacked combining marks, odd spaces,
words run together or broken up, letters strung together with punctuation and doubled
letters. "two techniques" applies two different ones to the same name.

The look-alike tables are typed here from the Unicode code charts, independently of the
data the engine folds them with. Everything is seeded, so a run is reproducible; the
evasion tests and ``bench/screening_evasion.py`` use the same variants.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from casework.screening.entity import Entity, NameKind, Schema


def _table(text: str) -> dict[str, list[str]]:
    """A Latin letter, then the letters imitating it, for each word: "aа" is a: [а]."""
    return {item[0]: list(item[1:]) for item in text.split()}


CYRILLIC = _table("aа cс eе oо pр xх yу iі sѕ jј hһ AА BВ CС EЕ HН IІ JЈ KК MМ OО PР SЅ TТ XХ YУ")
GREEK = _table("AΑ BΒ EΕ HΗ IΙ KΚ MΜ NΝ OΟ PΡ TΤ XΧ YΥ ZΖ oο vν uυ iι")
OTHER_SCRIPTS = _table(
    "OՕꓳ SՏꓢᏚ UՍꓴ oօ hհ nո uս gց AᎪꓮ BᏴꓐ CᏟꓚ DᎠꓓ EᎬꓰ GᏀꓖ HᎻꓧ JᎫꓙ KᏦꓗ LᏞꓡ "
    "MᎷꓟ Nꓠ PᏢꓑ RᎡꓣ TᎢꓔ VᏙꓦ WᏔꓪ Xꓫ Yꓬ ZᏃꓜ iı aɑ"
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u2063"
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"
OTHER_INVISIBLE = "\ufe0f\ufe00\u034f\u115f\U000e0020\U000e0041\U000e007f"
ODD_SPACES = "\u00a0\u2002\u2003\u2005\u2007\u2009\u200a\u202f\u205f\u3000\u1680\t"
STUFFING = ".-_*"


@dataclass(frozen=True)
class Source:
    """A listed name to disguise, and the entity it belongs to."""

    dataset: str
    key: str
    schema: Schema
    name: str


@dataclass(frozen=True)
class Variant:
    source: Source
    technique: str
    text: str


Technique = Callable[[str, random.Random], str | None]


def _letter_positions(text: str, table: dict[str, list[str]] | None = None) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isalpha() and (table is None or ch in table)]


def _replace_letters(text: str, rng: random.Random, table: dict[str, list[str]]) -> str | None:
    """One to three letters, never all of a word, swapped for look-alikes."""
    places = _letter_positions(text, table)
    if not places:
        return None
    chars = list(text)
    for i in rng.sample(places, min(len(places), rng.randint(1, 3))):
        chars[i] = rng.choice(table[chars[i]])
    return "".join(chars)


def _words(text: str) -> list[str]:
    return text.split(" ")


def _inside_words(text: str, rng: random.Random, pool: str, count: int) -> str | None:
    """``count`` characters from ``pool`` put between two letters of a word."""
    places = [i for i in range(1, len(text)) if text[i - 1].isalpha() and text[i].isalpha()]
    if not places:
        return None
    chars = list(text)
    for i in sorted(rng.sample(places, min(len(places), count)), reverse=True):
        chars.insert(i, rng.choice(pool))
    return "".join(chars)


def cyrillic(text: str, rng: random.Random) -> str | None:
    return _replace_letters(text, rng, CYRILLIC)


def greek(text: str, rng: random.Random) -> str | None:
    return _replace_letters(text, rng, GREEK)


def other_scripts(text: str, rng: random.Random) -> str | None:
    return _replace_letters(text, rng, OTHER_SCRIPTS)


def mixed_script(text: str, rng: random.Random) -> str | None:
    """One word written in capitals of another script as far as look-alikes go."""
    words = _words(text)
    table = rng.choice([CYRILLIC, GREEK])
    scored = [
        (sum(ch.upper() in table for ch in w) / len(w), i)
        for i, w in enumerate(words)
        if len(w) >= 3 and w.isalpha()
    ]
    if not scored:
        return None
    share, pick = max(scored)
    if share < 0.5:
        return None
    words[pick] = "".join(
        table[ch.upper()][0] if ch.upper() in table else ch.upper() for ch in words[pick]
    )
    return " ".join(words)


def full_width(text: str, rng: random.Random) -> str | None:
    """The whole name, or one word of it, in full-width forms."""
    words = _words(text)
    chosen = range(len(words)) if rng.random() < 0.5 else [rng.randrange(len(words))]
    for i in chosen:
        words[i] = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in words[i])
    return " ".join(words)


_MATH_STARTS = (0x1D400, 0x1D434, 0x1D468, 0x1D5A0, 0x1D5D4, 0x1D670)  # bold, italic, ...


def compatibility(text: str, rng: random.Random) -> str | None:
    """Mathematical alphanumerics, circled letters or ligatures for some letters."""
    style = rng.choice(["math", "circled", "ligature"])
    if style == "ligature" and re.search("fi|fl|ff", text):
        return text.replace("ff", "\ufb00").replace("fi", "\ufb01").replace("fl", "\ufb02")
    start = rng.choice(_MATH_STARTS)

    def styled(ch: str) -> str:
        if not ch.isascii() or not ch.isalpha():
            return ch
        offset = ord(ch.upper()) - 65 + (26 if ch.islower() else 0)
        if style == "circled":
            return chr(0x24B6 + ord(ch.upper()) - 65 + (26 if ch.islower() else 0))
        code = start + offset
        # Italic small h is the one gap in that alphabet (it is U+210E)
        return "\u210e" if code == 0x1D455 else chr(code)

    words = _words(text)
    i = rng.randrange(len(words))
    words[i] = "".join(map(styled, words[i]))
    return " ".join(words)


def zero_width(text: str, rng: random.Random) -> str | None:
    """Zero-width characters inside words, or one standing in for a space."""
    if " " in text and rng.random() < 0.3:
        spaces = [i for i, ch in enumerate(text) if ch == " "]
        i = rng.choice(spaces)
        return text[:i] + rng.choice(ZERO_WIDTH) + text[i + 1 :]
    return _inside_words(text, rng, ZERO_WIDTH, rng.randint(1, 3))


def soft_hyphens(text: str, rng: random.Random) -> str | None:
    return _inside_words(text, rng, "\u00ad", rng.randint(1, 3))


def bidi_controls(text: str, rng: random.Random) -> str | None:
    """Direction marks and embeddings inside words, or the name stored backwards under a
    right-to-left override, which displays it the right way round."""
    if rng.random() < 0.2:
        return "\u202e" + text[::-1] + "\u202c"
    return _inside_words(text, rng, BIDI, rng.randint(1, 3))


def other_invisible(text: str, rng: random.Random) -> str | None:
    """Variation selectors, tag characters, the grapheme joiner and a Hangul filler."""
    return _inside_words(text, rng, OTHER_INVISIBLE, rng.randint(1, 3))


def combining_marks(text: str, rng: random.Random) -> str | None:
    """Stacks of one to four combining diacritics on two to four letters."""
    places = _letter_positions(text)
    if not places:
        return None
    chars = list(text)
    for i in rng.sample(places, min(len(places), rng.randint(2, 4))):
        chars[i] += "".join(chr(rng.randint(0x0300, 0x036F)) for _ in range(rng.randint(1, 4)))
    return "".join(chars)


def odd_spaces(text: str, rng: random.Random) -> str | None:
    if " " not in text:
        return None
    return "".join(rng.choice(ODD_SPACES) if ch == " " else ch for ch in text)


def joined(text: str, rng: random.Random) -> str | None:
    """Words run together: "VladimirPutin", "VLADIMIRPUTIN", "vladimirputin"."""
    words = [w for w in re.split(r"[\s-]+", text) if w]
    if len(words) < 2:
        return None
    if len(words) > 4:
        i = rng.randrange(len(words) - 1)
        return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
    style = rng.choice(["camel", "upper", "lower"])
    if style == "camel":
        return "".join(w[:1].upper() + w[1:].lower() for w in words)
    return "".join(words).upper() if style == "upper" else "".join(words).lower()


def split_words(text: str, rng: random.Random) -> str | None:
    """One or two words broken into pieces of two letters or more: "Ser Gei Sho Igu"."""
    words = _words(text)
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    for i in rng.sample(long, min(len(long), rng.randint(1, 2))):
        cut = rng.randint(2, len(words[i]) - 2)
        words[i] = words[i][:cut] + " " + words[i][cut:]
    return " ".join(words)


def punctuation(text: str, rng: random.Random) -> str | None:
    """Letters strung together with punctuation ("P.u.t.i.n", "P-u-t-i-n"), or a dot or
    an underscore inside a word ("Pu.tin")."""
    words = _words(text)
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return None
    mark = rng.choice(STUFFING)
    if rng.random() < 0.3:
        i = rng.choice(long)
        cut = rng.randint(2, len(words[i]) - 2)
        words[i] = words[i][:cut] + rng.choice("._") + words[i][cut:]
        return " ".join(words)
    chosen = long if rng.random() < 0.5 else [rng.choice(long)]
    for i in chosen:
        words[i] = mark.join(words[i])
    return " ".join(words)


def doubled_letters(text: str, rng: random.Random) -> str | None:
    places = _letter_positions(text)
    if not places:
        return None
    chars = list(text)
    for i in rng.sample(places, min(len(places), rng.randint(1, 3))):
        chars[i] *= rng.choice((2, 2, 3))
    return "".join(chars)


# Structural techniques change where words begin and end; they go first when two are
# combined, so that the character-level ones disguise the result.
STRUCTURAL: dict[str, Technique] = {
    "joined words": joined,
    "split words": split_words,
    "punctuation stuffing": punctuation,
    "doubled letters": doubled_letters,
}
CHARACTERS: dict[str, Technique] = {
    "Cyrillic look-alikes": cyrillic,
    "Greek look-alikes": greek,
    "other-script look-alikes": other_scripts,
    "mixed script": mixed_script,
    "full-width": full_width,
    "compatibility forms": compatibility,
    "zero-width characters": zero_width,
    "soft hyphens": soft_hyphens,
    "bidi controls": bidi_controls,
    "other invisibles": other_invisible,
    "combining marks": combining_marks,
    "odd spaces": odd_spaces,
}
TECHNIQUES: dict[str, Technique] = {**CHARACTERS, **STRUCTURAL}
TWO = "two techniques"


def two_techniques(text: str, rng: random.Random) -> str | None:
    first = rng.choice(sorted(STRUCTURAL))
    second = rng.choice(sorted(name for name in CHARACTERS if name != "odd spaces"))
    if rng.random() < 0.3:  # sometimes two character-level ones
        first = rng.choice(sorted(set(CHARACTERS) - {second}))
    step = TECHNIQUES[first](text, rng)
    return None if step is None else TECHNIQUES[second](step, rng)


def as_written(entity: Entity, value: str) -> str:
    """A listed person's name as a customer writes it, given names first."""
    if entity.schema is Schema.person and value.count(",") == 1:
        surname, given = (part.strip() for part in value.split(","))
        if surname and given:
            return f"{given} {surname}"
    return value


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")


def sources(entries: Iterable[tuple[str, Entity]]) -> list[Source]:
    """Primary names of people and organisations of two to five plain words."""
    found = []
    for dataset, entity in entries:
        if entity.schema not in (Schema.person, Schema.company, Schema.organization):
            continue
        primary = next((n for n in entity.names if n.kind is NameKind.primary), None)
        if primary is None:
            continue
        text = re.sub(r"\s+", " ", as_written(entity, primary.value)).strip()
        words = text.split(" ")
        if _PLAIN.match(text) and 2 <= len(words) <= 5 and max(map(len, words)) >= 4:
            found.append(Source(dataset, entity.key, entity.schema, text))
    return found


def variants(names: list[Source], per_technique: int, seed: int) -> list[Variant]:
    """``per_technique`` variants for each technique, and twice as many with two."""
    rng = random.Random(seed)
    made: list[Variant] = []
    plan = [*TECHNIQUES.items(), (TWO, two_techniques)]
    for name, technique in plan:
        wanted = per_technique * (2 if name == TWO else 1)
        tries, got = 0, 0
        while got < wanted and tries < wanted * 20:
            tries += 1
            source = rng.choice(names)
            text = technique(source.name, rng)
            if text is None or text == source.name or len(text) > 300:
                continue
            made.append(Variant(source, name, text))
            got += 1
    return made
