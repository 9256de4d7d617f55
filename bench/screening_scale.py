"""How the screening engine scales: a million-entity list made of real name parts.

Builds a list of 1,000,000 entities by recombining the name parts of the real OFAC and UN
lists (given names, surnames, organisation words and legal forms, each drawn as often as it
occurs there, so common names are as common as in real lists), indexes it, and prints the
index build time, the peak resident memory (getrusage maxrss), and single-query latency
percentiles and throughput on one core for a mix of listed-name variants and clean names.

With ``--snapshot DIR`` the index is written once as a snapshot under DIR and mapped, as
every casework process does: it prints the build and write time and the size on disk, the
start-up of a process that maps it (after writing, again in the same process, and in new
processes), the resident memory of 1 and 4 processes mapping it (RSS, and PSS and USS from
/proc/PID/smaps_rollup), the switch to a new version applied as an overlay, query
latency on the mapped index and on the base with its overlay, and the copy of the
snapshot through a bucket on an S3-compatible server, as machines share it.

    .venv/bin/python bench/screening_scale.py [--entities 1000000] [--queries 3000]
    .venv/bin/python bench/screening_scale.py --snapshot /tmp/index [--reuse]
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

import machine
from casework.infra.secrets_box import SecretBox
from casework.infra.storage import open_store
from casework.infra.storage.location import parse
from casework.screening import snapshot
from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema
from casework.screening.importers import ofac_csv, un_xml
from casework.screening.index_store import build_full
from casework.screening.index_tables import TableIndex
from casework.screening.layered import REMOVED, LayeredIndex, overlay_tables
from casework.screening.normalize import LEGAL_FORMS
from casework.screening.shared_snapshots import SharedSnapshots

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WATCHLISTS = SHARED / "watchlists"
NEGATIVES = SHARED / "screening-eval" / "negatives_synthetic_people.csv"
WARM_QUERY = Query(Schema.person, "Vladimir Putin")
COUNTRIES = ["RUS", "IRN", "SYR", "PRK", "CUB", "IRQ", "AFG", "LBY", "VEN", "CHN", "ARE", "TUR"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_entities() -> list[Entity]:
    paths = sorted((WATCHLISTS / "ofac_sdn_2019").iterdir()) + sorted(
        (WATCHLISTS / "ofac_consolidated").iterdir()
    )
    found = [*ofac_csv.read(paths), *un_xml.read([WATCHLISTS / "un" / "UN_consolidated.xml"])]
    return [e for e in found if isinstance(e, Entity)]


class Parts:
    """Name parts of the real lists, with repetition, to draw from at real frequency."""

    def __init__(self, entities: list[Entity]) -> None:
        self.given: list[str] = []
        self.surnames: list[str] = []
        self.org_words: list[str] = []
        forms = {" ".join(k).upper() for k in LEGAL_FORMS if len(k) == 1 and len(k[0]) > 1}
        self.forms = sorted(forms)
        for entity in entities:
            for name in entity.names:
                if name.kind == NameKind.weak:
                    continue
                if entity.schema == Schema.person:
                    if name.first_name and name.last_name:
                        self.given.extend(name.first_name.split())
                        self.surnames.append(name.last_name)
                else:
                    words = [w for w in name.value.replace(",", " ").split() if len(w) > 1]
                    self.org_words.extend(w for w in words if w.lower() not in forms)

    def person(self, rng: random.Random) -> tuple[str, str, str | None]:
        given = " ".join(rng.choice(self.given) for _ in range(rng.choice((1, 1, 1, 2))))
        middle = rng.choice(self.given) if rng.random() < 0.3 else None
        return given, rng.choice(self.surnames), middle


def generate(parts: Parts, count: int, seed: int) -> Iterator[Entity]:
    rng = random.Random(seed)
    for i in range(count):
        if rng.random() < 0.75:
            given, last, middle = parts.person(rng)
            full = " ".join(p for p in (given, middle, last) if p)
            names = [
                Name(f"{last}, {given}{' ' + middle if middle else ''}", NameKind.primary,
                     first_name=given, middle_name=middle, last_name=last)
            ]  # fmt: skip
            if rng.random() < 0.3:
                alias_given, _, _ = parts.person(rng)
                names.append(Name(f"{alias_given} {last}", NameKind.aka))
            yield Entity(
                key=f"p{i}",
                schema=Schema.person,
                names=names,
                birth_dates=[f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-"
                             f"{rng.randint(1, 28):02d}"] if rng.random() < 0.7 else [],
                nationalities=[rng.choice(COUNTRIES)] if rng.random() < 0.6 else [],
                gender=rng.choice(("male", "female", None)),
                identifiers=[Identifier("passport", f"P{rng.randint(10**7, 10**8)}")]
                if rng.random() < 0.2 else [],
                topics=["sanction"],
                notes=[full],
            )  # fmt: skip
        else:
            words = [rng.choice(parts.org_words) for _ in range(rng.choice((1, 2, 2, 3, 4)))]
            if rng.random() < 0.5:
                words.append(rng.choice(parts.forms))
            yield Entity(
                key=f"o{i}",
                schema=Schema.company,
                names=[Name(" ".join(words))],
                countries=[rng.choice(COUNTRIES)] if rng.random() < 0.5 else [],
                topics=["sanction"],
            )


def variant(name: str, rng: random.Random) -> str:
    tokens = name.replace(",", " ").split()
    rng.shuffle(tokens)
    long = [i for i, t in enumerate(tokens) if len(t) >= 5]
    if long and rng.random() < 0.5:
        i = rng.choice(long)
        j = rng.randrange(1, len(tokens[i]) - 1)
        tokens[i] = tokens[i][:j] + tokens[i][j + 1 :]
    return " ".join(tokens).title()


def queries(parts: Parts, entities: int, count: int, seed: int) -> list[Query]:
    rng = random.Random(seed + 1)
    listed = {rng.randrange(entities) for _ in range(count // 2)}
    made: list[Query] = []
    for entity in generate(parts, entities, seed):
        if int(entity.key[1:]) in listed:
            schema = entity.schema
            made.append(Query(schema, variant(entity.names[0].value, rng)))
    with NEGATIVES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rng.sample(rows, count - len(made)):
        made.append(
            Query(Schema.person, row["full_name"], birth_date=row["date_of_birth"],
                  gender=row["gender"])
        )  # fmt: skip
    rng.shuffle(made)
    return made


def latency(matcher: Matcher, work: list[Query], label: str = "") -> None:
    for query in work[:200]:
        matcher.search(query, threshold=0.7, limit=10)
    timings: list[float] = []
    hits = 0
    started = time.perf_counter()
    for query in work:
        t0 = time.perf_counter()
        hits += bool(matcher.search(query, threshold=0.7, limit=10))
        timings.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

    print(
        f"single-query latency{label} over {len(timings)} queries (half listed-name variants,"
        f" half clean names; 200 warm-up queries first): p50 {pct(50):.2f} ms, p95"
        f" {pct(95):.2f} ms, p99 {pct(99):.2f} ms, max {timings[-1]:.1f} ms, mean"
        f" {statistics.fmean(timings):.2f} ms"
    )
    print(f"throughput on one core: {len(timings) / total:.0f} queries/s; {hits} had a match")


def memory(pid: int | str = "self") -> dict[str, float]:
    """Rss, Pss and USS (private clean and dirty) in MB, from /proc/PID/smaps_rollup."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        found[name] = int(value.split()[0]) / 1024
    found["Uss"] = found["Private_Clean"] + found["Private_Dirty"]
    return found


def mapped(path: Path) -> TableIndex:
    found = snapshot.read(path)
    if found is None:
        sys.exit(f"no readable snapshot at {path}")
    return TableIndex(found[0])


def child(path: Path, queries_file: Path, count: int) -> None:
    """A process that maps the snapshot and searches: what a casework worker does."""
    before = memory()
    started = time.perf_counter()
    matcher = Matcher(mapped(path))
    mapping = time.perf_counter() - started
    work = [
        Query(**{**q, "schema": Schema(q["schema"]) if q["schema"] else None})
        for q in json.loads(queries_file.read_text(encoding="utf-8"))
    ]
    started = time.perf_counter()
    matcher.search(work[0], threshold=0.7, limit=10)
    first = time.perf_counter() - started
    for query in work[1:count]:
        matcher.search(query, threshold=0.7, limit=10)
    report = {"map": mapping, "first": first, "before": before}
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the parent reads this process's memory meanwhile


def children(path: Path, queries_file: Path, processes: int, count: int) -> list[dict[str, Any]]:
    """Start ``processes`` processes that map the snapshot and run ``count`` queries each,
    all at once; their start-up figures and memory while all of them are alive."""
    command = [sys.executable, __file__, "--child", str(path), "--child-queries", str(count)]
    command += ["--queries-file", str(queries_file)]
    started = time.perf_counter()
    running = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    found = []
    for proc in running:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found.append({**json.loads(line), "wall": time.perf_counter() - started})
    for proc, figures in zip(running, found, strict=True):
        figures["after"] = memory(proc.pid)
    for proc in running:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait()
    return found


def changed_world(
    parts: Parts, entities: int, seed: int, share: float
) -> tuple[list[tuple[str, Entity]], list[tuple[str, str]]]:
    """A new version changing ``share`` of the list: half of it changed entities (an
    alias added), a quarter removed, a quarter new."""
    rng = random.Random(seed + 2)
    count = max(4, int(entities * share))
    picked = sorted(rng.sample(range(entities), count))
    changed, removed = set(picked[: count // 2]), set(picked[count // 2 : 3 * count // 4])
    added: list[tuple[str, Entity]] = []
    gone: list[tuple[str, str]] = []
    for i, entity in enumerate(generate(parts, entities, seed)):
        if i in changed:
            given, last, _ = parts.person(rng)
            alias = Name(f"{given} {last}", NameKind.aka)
            added.append(("synthetic", replace(entity, names=[*entity.names, alias])))
        elif i in removed:
            gone.append(("synthetic", entity.key))
    for j, entity in enumerate(generate(parts, count - 3 * count // 4, seed + 3)):
        added.append(("synthetic", replace(entity, key=f"n{j}")))
    return added, gone


def snapshot_mode(parts: Parts, work: list[Query], args: argparse.Namespace) -> None:
    root = Path(args.snapshot)
    root.mkdir(parents=True, exist_ok=True)
    full = root / "full"
    if args.reuse and snapshot.manifest(full) is not None:
        print(f"snapshot: reusing {full}")
    else:
        shutil.rmtree(full, ignore_errors=True)
        started = time.perf_counter()
        tables = build_full(("synthetic", e) for e in generate(parts, args.entities, args.seed))
        built = time.perf_counter() - started
        print(f"index build: {built:.1f} s for {args.entities:,} entities (making them included)")
        print(f"peak resident while building (maxrss): {rss_mb():.0f} MB")
        latency(Matcher(TableIndex(tables)), work, " (built in memory, for comparison)")
        started = time.perf_counter()
        snapshot.write(tables, full, {"kind": "full"})
        print(f"snapshot written in {time.perf_counter() - started:.1f} s")
        del tables
        gc.collect()
    files = len(list(full.iterdir()))
    print(f"snapshot size on disk: {snapshot.size_on_disk(full) / 2**20:.0f} MB in {files} files")

    for label in ("first map after writing", "warm start-up, mapped again in one process"):
        started = time.perf_counter()
        index = mapped(full)
        mapping = time.perf_counter() - started
        matcher = Matcher(index)
        started = time.perf_counter()
        matcher.search(work[0], threshold=0.7, limit=10)
        print(
            f"{label}: map (manifest and checksums checked) {mapping:.2f} s, first query"
            f" {(time.perf_counter() - started) * 1000:.0f} ms"
        )
    print(f"  {len(index):,} entities, {index.names:,} names, {len(index.tokens):,} tokens")

    queries_file = root / "queries.json"
    queries_file.write_text(
        json.dumps([{**q.__dict__, "schema": q.schema.value if q.schema else None} for q in work]),
        encoding="utf-8",
    )
    (cold,) = children(full, queries_file, 1, 1)
    print(
        f"start-up in a new process: map {cold['map']:.2f} s, first query"
        f" {cold['first'] * 1000:.0f} ms; {cold['wall']:.1f} s from starting Python"
        " (imports included)"
    )
    for processes in (1, 4):
        found = children(full, queries_file, processes, args.child_queries)
        rss = statistics.fmean(f["after"]["Rss"] for f in found)
        pss = statistics.fmean(f["after"]["Pss"] for f in found)
        uss = statistics.fmean(f["after"]["Uss"] for f in found)
        added = statistics.fmean(f["after"]["Uss"] - f["before"]["Uss"] for f in found)
        print(
            f"{processes} process(es) mapping the snapshot, {args.child_queries} queries each:"
            f" per process RSS {rss:.0f} MB, PSS {pss:.0f} MB, USS {uss:.0f} MB"
            f" ({added:.0f} MB of it added by mapping and searching), first query"
            f" {statistics.fmean(f['first'] for f in found) * 1000:.0f} ms"
        )
    latency(matcher, work, " (mapped)")

    added, removed = changed_world(parts, args.entities, args.seed, args.delta_share)
    overlay = root / "overlay"
    shutil.rmtree(overlay, ignore_errors=True)
    started = time.perf_counter()
    snapshot.write(overlay_tables(index, added, removed), overlay, {"kind": "overlay"})
    print(
        f"new version changing {args.delta_share:.0%} ({len(added):,} entities added or"
        f" changed, {len(removed):,} removed): overlay built and written in"
        f" {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    over = mapped(overlay)
    layered = Matcher(LayeredIndex(index, over, over.tables.arrays[REMOVED]))
    layered.search(work[0], threshold=0.7, limit=10)
    print(
        f"version switch to the overlay (map it, join it to the mapped base, first query):"
        f" {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    other = Matcher(mapped(full))
    other.search(work[0], threshold=0.7, limit=10)
    print(
        f"version switch to a whole snapshot already written (map, first query):"
        f" {time.perf_counter() - started:.2f} s"
    )
    latency(layered, work, " (base and overlay)")
    bucket_copy(full)
    print(f"peak resident at the end: {rss_mb():.0f} MB")


def bucket_copy(full: Path) -> None:
    """Another machine's way to the snapshot with documents in a bucket: copied there by
    the machine that built it, then copied from there and mapped. The bucket is on an
    S3-compatible server (moto's, as the tests start it) on loopback."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.s3_server import S3Server

    key = full.parent.name + "-copy"
    with S3Server() as server, tempfile.TemporaryDirectory() as machines:
        os.environ.update(server.env)
        bucket = open_store(parse(server.storage_url(server.create_bucket())))
        shared = SharedSnapshots(bucket, SecretBox(Fernet.generate_key()))
        there = Path(machines) / "one" / key
        shutil.copytree(full, there)
        started = time.perf_counter()
        shared.publish(there)
        put = time.perf_counter() - started
        started = time.perf_counter()
        shared.fetch(key, Path(machines) / "two")
        fetched = time.perf_counter() - started
        started = time.perf_counter()
        Matcher(mapped(Path(machines) / "two" / key)).search(WARM_QUERY, threshold=0.7)
        print(
            f"snapshot through a bucket (S3 server on loopback): copied there in {put:.1f} s,"
            f" copied from there by another machine in {fetched:.1f} s, then mapped (checksums"
            f" checked) with its first query in {time.perf_counter() - started:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--snapshot", help="write the index as a snapshot here and map it")
    parser.add_argument("--reuse", action="store_true", help="map the snapshot already there")
    parser.add_argument("--child-queries", type=int, default=300)
    parser.add_argument("--delta-share", type=float, default=0.01)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), Path(args.queries_file), args.child_queries)
        return
    if not WATCHLISTS.is_dir():
        sys.exit(f"real list files not found at {WATCHLISTS}")

    print(machine.describe())
    parts = Parts(real_entities())
    print(
        f"name parts: {len(set(parts.given))} given names, {len(set(parts.surnames))} surnames,"
        f" {len(set(parts.org_words))} organisation words (drawn at their real frequency)"
    )
    work = queries(parts, args.entities, args.queries, args.seed)
    gc.collect()
    base = rss_mb()
    print(f"resident before build (queries and name parts loaded): {base:.0f} MB")
    if args.snapshot:
        snapshot_mode(parts, work, args)
        return

    started = time.perf_counter()
    for _ in generate(parts, args.entities, args.seed):
        pass
    making = time.perf_counter() - started
    started = time.perf_counter()
    matcher = Matcher.build(("synthetic", e) for e in generate(parts, args.entities, args.seed))
    built = time.perf_counter() - started - making
    peak = rss_mb()
    index = matcher.index
    assert isinstance(index, TableIndex)
    print(
        f"index build: {built:.1f} s for {len(matcher):,} entities, {index.names:,} "
        f"names, {len(index.tokens):,} distinct tokens (not counting {making:.1f} s to make"
        " the entities, which the build consumes as they are made)"
    )
    print(
        f"peak resident (maxrss): {peak:.0f} MB; {peak - base:.0f} MB over the baseline,"
        f" {(peak - base) * 1024 * 1024 / len(matcher):.0f} bytes per entity"
    )

    latency(matcher, work)
    print(f"peak resident at the end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
