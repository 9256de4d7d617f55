import numpy as np
import numpy.typing as npt

def gather(
    hashes: npt.NDArray[np.int64], ids: npt.NDArray[np.int32], keys: npt.NDArray[np.int64]
) -> list[int]: ...
def gather_one(
    hashes: npt.NDArray[np.int64], ids: npt.NDArray[np.int32], key: int
) -> list[int]: ...
def contains(hashes: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> list[bool]: ...
