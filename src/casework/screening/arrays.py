"""Compact storage for the screening index: numbers in flat arrays, strings in one buffer.

A million-entity index is millions of small values. As Python objects (a list of
strings, a dict of tuples) each costs tens of bytes and is walked by every full garbage
collection, which stalls a search; in numpy arrays and byte buffers they cost a few
bytes and are never walked.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
OffsetArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
AnyArray = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]


class Texts:
    """Many strings in one buffer.

    A million-entry list of ``str`` is a million objects that every full garbage
    collection walks (tens of milliseconds, in the middle of someone's search); one
    buffer and an offsets array are not, and take half the memory.
    """

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def append(self, text: str) -> None:
        self._data += text.encode()
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._data[start : self._ends[i]].decode()


def frozen(values: array[int], dtype: type) -> AnyArray:
    return np.frombuffer(values, dtype=dtype).copy()


def holds(sorted_ids: IntArray, ids: IntArray) -> BoolArray:
    """Which of ``ids`` are in the sorted array ``sorted_ids``."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    found: BoolArray = sorted_ids[at] == ids
    return found


def csr(offsets: array[int], values: array[int], dtype: type) -> tuple[OffsetArray, AnyArray]:
    """Compressed rows: row i is values[offsets[i]:offsets[i + 1]]."""
    return frozen(offsets, np.int64), frozen(values, dtype)


class TokenMap:
    """Strings (spelling variants, keys) to the listed tokens that have them.

    Stored as two sorted arrays, string hashes and token ids, instead of a dict: a
    large vocabulary has millions of deletion variants, and a dict entry with its
    string and tuple costs some 150 bytes where this costs 12. A hash collision only
    adds a candidate token, which the similarity check then drops.
    """

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        keys, ids = array("q"), array("i")
        for key, tid in pairs:
            keys.append(hash(key))
            ids.append(tid)
        hashes, tokens = frozen(keys, np.int64), frozen(ids, np.int32)
        order = np.lexsort((tokens, hashes))
        self._hashes, self._tokens = hashes[order], tokens[order]

    def get(self, *keys: str) -> set[int]:
        wanted = np.array([hash(k) for k in keys], dtype=np.int64)
        starts = np.searchsorted(self._hashes, wanted, "left")
        sizes = np.searchsorted(self._hashes, wanted, "right") - starts
        found = int(sizes.sum())
        if not found:
            return set()
        # Every key's run of token ids, gathered in one step.
        at = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(found)
        return set(self._tokens[at].tolist())

    def holds(self, keys: Sequence[str]) -> list[bool]:
        """Whether each key is here (with the same tolerance of hash collisions as ``get``)."""
        if not len(self._hashes) or not keys:
            return [False] * len(keys)
        wanted = np.array([hash(k) for k in keys], dtype=np.int64)
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        return [bool(found) for found in self._hashes[at] == wanted]
