"""The most two names can score, found far more cheaply than the score itself.

A search scores a few dozen listed names in detail, and most of them fall well below the
threshold: they share a word or two with the query and differ in the others. The bound
here shows that without aligning them. It is an exact upper bound on what
``alignment.align_names`` gives, so a name it rules out would not have been a match, and
leaving it out changes no result.

Every word gets the best similarity of any pair it could be part of in an alignment: a
word of the other name, two or three words written together against one, a run of words
against its initials, words written together though apart in the other name (checked on
whole names, which holds every such pair an alignment finds among the words it has left),
or a loose pair. Then what aligns is at most the words' weights times those similarities,
halved as an alignment halves them, and what is missing costs at least the words no pair
can take, at the least their position may cost; the score is at most the first over the
sum of both. The caps that depend only on the names apply as they are, and the one on a
single strong word in common when no two pairs that would count towards more can be
taken together.

The rules mirror ``alignment``; a change to how names align is a change here too, which
``tests/screening/test_bound.py`` checks on every labelled pair.
"""

from __future__ import annotations

from rapidfuzz.fuzz import ratio

from casework.screening.alignment import (
    ABJAD_SCRIPTS,
    ACRONYM_SCORE,
    DIFFERENT_CHARACTERS_CAP,
    DIFFERENT_FORM_FACTOR,
    DIFFERENT_NUMBER_CAP,
    END_ANCHORED,
    GLUE_FROM,
    IDEOGRAPHIC,
    INITIALS_SIM,
    INITIALS_UP_TO,
    LOOSE_RATIO,
    LOOSE_SIM,
    MAX_SPAN_EDITS,
    MERGE_MIN_SIM,
    MIDDLE_ORG,
    MIDDLE_PERSON,
    SINGLE_TOKEN_CAP,
    STRONG_WEIGHT,
    WEAK_ALIAS_CAP,
    Span,
    _acronym,
    _digit_runs,
    _families,
    _ideographs,
    _initial_runs,
    _joined,
    _may_pair_loosely,
    _similarity,
)
from casework.screening.legal_forms import forms_agree
from casework.screening.normalize import NameForm, is_patronymic, memo, token_weight
from casework.screening.romanisation import Family
from casework.screening.similarity import token_sim

# Added to every bound: its sums may round differently from the score's.
MARGIN = 1e-9
MAX_COUNTING = 12  # pairs heavy enough to count as strong, beyond which no cap is claimed
_NO_KINDS: frozenset[Family] = frozenset()


class QueryName:
    """What bounding asks of a query name, worked out once for every listed name."""

    __slots__ = (
        "apart",
        "families",
        "firsts",
        "form",
        "initials",
        "lengths",
        "loose",
        "most_length",
        "org_cost",
        "other_script",
        "patronymic",
        "person_cost",
        "spans",
        "strong",
        "strong_count",
        "weights",
    )

    def __init__(self, form: NameForm) -> None:
        tokens = form.tokens
        self.form = form
        self.weights = [token_weight(t) for t in tokens]
        self.strong = [w >= STRONG_WEIGHT for w in self.weights]
        self.strong_count = sum(self.strong)
        self.person_cost, self.org_cost = _least_costs(tokens, self.weights)
        self.lengths = [len(t) for t in tokens]
        self.most_length = max(self.lengths, default=0)
        self.patronymic = [is_patronymic(t) for t in tokens]
        self.spans = _joined(tokens)
        self.apart = _apart(tokens)
        self.firsts = "".join({t[0] for t in tokens})
        self.initials = [t for t in tokens if _may_be_initials(t)]
        self.loose = [i for i, t in enumerate(tokens) if _may_pair_loosely(t)]
        self.families = _families((tokens, form.script))
        # Names in an abjad script, and Chinese or Korean ones, meet by other rules.
        self.other_script = form.script in ABJAD_SCRIPTS


def bound_key(candidate: NameForm) -> object:
    """What of a listed name its bound depends on."""
    original = candidate.original if candidate.script in IDEOGRAPHIC else None
    return (
        candidate.tokens,
        candidate.legal_forms,
        candidate.weak,
        candidate.acronyms,
        candidate.script,
        original,
    )


def bound(query: QueryName, candidate: NameForm, *, person: bool) -> float:
    """At least what ``align_names(query.form, candidate, person=person)`` scores."""
    qform = query.form
    if not person and _acronym(qform, candidate) is not None:
        return ACRONYM_SCORE
    if query.other_script or candidate.script in ABJAD_SCRIPTS:
        return 1.0  # not bounded: those similarities follow other rules
    ct = candidate.tokens
    if query.families and query.families & _families((ct, candidate.script)):
        return 1.0
    qt = qform.tokens
    wq = query.weights
    words = [_word(t) for t in ct]
    wc = [w[0] for w in words]
    best_q = [0.0] * len(qt)
    best_c = [0.0] * len(ct)
    counting: list[tuple[Span, Span]] = []  # pairs heavy enough to count as strong

    def take(sim: float, qs: Span, cs: Span) -> None:
        for i in qs:
            if sim > best_q[i]:
                best_q[i] = sim
        for j in cs:
            if sim > best_c[j]:
                best_c[j] = sim
        if sum(wq[i] for i in qs) + sum(wc[j] for j in cs) >= 2 * STRONG_WEIGHT:
            counting.append((qs, cs))

    # One word against one word, as ``_pairs`` compares them.
    patronymic_c = [w[4] for w in words] if any(query.patronymic) else None
    for i, a in enumerate(qt):
        patronymic = patronymic_c is not None and query.patronymic[i]
        for j, b in enumerate(ct):
            if patronymic and patronymic_c is not None and patronymic_c[j]:
                sim = _similarity(a, b, single=True, kinds=_NO_KINDS, abjad=False)
            else:
                sim = token_sim(a, b)
            if sim > 0.0:
                if sim > best_q[i]:
                    best_q[i] = sim
                if sim > best_c[j]:
                    best_c[j] = sim
                if wq[i] + wc[j] >= 2 * STRONG_WEIGHT:
                    counting.append(((i,), (j,)))
    # Words written together against one word, of either name.
    lengths_c = [w[1] for w in words]
    if query.spans:
        reach = max(lengths_c) + MAX_SPAN_EDITS
        for span, text, size in query.spans:
            if size > reach:
                continue
            for j, b in enumerate(ct):
                if abs(size - lengths_c[j]) <= MAX_SPAN_EDITS:
                    sim = token_sim(text, b)
                    if sim >= MERGE_MIN_SIM:
                        take(sim, span, (j,))
    reach = query.most_length + MAX_SPAN_EDITS
    for size_of in (2, 3):
        for start in range(len(ct) - size_of + 1):
            size = sum(lengths_c[start : start + size_of])
            if size > reach:
                continue
            text = "".join(ct[start : start + size_of])
            for i, a in enumerate(qt):
                if abs(size - query.lengths[i]) <= MAX_SPAN_EDITS:
                    sim = token_sim(a, text)
                    if sim >= MERGE_MIN_SIM:
                        take(sim, (i,), tuple(range(start, start + size_of)))
    # Runs of initials, words written together though apart in the other name, loose
    # pairs: what ``_leftover_pairs`` and ``_loose_pairs`` may find.
    if query.initials:
        firsts_c = "".join(t[0] for t in ct)
        if any(not w.strip(firsts_c) for w in query.initials):
            for i, run in _initial_runs(qt, ct):
                take(INITIALS_SIM, (i,), run)
    if any(w[3] and not t.strip(query.firsts) for t, w in zip(ct, words, strict=True)):
        for j, run in _initial_runs(ct, qt):
            take(INITIALS_SIM, run, (j,))
    if query.most_length >= GLUE_FROM and 3 <= len(ct) <= 8:
        for sim, i, picked in _glued(qt, _apart(ct)):
            take(sim, (i,), picked)
    if query.apart:
        for sim, j, picked in _glued(ct, query.apart):
            take(sim, picked, (j,))
    if query.loose:
        for j, b in enumerate(ct):
            if not words[j][2]:
                continue
            for i in query.loose:
                a = qt[i]
                if a[0] == b[0] and ratio(a, b) >= LOOSE_RATIO:
                    take(LOOSE_SIM, (i,), (j,))

    matched = 0.0
    for weight, sim in zip(wq, best_q, strict=True):
        matched += weight * sim
    for weight, sim in zip(wc, best_c, strict=True):
        matched += weight * sim
    matched /= 2
    strong_c = [w >= STRONG_WEIGHT for w in wc]
    # Strong words no pair can take, left on both sides: the names differ, and those
    # words cost in full.
    different = any(s and not b for s, b in zip(query.strong, best_q, strict=True)) and any(
        s and not b for s, b in zip(strong_c, best_c, strict=True)
    )
    unmatched = 0.0
    costs_q = query.person_cost if person else query.org_cost
    for i, sim in enumerate(best_q):
        if not sim:
            unmatched += wq[i] if different and query.strong[i] else costs_q[i]
    if not all(best_c):
        person_cost, org_cost = _least_costs(ct, wc)
        costs_c = person_cost if person else org_cost
        for j, sim in enumerate(best_c):
            if not sim:
                unmatched += wc[j] if different and strong_c[j] else costs_c[j]
    total = matched + unmatched
    most = matched / total + MARGIN if total > 0 else 0.0
    if (
        most > SINGLE_TOKEN_CAP
        and (query.strong_count > 1 or sum(strong_c) > 1)
        and _one_strong_at_most(counting, wq, wc)
    ):
        most = SINGLE_TOKEN_CAP
    if candidate.weak or qform.weak:
        most = min(most, WEAK_ALIAS_CAP)
    if most > DIFFERENT_CHARACTERS_CAP:
        chars_q, chars_c = _ideographs(qform), _ideographs(candidate)
        if chars_q and chars_c and chars_q != chars_c:
            most = DIFFERENT_CHARACTERS_CAP
    if most > DIFFERENT_NUMBER_CAP and _digit_runs(qt) != _digit_runs(ct):
        most = DIFFERENT_NUMBER_CAP
    if not person and not forms_agree(qform.legal_forms, candidate.legal_forms):
        most *= DIFFERENT_FORM_FACTOR
    return most


def _least_costs(tokens: tuple[str, ...], weights: list[float]) -> tuple[list[float], list[float]]:
    """What leaving each word out costs at the least, in a person's name and in any
    other (see ``alignment._position_factor``: an end word of a person's name costs
    less once two words align, which may or may not happen)."""
    last = len(tokens) - 1
    person, other = [], []
    for i, (token, weight) in enumerate(zip(tokens, weights, strict=True)):
        middle = i not in (0, last)
        person.append(weight * (MIDDLE_PERSON if middle or is_patronymic(token) else END_ANCHORED))
        other.append(weight * (MIDDLE_ORG if middle else 1.0))
    return person, other


@memo(200_000)
def _word(token: str) -> tuple[float, int, bool, bool, bool]:
    """What bounding asks of a listed word: its weight, its length, whether it may pair
    loosely, whether it may be initials, whether it is a patronymic."""
    return (
        token_weight(token),
        len(token),
        _may_pair_loosely(token),
        _may_be_initials(token),
        is_patronymic(token),
    )


def _may_be_initials(word: str) -> bool:
    return 2 <= len(word) <= INITIALS_UP_TO and word.isalpha()


def _apart(tokens: tuple[str, ...]) -> list[tuple[Span, str, int]]:
    """The two or three words of a name, not next to each other, that ``_glued`` may
    join, with their text and its length."""
    if not 3 <= len(tokens) <= 8:
        return []
    found: list[tuple[Span, str, int]] = []
    size = len(tokens)
    for a in range(size):
        for b in range(a + 2, size):
            text = tokens[a] + tokens[b]
            found.append(((a, b), text, len(text)))
    for a in range(size):
        for b in range(a + 1, size):
            for c in range(b + 1, size):
                if c - a != 2:
                    text = tokens[a] + tokens[b] + tokens[c]
                    found.append(((a, b, c), text, len(text)))
    return found


def _glued(
    short: tuple[str, ...], apart: list[tuple[Span, str, int]]
) -> list[tuple[float, int, Span]]:
    """What ``alignment._glued`` finds when every word of both names is free (``apart``
    is ``_apart`` of the other name)."""
    found: list[tuple[float, int, Span]] = []
    for i, word in enumerate(short):
        size = len(word)
        if size < GLUE_FROM:
            continue
        for picked, joined, length in apart:
            if abs(length - size) <= 2:
                sim = token_sim(word, joined)
                if sim >= MERGE_MIN_SIM:
                    found.append((sim, i, picked))
    return found


def _one_strong_at_most(
    counting: list[tuple[Span, Span]], wq: list[float], wc: list[float]
) -> bool:
    """Whether the strong words aligned add up to one at most, whichever of these pairs
    (each heavy enough to count) are taken: each counts one, and no two can be taken
    together (each two share a word)."""
    if len(counting) > MAX_COUNTING:
        return False
    for qs, cs in counting:
        if sum(1 for i in qs if wq[i] >= STRONG_WEIGHT) > 1:
            return False
        if sum(1 for j in cs if wc[j] >= STRONG_WEIGHT) > 1:
            return False
    for n, (qs, cs) in enumerate(counting):
        for other_qs, other_cs in counting[n + 1 :]:
            if not (set(qs).intersection(other_qs) or set(cs).intersection(other_cs)):
                return False
    return True
