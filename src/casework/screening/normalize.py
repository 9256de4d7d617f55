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
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TypeVar

import jellyfish
from anyascii import anyascii
from rapidfuzz.distance import OSA

from casework.screening.entity import Entity, NameKind, Schema

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

# Organisation legal forms in normalised token spelling, each mapped to a short code.
# Multi-word forms are matched as whole token sequences.
_LEGAL_FORM_TEXT = """
llc=llc; l l c=llc; limited liability company=llc; ltd liability co=llc; fz llc=llc
fzllc=llc; ltd=ltd; limited=ltd; co ltd=ltd; company limited=ltd; private limited=ltd
pvt ltd=ltd; pte ltd=ltd; pty ltd=ltd; pvt=ltd; pte=ltd; pty=ltd; plc=plc
public limited company=plc; inc=inc; incorporated=inc; corp=corp; corporation=corp
corporacion=corp; corporacao=corp
co=co; company=co; cia=co; compania=co; companhia=co; compagnie=co; llp=llp; lllp=llp
limited liability partnership=llp; lp=lp
limited partnership=lp; jsc=jsc; joint stock company=jsc; ojsc=jsc; cjsc=jsc; pjsc=jsc
open joint stock company=jsc; closed joint stock company=jsc
public joint stock company=jsc; ooo=ooo; oao=jsc; zao=jsc; pao=jsc; ao=jsc; tov=ooo
obshchestvo s ogranichennoy otvetstvennostyu=ooo; aktsionernoe obshchestvo=jsc
aktsionernoye obshchestvo=jsc; zakrytoe aktsionernoe obshchestvo=jsc
otkrytoe aktsionernoe obshchestvo=jsc; gmbh=gmbh; mbh=gmbh; gmbh co kg=kg; ag=ag; kg=kg
ohg=ohg; kgaa=kgaa; ug=ug; ev=ev; e v=ev; sa=sa; s a=sa; societe anonyme=sa
sociedad anonima=sa; sociedade anonima=sa; sarl=sarl; s a r l=sarl; sas=sas; sasu=sas
eurl=sarl; snc=snc; sl=sl; s l=sl; srl=srl; s r l=srl; sro=srl; s r o=srl
sociedad limitada=sl; ltda=ltda; limitada=ltda; sa de cv=sa; s de rl=srl
s de rl de cv=srl; spa=spa; s p a=spa; sapa=spa; sac=sa; saa=sa; eireli=ltda; bv=bv
b v=bv; nv=nv; n v=nv; bvba=bv; sprl=srl; vof=vof; ab=ab; as=as; a s=as; asa=as; oy=oy
oyj=oy
aps=aps; hf=hf; ehf=hf; sp z o o=spzoo; spzoo=spzoo; doo=doo; d o o=doo; dooel=doo
dd=dd; ad=ad; ead=ad; eood=ood; ood=ood; kft=kft; zrt=zrt; nyrt=zrt; bt=bt
sdn bhd=bhd; bhd=bhd; sendirian berhad=bhd; berhad=bhd; tbk=tbk; fze=fze; fzco=fze
fzc=fze; wll=wll; w l l=wll; spc=spc; saog=sa; saoc=sa; psc=jsc; qsc=jsc; ksc=jsc
kscc=jsc; bsc=jsc; pjs=jsc; sti=ltd; ltd sti=ltd; limited sirketi=ltd; anonim sirketi=as
eu=eu; kabushiki kaisha=kk; kk=kk; yugen kaisha=yk; youxian gongsi=ltd; gongsi=co
youxian zeren gongsi=ltd; sherkat=co; sherkate=co; est=est; establishment=est
"""
LEGAL_FORMS: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): code.strip()
    for item in _LEGAL_FORM_TEXT.replace("\n", ";").split(";")
    if item.strip()
    for phrase, code in [item.split("=")]
}
_LONGEST_FORM = max(len(key) for key in LEGAL_FORMS)
# Two-letter forms are also ordinary syllables of names ("Ab", "As", "Sa"); they are
# only taken as legal forms at the ends of an organisation's name.
_AMBIGUOUS_FORMS = frozenset(key for key in LEGAL_FORMS if len(key) == 1 and len(key[0]) <= 2)

_ORG_SCHEMAS = frozenset({Schema.company, Schema.organization, Schema.legal_entity})
_VOWELS = frozenset("aeiouy")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u02be\u02bf\u00b4]")
_DOTTED_INITIALS = re.compile(r"\b(?:[A-Za-z]\.\s?){2,}")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DOUBLED = re.compile(r"(.)\1+")


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
    return _DOUBLED.sub(r"\1", token)


def _needs_syllable_split(text: str) -> bool:
    """Han, kana and Hangul transliterate to run-together syllables ("XiJinPing")."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def to_latin(text: str) -> str:
    """Latin-script, lower-case ASCII text; letters outside Latin are transliterated."""
    text = unicodedata.normalize("NFKC", text)
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():
        text = text.replace("ё", "йо").replace("Ё", "Йо")
        split = _needs_syllable_split(text)
        text = anyascii(text)
        text = _APOSTROPHES.sub("", text)
        if split:
            text = _CAMEL.sub(" ", text)
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


def strip_legal_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split an organisation's tokens into its name and the legal forms it carries.

    Forms are taken from both ends repeatedly ("OOO Alfa", "Alfa Co., Ltd."); longer,
    unambiguous forms are taken anywhere. A name made only of legal forms is kept whole.
    Form words of five letters or more are recognised with one typo ("Limitde",
    "Coproration"); the words that stay are returned as written.
    """
    forms: list[str] = []
    kept = list(tokens)
    rest = [_form_word(tok) for tok in tokens]

    def take(start: int, end: int) -> None:
        forms.append(LEGAL_FORMS[tuple(rest[start:end])])
        del rest[start:end], kept[start:end]

    changed = True
    while changed and rest:
        changed = False
        for size in range(min(_LONGEST_FORM, len(rest) - 1), 0, -1):
            if tuple(rest[-size:]) in LEGAL_FORMS:
                take(len(rest) - size, len(rest))
            elif tuple(rest[:size]) in LEGAL_FORMS:
                take(0, size)
            else:
                continue
            changed = True
            break
    i = 0
    while i < len(rest) and len(rest) > 1:
        for size in range(min(_LONGEST_FORM, len(rest) - 1), 0, -1):
            seq = tuple(rest[i : i + size])
            if seq in LEGAL_FORMS and seq not in _AMBIGUOUS_FORMS and (size > 1 or len(seq[0]) > 3):
                take(i, i + size)
                break
        else:
            i += 1
    return kept, forms


_FORM_WORDS = frozenset(word for key in LEGAL_FORMS for word in key if len(word) >= 5)
_FOLDED_FORM_WORDS = {fold(word): word for word in sorted(_FORM_WORDS)}


@memo(100_000)
def _form_word(token: str) -> str:
    """The legal-form word a token is one typo or a transliteration away from, else itself."""
    if len(token) < 4 or token in _FORM_WORDS:
        return token
    folded = fold(token)
    if folded in _FOLDED_FORM_WORDS:
        return _FOLDED_FORM_WORDS[folded]
    for key, word in sorted(_FOLDED_FORM_WORDS.items()):
        for mine, theirs in ((folded, key), (token, word)):
            if (
                abs(len(mine) - len(theirs)) <= 1
                and OSA.distance(mine, theirs, score_cutoff=1) <= 1
            ):
                return word
    return token


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
    return _DOUBLED.sub(r"\1", "".join(ch for ch in token if ch not in _VOWELS))


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


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def has_vowel(token: str) -> bool:
    return any(ch in _VOWELS for ch in token)


@dataclass(frozen=True, slots=True)
class NameForm:
    """One name, normalised: tokens in reading order (given names first for people)."""

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...] = ()
    weak: bool = False  # a low-quality alias: matched, but never to a full score

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_FOLDED_HONORIFICS = frozenset(fold(t) for t in HONORIFICS)
_FOLDED_COURTESY = frozenset(fold(t) for t in COURTESY_TITLES)


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
    if schema != Schema.person:
        tokens, forms = strip_legal_forms(tokens)
    if is_person:
        titles = _FOLDED_HONORIFICS if schema == Schema.person else _FOLDED_COURTESY
        lead = 0
        while lead < len(tokens) - 2 and fold(tokens[lead]) in titles:
            lead += 1
        tokens = tokens[lead:]
    if schema in (Schema.vessel, Schema.aircraft):
        kept = [tok for tok in tokens if tok not in VESSEL_PREFIXES]
        tokens = kept or tokens
    return NameForm(original=value, tokens=tuple(tokens), legal_forms=tuple(forms), weak=weak)


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
