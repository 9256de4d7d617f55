"""Two names aligned word by word, scored, and told apart when they name two parties.

Alignment pairs words one-to-one, best pairs first. A word may also stand for two or
three words written apart ("Abdulrahman" / "Abdul Rahman", "KimJongUn" / "Kim Jong
Un", "SergeiShoigu" / "Sergei Kuzhugetovich Shoigu"), and a short word for the initials
of a run of words ("GW" / "George Walker"). A one-word name may be the acronym of the
other ("IRGC" / "Islamic Revolutionary Guard Corps"). The name score is the aligned
weight over the aligned weight plus what is missing or different:

    score = matched / (matched + unmatched + fuzz)

so an exact name scores 1 and two names that share one word of two 0.5 or less. What
is missing costs by position: a middle name or a patronymic a quarter of a word, a first
or last name 0.6 of a word once two words align ("Heriberto Lazcano" for "LAZCANO
LAZCANO, Heriberto"), a whole word otherwise. When both names have a word the other
lacks, those words are not missing but different, and cost in full ("Ayman Sabawi
Ibrahim" / "Bashar Sabawi Ibrahim"). A single shared word between multi-word names is
capped below any sensible threshold: one common word never makes a match.

Some names are alike and still name two parties; each such rule caps the score below
the threshold and says why: different legal forms ("Siemens AG" / "Siemens GmbH"),
different numbers ("Fund III" / "Fund IV"), given name and surname swapped where both
are given names ("Thomas Peter" / "Peter Thomas"), only initials in common, different
characters in names written in Han or Hangul (two names that romanise alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from rapidfuzz.fuzz import ratio

from casework.screening.given_names import is_given_name, same_given_name
from casework.screening.legal_forms import forms_agree
from casework.screening.normalize import NameForm, is_patronymic, memo, token_weight
from casework.screening.romanisation import ALL_FAMILIES, Family, families, same_romanised
from casework.screening.similarity import (
    ABJAD_SHORT_SIM,
    ABJAD_SIM,
    FOLDED_SIM,
    NICKNAME_SIM,
    PHONETIC_SIM,
    SKELETON_SIM,
    abjad_sim,
    place_words,
    token_sim,
)
from casework.screening.spelling import DOUBLED, fold, phonetic_key

INITIALS_SIM = 0.8  # a run of words against their initials ("GW" / "George Walker")
ACRONYM_SCORE = 0.85  # a one-word name that is the other's acronym
MERGE_MIN_SIM = 0.8
MAX_SPAN_EDITS = 3  # words written together this many letters longer or shorter never meet
MIDDLE_PERSON = 0.25  # cost of a missing middle name, relative to a first or last name
MIDDLE_ORG = 0.6
END_ANCHORED = 0.6  # a missing first or last name when two or more names align
SINGLE_TOKEN_CAP = 0.55
STRONG_WEIGHT = 0.5  # a token at least this weighty counts towards the single-token cap
WEAK_ALIAS_CAP = 0.8
GLUE_FROM = 7  # words this long may be several words of the other name written together
INITIALS_UP_TO = 5  # words this short may be the initials of a run of words
LOOSE_FROM = 4  # words this long may be one word misspelt beyond the edit limits
LOOSE_RATIO = 70  # ... when this share of their letters agree (rapidfuzz ratio)
LOOSE_SIM = 0.5
DIFFERENT_FORM_FACTOR = 0.7  # "Siemens AG" / "Siemens GmbH"
DIFFERENT_NUMBER_CAP = 0.6  # "Fund III" / "Fund IV", "Acme Holdings II" / "Acme Holdings"
SWAPPED_GIVEN_CAP = 0.6  # "Thomas Peter" / "Peter Thomas"
INITIALS_ONLY_CAP = 0.5  # a person known only by initials
DIFFERENT_CHARACTERS_CAP = 0.6  # "王毅" / "王义": one romanisation, two names
ABJAD_SCRIPTS = frozenset({"ARABIC", "HEBREW"})
IDEOGRAPHIC = frozenset({"CJK", "HANGUL"})  # scripts whose characters tell names apart
_DIGITS = re.compile(r"\d+")


def how(sim: float, query: str, candidate: str) -> str:
    """In a word or two, why two aligned words were taken as one."""
    if sim >= 1.0:
        return "exact"
    if len(query) == 1 or len(candidate) == 1:
        return "initial"
    if sim == FOLDED_SIM and fold(query) == fold(candidate):
        return "transliteration"
    if sim == FOLDED_SIM and same_romanised(
        query.replace(" ", ""), candidate.replace(" ", ""), ALL_FAMILIES
    ):
        return "romanisation"
    if sim == NICKNAME_SIM and same_given_name(query, candidate):
        return "short form"
    if sim == INITIALS_SIM and len(query.split()) != len(candidate.split()):
        return "initials"
    if sim == PHONETIC_SIM and phonetic_key(query) == phonetic_key(candidate):
        return "sounds alike"
    if sim in (SKELETON_SIM, ABJAD_SIM, ABJAD_SIM - 0.1, ABJAD_SHORT_SIM):
        return "same consonants"
    return "spelling"


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    query: NameForm
    candidate: NameForm
    aligned: tuple[tuple[str, str, float], ...]
    unmatched_query: tuple[str, ...]
    unmatched_candidate: tuple[str, ...]
    notes: tuple[str, ...] = ()  # the rules that told the names apart

    def explain(self) -> dict[str, Any]:
        aligned = [
            {"query": q, "candidate": c, "similarity": round(s, 3), "how": how(s, q, c)}
            for q, c, s in self.aligned
        ]
        parts = [f"{a['query']}={a['candidate']} ({a['how']})" for a in aligned]
        text = "; ".join(parts) if parts else "no name parts in common"
        if self.unmatched_query:
            text += f"; only in query: {' '.join(self.unmatched_query)}"
        if self.unmatched_candidate:
            text += f"; only in list: {' '.join(self.unmatched_candidate)}"
        for note in self.notes:
            text += f"; {note}"
        explained: dict[str, Any] = {
            "score": round(self.score, 4),
            "query": self.query.original,
            "candidate": self.candidate.original,
            "aligned": aligned,
            "unmatched_query": list(self.unmatched_query),
            "unmatched_candidate": list(self.unmatched_candidate),
            "text": text,
        }
        if self.notes:
            explained["notes"] = list(self.notes)
        return explained


Span = tuple[int, ...]
Pair = tuple[float, int, Span, Span]  # similarity, words involved, query span, list span


@memo(100_000)
def _spans(tokens: tuple[str, ...]) -> tuple[tuple[Span, str], ...]:
    """Every word, and every two or three adjacent words written together."""
    spans: list[tuple[Span, str]] = [((i,), tok) for i, tok in enumerate(tokens)]
    for size in (2, 3):
        for i in range(len(tokens) - size + 1):
            spans.append((tuple(range(i, i + size)), "".join(tokens[i : i + size])))
    return tuple(spans)


@memo(100_000)
def _joined(tokens: tuple[str, ...]) -> tuple[tuple[Span, str, int], ...]:
    """Every two or three adjacent words written together, with its length."""
    return tuple((span, text, len(text)) for span, text in _spans(tokens) if len(span) > 1)


def _initial_runs(short: tuple[str, ...], long: tuple[str, ...]) -> Iterator[tuple[int, Span]]:
    """Words of ``short`` that are the initials of a run of words of ``long``.

    "GW" is George Walker; particles inside the run have no letter ("FARC": Fuerzas
    Armadas Revolucionarias de Colombia). Dotted initials may read as a particle ("D.A."
    as "da"), so the short word may be one, as long as the run has two real words.
    """
    firsts = "".join({tok[0] for tok in long if tok})
    for i, word in enumerate(short):
        if not 2 <= len(word) <= INITIALS_UP_TO or not word.isalpha():
            continue
        if word.strip(firsts):
            continue  # every letter must begin a word of the run
        for start in range(len(long)):
            if not long[start].startswith(word[0]) or token_weight(long[start]) < STRONG_WEIGHT:
                continue
            letters = ""
            for end in range(start, len(long)):
                if not long[end]:
                    break  # a word already taken ends the run
                if token_weight(long[end]) < STRONG_WEIGHT and len(long[end]) > 1:
                    continue
                letters += long[end][0]
                if not word.startswith(letters):
                    break
                if letters == word and end > start:
                    if token_weight(word) >= STRONG_WEIGHT or len(letters) >= 2:
                        yield i, tuple(range(start, end + 1))
                    break


def _glued(short: tuple[str, ...], long: tuple[str, ...]) -> Iterator[tuple[float, int, Span]]:
    """Long words of ``short`` that are two or three words of ``long`` written together,
    in order but not next to each other ("sergeishoigu": Sergei Kuzhugetovich Shoigu)."""
    if len(long) < 3 or len(long) > 8:
        return
    for i, word in enumerate(short):
        if len(word) < GLUE_FROM:
            continue
        for size in (2, 3):
            for picked in combinations(range(len(long)), size):
                if picked[-1] - picked[0] == size - 1 or not all(long[j] for j in picked):
                    continue  # adjacent words are spans already; taken words are gone
                joined = "".join(long[j] for j in picked)
                if abs(len(joined) - len(word)) > 2:
                    continue
                sim = token_sim(word, joined)
                if sim >= MERGE_MIN_SIM:
                    yield sim, i, picked


_PATRONYMIC_STEM = re.compile(r"(ovich|evich|ovna|evna|ichna|ogly|oglu|uly|kyzy|qizi)$")


def _similarity(a: str, b: str, *, single: bool, kinds: frozenset[Family], abjad: bool) -> float:
    if kinds and (not single or min(len(a), len(b)) < 5):
        # The syllables of Chinese and Korean names: a letter apart is another syllable
        # ("Jong-chol" / "Jong-chun"), so they meet only exactly or by romanisation.
        if a == b:
            return 1.0
        if same_romanised(a, b, kinds) or DOUBLED.sub(r"\1", a) == DOUBLED.sub(r"\1", b):
            return FOLDED_SIM
        return 0.0
    if single and is_patronymic(a) and is_patronymic(b):
        # Patronymics differ by a few letters and name different fathers
        # ("Maratovich" / "Markovich"): their stems must meet.
        stem_a, stem_b = _PATRONYMIC_STEM.sub("", a), _PATRONYMIC_STEM.sub("", b)
        if stem_a != stem_b and token_sim(stem_a, stem_b) < MERGE_MIN_SIM:
            return 0.0
    sim = token_sim(a, b)
    if kinds and sim < FOLDED_SIM and same_romanised(a, b, kinds):
        sim = FOLDED_SIM
    if abjad and sim < ABJAD_SIM:
        sim = max(sim, abjad_sim(a, b))
    return sim


def _pairs(
    qt: tuple[str, ...], ct: tuple[str, ...], kinds: frozenset[Family], abjad: bool
) -> list[Pair]:
    """Every way a word, or two or three written together, of one name may stand for a
    word of the other, most similar first.

    Words of two Chinese or two Korean names also meet through their romanisation keys
    ("Tse-tung" / "Zedong", "Jong Un" / "Jeong Eun"), and words of a name written in
    Arabic or Hebrew script through their consonants.
    """
    pairs: list[Pair] = []
    if kinds or abjad:
        for i, qtext in enumerate(qt):
            for j, ctext in enumerate(ct):
                sim = _similarity(qtext, ctext, single=True, kinds=kinds, abjad=abjad)
                if sim > 0.0:
                    pairs.append((sim, 2, (i,), (j,)))
    else:  # the common case, without the per-word tests of ``_similarity``
        patronymic_c = [is_patronymic(t) for t in ct]
        for i, qtext in enumerate(qt):
            patronymic = is_patronymic(qtext)
            for j, ctext in enumerate(ct):
                if patronymic and patronymic_c[j]:
                    sim = _similarity(qtext, ctext, single=True, kinds=kinds, abjad=abjad)
                else:
                    sim = token_sim(qtext, ctext)
                if sim > 0.0:
                    pairs.append((sim, 2, (i,), (j,)))
    # Words written together against one word: only spans of about its length can meet.
    for spans, words, flip in ((_joined(qt), ct, False), (_joined(ct), qt, True)):
        if not spans:
            continue
        sizes = [len(word) for word in words]
        shortest, longest = min(sizes) - MAX_SPAN_EDITS, max(sizes) + MAX_SPAN_EDITS
        for span, text, size in spans:
            if size < shortest or size > longest:
                continue
            for k, word in enumerate(words):
                if abs(size - sizes[k]) > MAX_SPAN_EDITS:
                    continue
                a, b = (word, text) if flip else (text, word)
                if kinds or abjad:
                    sim = _similarity(a, b, single=False, kinds=kinds, abjad=abjad)
                else:
                    sim = token_sim(a, b)
                if sim >= MERGE_MIN_SIM:
                    pairs.append(
                        (sim, len(span) + 1, (k,), span)
                        if flip
                        else (sim, len(span) + 1, span, (k,))
                    )
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    return pairs


def _leftover_pairs(
    qt: tuple[str, ...],
    used_q: set[int],
    ct: tuple[str, ...],
    used_c: set[int],
    kinds: frozenset[Family],
) -> list[Pair]:
    """Among the words no word or span took: runs of initials ("GW" / "George Walker")
    and long words that are words of the other name written together though apart
    there ("SergeiShoigu" / "Sergei Kuzhugetovich Shoigu")."""
    pairs: list[Pair] = []
    free_q = tuple(t if i not in used_q else "" for i, t in enumerate(qt))
    free_c = tuple(t if j not in used_c else "" for j, t in enumerate(ct))
    for i, run in _initial_runs(free_q, free_c):
        pairs.append((INITIALS_SIM, 1 + len(run), (i,), run))
    for j, run in _initial_runs(free_c, free_q):
        pairs.append((INITIALS_SIM, 1 + len(run), run, (j,)))
    if not kinds:
        for sim, i, picked in _glued(free_q, free_c):
            pairs.append((sim, 1 + len(picked), (i,), picked))
        for sim, j, picked in _glued(free_c, free_q):
            pairs.append((sim, 1 + len(picked), picked, (j,)))
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    return pairs


@dataclass
class _Tally:
    """An alignment being built: what is taken, and what it adds up to."""

    qt: tuple[str, ...]
    ct: tuple[str, ...]
    used_q: set[int] = field(default_factory=set)
    used_c: set[int] = field(default_factory=set)
    matched: float = 0.0
    fuzz: float = 0.0
    strong: int = 0
    only_initials: bool = True
    aligned: list[tuple[str, str, float, int]] = field(default_factory=list)
    crossing: list[tuple[int, int]] = field(default_factory=list)
    wq: list[float] = field(init=False)  # each word's weight, looked up once
    wc: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.wq = [token_weight(t) for t in self.qt]
        self.wc = [token_weight(t) for t in self.ct]

    def take(self, pairs: Iterable[Pair]) -> None:
        """Take each pair whose words are all still free, best first."""
        qt, ct = self.qt, self.ct
        for sim, _, qs, cs in pairs:
            if self.used_q.intersection(qs) or self.used_c.intersection(cs):
                continue
            self.used_q.update(qs)
            self.used_c.update(cs)
            weight = (sum(self.wq[i] for i in qs) + sum(self.wc[j] for j in cs)) / 2
            self.matched += sim * weight
            self.fuzz += (1.0 - sim) * weight
            if weight >= STRONG_WEIGHT:
                self.strong += max(_strong(self.wq, qs), _strong(self.wc, cs), 1)
            initials = sim == INITIALS_SIM and len(qs) != len(cs)
            self.only_initials = self.only_initials and (
                initials or min(len(qt[i]) for i in qs) == 1
            )
            self.crossing.append((min(qs), min(cs)))
            self.aligned.append(
                (
                    " ".join(qt[i] for i in qs),
                    " ".join(ct[j] for j in cs),
                    sim,
                    min(qs) * 100 + min(cs),
                )
            )

    @property
    def left(self) -> bool:
        """Whether both names still have free words."""
        return len(self.used_q) < len(self.qt) and len(self.used_c) < len(self.ct)


def _strong(weights: list[float], span: Span) -> int:
    return sum(1 for i in span if weights[i] >= STRONG_WEIGHT)


def _position_factor(token: str, index: int, size: int, person: bool, anchored: bool) -> float:
    if index not in (0, size - 1) or (person and is_patronymic(token)):
        return MIDDLE_PERSON if person else MIDDLE_ORG
    return END_ANCHORED if anchored and person else 1.0


def _acronym(query: NameForm, candidate: NameForm) -> NameScore | None:
    """A one-word name that is the acronym of the other name, either way round."""
    for short, long, flip in ((query, candidate, False), (candidate, query, True)):
        if len(short.tokens) == 1 and short.tokens[0] in long.acronyms:
            pair = (short.tokens[0], " ".join(long.tokens), INITIALS_SIM)
            return NameScore(
                score=ACRONYM_SCORE,
                query=query,
                candidate=candidate,
                aligned=((pair[1], pair[0], pair[2]),) if flip else (pair,),
                unmatched_query=(),
                unmatched_candidate=(),
                notes=("one name is the other's acronym",),
            )
    return None


def align_names(query: NameForm, candidate: NameForm, *, person: bool) -> NameScore:
    """Align two names token by token and score the alignment (see module docstring)."""
    if not person:
        acronym = _acronym(query, candidate)
        if acronym is not None:
            return acronym
    qt, ct = query.tokens, candidate.tokens
    kinds = kinds_of(query, candidate)
    abjad = query.script in ABJAD_SCRIPTS or candidate.script in ABJAD_SCRIPTS
    tally = _Tally(qt, ct)
    tally.take(_pairs(qt, ct, kinds, abjad))
    if tally.left:
        tally.take(_leftover_pairs(qt, tally.used_q, ct, tally.used_c, kinds))
    if tally.left and not kinds:
        tally.take(_loose_pairs(qt, tally.used_q, ct, tally.used_c))
    notes: list[str] = []
    unmatched = _unmatched(
        qt, tally.used_q, ct, tally.used_c, person=person, anchored=tally.strong >= 2, notes=notes
    )
    total = tally.matched + unmatched + tally.fuzz
    score = tally.matched / total if total > 0 else 0.0
    strong_q = sum(1 for w in tally.wq if w >= STRONG_WEIGHT)
    strong_c = sum(1 for w in tally.wc if w >= STRONG_WEIGHT)
    if tally.strong <= 1 and max(strong_q, strong_c) > 1:
        score = min(score, SINGLE_TOKEN_CAP)
    if candidate.weak or query.weak:
        score = min(score, WEAK_ALIAS_CAP)
    score = _tell_apart(query, candidate, person, score, tally.crossing, tally.only_initials, notes)
    tally.aligned.sort(key=lambda a: a[3])
    return NameScore(
        score=score,
        query=query,
        candidate=candidate,
        aligned=tuple((q, c, s) for q, c, s, _ in tally.aligned),
        unmatched_query=tuple(t for i, t in enumerate(qt) if i not in tally.used_q),
        unmatched_candidate=tuple(t for i, t in enumerate(ct) if i not in tally.used_c),
        notes=tuple(notes),
    )


def kinds_of(query: NameForm, candidate: NameForm) -> frozenset[Family]:
    """The languages both names may be romanised from (see ``romanisation.families``)."""
    return _families((query.tokens, query.script)) & _families((candidate.tokens, candidate.script))


@memo(100_000)
def _families(name: tuple[tuple[str, ...], str | None]) -> frozenset[Family]:
    return families(*name)


def _loose_pairs(
    qt: tuple[str, ...], used_q: set[int], ct: tuple[str, ...], used_c: set[int]
) -> Iterator[Pair]:
    """Left-over words that are one word misspelt past the edit limits ("Shfeai" /
    "Shafi", "Pirvae" / "Private"): same first letter and most letters in common. They
    count as weakly aligned rather than as different names. Patronymics never pair
    this way: theirs is the rule that their stems meet."""
    left_c = [j for j in range(len(ct)) if j not in used_c and _may_pair_loosely(ct[j])]
    for i, word in enumerate(qt):
        if i in used_q or not _may_pair_loosely(word):
            continue
        for j in left_c:
            other = ct[j]
            if (
                len(other) >= LOOSE_FROM
                and other[0] == word[0]
                and ratio(word, other) >= LOOSE_RATIO
            ):
                left_c.remove(j)
                yield LOOSE_SIM, 2, (i,), (j,)
                break


def _may_pair_loosely(word: str) -> bool:
    """Patronymics, countries and numbered words differ by few letters and mean another
    father, country or number; they never pair loosely."""
    return (
        len(word) >= LOOSE_FROM
        and word.isalpha()
        and not is_patronymic(word)
        and word not in place_words()
    )


def _unmatched(
    qt: tuple[str, ...],
    used_q: set[int],
    ct: tuple[str, ...],
    used_c: set[int],
    *,
    person: bool,
    anchored: bool,
    notes: list[str],
) -> float:
    """The cost of the words left over: missing ones by position, different ones in full.

    When both names have words the other lacks, they are not missing but different
    ("Ivan Petrovich" / "Ivan Sergeyevich", "West Africa" / "Central Africa").
    """
    left = [
        [i for i, tok in enumerate(tokens) if i not in used and token_weight(tok) >= STRONG_WEIGHT]
        for tokens, used in ((qt, used_q), (ct, used_c))
    ]
    different = bool(left[0]) and bool(left[1])
    if different:
        notes.append(
            f"different names: {' '.join(qt[i] for i in left[0])} / "
            f"{' '.join(ct[i] for i in left[1])}"
        )
    cost = 0.0
    for side, (tokens, used) in enumerate(((qt, used_q), (ct, used_c))):
        for i, tok in enumerate(tokens):
            if i in used:
                continue
            factor = _position_factor(tok, i, len(tokens), person, anchored)
            if different and i in left[side]:
                factor = 1.0
            cost += token_weight(tok) * factor
    return cost


@memo(100_000)
def _digit_runs(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        sorted(
            run.lstrip("0") or "0"
            for tok in tokens
            if not tok.isalpha()
            for run in _DIGITS.findall(tok)
        )
    )


def _ideographs(form: NameForm) -> str | None:
    """The Han or Hangul characters of a name written in them, else None."""
    if form.script not in IDEOGRAPHIC:
        return None
    return "".join(ch for ch in form.original if ch.isalpha() and not ch.isascii())


def _tell_apart(
    query: NameForm,
    candidate: NameForm,
    person: bool,
    score: float,
    crossing: list[tuple[int, int]],
    only_initials: bool,
    notes: list[str],
) -> float:
    """Lower the score of names that are alike but name different parties."""
    qt, ct = query.tokens, candidate.tokens
    chars_q, chars_c = _ideographs(query), _ideographs(candidate)
    if chars_q and chars_c and chars_q != chars_c and score > DIFFERENT_CHARACTERS_CAP:
        notes.append(f"written with different characters: {chars_q} / {chars_c}")
        score = DIFFERENT_CHARACTERS_CAP
    numbers_q, numbers_c = _digit_runs(qt), _digit_runs(ct)
    if numbers_q != numbers_c and score > DIFFERENT_NUMBER_CAP:
        notes.append(
            f"different numbers: {' '.join(numbers_q) or '-'} / {' '.join(numbers_c) or '-'}"
        )
        score = DIFFERENT_NUMBER_CAP
    if person:
        if only_initials and crossing and score > INITIALS_ONLY_CAP:
            notes.append("only initials in common")
            score = INITIALS_ONLY_CAP
        if (
            len(qt) == len(ct) == 2
            and sorted(crossing) == [(0, 1), (1, 0)]
            and all(is_given_name(t) for t in qt)
            and score > SWAPPED_GIVEN_CAP
        ):
            notes.append("given name and surname swapped, and both are given names")
            score = SWAPPED_GIVEN_CAP
        return score
    if not forms_agree(query.legal_forms, candidate.legal_forms):
        notes.append(
            f"different legal forms: {' '.join(query.legal_forms)} / "
            f"{' '.join(candidate.legal_forms)}"
        )
        score *= DIFFERENT_FORM_FACTOR
    return score
