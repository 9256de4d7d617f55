"""Candidate retrieval over one index's tables: which listed names could match a query.

Each word of a query is expanded to the listed words it could stand for (``expand``);
a listed name is a candidate when it shares enough expanded words with the query, and
candidates are ranked by a weighted overlap in which rare words count more (see
``casework.screening.index`` for the whole picture). ``Retrieval`` is the part of
``TableIndex`` that does this; it reads only arrays, so it works the same on an index
just built and on one mapped from a snapshot.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from casework.screening.arrays import (
    BoolArray,
    FloatArray,
    HashArray,
    IntArray,
    OffsetArray,
    Texts,
    TokenMap,
    Words,
    holds,
    sorted_unique,
    stable_hash,
    stable_hashes,
    unique_inverse,
)
from casework.screening.given_names import full_forms
from casework.screening.index_builder import LONG, ends_keys
from casework.screening.normalize import (
    deletions,
    fold,
    has_vowel,
    phonetic_key,
    retrieval_tokens,
    skeleton,
)
from casework.screening.postings import probe, union, union_best
from casework.screening.romanisation import chinese_keys, korean_keys
from casework.screening.score import token_sim
from casework.screening.similarity import FOLDED_SIM, abjad_key, abjad_sim

Allowed = Callable[[IntArray], BoolArray]  # which of these entities a search may return
Expansions = tuple[tuple[int, float], ...]  # listed tokens and their similarity, best first

DENSE_FROM = 40_000  # total posting length from which retrieval may count in a dense array
# What probing every posting list for one seed costs, per list, against counting one
# posting in the dense array (measured at a million entities: about the same).
PROBE_COST = 1.0
ACRONYM_RANK = 0.9  # the cheap score of a name found as the acronym a query is
INITIALS_RANK = 0.8  # ... and of one found by initials
INITIALLED_SCANNED = 5000  # names holding a query's strong word checked for its initials
UNION_IDS_KEPT = 6_000_000  # name ids of posting-list unions kept for later searches (48 MB)
SCRATCH_KEPT = 4  # counting arrays kept for the next searches (5 bytes a listed name each)


@dataclass(frozen=True, slots=True)
class Readings:
    """Expansions a query name's language or script adds: romanisations of a Chinese or
    Korean name, consonants of a name written in Arabic or Hebrew script."""

    romanised: bool = False
    abjad: bool = False


Reading = Readings | None


@dataclass(frozen=True, slots=True)
class Candidates:
    """Names retrieved for one query name: ids and cheap scores, best first."""

    names: IntArray
    scores: FloatArray


EMPTY = Candidates(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))

UnionKey = tuple[str, bool, Reading]


class Unions:
    """Unions of posting lists already made (``Retrieval._union``), up to so many ids in
    all, then forgotten all at once: the words of common names come back query after
    query, and theirs are the longest lists to merge."""

    def __init__(self, kept: int = UNION_IDS_KEPT) -> None:
        self._found: dict[UnionKey, tuple[IntArray, FloatArray]] = {}
        self._held = 0
        self._kept = kept

    def get(self, key: UnionKey) -> tuple[IntArray, FloatArray] | None:
        return self._found.get(key)

    def put(self, key: UnionKey, union: tuple[IntArray, FloatArray]) -> None:
        size = len(union[0])
        if self._held + size > self._kept:
            self._found = {}
            self._held = 0
        self._found[key] = union
        self._held += size


Counting = tuple[npt.NDArray[np.int8], FloatArray]


class Scratch:
    """Counting arrays with a slot per listed name, all zero, lent to one search at a time
    (``Retrieval._shared``) and given back zero again. New ones would cost a fresh
    allocation and a page fault per 4 KiB touched, and a scan of every slot for what
    was counted; these are cleared where they were counted, and found candidates are
    read from the posting lists that were counted. Searches in several threads each
    take their own."""

    def __init__(self, size: int, kept: int = SCRATCH_KEPT) -> None:
        self._size = size
        self._kept = kept
        self._free: list[Counting] = []

    def take(self) -> Counting:
        try:
            return self._free.pop()  # atomic: two threads never get the same arrays
        except IndexError:
            return np.zeros(self._size, dtype=np.int8), np.zeros(self._size, dtype=np.float32)

    def give(self, arrays: Counting) -> None:
        if len(self._free) < self._kept:
            self._free.append(arrays)


class Retrieval:
    """Expansion and retrieval, for a class that holds these tables (``TableIndex``)."""

    tokens: Words
    vocab: Words
    name_entity: IntArray
    name_tok_off: OffsetArray
    name_toks: IntArray
    first_letters: IntArray
    idf: FloatArray
    name_weight: FloatArray
    multi_off: OffsetArray
    multi: IntArray
    single_off: OffsetArray
    single: IntArray
    acronyms: Words
    acro_off: OffsetArray
    acro: IntArray
    unions: Unions
    scratch: Scratch
    phonetic: TokenMap
    skeletons: TokenMap
    romanised: TokenMap
    consonants: TokenMap
    forms: TokenMap
    deleted: TokenMap
    ends_hashes: HashArray
    ends_offsets: OffsetArray
    ends_tokens: IntArray
    ends_spellings: Texts
    expand: Callable[[str], Expansions]
    expand_romanised: Callable[[str], Expansions]
    expand_abjad: Callable[[str], Expansions]
    multi_names_near: Callable[[str], IntArray]

    def _ends_group(self, key: str) -> tuple[list[str], list[int]]:
        """The long folded tokens that begin or end as ``key`` says, and their ids."""
        wanted = stable_hash(key)
        first = int(np.searchsorted(self.ends_hashes, wanted, "left"))
        last = int(np.searchsorted(self.ends_hashes, wanted, "right"))
        if first == last:
            return [], []
        start, end = int(self.ends_offsets[first]), int(self.ends_offsets[last])
        return self.ends_spellings.between(start, end), self.ends_tokens[start:end].tolist()

    def _expand(self, token: str) -> Expansions:
        """Listed tokens this query token may stand for, with their similarity.

        Looked up: the same spelling, one edit away (deletion variants of the token and
        of its folded spelling), the same phonetic key, the same consonants for vowelless
        tokens, and, for long tokens, two edits away among listed tokens that begin or
        end with the same three letters.
        """
        forms = {token, fold(token)}
        variants = {v for f in forms if len(f) >= 3 for v in deletions(f)}
        found = self.phonetic.get(phonetic_key(token))
        # A short form finds the full name ("bill": william); the other way round would
        # widen every common given name's search for what lists rarely write.
        nicknamed = full_forms(token)
        if nicknamed:
            found |= self.forms.get(*nicknamed)
        hashed = stable_hashes([*forms, *variants])
        found |= self.forms.get_hashed(hashed)
        found |= self.deleted.get_hashed(hashed)
        folded = fold(token)
        if len(folded) >= LONG:
            for key in ends_keys(folded):
                spellings, ids = self._ends_group(key)
                near = process.extract(
                    folded, spellings, scorer=OSA.distance, score_cutoff=2, limit=None
                )
                found.update(ids[i] for _, _, i in near)
        key = skeleton(token)
        if len(key) >= 2:
            vowelless = not has_vowel(token)
            found.update(
                t for t in self.skeletons.get(key) if vowelless or not has_vowel(self.tokens[t])
            )
        scored = ((tid, token_sim(token, self.tokens[tid])) for tid in found)
        return tuple(sorted(((t, s) for t, s in scored if s > 0.0), key=lambda p: (-p[1], p[0])))

    def _expand_romanised(self, token: str) -> Expansions:
        """Listed words that are this word of a Chinese or Korean name in another
        romanisation ("tung" for "dong", "kim" for "gim")."""
        keys = [f"c:{k}" for k in chinese_keys(token)] + [f"k:{k}" for k in korean_keys(token)]
        found = self.romanised.get(*keys) if keys else set()
        return tuple(sorted((t, FOLDED_SIM) for t in found if self.tokens[t] != token))

    def romanised_word(self, token: str) -> bool:
        """Whether a listed word is this one in some romanisation of Chinese or Korean."""
        keys = [f"c:{k}" for k in chinese_keys(token)] + [f"k:{k}" for k in korean_keys(token)]
        return any(self.romanised.holds(keys)) if keys else False

    def _expand_abjad(self, token: str) -> Expansions:
        """Listed words with the consonants of a word written in Arabic or Hebrew script."""
        key = abjad_key(token)
        if len(key) < 2:
            return ()
        scored = ((t, abjad_sim(token, self.tokens[t])) for t in self.consonants.get(key))
        return tuple(sorted((t, sim) for t, sim in scored if sim > 0.0))

    def _expansions(self, token: str, reading: Reading) -> Expansions:
        """``expand``, and the expansions the query name's script or language adds."""
        found = self.expand(token)
        if not reading:
            return found
        extra = list(found)
        if reading.romanised:
            extra += self.expand_romanised(token)
        if reading.abjad:
            extra += self.expand_abjad(token)
        best: dict[int, float] = {}
        for tid, sim in extra:
            best[tid] = max(sim, best.get(tid, 0.0))
        return tuple(sorted(best.items(), key=lambda p: (-p[1], p[0])))

    def initialled_names(
        self, words: list[str], letters: str, allowed: Allowed, limit: int
    ) -> Candidates:
        """Multi-word names holding every one of ``words`` and other words beginning with
        ``letters`` in order: "George Walker Bush" for "GW Bush", "Vladimir Putin" for
        "V. Putin". Overlap cannot find them, with one strong word in common."""
        unions = [self._union(w, self.multi_off, self.multi)[0] for w in words]
        if not unions or not all(len(ids) for ids in unions):
            return EMPTY
        names = unions[0]
        for ids in unions[1:]:
            names = names[holds(ids, names)]
        names = names[allowed(self.name_entity[names])][:INITIALLED_SCANNED]
        if not len(names):
            return EMPTY
        # Each name's words' first letters, flattened (compressed rows), then whether a
        # name has a word beginning with each of the letters.
        starts, ends = self.name_tok_off[names], self.name_tok_off[names + 1]
        sizes = ends - starts
        flat = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        firsts = self.first_letters[self.name_toks[flat]]
        rows = np.repeat(np.arange(len(names)), sizes)
        keep = np.ones(len(names), dtype=bool)
        for letter in set(letters):
            has = np.zeros(len(names), dtype=bool)
            has[rows[firsts == ord(letter)]] = True
            keep &= has
        found = names[keep][:limit]
        return Candidates(found, np.full(len(found), INITIALS_RANK, dtype=np.float32))

    def acronym_names(self, token: str) -> IntArray:
        """Names whose acronym is this word ("IRGC": Islamic Revolutionary Guard Corps)."""
        aid = self.acronyms.get(token)
        if aid is None:
            return np.zeros(0, dtype=np.int32)
        ids: IntArray = self.acro[self.acro_off[aid] : self.acro_off[aid + 1]]
        return ids

    def one_word_names(self, token: str, allowed: Allowed, limit: int) -> Candidates:
        """Listed names of this one word exactly: those a query name's acronym may be."""
        tid = self.vocab.get(token)
        if tid is None:
            return EMPTY
        ids = self.single[self.single_off[tid] : self.single_off[tid + 1]]
        ids = ids[allowed(self.name_entity[ids])][:limit]
        return Candidates(ids, np.full(len(ids), ACRONYM_RANK, dtype=np.float32))

    def _union(
        self, token: str, offsets: OffsetArray, postings: IntArray, reading: Reading = None
    ) -> tuple[IntArray, FloatArray]:
        """Names containing any expansion of the token, with the best similarity each
        (read-only arrays, which later searches may be given again)."""
        key = (token, offsets is self.multi_off, reading)
        found = self.unions.get(key)
        if found is None:
            found = self._make_union(token, offsets, postings, reading)
            found[0].flags.writeable = found[1].flags.writeable = False
            self.unions.put(key, found)
        return found

    def _make_union(
        self, token: str, offsets: OffsetArray, postings: IntArray, reading: Reading
    ) -> tuple[IntArray, FloatArray]:
        parts = [
            (postings[offsets[tid] : offsets[tid + 1]], sim)
            for tid, sim in self._expansions(token, reading)
        ]
        parts = [(ids, sim) for ids, sim in parts if len(ids)]
        if not parts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        if len(parts) == 1:
            ids, sim = parts[0]
            return ids, np.full(len(ids), sim, dtype=np.float32)
        return union_best([ids for ids, _ in parts], [sim for _, sim in parts])

    def _multi_names_near(self, token: str) -> IntArray:
        """Multi-word names holding any expansion of the token (what ``_shared`` counts),
        sorted, each once: often a slice of the mapped postings, so remembering it costs
        nothing."""
        return self._union(token, self.multi_off, self.multi)[0]

    def shared_enough(self, tokens: tuple[str, ...], alive: Allowed | None = None) -> bool:
        """Whether some multi-word name shares enough of these query words for
        ``retrieve`` to return it by overlap (the rule of ``_shared``); ``alive``, when
        given, says which entities still count."""
        words = sorted(set(retrieval_tokens(tokens)))
        if not words:
            return False
        need = min(len(words), max(2, math.ceil(len(words) / 2)))
        names, counts = np.unique(
            np.concatenate([self.multi_names_near(word) for word in words]), return_counts=True
        )
        names = names[counts >= need]
        if alive is None or not len(names):
            return bool(len(names))
        return bool(alive(self.name_entity[names]).any())

    def retrieve(
        self, tokens: tuple[str, ...], allowed: Allowed, limit: int, reading: Reading = None
    ) -> Candidates:
        """The ``limit`` best-ranked names for a query name, by cheap weighted overlap.

        A word repeated in the query ("Ahmad Ahmad") counts twice in the overlap but
        once for the number of distinct words a candidate must share. A one-word query
        also finds the names it is the acronym of. ``reading`` adds the expansions of a
        Chinese or Korean name, or of one written in Arabic or Hebrew script.
        """
        counted = Counter(retrieval_tokens(tokens))
        if not counted:
            return EMPTY
        words = sorted(counted)
        weights = [self._weight(w) * counted[w] for w in words]
        total = float(sum(weights))
        found_ids: list[IntArray] = []
        found_scores: list[FloatArray] = []
        if len(words) >= 2 or sum(counted.values()) >= 2:
            cand, overlap = self._shared(words, weights, reading)
            found_ids.append(cand)
            found_scores.append(overlap / (total + self.name_weight[cand] - overlap))
        if len(words) == 1 and words[0].isalpha():
            named = self.acronym_names(words[0])
            if len(named):
                found_ids.append(named)
                found_scores.append(np.full(len(named), ACRONYM_RANK, dtype=np.float32))
        singles = [self._union(w, self.single_off, self.single, reading) for w in words]
        if any(len(ids) for ids, _ in singles):
            ids = np.concatenate([ids for ids, _ in singles])
            parts = [sims * weight for (_, sims), weight in zip(singles, weights, strict=True)]
            ids, where = unique_inverse(ids)
            overlap = np.bincount(where, weights=np.concatenate(parts)).astype(np.float32)
            found_ids.append(ids)
            found_scores.append(overlap / (total + self.name_weight[ids] - overlap))
        if not found_ids:
            return EMPTY
        ids = np.concatenate(found_ids)
        scores = np.concatenate(found_scores).astype(np.float32)
        ok = allowed(self.name_entity[ids])
        ids, scores = ids[ok], scores[ok]
        if len(ids) > limit:
            top = np.argpartition(-scores, limit - 1)[:limit]
            top = np.nonzero(scores >= scores[top].min())[0]
            ids, scores = ids[top], scores[top]
        order = np.lexsort((ids, -scores))[:limit]
        return Candidates(ids[order], scores[order])

    def retrieve_at(
        self, tokens: tuple[str, ...], allowed: Allowed, limits: list[int], reading: Reading = None
    ) -> list[Candidates]:
        """``retrieve`` at each of these limits, retrieved once: names are ranked in one
        total order (score, then id), so those at a smaller limit are the first ones at
        a larger."""
        found = self.retrieve(tokens, allowed, max(limits), reading)
        return [Candidates(found.names[:limit], found.scores[:limit]) for limit in limits]

    def _shared(
        self, words: list[str], weights: list[float], reading: Reading = None
    ) -> tuple[IntArray, FloatArray]:
        """Multi-word names sharing enough of the query's distinct words, and the overlap.

        A name must share two words, or half of them for long queries. By pigeonhole it
        then contains one of the ``len(words) - need + 1`` rarest words, so only those
        posting lists are merged into the candidate set and the others are probed. When
        the lists are long (common names) and the rarest of them are long too, counting
        every posting into one slot per listed name is cheaper than probing.
        """
        unions = [self._union(w, self.multi_off, self.multi, reading) for w in words]
        need = min(len(words), max(2, math.ceil(len(words) / 2)))
        by_size = sorted(range(len(words)), key=lambda i: (len(unions[i][0]), i))
        seeds = [unions[i][0] for i in by_size[: len(words) - need + 1]]
        total = sum(len(ids) for ids, _ in unions)
        probes = sum(len(ids) for ids in seeds) * len(unions) * PROBE_COST
        if total > DENSE_FROM and probes >= total:
            return self._counted(unions, weights, seeds, need)
        cand = union(seeds) if len(seeds) > 1 else seeds[0]
        counts = np.zeros(len(cand), dtype=np.int8)
        overlap = np.zeros(len(cand), dtype=np.float32)
        for (ids, sims), weight in zip(unions, weights, strict=True):
            probe(cand, ids, sims, weight, counts, overlap)
        keep = counts >= need
        return cand[keep], overlap[keep]

    def _counted(
        self,
        unions: list[tuple[IntArray, FloatArray]],
        weights: list[float],
        seeds: list[IntArray],
        need: int,
    ) -> tuple[IntArray, FloatArray]:
        """``_shared`` for long posting lists: counted in a slot per listed name."""
        hits, dense = arrays = self.scratch.take()
        for (ids, sims), weight in zip(unions, weights, strict=True):
            hits[ids] += 1
            dense[ids] += sims * weight
        # Every candidate is in a seed list (see ``_shared``).
        found = [ids[hits[ids] >= need] for ids in seeds]
        cand = sorted_unique(np.concatenate(found)) if len(found) > 1 else found[0]
        overlap = dense[cand]
        for ids, _ in unions:
            hits[ids] = 0
            dense[ids] = 0.0
        self.scratch.give(arrays)
        return cand, overlap

    def _weight(self, token: str) -> float:
        tid = self.vocab.get(token)
        if tid is not None and tid < len(self.idf):
            return float(self.idf[tid])
        expanded = self.expand(token)
        if expanded:
            return float(self.idf[expanded[0][0]])
        return float(self.idf.max()) if len(self.idf) else 1.0
