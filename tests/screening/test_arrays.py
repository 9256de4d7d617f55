"""The array helpers answer exactly as the numpy functions they stand for."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from casework.screening.arrays import sorted_unique, unique_first, unique_inverse

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
