"""Compact storage for the screening index: numbers in flat arrays, strings in one buffer.

A million-entity index is millions of small values. As Python objects (a list of
strings, a dict of tuples) each costs tens of bytes and is walked by every full garbage
collection, which stalls a search; in numpy arrays and byte buffers they cost a few
bytes and are never walked. Every structure here is made of numpy arrays only, so an
index written to disk is read back by mapping its files (``casework.screening.snapshot``)
and its pages are shared by every process that maps them.

Lookups by string go through 64-bit hashes that are the same in every process
(``stable_hash``): Python's own ``hash`` of a string is salted per process, so arrays
sorted by it in one process would be unreadable in the next. Their binary searches are
compiled (``_hashes.c``) where casework was installed with a C compiler; the numpy path
beside each answers the same.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from hashlib import blake2b
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

_hashes: ModuleType | None
try:  # compiled lookups (``_hashes.c``), where casework was installed with a C compiler
    from casework.screening import _hashes
except ImportError:
    _hashes = None

IntArray = npt.NDArray[np.int32]
OffsetArray = npt.NDArray[np.int64]
HashArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
ByteArray = npt.NDArray[np.uint8]
AnyArray = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text``, the same in every process and on every machine."""
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def stable_hashes(texts: Iterable[str]) -> HashArray:
    """``stable_hash`` of each text, as one array."""
    joined = b"".join(blake2b(t.encode(), digest_size=8).digest() for t in texts)
    return np.frombuffer(joined, dtype="<i8").astype(np.int64)


def frozen(values: array[int], dtype: type) -> AnyArray:
    return np.frombuffer(values, dtype=dtype).copy()


def first_of_runs(ordered: IntArray) -> BoolArray:
    """Where each run of equal values begins in a sorted array."""
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def sorted_unique(ids: IntArray) -> IntArray:
    """``np.unique(ids)``. The ids come as runs already sorted (posting lists), which a
    stable sort merges in about linear time; ``np.unique`` hashes them first, many
    times slower."""
    ordered = np.sort(ids, kind="stable")
    found: IntArray = ordered[first_of_runs(ordered)]
    return found


def unique_inverse(ids: IntArray) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """``np.unique(ids, return_inverse=True)``, as ``sorted_unique`` does it."""
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = first_of_runs(ordered)
    inverse = np.empty(len(ids), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    found: IntArray = ordered[first]
    return found, inverse


def unique_first(ids: IntArray) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """``np.unique(ids, return_index=True)``: each id once, sorted, and where it first
    occurs, without the general function's checks, which cost more than the sort on
    the short arrays of one search."""
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = first_of_runs(ordered)
    found: IntArray = ordered[first]
    return found, order[first]


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


class Texts:
    """Many strings (or byte strings) in one buffer, with an offsets array.

    String ``i`` is ``data[offsets[i]:offsets[i + 1]]`` in UTF-8. A million-entry list
    of ``str`` is a million objects that every full garbage collection walks (tens of
    milliseconds, in the middle of someone's search); one buffer and an offsets array
    are not, take half the memory, and can be mapped from a file.
    """

    def __init__(self, data: ByteArray, offsets: OffsetArray) -> None:
        self.data, self.offsets = data, offsets
        # Memoryviews index in C and hand back Python ints: a string is read in well
        # under a microsecond, where numpy's scalar indexing costs several.
        self._data = data.data
        self._offsets = offsets.data

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        return str(self._data[self._offsets[i] : self._offsets[i + 1]], "utf-8")

    def raw(self, i: int) -> memoryview:
        return self._data[self._offsets[i] : self._offsets[i + 1]]

    def between(self, start: int, end: int) -> list[str]:
        """Strings ``start`` to ``end`` (exclusive)."""
        data, offsets = self._data, self._offsets
        return [str(data[offsets[i] : offsets[i + 1]], "utf-8") for i in range(start, end)]


class TextsBuilder:
    """Texts as they are collected, frozen into ``Texts`` once complete."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._offsets = array("q", [0])

    def append(self, text: str | bytes) -> None:
        self._data += text.encode() if isinstance(text, str) else text
        self._offsets.append(len(self._data))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def freeze(self) -> Texts:
        """The texts collected; the builder is done with (its buffer is not copied)."""
        data = np.frombuffer(self._data, dtype=np.uint8)
        return Texts(data, frozen(self._offsets, np.int64))


def texts_of(values: Iterable[str]) -> Texts:
    built = TextsBuilder()
    for value in values:
        built.append(value)
    return built.freeze()


class TokenMap:
    """Strings (spelling variants, keys) to the ids (of tokens, entities) that have them.

    Stored as two sorted arrays, string hashes and ids, instead of a dict: a large
    vocabulary has millions of deletion variants, and a dict entry with its string and
    tuple costs some 150 bytes where this costs 12. A hash collision only adds a
    candidate, which the caller's own check (a similarity, a string compared) drops.
    """

    def __init__(self, hashes: HashArray, ids: IntArray) -> None:
        self.hashes, self.ids = hashes, ids

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, int]]) -> TokenMap:
        keys: list[str] = []
        ids = array("i")
        for key, tid in pairs:
            keys.append(key)
            ids.append(tid)
        hashes, tokens = stable_hashes(keys), frozen(ids, np.int32)
        order = np.lexsort((tokens, hashes))
        return cls(hashes[order], tokens[order])

    def get(self, *keys: str) -> set[int]:
        return self.get_hashed(stable_hashes(keys))

    def get_hashed(self, wanted: HashArray) -> set[int]:
        """``get`` of the keys whose ``stable_hashes`` these are: keys asked of several
        maps are hashed once."""
        if _hashes is not None:
            return set(_hashes.gather(self.hashes, self.ids, wanted))
        starts = np.searchsorted(self.hashes, wanted, "left")
        sizes = np.searchsorted(self.hashes, wanted, "right") - starts
        found = int(sizes.sum())
        if not found:
            return set()
        # Every key's run of ids, gathered in one step.
        at = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(found)
        return set(self.ids[at].tolist())

    def ids_of(self, key: str) -> list[int]:
        """The ids under one key, in id order."""
        wanted = stable_hash(key)
        if _hashes is not None:
            ids: list[int] = _hashes.gather_one(self.hashes, self.ids, wanted)
            return ids
        start = int(np.searchsorted(self.hashes, wanted, "left"))
        end = int(np.searchsorted(self.hashes, wanted, "right"))
        found: list[int] = self.ids[start:end].tolist()
        return found

    def holds(self, keys: Sequence[str]) -> list[bool]:
        """Whether each key is here (with the same tolerance of hash collisions as ``get``)."""
        if not len(self.hashes) or not keys:
            return [False] * len(keys)
        wanted = stable_hashes(keys)
        if _hashes is not None:
            held: list[bool] = _hashes.contains(self.hashes, wanted)
            return held
        at = np.minimum(np.searchsorted(self.hashes, wanted), len(self.hashes) - 1)
        return [bool(found) for found in self.hashes[at] == wanted]


class Words:
    """A vocabulary: strings by id (``Texts``) and ids by string, exactly.

    The lookup goes through the hashes (``TokenMap``) and then compares the string
    itself, so unlike a ``TokenMap`` it never answers with another word.
    """

    def __init__(self, texts: Texts, lookup: TokenMap) -> None:
        self.texts, self.lookup = texts, lookup

    @classmethod
    def of(cls, words: Sequence[str]) -> Words:
        return cls(texts_of(words), TokenMap.of((w, i) for i, w in enumerate(words)))

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> str:
        return self.texts[i]

    def get(self, word: str) -> int | None:
        for wid in self.lookup.ids_of(word):
            if self.texts[wid] == word:
                return wid
        return None

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def have(self, words: Sequence[str]) -> list[bool]:
        """Whether each word is here, in one pass over the hashes."""
        hashed = self.lookup.holds(words)
        return [h and self.get(w) is not None for w, h in zip(words, hashed, strict=True)]
