"""Merging posting lists: the sorted arrays of name ids that retrieval combines.

Two operations take much of retrieval's time once its words are expanded: the union of
a word's expansions' lists (each name once, with the similarity of the most similar
expansion holding it), and probing candidates against each word's union. Both are
compiled (``_postings.c``, built when casework is installed with a C compiler at hand),
which walks the sorted arrays without the temporaries and the many calls of the numpy
versions. The numpy versions are the reference: they give the same answers to the bit,
serve where the compiled module was not built, and are what the tests compare it with.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

from casework.screening.arrays import FloatArray, IntArray, sorted_unique

_compiled: ModuleType | None
try:
    from casework.screening import _postings as _compiled
except ImportError:  # no C compiler where casework was installed
    _compiled = None

COMPILED = _compiled is not None


def union_best(lists: Sequence[IntArray], sims: Sequence[float]) -> tuple[IntArray, FloatArray]:
    """Every id of the sorted, duplicate-free ``lists``, sorted, each once, with the
    highest similarity (float32) of the lists that hold it."""
    if _compiled is None:
        return union_best_reference(lists, sims)
    total = sum(len(ids) for ids in lists)
    ids = np.empty(total, dtype=np.int32)
    found = np.empty(total, dtype=np.float32)
    size = _compiled.union_best(lists, sims, ids, found)
    return ids[:size], found[:size]


def union_best_reference(
    lists: Sequence[IntArray], sims: Sequence[float]
) -> tuple[IntArray, FloatArray]:
    if not lists:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    ids = np.concatenate(lists)
    repeated = np.repeat(np.array(sims, dtype=np.float32), [len(part) for part in lists])
    order = np.lexsort((-repeated, ids))  # by id, the highest similarity first
    ordered = ids[order]
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
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
