"""Screening pages of monitored customers in worker processes.

Screening is CPU-bound Python, so a large rescreen spreads its pages over one process
per CPU. The list difference's index is built once, by the job, and written as a
snapshot (``casework.screening.index_store.difference``); each process maps it and
screens the pages it is given, sharing the index's pages with the others. The job's own
thread keeps reading pages and writing results in order, so progress and its
guarantees stay those of the single-process path.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from casework.monitoring.rescreen import Delta, Hit, rescreen
from casework.screening import index_store
from casework.screening.engine import Matcher
from casework.screening.entity import Entity

Rows = list[tuple[str, dict[str, Any], list[Any]]]  # (monitored id, checks, subjects)
Screened = tuple[str, int, dict[str, list[Hit]]]  # (last id, customers, hits by id)

_delta: Delta | None = None


def screen_page(delta: Delta, rows: Rows) -> Screened:
    hits = {
        monitored_id: found
        for monitored_id, checks, subjects in rows
        if (found := rescreen(delta, checks, subjects))
    }
    return rows[-1][0], len(rows), hits


def build_delta(
    dataset: str,
    version: int,
    documents: list[dict[str, Any]],
    removed: frozenset[str],
    tenant_id: str | None = None,
    *,
    snapshots: Path | None = None,
    name: str = "",
) -> tuple[Delta, Path | None]:
    """The difference, indexed: written as the snapshot ``name`` under ``snapshots`` and
    mapped (with the snapshot's path, for other processes to map), or built in memory
    when ``snapshots`` is None."""
    if not documents:
        return Delta(dataset, version, None, removed, tenant_id), None
    entries = [(dataset, Entity.from_document(doc)) for doc in documents]
    if snapshots is None:
        return Delta(dataset, version, Matcher.build(entries), removed, tenant_id), None
    index, path = index_store.difference(snapshots, name, entries)
    return Delta(dataset, version, Matcher(index), removed, tenant_id), path


def _start(dataset: str, version: int, path: str) -> None:
    global _delta
    matcher = Matcher(index_store.map_difference(Path(path)))
    _delta = Delta(dataset, version, matcher, frozenset())


def _screen(rows: Rows) -> Screened:
    assert _delta is not None, "the process was not started with a delta"
    return screen_page(_delta, rows)


def in_processes(
    processes: int,
    delta: Delta,
    snapshot: Path,
    pages: Iterable[Rows],
) -> Iterator[Screened]:
    """Screen ``pages`` in ``processes`` processes, each mapping the difference's index
    ``snapshot``; results in page order. Two pages per process are kept in flight, so
    reading ahead is bounded; closing the iterator early cancels what is left."""
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server
    pool = ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_start,
        initargs=(delta.dataset, delta.version, str(snapshot)),
    )
    in_flight: deque[Future[Screened]] = deque()
    try:
        for rows in pages:
            in_flight.append(pool.submit(_screen, rows))
            if len(in_flight) >= 2 * processes:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
