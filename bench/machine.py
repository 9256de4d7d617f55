"""What machine a benchmark ran on, and how fast it was at the time.

Timings of the screening engine move with the machine: the same code on the same inputs
has run at half the speed from one day to the next. So the screening benchmarks print,
before their own figures, the processor and two fixed workloads timed the same way every
time: one in the interpreter (string and dict work, as the engine's word-level code does)
and one in numpy (merging sorted runs, as candidate retrieval does). Figures from two
runs compare only as far as these two agree.

    .venv/bin/python bench/machine.py
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _interpreter() -> None:
    seen: dict[str, int] = {}
    for i in range(200_000):
        word = f"name{i % 5000}"
        seen[word] = seen.get(word, 0) + len(word.upper())


def _numpy() -> None:
    rng = np.random.default_rng(7)
    runs = [np.sort(rng.integers(0, 1_000_000, 50_000, dtype=np.int32)) for _ in range(20)]
    np.argsort(np.concatenate(runs), kind="stable")


def _best(work: Callable[[], None], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def describe() -> str:
    """One line: processor, cores, and the two reference workloads' best times."""
    return (
        f"machine: {processor()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" reference work: interpreter {_best(_interpreter):.1f} ms, numpy"
        f" {_best(_numpy):.1f} ms (best of 5; lower is faster)"
    )


if __name__ == "__main__":
    print(describe())
