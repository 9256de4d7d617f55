"""The array helpers answer exactly as the numpy functions they stand for."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.screening import arrays
from casework.screening.arrays import TokenMap, sorted_unique, unique_first, unique_inverse

# Posting lists as retrieval joins them: sorted runs of ids, one after another.
runs = st.lists(st.lists(st.integers(0, 60), max_size=12).map(sorted), min_size=1, max_size=6).map(
    lambda lists: np.array([i for ids in lists for i in ids], dtype=np.int32)
)


@given(runs)
def test_each_helper_answers_as_np_unique(ids: np.ndarray) -> None:
    np.testing.assert_array_equal(sorted_unique(ids), np.unique(ids))
    found, first = unique_first(ids)
    expected, expected_first = np.unique(ids, return_index=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(first, expected_first)  # the first of equal ids
    found, inverse = unique_inverse(ids)
    expected, expected_inverse = np.unique(ids, return_inverse=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(inverse, expected_inverse)


# Keys that collide often (few distinct hashes) and ids stored several times under one.
pairs = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 40)), max_size=60)
asked = st.lists(st.sampled_from("abcdefghij"), max_size=8)


@given(pairs, asked)
def test_token_map_lookups_answer_alike_compiled_and_in_numpy(
    stored: list[tuple[str, int]], keys: list[str]
) -> None:
    mapping = TokenMap.of(stored)
    compiled = (mapping.get(*keys), [mapping.ids_of(k) for k in keys], mapping.holds(keys))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrays, "_hashes", None)
        plain = (mapping.get(*keys), [mapping.ids_of(k) for k in keys], mapping.holds(keys))
    assert compiled == plain
    for key, ids in zip(keys, compiled[1], strict=True):
        assert ids == sorted(i for k, i in stored if k == key)
    assert compiled[0] == {i for k, i in stored if k in keys}
    assert compiled[2] == [any(k == key for k, _ in stored) for key in keys]


def test_casework_installs_with_its_compiled_lookups(c_compiler: None) -> None:
    assert arrays._hashes is not None  # built by setup.py, as the merges are


@pytest.mark.skipif(arrays._hashes is None, reason="the compiled module is not built")
def test_the_compiled_lookups_refuse_arrays_of_the_wrong_kind() -> None:
    from casework.screening import _hashes

    hashes, ids = np.array([1, 2], dtype=np.int64), np.array([5, 6], dtype=np.int32)
    with pytest.raises(TypeError, match="hashes"):
        _hashes.gather(hashes.astype(np.int32), ids, hashes)
    with pytest.raises(TypeError, match="ids"):
        _hashes.gather_one(hashes, ids.astype(np.int64), 1)
    with pytest.raises(ValueError, match="as long as each other"):
        _hashes.gather(hashes, ids[:1], hashes)
    with pytest.raises(TypeError, match="keys"):
        _hashes.contains(hashes, np.array([1.0]))
    assert _hashes.gather(hashes, ids, np.array([2, 3, 1], dtype=np.int64)) == [6, 5]
    assert _hashes.contains(np.zeros(0, dtype=np.int64), hashes) == [False, False]
