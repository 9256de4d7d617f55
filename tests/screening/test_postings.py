"""The compiled posting-list merges give exactly what their numpy references give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.screening import postings

ids_lists = st.lists(
    st.lists(st.integers(0, 5000), max_size=300).map(
        lambda values: np.unique(np.array(values, dtype=np.int32))
    ),
    max_size=12,
)
# Few distinct similarities, as expansions have: ties between lists are common.
similarity = st.sampled_from([1.0, 0.9, 0.8888888888888888, 0.875, 0.8, 0.75, 0.6, 0.5])


def test_casework_installs_with_its_compiled_merges(c_compiler: None) -> None:
    # The install compiles them (setup.py) when it can; a build that broke would fall
    # back to numpy, and this says so rather than let retrieval slow down unnoticed.
    assert postings.COMPILED


@given(lists=ids_lists, data=st.data())
@settings(max_examples=300)
def test_the_union_keeps_each_id_once_with_its_best_similarity(
    lists: list[np.ndarray], data: st.DataObject
) -> None:
    sims = data.draw(st.lists(similarity, min_size=len(lists), max_size=len(lists)))
    ids, found = postings.union_best(lists, sims)
    want_ids, want_sims = postings.union_best_reference(lists, sims)
    assert ids.dtype == want_ids.dtype == np.int32
    assert found.dtype == want_sims.dtype == np.float32
    assert ids.tolist() == want_ids.tolist()
    assert found.tobytes() == want_sims.tobytes()
    every = set().union(*(part.tolist() for part in lists)) if lists else set()
    assert ids.tolist() == sorted(every)
    for i, sim in zip(ids.tolist(), found.tolist(), strict=True):
        best = max(s for part, s in zip(lists, sims, strict=True) if i in part)
        assert sim == np.float32(best)
    assert postings.union(lists).tolist() == sorted(every)


@given(
    sizes=st.lists(st.integers(0, 20_000), min_size=3, max_size=40),
    spread=st.sampled_from([30_000, 1_300_000, 2**31 - 1]),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_a_large_union_is_sorted_to_the_same_answer(
    sizes: list[int], spread: int, seed: int, data: st.DataObject
) -> None:
    # Enough ids for the sorted path, with ids that leave it bits to spare or not
    # (the largest spread leaves none, and the merge answers instead).
    rng = np.random.default_rng(seed)
    lists = [np.unique(rng.integers(0, spread, size)).astype(np.int32) for size in sizes]
    sims = data.draw(st.lists(similarity, min_size=len(lists), max_size=len(lists)))
    ids, found = postings.union_best(lists, sims)
    want_ids, want_sims = postings.union_best_reference(lists, sims)
    assert ids.tolist() == want_ids.tolist()
    assert found.tobytes() == want_sims.tobytes()


@pytest.mark.skipif(not postings.COMPILED, reason="the compiled module is not built")
def test_the_sorted_path_is_taken_for_large_unions_of_many_lists() -> None:
    rng = np.random.default_rng(7)
    lists = [np.unique(rng.integers(0, 1_300_000, 9000)).astype(np.int32) for _ in range(5)]
    assert sum(map(len, lists)) >= postings.SORTED_FROM
    sims = [0.8, 1.0, 0.9, 0.8, 0.75]  # not in order: the most similar still wins
    union = postings._sorted_union(lists, sims, sum(map(len, lists)))
    assert union is not None
    want_ids, want_sims = postings.union_best_reference(lists, sims)
    assert union[0].tolist() == want_ids.tolist()
    assert union[1].tobytes() == want_sims.tobytes()
    lists[0] = np.append(lists[0], np.int32(2**31 - 1))  # no bits left for five ranks
    assert postings._sorted_union(lists, sims, sum(map(len, lists))) is None


@given(
    cand=st.lists(st.integers(0, 3000), max_size=300),
    ids=st.lists(st.integers(0, 3000), max_size=2000),
    weight=st.floats(0.01, 40.0),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=300)
def test_probing_counts_and_adds_as_numpy_does(
    cand: list[int], ids: list[int], weight: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    cand_ids = np.unique(np.array(cand, dtype=np.int32))
    listed = np.unique(np.array(ids, dtype=np.int32))
    sims = rng.random(len(listed)).astype(np.float32)
    counts = rng.integers(0, 3, len(cand_ids)).astype(np.int8)
    overlap = rng.random(len(cand_ids)).astype(np.float32)
    want_counts, want_overlap = counts.copy(), overlap.copy()
    postings.probe(cand_ids, listed, sims, weight, counts, overlap)
    postings.probe_reference(cand_ids, listed, sims, weight, want_counts, want_overlap)
    assert counts.tolist() == want_counts.tolist()
    assert overlap.tobytes() == want_overlap.tobytes()  # float32 sums, to the bit


def test_without_the_compiled_module_the_numpy_path_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lists = [np.array([1, 5, 9], dtype=np.int32), np.array([2, 5], dtype=np.int32)]
    compiled = postings.union_best(lists, [0.9, 1.0])
    monkeypatch.setattr(postings, "_compiled", None)
    plain = postings.union_best(lists, [0.9, 1.0])
    assert plain[0].tolist() == compiled[0].tolist() == [1, 2, 5, 9]
    assert plain[1].tobytes() == compiled[1].tobytes()
    assert postings.union(lists).tolist() == [1, 2, 5, 9]
    counts, overlap = np.zeros(2, dtype=np.int8), np.zeros(2, dtype=np.float32)
    postings.probe(np.array([5, 7], dtype=np.int32), lists[0], np.ones(3, np.float32), 2.0,
                   counts, overlap)  # fmt: skip
    assert counts.tolist() == [1, 0] and overlap.tolist() == [2.0, 0.0]


@pytest.mark.skipif(not postings.COMPILED, reason="the compiled module is not built")
def test_the_compiled_module_refuses_arrays_of_the_wrong_kind() -> None:
    from casework.screening import _postings

    good = np.array([1, 2], dtype=np.int32)
    out = np.empty(2, dtype=np.int32)
    with pytest.raises(TypeError, match="lists"):
        _postings.union_best([good.astype(np.int64)], [1.0], out, None)
    with pytest.raises(TypeError, match="out_sims"):
        _postings.union_best([good], [1.0], out, np.empty(2, dtype=np.float64))
    with pytest.raises(ValueError, match="shorter"):
        _postings.union_best([good], [1.0], np.empty(1, dtype=np.int32), None)
    with pytest.raises(ValueError, match="one for each list"):
        _postings.union_best([good], [], out, np.empty(2, dtype=np.float32))
    with pytest.raises(TypeError, match="counts"):
        _postings.probe(good, good, np.ones(2, np.float32), 1.0, np.zeros(2, np.int32),
                        np.zeros(2, np.float32))  # fmt: skip
    with pytest.raises(ValueError, match="as long as"):
        _postings.probe(good, good, np.ones(3, np.float32), 1.0, np.zeros(2, np.int8),
                        np.zeros(2, np.float32))  # fmt: skip
    with pytest.raises(ValueError, match="too few bits"):
        _postings.rank_keys([good, good, good], 1, np.empty(6, np.int32))
    with pytest.raises(ValueError, match="too large to shift"):
        _postings.rank_keys([np.array([2**30], np.int32)], 1, np.empty(1, np.int32))
    with pytest.raises(ValueError, match="too large to shift"):  # no id is negative
        _postings.rank_keys([np.array([-1], np.int32)], 1, np.empty(1, np.int32))
    with pytest.raises(ValueError, match="shorter"):
        _postings.rank_keys([good, good], 1, np.empty(3, np.int32))
    with pytest.raises(ValueError, match="contiguous"):
        _postings.probe(good, good, np.ones(2, np.float32), 1.0,
                        np.zeros(2, np.int8)[::-1], np.zeros(2, np.float32))  # fmt: skip
