"""Cutting a query name into listed words differently: "VladimirPutin", "Ser Gei Sho Igu".

Words are looked up one by one, so a name whose words are run together or broken up
finds nothing as written. ``Recutter`` proposes other cuts of it into words the lists
hold: a run of words that makes a listed word is joined, a word that is not listed is
split into listed words that one listed name holds together. It asks the index only a
few questions (``Layer``), so it works over one index and over a base with an overlay
(``casework.screening.layered``) alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from casework.screening.arrays import IntArray, holds
from casework.screening.normalize import (
    HONORIFICS,
    LEGAL_FORMS,
    RETRIEVAL_WEIGHT,
    VESSEL_PREFIXES,
    fold,
    memo,
    token_weight,
)
from casework.screening.numbers import SCALES
from casework.screening.numbers import SMALL as NUMBER_WORDS
from casework.screening.retrieval import Allowed

MIN_PART = 2  # letters in each word a written-together word is split into
CUTS_TRIED = 200  # cuts of one word into as many words, at most, checked against names
MAX_PARTS = 5  # words joined into one, or one split into
SPLIT_FROM, SPLIT_UP_TO = 5, 40  # lengths of the unknown words that are split
SPLIT_UNLESS_NEAR = 0.8  # a word more similar to a listed one is another spelling of it
MIN_JOINED = 4  # letters of a word made by joining
SHORT = 4  # two words, one of them this short or shorter, are also cut again
SPLITS_PER_WORD = 3  # ways of splitting one word that are tried
MAX_RECUTS = 4  # other cuts of one query name that are searched

# Words of names that the index sets aside or writes otherwise, and so are not in its
# vocabulary, yet which a word written together with others may hold
# ("AcmeTradingLimited", "HajiMohammadKhan", "UnitTwentySix").
SET_ASIDE = frozenset(
    word
    for words in (*LEGAL_FORMS, HONORIFICS, VESSEL_PREFIXES, NUMBER_WORDS, SCALES)
    for word in words
    if len(word) >= MIN_PART
)


@dataclass(frozen=True, slots=True)
class Recut:
    """A query name cut into words differently: words written together taken apart
    ("VladimirPutin"), a word written in pieces put together ("Ser Gei Sho Igu")."""

    tokens: tuple[str, ...]
    rewritten: frozenset[str]  # the words the new cut made, which a match must use


class Layer(Protocol):
    """What cutting asks of one index (``TableIndex``)."""

    @property
    def name_entity(self) -> IntArray: ...

    def listed(self, words: Sequence[str]) -> list[bool]:
        """Whether each word is a listed word as spelled."""
        ...

    def folded_listed(self, words: Sequence[str]) -> list[bool]:
        """Whether each word is a listed word's spelling or folded spelling."""
        ...

    def near(self, token: str) -> bool:
        """Whether a listed word is so like ``token`` that it is another spelling of it."""
        ...

    def names_holding(self, word: str) -> IntArray:
        """The multi-word names holding the word (as spelled, else folded), sorted."""
        ...

    def any_near(self, token: str, names: IntArray) -> bool:
        """Whether one of these names holds a word ``token`` expands to."""
        ...


def _kept(word: str) -> bool:
    return word not in SET_ASIDE and token_weight(word) >= RETRIEVAL_WEIGHT


class Recutter:
    """Other cuts of query names into the words of ``layers``: each layer with the
    entities of it that still count (None: all)."""

    def __init__(self, layers: Sequence[tuple[Layer, Allowed | None]], *, cached: int) -> None:
        self.layers = list(layers)
        self.split = memo(cached)(self._split_word)
        self.split_joined = memo(cached)(self._split_joined)
        self._cached = cached
        # The answers of the layers, word by word: the words of queries, and the pieces
        # they are cut into, recur from one query to the next.
        self._spelled: dict[str, bool] = {}
        self._folded: dict[str, bool] = {}

    def known(self, words: Sequence[str]) -> list[bool]:
        """Whether each word is a listed word, as spelled or in its folded spelling, or a
        word names carry that the index sets aside (legal forms, titles)."""
        found = self._listed(words)
        held = self._remembered(
            self._folded,
            words,
            lambda missing: self._any(
                lambda layer: layer.folded_listed([fold(w) for w in missing]), len(missing)
            ),
        )
        return [f or h or w in SET_ASIDE for w, f, h in zip(words, found, held, strict=True)]

    def _remembered(
        self,
        answers: dict[str, bool],
        words: Sequence[str],
        ask: Callable[[list[str]], list[bool]],
    ) -> list[bool]:
        """``ask(words)``, asking only about the words not in ``answers`` (and keeping
        what it answers there)."""
        found = {w: answers.get(w) for w in words}
        missing = [w for w, answer in found.items() if answer is None]
        if missing:
            asked = ask(missing)
            found.update(zip(missing, asked, strict=True))
            if len(answers) + len(missing) > self._cached:
                answers.clear()
            answers.update(zip(missing, asked, strict=True))
        return [bool(found[w]) for w in words]

    def _any(self, ask: Callable[[Layer], list[bool]], size: int) -> list[bool]:
        answers = [ask(layer) for layer, _ in self.layers]
        return [any(column) for column in zip(*answers, strict=True)] if answers else [False] * size

    def _listed(self, words: Sequence[str]) -> list[bool]:
        return self._remembered(
            self._spelled,
            words,
            lambda missing: self._any(lambda layer: layer.listed(missing), len(missing)),
        )

    def _near(self, token: str) -> bool:
        return any(layer.near(token) for layer, _ in self.layers)

    def _holding(
        self, layer: Layer, alive: Allowed | None, words: tuple[str, ...]
    ) -> IntArray | None:
        """The layer's listed names of several words that hold all of these words the
        index keeps (None when it keeps none of them)."""
        lists = [layer.names_holding(word) for word in words if _kept(word)]
        if not lists:
            return None
        lists.sort(key=len)
        names = lists[0]
        for other in lists[1:]:  # probe the longer lists with the shortest one's names
            names = names[holds(other, names)]
        if alive is not None and len(names):
            names = names[alive(layer.name_entity[names])]
        return names

    def _one_name(self, words: tuple[str, ...]) -> bool:
        """Whether the words are one listed name's: the kept ones all in one name, or at
        most one kept word with particles, legal forms or titles ("publicjoint")."""
        if sum(1 for w in words if _kept(w)) < 2:
            return True
        for layer, alive in self.layers:
            names = self._holding(layer, alive, words)
            if names is not None and len(names):
                return True
        return False

    def _fits(self, way: tuple[str, ...], others: list[str]) -> bool:
        """Whether a listed name of the words of ``way`` also holds a word near one of
        ``others`` (or ``way`` has no word the index keeps)."""
        for layer, alive in self.layers:
            names = self._holding(layer, alive, way)
            if names is None or any(layer.any_near(t, names) for t in others):
                return True
        return False

    def _splits_in(self, tokens: tuple[str, ...], a: int, b: int) -> tuple[tuple[str, ...], ...]:
        """The splits of ``tokens[a:b]`` written together whose listed name also holds a
        word near one of the query's other words, if it has any ("Karen Meza" is no
        "ka ren meza": no name of "ka" and "ren" has a word like "meza")."""
        ways = self.split(tokens[a]) if b - a == 1 else self.split_joined("".join(tokens[a:b]))
        others = [
            t
            for k, t in enumerate(tokens)
            if not a <= k < b and token_weight(t) >= RETRIEVAL_WEIGHT
        ]
        if not ways or not others:
            return ways
        return tuple(way for way in ways if self._fits(way, others))

    def _joins(self, tokens: tuple[str, ...]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Runs of adjacent words that are better written as other words, best first.

        A run of two to five words is joined when together they make a known word
        ("ser gei" is "sergei"), longest runs first. Two words of which one is not known
        are also cut again when one is short ("kyo ngthaek" is "kyong thaek").
        """
        size = len(tokens)
        windows = [(a, a + n) for n in range(MAX_PARTS, 1, -1) for a in range(size - n + 1)]
        if not windows:
            return []
        joined = ["".join(tokens[a:b]) for a, b in windows]
        known = self.known(joined)
        alone = dict(zip(tokens, self.known(tokens), strict=True))
        found: list[tuple[int, int, int, tuple[str, ...]]] = []
        for (a, b), word, listed in zip(windows, joined, known, strict=True):
            if len(word) < MIN_JOINED:
                continue
            if listed:
                found.append((0, a, b, (word,)))
            elif (
                b - a == 2
                and not (alone[tokens[a]] and alone[tokens[a + 1]])
                and min(len(tokens[a]), len(tokens[a + 1])) <= SHORT
            ):
                found.extend((1, a, b, cut) for cut in self._splits_in(tokens, a, b)[:1])
        found.sort(key=lambda f: (f[0], f[1] - f[2], f[1]))
        return [(a, b, words) for _, a, b, words in found]

    def recut(self, tokens: tuple[str, ...]) -> list[Recut]:
        """The query name cut into listed words differently, if it can be (see ``Recut``).

        Runs of words that make other words (``_joins``) are joined, the best first;
        then each word that is not listed is split into listed words where it can be
        (``_split``, ``_splits_in``). Besides that cut: the same without joining a
        particle to the next word (which the scorer does anyway: "al shara", not
        "alshara"), with splits only, and with each word's other splits.
        """
        joins = self._joins(tokens)
        splits = [self._splits_in(tokens, i, i + 1) for i in range(len(tokens))]
        if not joins and not any(splits):
            return []
        particle_free = [j for j in joins if token_weight(tokens[j[0]]) >= RETRIEVAL_WEIGHT]
        cuts: dict[tuple[str, ...], frozenset[str]] = {}
        for chosen, nth in (
            (joins, 0),
            (particle_free, 0),
            ([], 0),
            *(([], n) for n in range(1, SPLITS_PER_WORD)),
        ):
            recut = _recut(tokens, chosen, splits, nth)
            if recut is not None and recut[0] not in cuts:
                cuts[recut[0]] = recut[1]
        return [Recut(tokens=t, rewritten=r) for t, r in list(cuts.items())[:MAX_RECUTS]]

    def _split_word(self, token: str) -> tuple[tuple[str, ...], ...]:
        return self._split(token, near_first=True)

    def _split_joined(self, word: str) -> tuple[tuple[str, ...], ...]:
        return self._split(word, near_first=False)

    def _split(self, token: str, *, near_first: bool) -> tuple[tuple[str, ...], ...]:
        """Ways to cut ``token`` into the fewest words of one listed name, best first.

        Only for a word that is not known itself, nor a near spelling of a listed word.
        The words (two to five) must be known, as spelled or else in folded spelling
        ("vlaadimirputin"), and those the index keeps must all be in one listed name:
        "vladimirputin" is "vladimir putin", while "jakobsen" is no "ja ko bs en" though
        each is some name's syllable. Of cuts into as many words, those whose shortest
        word is longest come first; a few are kept, since "kimjongun" could be "kim jong
        un" or "kim jon gun".

        ``near_first`` for a word of the query, which retrieval expands anyway: then the
        test for a near listed word comes first and spares the cutting.
        """
        size = len(token)
        if not SPLIT_FROM <= size <= SPLIT_UP_TO or not token.isalpha() or self.known([token])[0]:
            return ()
        if near_first and self._near(token):
            return ()
        found = self._cuts(
            token,
            lambda words: [
                listed or w in SET_ASIDE
                for w, listed in zip(words, self._listed(words), strict=True)
            ],
        )
        folded = fold(token)
        if not found and folded != token and len(folded) >= SPLIT_FROM:
            found = self._cuts(
                folded,
                lambda words: [
                    held or w in SET_ASIDE
                    for w, held in zip(
                        words,
                        self._any(lambda layer: layer.folded_listed(words), len(words)),
                        strict=True,
                    )
                ],
            )
        return () if not found or (not near_first and self._near(token)) else found

    def _cuts(
        self, token: str, known: Callable[[list[str]], list[bool]]
    ) -> tuple[tuple[str, ...], ...]:
        """The best cuts of ``token`` into the fewest ``known`` words of one name."""
        size = len(token)
        inner = range(MIN_PART, size - MIN_PART + 1)  # where a cut may fall
        starts = [j for j, ok in zip(inner, known([token[:j] for j in inner]), strict=True) if ok]
        if not starts or not any(known([token[i:] for i in inner])):
            return ()  # most words: no known word begins or ends them
        # The known words from each place a cut can reach, asked a round of places at a
        # time: only from there can a cut go on.
        ends: dict[int, list[int]] = defaultdict(list, {0: starts})
        reached, places = {0}, sorted(set(starts))
        while places:
            reached.update(places)
            spans = [(i, j) for i in places for j in range(i + MIN_PART, size + 1)]
            for (i, j), ok in zip(spans, known([token[i:j] for i, j in spans]), strict=True):
                if ok:
                    ends[i].append(j)
            places = sorted({j for i in places for j in ends[i] if j < size} - reached)
        for parts in range(2, MAX_PARTS + 1):
            cuts: list[tuple[int, ...]] = []
            stack: list[tuple[int, ...]] = [(0,)]
            while stack and len(cuts) < CUTS_TRIED:
                cut = stack.pop()
                if len(cut) == parts:
                    cuts.extend((*cut, size) for end in ends.get(cut[-1], ()) if end == size)
                else:
                    stack.extend((*cut, end) for end in ends.get(cut[-1], ()) if end < size)
            cuts.sort(key=lambda c: (-min(b - a for a, b in pairwise(c)), c))
            together: list[tuple[str, ...]] = []
            for cut in cuts:
                words = tuple(token[a:b] for a, b in pairwise(cut))
                if self._one_name(words):
                    together.append(words)
                    if len(together) == SPLITS_PER_WORD:
                        break
            if together:
                return tuple(together)
        return ()


def _recut(
    tokens: tuple[str, ...],
    joins: list[tuple[int, int, tuple[str, ...]]],
    splits: list[tuple[tuple[str, ...], ...]],
    nth: int,
) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """One cut: the joins that fit, best first, then each word's ``nth`` split."""
    taken: dict[int, tuple[int, tuple[str, ...]]] = {}
    used: set[int] = set()
    for a, b, words in joins:
        if not used.intersection(range(a, b)):
            used.update(range(a, b))
            taken[a] = (b, words)
    out: list[str] = []
    rewritten: set[str] = set()
    i = 0
    while i < len(tokens):
        if i in taken:
            i, words = taken[i]
            out.extend(words)
            rewritten.update(words)
            continue
        if nth < len(splits[i]):
            out.extend(splits[i][nth])
            rewritten.update(splits[i][nth])
        else:
            out.append(tokens[i])
        i += 1
    return (tuple(out), frozenset(rewritten)) if rewritten else None
