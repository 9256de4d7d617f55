"""Names as the matcher sees them: Latin, lower-case tokens with weights and keys.

Normalisation happens once, when a list is indexed, and again for each query, with the
same code, so both sides meet in one form. A name becomes tokens in Latin script
(Cyrillic, Greek, Arabic, CJK and the rest transliterated), with honorifics dropped,
organisation legal forms set aside (they say what kind of body it is, not which one),
and "SURNAME, Given" written given-name first so the token order is comparable.

Each token also gets a weight: particles such as "al", "bin" or "van" and single-letter
initials count for little, so that two names that share only "al" are not similar.
Folding (one spelling for what transliteration schemes write differently: "Mukhammad" /
"Muhammad", "Dzhamal" / "Jamal"), phonetic keys and consonant skeletons let spelling and
transliteration variants meet ("Usama" / "Osama", "mhmd" from Arabic script).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from anyascii import anyascii

from casework.screening.abjad import romanise_abjad
from casework.screening.characters import as_seen
from casework.screening.entity import Entity, NameKind, Schema
from casework.screening.hangul import romanise_hangul
from casework.screening.legal_forms import LEGAL_FORMS as LEGAL_FORMS
from casework.screening.legal_forms import strip_legal_forms as strip_legal_forms
from casework.screening.numbers import digits_for_numbers
from casework.screening.spelling import deletions as deletions
from casework.screening.spelling import fold as fold
from casework.screening.spelling import has_vowel as has_vowel
from casework.screening.spelling import memo as memo
from casework.screening.spelling import phonetic_key as phonetic_key
from casework.screening.spelling import skeleton as skeleton


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PARTICLE_WEIGHT = 0.3
INITIAL_WEIGHT = 0.3
GENERIC_WEIGHT = 0.5

# Connectives and nobiliary or patronymic particles: real parts of a name, but shared
# by so many names that they prove nothing on their own.
PARTICLES = _words(
    "al el ul bin ibn bint ben bn ould ait "
    "de del della der den di da das do dos du la le les van von ter ten zu y e "
    "of the and for und et"
)

# Words many organisation names carry; they matter, but less than the distinctive ones.
GENERIC_ORG_WORDS = _words(
    "group international trading trade holding holdings industries industry enterprise "
    "enterprises services service general import export commercial shipping bank "
    "national global investment investments development company firm"
)

# Titles and forms of address, dropped from person names (vessel prefixes for vessels).
COURTESY_TITLES = _words(
    "mr mrs ms miss mx dr doctor prof professor sir dame hon honorable honourable rev "
    "reverend sheikh shaikh shaykh sheik cheikh haji hajji hadji alhaji mullah mulla "
    "maulana mawlana maulvi mawlawi mufti"
)
# Ranks and offices are also words in organisation names ("General Trading"), so they
# are only dropped where the name is known to be a person's.
HONORIFICS = COURTESY_TITLES | _words(
    "lord lady fr qari gen general col colonel maj major capt captain lt lieutenant sgt "
    "sergeant adm admiral brig brigadier cdr commander president minister judge eng "
    "engineer"
)
VESSEL_PREFIXES = _words("mv mt ms ss my fv sv tb")

_ORG_SCHEMAS = frozenset({Schema.company, Schema.organization, Schema.legal_entity})
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u02be\u02bf\u00b4]")
_DOTTED_INITIALS = re.compile(r"\b(?:[A-Za-z]\.\s?){2,}")
# Single letters strung together by punctuation: "P.u.t.i.n", "P-u-t-i-n", "J.R.R." or "M/V".
_SPACED_OUT = re.compile(r"(?<![0-9A-Za-z])[A-Za-z](?:[^\s0-9A-Za-z]+[A-Za-z](?![0-9A-Za-z]))+")
_NOT_LETTER = re.compile(r"[^A-Za-z]+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _needs_syllable_split(text: str) -> bool:
    """Han, kana and Hangul transliterate to run-together syllables ("XiJinPing")."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def to_latin(text: str) -> str:
    """Latin-script, lower-case ASCII text; letters outside Latin are transliterated.

    Disguises are undone first (``as_seen``: invisible characters, compatibility forms,
    stacked marks, look-alike letters of another script), and single letters strung
    together with punctuation are one word ("P.u.t.i.n", and initials, "J.R.R.").
    """
    text = as_seen(text)
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():
        text = text.replace("ё", "йо").replace("Ё", "Йо")
        # Hangul, Arabic and Hebrew are romanised as names are, not letter by letter.
        text = romanise_abjad(romanise_hangul(text))
        split = _needs_syllable_split(text)
        text = anyascii(text)
        text = _APOSTROPHES.sub("", text)
        if split:
            text = _CAMEL.sub(" ", text)
    text = _SPACED_OUT.sub(lambda m: _NOT_LETTER.sub("", m.group(0)), text)
    text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", text)
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Words of a name in Latin script; hyphens and punctuation separate words."""
    return [tok for tok in _NON_WORD.split(to_latin(text)) if tok]


def given_name_first(value: str) -> str:
    """Rewrite "SURNAME, Given Middle" as "Given Middle SURNAME".

    Only a single comma with words on both sides is taken as that form; more commas
    usually mean a list of aliases or a trailing qualifier and are left alone.
    """
    if value.count(",") != 1:
        return value
    surname, given = (part.strip() for part in value.split(","))
    if not surname or not given:
        return value
    return f"{given} {surname}"


@memo(200_000)
def token_weight(token: str) -> float:
    """How much a token says about identity, before any list statistics."""
    if token in PARTICLES:
        return PARTICLE_WEIGHT
    if len(token) == 1:
        return INITIAL_WEIGHT
    if token in GENERIC_ORG_WORDS:
        return GENERIC_WEIGHT
    return 1.0


_PATRONYMIC_ENDINGS = (
    "ovich",
    "evich",
    "ovna",
    "evna",
    "ichna",
    "ogly",
    "oglu",
    "uly",
    "kyzy",
    "qizi",
)


@memo(200_000)
def is_patronymic(token: str) -> bool:
    """Slavic and Turkic patronymics ("Vladimirovich", "Aliyevna", "Mammad oglu").

    Lists write them and customers' records often leave them out, so a missing
    patronymic costs no more than a missing middle name, wherever it stands.
    """
    return len(token) > 6 and token.endswith(_PATRONYMIC_ENDINGS)


RETRIEVAL_WEIGHT = 0.5  # tokens lighter than this (particles, initials) are not looked up


def retrieval_tokens(tokens: Iterable[str]) -> list[str]:
    """The tokens worth looking up; all of them if none is."""
    tokens = list(tokens)
    strong = [tok for tok in tokens if token_weight(tok) >= RETRIEVAL_WEIGHT]
    return strong or tokens


@dataclass(frozen=True, slots=True)
class NameForm:
    """One name, normalised: tokens in reading order (given names first for people)."""

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...] = ()
    weak: bool = False  # a low-quality alias: matched, but never to a full score
    acronyms: tuple[str, ...] = ()  # an organisation's initials, as it may be called
    script: str | None = None  # the script it was written in, when not Latin ("ARABIC")

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_FOLDED_HONORIFICS = frozenset(fold(t) for t in HONORIFICS)
_FOLDED_COURTESY = frozenset(fold(t) for t in COURTESY_TITLES)


def _is_title(token: str, titles: frozenset[str]) -> bool:
    # Short words are only titles as written: folded, "Mmr" (Muammar in Arabic script)
    # would read as "Mr".
    return token in titles if len(token) < 4 else fold(token) in titles


def normalize_name(
    value: str,
    schema: Schema | None,
    *,
    first_name: str | None = None,
    middle_name: str | None = None,
    last_name: str | None = None,
    weak: bool = False,
) -> NameForm:
    """Normalise one name of an entity or query of the given schema (None: unknown)."""
    is_person = schema in (Schema.person, None)
    if schema == Schema.person and first_name and last_name:
        text = " ".join(p for p in (first_name, middle_name, last_name) if p)
        if len(tokenize(text)) < len(tokenize(value)):
            text = given_name_first(value)
    elif is_person:
        text = given_name_first(value)
    else:
        text = value
    tokens = tokenize(text)
    forms: list[str] = []
    acronyms: tuple[str, ...] = ()
    if schema == Schema.person:
        tokens = digits_for_numbers(tokens, person=True)
    else:
        acronyms = _acronyms(tokens)
        tokens, forms = strip_legal_forms(tokens)
        tokens = digits_for_numbers(tokens, roman_numerals=schema is not None)
    if is_person:
        titles = _FOLDED_HONORIFICS if schema == Schema.person else _FOLDED_COURTESY
        lead = 0
        while lead < len(tokens) - 2 and _is_title(tokens[lead], titles):
            lead += 1
        tokens = tokens[lead:]
    if schema in (Schema.vessel, Schema.aircraft):
        kept = [tok for tok in tokens if tok not in VESSEL_PREFIXES]
        tokens = kept or tokens
    return NameForm(
        original=value,
        tokens=tuple(tokens),
        legal_forms=tuple(forms),
        weak=weak,
        acronyms=acronyms,
        script=None if value.isascii() else written_in(value),
    )


# Words an acronym leaves out, in the languages organisations' names are most often in.
_ACRONYM_SKIPS = _words(
    "of the and in for on at to a an de del della la le les l des du d pour et y e da do "
    "dos das para en el los las por con wa wal fi bi li und fur der die das von"
)
_ARTICLES = _words("al el")
# Only articles and conjunctions, for acronyms that keep their prepositions ("MOIS":
# Ministry of Intelligence and Security).
_ACRONYM_JOINERS = _words("the and a an et y und e wa wal al el l la le les los las d")
_SHORT_FORMS = frozenset(key[0] for key in LEGAL_FORMS if len(key) == 1 and len(key[0]) <= 3)


def _acronyms(tokens: list[str]) -> tuple[str, ...]:
    """What an organisation's initials may spell: every word's ("PDVSA": Petróleos de
    Venezuela S.A.), without the small words ("AQIM": Al-Qaida in the Islamic Maghreb),
    without the article too ("JNIM": Jama'at Nusrat al-Islam wal-Muslimin), and each of
    those without the legal form ("IRGC", "HSBC")."""
    if len(tokens) < 2:
        return ()
    words = [t for t in tokens if not t.isdigit()]
    named = [t for t in words if t not in _ACRONYM_SKIPS]
    bare = [t for t in named if t not in _ARTICLES]
    joined = [t for t in words if t not in _ACRONYM_JOINERS]
    choices = [words, named, bare, joined]
    choices += [strip_legal_forms(choice)[0] for choice in (named, bare, joined)]
    found = {"".join(t[0] for t in choice) for choice in choices}
    # A short legal form keeps all its letters ("S.A." in "PDVSA").
    found.add("".join(t if t in _SHORT_FORMS else t[0] for t in words))
    return tuple(sorted(a for a in found if 3 <= len(a) <= 10))


def written_in(value: str) -> str | None:
    """The script most of a name's letters are written in, by Unicode name ("CJK" for
    Han, "HANGUL", "ARABIC", "CYRILLIC", ...), None for Latin."""
    counts: dict[str, int] = {}
    for ch in value:
        if ch.isalpha():
            script = unicodedata.name(ch, "?").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    best = max(counts, key=lambda k: counts[k], default=None)
    return None if best in (None, "LATIN") else best


# Arabic name elements and articles that are written both joined to the next word and
# apart from it ("Abdulrahman" / "Abdul Rahman", "Alqahtani" / "Al-Qahtani").
COMPOUND_PREFIXES = (
    *("abdul", "abdel", "abdal", "abdoul", "abdur", "abd", "abu", "abou"),
    *("al", "el", "bin", "ben", "ibn", "ould"),
)


def compound_variants(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Other ways of cutting the same name: known prefixes joined to or split from a word.

    The index looks words up one by one, so "Abdulrahman" would not find "Abdul Rahman";
    searching these variants as well lets either spelling find the other.
    """
    variants: list[tuple[str, ...]] = []
    for i in range(len(tokens) - 1):
        if tokens[i] in COMPOUND_PREFIXES:
            variants.append((*tokens[:i], tokens[i] + tokens[i + 1], *tokens[i + 2 :]))
    for i, tok in enumerate(tokens):
        for prefix in COMPOUND_PREFIXES:
            if tok.startswith(prefix) and len(tok) - len(prefix) >= 3:
                variants.append((*tokens[:i], prefix, tok[len(prefix) :], *tokens[i + 1 :]))
                break
    return variants


def entity_names(entity: Entity) -> list[NameForm]:
    """The entity's names, normalised for its schema, without empty or repeated ones."""
    forms: dict[tuple[str, ...], NameForm] = {}
    for name in entity.names:
        form = normalize_name(
            name.value,
            entity.schema,
            first_name=name.first_name,
            middle_name=name.middle_name,
            last_name=name.last_name,
            weak=name.kind == NameKind.weak,
        )
        if form.tokens and (form.tokens not in forms or forms[form.tokens].weak):
            forms[form.tokens] = form
    return list(forms.values())


_IDENTIFIER_NOISE = re.compile(r"[^0-9A-Z]+")


_IDENTIFIER_PREFIX = re.compile(r"^(?:IMO|MMSI|NO|NR|NUM)(?=\d)")


def normalize_identifier(value: str) -> str | None:
    """Upper-case letters and digits only; too short to identify anything is None.

    A scheme name written before the number ("IMO 9123456") is dropped, since lists and
    customers disagree on whether to write it.
    """
    cleaned = _IDENTIFIER_NOISE.sub("", to_latin(value).upper())
    cleaned = _IDENTIFIER_PREFIX.sub("", cleaned)
    if len(cleaned) < 5 or not any(ch.isdigit() for ch in cleaned):
        return None
    return cleaned


def normalize_gender(value: str | None) -> str | None:
    if not value:
        return None
    lowered = value.strip().lower()
    if lowered in ("m", "male", "man", "masculine"):
        return "male"
    if lowered in ("f", "female", "woman", "feminine"):
        return "female"
    return None
