"""Merging posting lists: the sorted arrays of name ids that retrieval combines.

Two operations take much of retrieval's time once its words are expanded: the union of
a word's expansions' lists (each name once, with the similarity of the most similar
expansion holding it), and probing candidates against each word's union. Both are
compiled (``_postings.c``, built when casework is installed with a C compiler at hand),
which walks the sorted arrays without the temporaries and the many calls of the numpy
versions; a large union of many lists is one numpy sort of keys the compiled module
writes. The numpy versions are the reference: they give the same answers to the bit,
serve where the compiled module was not built, and are what the tests compare it with.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

from casework.screening.arrays import FloatArray, IntArray, first_of_runs, sorted_unique

_compiled: ModuleType | None
try:
    from casework.screening import _postings as _compiled
except ImportError:  # no C compiler where casework was installed
    _compiled = None

COMPILED = _compiled is not None
# From this many ids, a union of more than two lists is made by numpy's sort (vectorised
# on most processors) rather than by merging: the lists interleave, and merging them
# mispredicts a branch every few ids. Measured on the unions of 3,000 searches at a
# million entities: 270 ms from 2,048 ids on (the same from 256), 500 ms merging all.
SORTED_FROM = 2_048


def union_best(lists: Sequence[IntArray], sims: Sequence[float]) -> tuple[IntArray, FloatArray]:
    """Every id of the sorted, duplicate-free ``lists``, sorted, each once, with the
    highest similarity (float32) of the lists that hold it."""
    if _compiled is None:
        return union_best_reference(lists, sims)
    total = sum(len(ids) for ids in lists)
    if total >= SORTED_FROM and len(lists) > 2:
        union = _sorted_union(lists, sims, total)
        if union is not None:
            return union
    ids = np.empty(total, dtype=np.int32)
    found = np.empty(total, dtype=np.float32)
    size = _compiled.union_best(lists, sims, ids, found)
    return ids[:size], found[:size]


def _sorted_union(
    lists: Sequence[IntArray], sims: Sequence[float], total: int
) -> tuple[IntArray, FloatArray] | None:
    """``union_best`` by one sort of every id with its list's rank in the bits below it,
    the most similar list ranked first; None when the ids leave too few bits free."""
    assert _compiled is not None
    order = sorted(range(len(lists)), key=lambda i: -sims[i])
    shift = (len(lists) - 1).bit_length()
    if max(int(lists[i][-1]) for i in order if len(lists[i])) >> (31 - shift):
        return None
    keys = np.empty(total, dtype=np.int32)
    _compiled.rank_keys([lists[i] for i in order], shift, keys)
    keys.sort()
    ids = keys >> shift
    first = first_of_runs(ids)
    ranked = np.array([sims[i] for i in order], dtype=np.float32)
    return ids[first], ranked[keys[first] & ((1 << shift) - 1)]


def union_best_reference(
    lists: Sequence[IntArray], sims: Sequence[float]
) -> tuple[IntArray, FloatArray]:
    if not lists:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    ids = np.concatenate(lists)
    repeated = np.repeat(np.array(sims, dtype=np.float32), [len(part) for part in lists])
    order = np.lexsort((-repeated, ids))  # by id, the highest similarity first
    ordered = ids[order]
    first = first_of_runs(ordered)
    return ordered[first], repeated[order][first]


def union(lists: Sequence[IntArray]) -> IntArray:
    """Every id of the sorted, duplicate-free ``lists``, sorted, each once."""
    if _compiled is None:
        return sorted_unique(np.concatenate(lists)) if lists else np.zeros(0, dtype=np.int32)
    ids = np.empty(sum(len(part) for part in lists), dtype=np.int32)
    size = _compiled.union_best(lists, (), ids, None)
    return ids[:size]


def probe(
    cand: IntArray,
    ids: IntArray,
    sims: FloatArray,
    weight: float,
    counts: npt.NDArray[np.int8],
    overlap: FloatArray,
) -> None:
    """For each of the sorted candidates ``cand`` that the sorted ``ids`` hold, add one
    to its count and its similarity there times ``weight`` to its overlap (float32)."""
    if _compiled is None:
        probe_reference(cand, ids, sims, weight, counts, overlap)
    else:
        _compiled.probe(cand, ids, sims, weight, counts, overlap)


def probe_reference(
    cand: IntArray,
    ids: IntArray,
    sims: FloatArray,
    weight: float,
    counts: npt.NDArray[np.int8],
    overlap: FloatArray,
) -> None:
    if not len(ids) or not len(cand):
        return
    pos = np.minimum(np.searchsorted(ids, cand), len(ids) - 1)
    hit = ids[pos] == cand
    counts += hit
    overlap += np.where(hit, sims[pos], 0.0) * weight
