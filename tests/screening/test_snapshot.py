"""Snapshots of the screening index: mapped, they answer exactly as the index built in
memory, in any process; they are seen whole or not at all; and one that is not what was
written is never trusted."""

from __future__ import annotations

import json
import mmap
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from casework.screening import snapshot
from casework.screening.engine import Matcher, Query
from casework.screening.index_tables import TableIndex
from tests.screening import world

ROOT = Path(__file__).resolve().parents[2]


def helper(*args: str, seed: str = "0") -> subprocess.Popen[str]:
    """``tests.screening.index_process`` in a process of its own."""
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, "-m", "tests.screening.index_process", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, "PYTHONHASHSEED": seed},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Matcher, Path]:
    """The world's index built in memory, and the same written as a snapshot."""
    tables = world.matcher_tables()
    path = tmp_path_factory.mktemp("snapshots") / "world"
    assert snapshot.write(tables, path, {"kind": "full"})
    return Matcher(TableIndex(tables)), path


def file_backed(values: object) -> bool:
    """Whether an array's memory is a mapped file's."""
    while values is not None and not isinstance(values, mmap.mmap):
        values = getattr(values, "base", None)
    return values is not None


def mapped(path: Path) -> Matcher:
    found = snapshot.read(path)
    assert found is not None
    return Matcher(TableIndex(found[0]))


def test_a_mapped_snapshot_answers_exactly_as_the_index_built_in_memory(
    written: tuple[Matcher, Path],
):
    built, path = written
    matcher = mapped(path)
    assert file_backed(matcher.index.name_entity)
    searches = world.searches()
    assert len(searches) >= 300
    found = 0
    for search in searches:
        expected = world.answer(built, search)
        assert world.answer(matcher, search) == expected, search
        found += bool(expected)
    assert found > len(searches) // 2, "the searches find what they look for"
    for dataset, entity in world.entities()[::40]:
        assert matcher.entity(dataset, entity.key) == built.entity(dataset, entity.key)
        query = Query(entity.schema, entity.names[0].value, countries=entity.countries)
        assert matcher.explain(query, dataset, entity.key) == built.explain(
            query, dataset, entity.key
        )
        assert matcher.could_match(query, threshold=0.9) == built.could_match(query, threshold=0.9)
    assert matcher.entity("sdn", "nobody") is None
    assert matcher.dataset_topics() == built.dataset_topics()


@pytest.mark.parametrize("seed", ["1", "4242"])
def test_another_process_with_another_hash_seed_maps_the_same_answers(
    written: tuple[Matcher, Path], tmp_path: Path, seed: str
):
    built, path = written
    searches = world.searches()
    queries = tmp_path / "searches.json"
    queries.write_text(json.dumps(searches), encoding="utf-8")
    process = helper("search", str(path), str(queries), seed=seed)
    out, _ = process.communicate()
    assert process.returncode == 0
    assert json.loads(out) == [world.answer(built, search) for search in searches]


def test_a_writer_killed_half_way_leaves_no_snapshot(tmp_path: Path):
    target = tmp_path / "world"
    process = helper("stall", str(target))
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "stalled"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert not target.exists()
    (left,) = [p for p in tmp_path.iterdir() if p.name.startswith(snapshot.TEMPORARY)]
    assert len(list(left.iterdir())) == 3, "three tables were written before it died"
    assert snapshot.read(target) is None
    assert snapshot.write(world.matcher_tables(), target, {"kind": "full"})
    assert snapshot.read(target) is not None


def test_a_second_writer_of_the_same_snapshot_changes_nothing(written: tuple[Matcher, Path]):
    _, path = written
    before = (path / snapshot.MANIFEST).read_bytes()
    assert not snapshot.write(world.matcher_tables(), path, {"kind": "full"})
    assert (path / snapshot.MANIFEST).read_bytes() == before


def _copy(path: Path, to: Path) -> Path:
    to.mkdir()
    for file in path.iterdir():
        (to / file.name).write_bytes(file.read_bytes())
    return to


def test_a_snapshot_unlike_what_was_written_is_not_trusted(
    written: tuple[Matcher, Path], tmp_path: Path
):
    _, path = written
    assert snapshot.read(_copy(path, tmp_path / "same")) is not None

    flipped = _copy(path, tmp_path / "flipped")
    table = flipped / "multi.npy"
    data = bytearray(table.read_bytes())
    data[-1] ^= 0xFF
    table.write_bytes(bytes(data))
    assert snapshot.read(flipped) is None

    short = _copy(path, tmp_path / "short")
    (short / "idf.npy").write_bytes((short / "idf.npy").read_bytes()[:-4])
    assert snapshot.read(short) is None

    missing = _copy(path, tmp_path / "missing")
    (missing / "keys.data.npy").unlink()
    assert snapshot.read(missing) is None

    for change in ({"format": snapshot.FORMAT + 1}, {"code": "0" * 16}, {"files": None}):
        other = _copy(path, tmp_path / f"other-{len(list(tmp_path.iterdir()))}")
        about = json.loads((other / snapshot.MANIFEST).read_text(encoding="utf-8"))
        (other / snapshot.MANIFEST).write_text(json.dumps({**about, **change}), encoding="utf-8")
        assert snapshot.read(other) is None, change

    garbled = _copy(path, tmp_path / "garbled")
    (garbled / snapshot.MANIFEST).write_text("{not json", encoding="utf-8")
    assert snapshot.read(garbled) is None
