"""The detailed, explainable score of one candidate against one query.

The score starts from how well the names align and is then moved by what else is known:
date of birth, countries, gender and identifiers. Every move is recorded with a short
sentence, so an analyst can see why a candidate scored what it did.

Name alignment pairs tokens one-to-one (and two adjacent tokens with one, for names
written together or apart, "Abdulrahman" / "Abdul Rahman"), best pairs first. The name
score is the aligned weight over the aligned weight plus what is missing or different:

    score = matched / (matched + unmatched + fuzz)

so an exact name scores 1 and two names that share one word of two 0.5 or less. What is
missing costs by position: a middle name or a patronymic a third of a word, a first or
last name 0.6 of a word once two words align ("Heriberto Lazcano" for "LAZCANO LAZCANO,
Heriberto"), a whole word otherwise; a dropped middle name leaves about 0.85. A single
shared word between multi-word names is capped below any sensible threshold: one common
token never makes a match.

The final score is 0.95 x the name score plus the qualifiers, clipped to 0..1, so that
an exact name alone ranks below the same name with a matching date of birth, and scores
spread over the range instead of piling up at 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA

from casework.screening.entity import Schema
from casework.screening.given_names import is_given_name, same_given_name
from casework.screening.legal_forms import forms_agree
from casework.screening.normalize import (
    NameForm,
    fold,
    has_vowel,
    is_patronymic,
    memo,
    phonetic_key,
    skeleton,
    token_weight,
)
from casework.screening.romanisation import Family, family, same_romanised

NAME_FACTOR = 0.95
INITIAL_SIM = 0.6
INITIALS_SIM = 0.8  # a run of words against their initials ("GW" / "George Walker")
NICKNAME_SIM = 0.85  # a given name and its short form ("Bill" / "William")
PHONETIC_SIM = 0.8
FOLDED_SIM = 0.9
SKELETON_SIM = 0.75
MERGE_MIN_SIM = 0.8
MIDDLE_PERSON = 0.35  # cost of a missing middle name, relative to a first or last name
MIDDLE_ORG = 0.6
END_ANCHORED = 0.6  # a missing first or last name when two or more names align
SINGLE_TOKEN_CAP = 0.55
STRONG_WEIGHT = 0.5  # a token at least this weighty counts towards the single-token cap
WEAK_ALIAS_CAP = 0.8
# Rules that tell two similar names apart as different parties, each capping the name
# score below any sensible threshold.
DIFFERENT_FORM_FACTOR = 0.7  # "Siemens AG" / "Siemens GmbH"
DIFFERENT_NUMBER_CAP = 0.6  # "Fund III" / "Fund IV", "Acme Holdings II" / "Acme Holdings"
SWAPPED_GIVEN_CAP = 0.6  # "Thomas Peter" / "Peter Thomas"
INITIALS_ONLY_CAP = 0.5  # a person known only by initials

DOB_EXACT = 0.05
DOB_YEAR = 0.02
DOB_SWAPPED = 0.0
DOB_SAME_YEAR = -0.12
DOB_NEAR_YEAR = -0.15
DOB_CONFLICT = -0.35
COUNTRY_MATCH = 0.03
COUNTRY_MISMATCH = -0.05
GENDER_MISMATCH = -0.2
# The best a name aligned on one strong token can score once the others adjust it.
CAPPED_MAX = NAME_FACTOR * SINGLE_TOKEN_CAP + DOB_EXACT + COUNTRY_MATCH
IDENTIFIER_KEEP = 0.25  # an identifier match keeps this share of the distance to 1

_COMPATIBLE: dict[Schema, frozenset[Schema]] = {
    Schema.person: frozenset({Schema.person, Schema.legal_entity}),
    Schema.company: frozenset({Schema.company, Schema.organization, Schema.legal_entity}),
    Schema.organization: frozenset({Schema.company, Schema.organization, Schema.legal_entity}),
    Schema.legal_entity: frozenset(
        {Schema.person, Schema.company, Schema.organization, Schema.legal_entity}
    ),
    Schema.vessel: frozenset({Schema.vessel}),
    Schema.aircraft: frozenset({Schema.aircraft}),
}


def compatible(query: Schema | None, candidate: Schema | None) -> bool:
    """Could a record of one schema describe the same party as one of the other?"""
    if query is None or candidate is None:
        return True
    return candidate in _COMPATIBLE[query]


def compatible_schemas(query: Schema | None) -> frozenset[Schema]:
    return frozenset(Schema) if query is None else _COMPATIBLE[query]


def _allowed_edits(longest: int) -> int:
    if longest <= 3:
        return 0
    if longest <= 7:
        return 1
    if longest <= 12:
        return 2
    return 3


def _sound_alike(a: str, b: str, dist: int) -> bool:
    """Same phonetic key, trusted less for short keys, which many unrelated names share."""
    key = phonetic_key(a)
    if key != phonetic_key(b):
        return False
    if len(key) >= 3 and min(len(a), len(b)) >= 4:
        return True
    return dist <= 1 or OSA.distance(fold(a), fold(b)) <= 1


_SIMILARITIES: dict[str, float] = {}
_MAX_SIMILARITIES = 500_000


def token_sim(a: str, b: str) -> float:
    """Similarity of two normalised tokens in 0..1 (remembered; see ``_token_sim``)."""
    key = f"{a} {b}"
    found = _SIMILARITIES.get(key)
    if found is None:
        if len(_SIMILARITIES) >= _MAX_SIMILARITIES:
            _SIMILARITIES.clear()
        found = _SIMILARITIES[key] = _token_sim(a, b)
    return found


def _token_sim(a: str, b: str) -> float:
    """Similarity of two normalised tokens in 0..1; 0 means they are different words.

    Edits allowed grow with length (none for three letters, one up to seven, two up to
    twelve); sound-alike tokens score at least PHONETIC_SIM; a vowelless token (abjad
    transliteration) meets a voweled one through its consonant skeleton. Numbers must be
    equal, and an initial only meets a word that starts with it.
    """
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SIM if a[0] == b[0] else 0.0
    if a.isdigit() or b.isdigit():
        return 0.0
    longest = max(len(a), len(b))
    dist = OSA.distance(a, b)
    sim = 1.0 - dist / longest if dist <= _allowed_edits(longest) else 0.0
    if sim < FOLDED_SIM:
        fa, fb = fold(a), fold(b)
        if fa == fb:
            sim = FOLDED_SIM
        elif fa != a or fb != b:
            folded = OSA.distance(fa, fb)
            flong = max(len(fa), len(fb))
            if folded <= _allowed_edits(flong):
                sim = max(sim, FOLDED_SIM * (1.0 - folded / flong))
    if sim < NICKNAME_SIM and same_given_name(a, b):
        sim = NICKNAME_SIM
    if sim < PHONETIC_SIM and _sound_alike(a, b, dist):
        sim = PHONETIC_SIM
    if sim < SKELETON_SIM and (not has_vowel(a) or not has_vowel(b)):
        key = skeleton(a)
        if len(key) >= 2 and key == skeleton(b) and a[0] == b[0]:
            sim = SKELETON_SIM
    return sim


def how(sim: float, query: str, candidate: str) -> str:
    if sim >= 1.0:
        return "exact"
    if len(query) == 1 or len(candidate) == 1:
        return "initial"
    if sim == FOLDED_SIM and fold(query) == fold(candidate):
        return "transliteration"
    if sim == FOLDED_SIM and any(
        same_romanised(query.replace(" ", ""), candidate.replace(" ", ""), kind) for kind in Family
    ):
        return "romanisation"
    if sim == NICKNAME_SIM and same_given_name(query, candidate):
        return "short form"
    if sim == INITIALS_SIM and len(query.split()) != len(candidate.split()):
        return "initials"
    if sim == PHONETIC_SIM and phonetic_key(query) == phonetic_key(candidate):
        return "sounds alike"
    if sim == SKELETON_SIM:
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


@memo(100_000)
def _spans(tokens: tuple[str, ...]) -> tuple[tuple[tuple[int, ...], str], ...]:
    spans: list[tuple[tuple[int, ...], str]] = [((i,), tok) for i, tok in enumerate(tokens)]
    spans.extend(((i, i + 1), tokens[i] + tokens[i + 1]) for i in range(len(tokens) - 1))
    return tuple(spans)


def _initial_runs(
    short: tuple[str, ...], long: tuple[str, ...]
) -> list[tuple[int, tuple[int, ...]]]:
    """Words of ``short`` that are the initials of a run of words of ``long``.

    "GW" is George Walker, "IRGC" the Islamic Revolutionary Guard Corps; particles inside
    the run have no letter ("FARC": Fuerzas Armadas Revolucionarias de Colombia).
    """
    found: list[tuple[int, tuple[int, ...]]] = []
    for i, word in enumerate(short):
        if not 2 <= len(word) <= 8 or not word.isalpha() or token_weight(word) < STRONG_WEIGHT:
            continue
        for start in range(len(long)):
            if long[start][0] != word[0] or token_weight(long[start]) < STRONG_WEIGHT:
                continue
            letters = ""
            for end in range(start, len(long)):
                if token_weight(long[end]) < STRONG_WEIGHT and len(long[end]) > 1:
                    continue
                letters += long[end][0]
                if not word.startswith(letters):
                    break
                if letters == word and end > start:
                    found.append((i, tuple(range(start, end + 1))))
                    break
    return found


def _strong(tokens: tuple[str, ...], span: tuple[int, ...]) -> int:
    return sum(1 for i in span if token_weight(tokens[i]) >= STRONG_WEIGHT)


def _position_factor(token: str, index: int, size: int, person: bool, anchored: bool) -> float:
    if index not in (0, size - 1) or (person and is_patronymic(token)):
        return MIDDLE_PERSON if person else MIDDLE_ORG
    return END_ANCHORED if anchored and person else 1.0


Pair = tuple[float, int, tuple[int, ...], tuple[int, ...]]


def _pairs(qt: tuple[str, ...], ct: tuple[str, ...]) -> list[Pair]:
    """Every way a word (or two written together, or a run of initials) of one name may
    stand for words of the other, most similar first.

    Words of two Chinese or two Korean names also meet through their romanisation keys
    ("Tse-tung" / "Zedong", "Jong Un" / "Jeong Eun").
    """
    kind: Family | None = family(qt)
    if kind is not None and family(ct) is not kind:
        kind = None
    pairs: list[Pair] = []
    for qs, qtext in _spans(qt):
        for cs, ctext in _spans(ct):
            if len(qs) == 2 and len(cs) == 2:
                continue
            sim = token_sim(qtext, ctext)
            if kind is not None and sim < FOLDED_SIM and same_romanised(qtext, ctext, kind):
                sim = FOLDED_SIM
            if sim <= 0.0 or (len(qs) + len(cs) > 2 and sim < MERGE_MIN_SIM):
                continue
            pairs.append((sim, len(qs) + len(cs), qs, cs))
    for i, run in _initial_runs(qt, ct):
        pairs.append((INITIALS_SIM, 1 + len(run), (i,), run))
    for j, run in _initial_runs(ct, qt):
        pairs.append((INITIALS_SIM, 1 + len(run), run, (j,)))
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    return pairs


def align_names(query: NameForm, candidate: NameForm, *, person: bool) -> NameScore:
    """Align two names token by token and score the alignment (see module docstring)."""
    qt, ct = query.tokens, candidate.tokens
    used_q: set[int] = set()
    used_c: set[int] = set()
    matched = fuzz = 0.0
    strong = 0
    only_initials = True
    aligned: list[tuple[str, str, float, int]] = []
    crossing: list[tuple[int, int]] = []
    for sim, _, qs, cs in _pairs(qt, ct):
        if used_q.intersection(qs) or used_c.intersection(cs):
            continue
        used_q.update(qs)
        used_c.update(cs)
        weight = (sum(token_weight(qt[i]) for i in qs) + sum(token_weight(ct[j]) for j in cs)) / 2
        matched += sim * weight
        fuzz += (1.0 - sim) * weight
        if weight >= STRONG_WEIGHT:
            strong += max(_strong(qt, qs), _strong(ct, cs), 1)
        initials = sim == INITIALS_SIM and len(qs) != len(cs)
        only_initials = only_initials and (initials or min(len(qt[i]) for i in qs) == 1)
        crossing.append((min(qs), min(cs)))
        aligned.append(
            (" ".join(qt[i] for i in qs), " ".join(ct[j] for j in cs), sim, min(qs) * 100 + min(cs))
        )
    unmatched = 0.0
    anchored = strong >= 2
    notes: list[str] = []
    middles: list[list[str]] = [[], []]
    for side, (tokens, used) in enumerate(((qt, used_q), (ct, used_c))):
        for i, tok in enumerate(tokens):
            if i not in used:
                factor = _position_factor(tok, i, len(tokens), person, anchored)
                if person and factor == MIDDLE_PERSON and token_weight(tok) >= STRONG_WEIGHT:
                    middles[side].append(tok)
                unmatched += token_weight(tok) * factor
    if all(middles):
        # Both names have a middle name or patronymic the other lacks: a different one,
        # not a missing one ("Ivan Petrovich" / "Ivan Sergeyevich").
        unmatched += sum(token_weight(t) for side in middles for t in side) * (1 - MIDDLE_PERSON)
        notes.append(f"different middle names: {' '.join(middles[0])} / {' '.join(middles[1])}")
    total = matched + unmatched + fuzz
    score = matched / total if total > 0 else 0.0
    strong_q = sum(1 for tok in qt if token_weight(tok) >= STRONG_WEIGHT)
    strong_c = sum(1 for tok in ct if token_weight(tok) >= STRONG_WEIGHT)
    if strong <= 1 and max(strong_q, strong_c) > 1:
        score = min(score, SINGLE_TOKEN_CAP)
    if candidate.weak or query.weak:
        score = min(score, WEAK_ALIAS_CAP)
    score = _tell_apart(query, candidate, person, score, crossing, only_initials, notes)
    aligned.sort(key=lambda a: a[3])
    return NameScore(
        score=score,
        query=query,
        candidate=candidate,
        aligned=tuple((q, c, s) for q, c, s, _ in aligned),
        unmatched_query=tuple(t for i, t in enumerate(qt) if i not in used_q),
        unmatched_candidate=tuple(t for i, t in enumerate(ct) if i not in used_c),
        notes=tuple(notes),
    )


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
    numbers_q = sorted(t for t in qt if t.isdigit())
    numbers_c = sorted(t for t in ct if t.isdigit())
    if numbers_q != numbers_c and score > DIFFERENT_NUMBER_CAP:
        notes.append(
            f"different numbers: {' '.join(numbers_q) or '-'} / {' '.join(numbers_c) or '-'}"
        )
        score = DIFFERENT_NUMBER_CAP
    return score


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_date(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a partial ISO date; unknown month or day is 0."""
    found = _DATE.match(value.strip())
    if not found:
        return None
    year, month, day = (int(g) if g else 0 for g in found.groups())
    return year, month, day


def date_code(value: str) -> int:
    """A partial date as one integer, YYYYMMDD with 00 for what is unknown; 0 if unreadable."""
    parsed = parse_date(value)
    if parsed is None or not 1000 <= parsed[0] <= 2999:
        return 0
    year, month, day = parsed
    return year * 10000 + month * 100 + day


def date_text(code: int) -> str:
    year, month, day = code // 10000, code // 100 % 100, code % 100
    if not month:
        return f"{year:04d}"
    return f"{year:04d}-{month:02d}" if not day else f"{year:04d}-{month:02d}-{day:02d}"


def _date_relation(q: tuple[int, int, int], c: tuple[int, int, int]) -> tuple[float, str]:
    if q[0] != c[0]:
        if abs(q[0] - c[0]) == 1:
            return DOB_NEAR_YEAR, "born a year apart"
        return DOB_CONFLICT, "different year of birth"
    if not q[1] or not c[1]:
        return DOB_YEAR, "same year of birth"
    if q[1] == c[1] and (not q[2] or not c[2]):
        return DOB_YEAR, "same month of birth"
    if q[1] == c[1] and q[2] == c[2]:
        return DOB_EXACT, "same date of birth"
    if q[1] == c[2] and q[2] == c[1]:
        return DOB_SWAPPED, "same date with day and month swapped"
    return DOB_SAME_YEAR, "same year, different day of birth"


def compare_dates(query: tuple[str, ...], candidate: tuple[str, ...]) -> dict[str, Any] | None:
    """The best relation between any query date and any listed date, if both have one."""
    best: tuple[float, str, str, str] | None = None
    for qv in query:
        qd = parse_date(qv)
        for cv in candidate:
            cd = parse_date(cv)
            if qd is None or cd is None:
                continue
            adj, text = _date_relation(qd, cd)
            if best is None or adj > best[0]:
                best = (adj, text, qv, cv)
    if best is None:
        return None
    adj, text, qv, cv = best
    return {"adjustment": adj, "query": qv, "candidate": cv, "text": f"{text} ({qv} / {cv})"}


def compare_countries(query: frozenset[str], candidate: frozenset[str]) -> dict[str, Any] | None:
    if not query or not candidate:
        return None
    common = sorted(query & candidate)
    if common:
        adj, text = COUNTRY_MATCH, f"country in common: {', '.join(common)}"
    else:
        adj, text = COUNTRY_MISMATCH, "no country in common"
    return {
        "adjustment": adj,
        "query": sorted(query),
        "candidate": sorted(candidate),
        "text": text,
    }


def compare_gender(query: str | None, candidate: str | None) -> dict[str, Any] | None:
    if not query or not candidate:
        return None
    if query == candidate:
        return {"adjustment": 0.0, "query": query, "candidate": candidate, "text": "same gender"}
    return {
        "adjustment": GENDER_MISMATCH,
        "query": query,
        "candidate": candidate,
        "text": "different gender",
    }


@dataclass(slots=True)
class Record:
    """What the scorer needs of a query or a listed entity, already normalised."""

    schema: Schema | None
    names: list[NameForm]
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    identifiers: frozenset[str] = field(default_factory=frozenset)


def score_records(query: Record, candidate: Record) -> tuple[float, dict[str, Any]]:
    """The calibrated score of a candidate for a query and its explanation."""
    if not compatible(query.schema, candidate.schema):
        return 0.0, {
            "score": 0.0,
            "schema": {
                "query": query.schema,
                "candidate": candidate.schema,
                "text": f"a {query.schema} cannot be a {candidate.schema}",
            },
        }
    person = Schema.person in (query.schema, candidate.schema)
    best: NameScore | None = None
    for qn in query.names:
        for cn in candidate.names:
            result = align_names(qn, cn, person=person)
            if best is None or result.score > best.score:
                best = result
    explanation: dict[str, Any] = {}
    score = 0.0
    if best is not None:
        explanation["name"] = best.explain()
        score = NAME_FACTOR * best.score
    for key, part in (
        ("birth_date", compare_dates(query.birth_dates, candidate.birth_dates)),
        ("country", compare_countries(query.countries, candidate.countries)),
        ("gender", compare_gender(query.gender, candidate.gender)),
    ):
        if part is not None:
            explanation[key] = part
            score += part["adjustment"]
    score = min(1.0, max(0.0, score))
    common = sorted(query.identifiers & candidate.identifiers)
    if common:
        raised = 1.0 - (1.0 - score) * IDENTIFIER_KEEP
        explanation["identifier"] = {
            "adjustment": round(raised - score, 4),
            "matched": common,
            "text": f"identifier in common: {', '.join(common)}",
        }
        score = raised
    explanation["score"] = round(score, 4)
    return score, explanation
