"""How the screening engine scales: a million-entity list made of real name parts.

Builds a list of 1,000,000 entities by recombining the name parts of the real OFAC and UN
lists (given names, surnames, organisation words and legal forms, each drawn as often as it
occurs there, so common names are as common as in real lists), indexes it, and prints the
index build time, the peak resident memory (getrusage maxrss), and single-query latency
percentiles and throughput on one core for a mix of listed-name variants and clean names.

    .venv/bin/python bench/screening_scale.py [--entities 1000000] [--queries 3000]
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema
from casework.screening.importers import ofac_csv, un_xml
from casework.screening.normalize import LEGAL_FORMS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WATCHLISTS = SHARED / "watchlists"
NEGATIVES = SHARED / "screening-eval" / "negatives_synthetic_people.csv"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    if not WATCHLISTS.is_dir():
        sys.exit(f"real list files not found at {WATCHLISTS}")

    parts = Parts(real_entities())
    print(
        f"name parts: {len(set(parts.given))} given names, {len(set(parts.surnames))} surnames,"
        f" {len(set(parts.org_words))} organisation words (drawn at their real frequency)"
    )
    work = queries(parts, args.entities, args.queries, args.seed)
    gc.collect()
    base = rss_mb()
    print(f"resident before build (queries and name parts loaded): {base:.0f} MB")

    started = time.perf_counter()
    for _ in generate(parts, args.entities, args.seed):
        pass
    making = time.perf_counter() - started
    started = time.perf_counter()
    matcher = Matcher.build(("synthetic", e) for e in generate(parts, args.entities, args.seed))
    built = time.perf_counter() - started - making
    peak = rss_mb()
    index = matcher.index
    print(
        f"index build: {built:.1f} s for {len(matcher):,} entities, {len(index.name_text):,} "
        f"names, {len(index.tokens):,} distinct tokens (not counting {making:.1f} s to make"
        " the entities, which the build consumes as they are made)"
    )
    print(
        f"peak resident (maxrss): {peak:.0f} MB; {peak - base:.0f} MB over the baseline,"
        f" {(peak - base) * 1024 * 1024 / len(matcher):.0f} bytes per entity"
    )

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
        f"single-query latency over {len(timings)} queries (half listed-name variants, half"
        f" clean names; 200 warm-up queries first): p50 {pct(50):.2f} ms, p95 {pct(95):.2f} ms,"
        f" p99 {pct(99):.2f} ms, max {timings[-1]:.1f} ms, mean {statistics.fmean(timings):.2f} ms"
    )
    print(f"throughput on one core: {len(timings) / total:.0f} queries/s; {hits} had a match")
    print(f"peak resident at the end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
