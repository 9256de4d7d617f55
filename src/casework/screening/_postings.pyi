from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

def union_best(
    lists: Sequence[npt.NDArray[np.int32]],
    sims: Sequence[float],
    out_ids: npt.NDArray[np.int32],
    out_sims: npt.NDArray[np.float32] | None,
) -> int: ...
def probe(
    cand: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
    sims: npt.NDArray[np.float32],
    weight: float,
    counts: npt.NDArray[np.int8],
    overlap: npt.NDArray[np.float32],
) -> None: ...
def rank_keys(
    lists: Sequence[npt.NDArray[np.int32]], shift: int, out: npt.NDArray[np.int32]
) -> None: ...
