"""Screening answers recorded once, to hold every later search to exactly the same answers.

Two fixed worlds, each a list built from a seed and a set of queries run against it:

* ``pairs``: the listed side of every labelled name pair (``data/name_pairs.csv``) as an
  entity, with dates of birth, countries, gender, identifiers, aliases and topics drawn
  from a seed, beside 20,000 entities recombined from the words of those names, so that
  a query meets many near names; queried with the pairs' other side and with listed
  names changed as customers' records differ (words reordered, a letter dropped), with
  and without qualifiers, identifiers, dataset and topic filters, at thresholds from 0
  to 0.85. Every pair is also compared directly. The answers are recorded in full.
* ``shared``: the real OFAC and UN lists beside 50,000 entities made from their name
  parts as ``bench/screening_scale.py`` makes them, queried with that benchmark's mix of
  listed-name variants and clean names (only when ``../shared`` is present). The lists
  are not the project's to copy, so only keys, scores and a digest of each answer's
  explanations are recorded.

Regenerate (only for a deliberate change of answers, saying why in the commit):

    PYTHONPATH=src .venv/bin/python -m tests.screening.golden
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema

DATA = Path(__file__).resolve().parent / "data"
PAIRS_CSV = DATA / "name_pairs.csv"
PAIRS_GOLDEN = DATA / "golden_pairs.json"
SHARED_GOLDEN = DATA / "golden_shared.json"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
BENCH = Path(__file__).resolve().parents[2] / "bench"

SEED = 20240611
RECOMBINED = 20_000
SHARED_SYNTHETIC = 50_000
SHARED_QUERIES = 600
SCHEMAS = {
    "Person": Schema.person,
    "Company": Schema.company,
    "Organization": Schema.organization,
    "Vessel": Schema.vessel,
}
COUNTRIES = ["RUS", "IRN", "SYR", "PRK", "CUB", "IRQ", "AFG", "LBY", "VEN", "CHN", "ARE", "TUR"]
TOPICS = ["sanction", "role.pep", "crime", "debarment"]
DATASETS = ["sdn", "un", "pep"]
THRESHOLDS = (0.7, 0.0, 0.5, 0.85, 0.7, 0.6)


@dataclass
class Search:
    """One search as the golden file records it."""

    query: Query
    threshold: float
    limit: int
    datasets: list[str] | None = None
    topics: list[str] | None = None
    label: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    def run(self, matcher: Matcher) -> list[dict[str, Any]]:
        found = matcher.search(
            self.query,
            threshold=self.threshold,
            limit=self.limit,
            datasets=set(self.datasets) if self.datasets is not None else None,
            topics=set(self.topics) if self.topics is not None else None,
        )
        return [
            {
                "dataset": m.dataset,
                "key": m.entity_key,
                "score": m.score,
                "explanation": m.explanation,
            }
            for m in found
        ]

    def describe(self) -> dict[str, Any]:
        q = self.query
        described: dict[str, Any] = {
            "label": self.label,
            "schema": q.schema.value if q.schema else None,
            "name": q.name,
            "threshold": self.threshold,
            "limit": self.limit,
        }
        for key, value in (
            ("aliases", q.aliases),
            ("birth_date", q.birth_date),
            ("birth_dates", q.birth_dates),
            ("countries", q.countries),
            ("gender", q.gender),
            ("identifiers", q.identifiers),
            ("datasets", self.datasets),
            ("topics", self.topics),
        ):
            if value:
                described[key] = value
        return described


def _rows() -> list[dict[str, str]]:
    with PAIRS_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _listed(row: int, name: str, schema: Schema, rng: random.Random) -> Entity:
    """The listed side of one pair, with qualifiers drawn from the seed."""
    names = [Name(name, NameKind.primary)]
    if rng.random() < 0.1:
        names.append(Name(name.split()[0], NameKind.weak))
    person = schema == Schema.person
    return Entity(
        key=f"pair-{row}",
        schema=schema,
        names=names,
        birth_dates=[_date(rng)] if person and rng.random() < 0.6 else [],
        nationalities=[rng.choice(COUNTRIES)] if person and rng.random() < 0.5 else [],
        countries=[rng.choice(COUNTRIES)] if not person and rng.random() < 0.5 else [],
        gender=rng.choice(("male", "female", None)) if person else None,
        identifiers=[Identifier("passport", f"P{rng.randint(10**7, 10**8)}")]
        if rng.random() < 0.2
        else [],
        topics=[rng.choice(TOPICS)],
    )


def _recombined(words: dict[Schema, list[str]], count: int, rng: random.Random) -> Iterator[Entity]:
    """Entities whose names mix the words of the listed names, at their own frequency."""
    kinds = [Schema.person, Schema.person, Schema.person, Schema.company, Schema.organization]
    for i in range(count):
        schema = rng.choice(kinds)
        pool = words[schema]
        size = rng.choice((2, 2, 3, 3, 4)) if schema == Schema.person else rng.choice((1, 2, 3))
        name = " ".join(rng.choice(pool) for _ in range(size))
        names = [Name(name)]
        if rng.random() < 0.2:
            names.append(Name(" ".join(rng.choice(pool) for _ in range(size)), NameKind.aka))
        person = schema == Schema.person
        yield Entity(
            key=f"mix-{i}",
            schema=schema,
            names=names,
            birth_dates=[_date(rng)] if person and rng.random() < 0.7 else [],
            nationalities=[rng.choice(COUNTRIES)] if person and rng.random() < 0.5 else [],
            countries=[rng.choice(COUNTRIES)] if not person and rng.random() < 0.5 else [],
            gender=rng.choice(("male", "female", None)) if person else None,
            identifiers=[Identifier("passport", f"P{rng.randint(10**7, 10**8)}")]
            if rng.random() < 0.1
            else [],
            topics=[rng.choice(TOPICS)],
        )


def _variant(name: str, rng: random.Random) -> str:
    """A listed name as a customer's record may have it: words reordered, a letter lost.

    The same rule as ``bench/screening_scale.py``'s, kept here on purpose: the recorded
    world must not change when the benchmark does."""
    tokens = name.replace(",", " ").split()
    rng.shuffle(tokens)
    long = [i for i, t in enumerate(tokens) if len(t) >= 5]
    if long and rng.random() < 0.5:
        i = rng.choice(long)
        j = rng.randrange(1, len(tokens[i]) - 1)
        tokens[i] = tokens[i][:j] + tokens[i][j + 1 :]
    return " ".join(tokens).title()


def pairs_world() -> tuple[Matcher, list[Search], list[dict[str, str]]]:
    """The ``pairs`` list, its searches, and the name pairs to compare."""
    rng = random.Random(SEED)
    rows = _rows()
    listed: list[tuple[str, Entity]] = []
    words: dict[Schema, list[str]] = {s: [] for s in SCHEMAS.values()}
    for row, values in enumerate(rows):
        schema = SCHEMAS[values["schema"]]
        entity = _listed(row, values["b"], schema, rng)
        listed.append((DATASETS[row % len(DATASETS)], entity))
        for side in ("a", "b"):
            words[schema].extend(w for w in values[side].replace(",", " ").split() if len(w) > 1)
    words[Schema.organization] += words[Schema.company]
    entries = listed + [(rng.choice(DATASETS), e) for e in _recombined(words, RECOMBINED, rng)]
    matcher = Matcher.build(entries)

    searches: list[Search] = []
    picked = sorted(rng.sample(range(len(rows)), 420))
    for n, row in enumerate(picked):
        values = rows[row]
        schema: Schema | None = SCHEMAS[values["schema"]]
        if n % 9 == 0:
            schema = None  # any kind of party
        searches.append(
            Search(
                Query(schema, values["a"]),
                threshold=THRESHOLDS[n % len(THRESHOLDS)],
                limit=(10, 3, 25)[n % 3],
                label=f"pair {row}: {values['kind']}",
            )
        )
    by_key = {e.key: (d, e) for d, e in entries}
    targets = rng.sample(sorted(by_key), 220)
    for n, key in enumerate(targets):
        dataset, entity = by_key[key]
        name = _variant(entity.names[0].value, rng)
        query = Query(entity.schema, name)
        label = f"variant of {key}"
        if entity.birth_dates and n % 2 == 0:
            # The listed date, or one a year off, or swapped day and month.
            date = entity.birth_dates[0]
            year, month, day = date.split("-")
            query.birth_date = (
                date,
                f"{int(year) + 1}-{month}-{day}",
                f"{year}-{day}-{month}" if int(day) <= 12 else year,
                f"{year}-{month}",
            )[n // 2 % 4]
        if n % 3 == 0:
            listed_countries = entity.nationalities or entity.countries
            query.countries = listed_countries or [rng.choice(COUNTRIES)]
            if n % 6 == 0:
                query.countries = [rng.choice(COUNTRIES), "Iran"]
        if entity.gender and n % 5 == 0:
            query.gender = ("male", "female", "M", "f")[n % 4]
        if entity.identifiers and n % 2 == 1:
            query.identifiers = [entity.identifiers[0].value.lower().replace("p", "p-")]
        if n % 7 == 0:
            query.aliases = [_variant(entity.names[-1].value, rng)]
        search = Search(
            query,
            threshold=THRESHOLDS[n % len(THRESHOLDS)],
            limit=(10, 5)[n % 2],
            label=label,
        )
        if n % 11 == 0:
            search.datasets = [dataset, "pep"]
        if n % 13 == 0:
            search.topics = [entity.topics[0], "crime"]
        searches.append(search)
    # Identifiers alone find their entity, whatever the name.
    with_ids = [e for _, e in entries if e.identifiers][:40]
    for n, entity in enumerate(with_ids):
        searches.append(
            Search(
                Query(entity.schema, ("Jane Roe", "Acme", entity.names[0].value)[n % 3],
                      identifiers=[entity.identifiers[0].value]),
                threshold=(0.7, 0.0)[n % 2],
                limit=10,
                label=f"identifier of {entity.key}",
            )
        )  # fmt: skip
    return matcher, searches, rows


def compare_pairs(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every name pair scored directly, with its explanation's digest."""
    compared = []
    for values in rows:
        schema = SCHEMAS[values["schema"]]
        score, explanation = Matcher.compare(
            schema, Query(schema, values["a"]), Query(schema, values["b"])
        )
        compared.append({"score": score, "digest": digest(explanation)})
    return compared


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pairs_answers() -> dict[str, list[Any]]:
    matcher, searches, rows = pairs_world()
    return {
        "searches": [{"search": s.describe(), "matches": s.run(matcher)} for s in searches],
        "compared": compare_pairs(rows),
    }


def shared_present() -> bool:
    return (SHARED / "watchlists").is_dir() and (SHARED / "screening-eval").is_dir()


def shared_world() -> tuple[Matcher, list[Search]]:
    """The real lists beside entities made from their name parts, and the benchmark's
    queries (needs ``../shared``)."""
    sys.path.insert(0, str(BENCH))
    try:
        import screening_scale as scale
    finally:
        sys.path.remove(str(BENCH))
    # The two OFAC files share some entries: the first of each key is kept.
    real = list({e.key: e for e in reversed(scale.real_entities())}.values())[::-1]
    parts = scale.Parts(real)
    queries = scale.queries(parts, SHARED_SYNTHETIC, SHARED_QUERIES, SEED)
    matcher = Matcher.build(
        [
            *(("real", e) for e in real),
            *(("synthetic", e) for e in scale.generate(parts, SHARED_SYNTHETIC, SEED)),
        ]
    )
    searches = [
        Search(q, threshold=THRESHOLDS[n % len(THRESHOLDS)], limit=10, label=f"bench {n}")
        for n, q in enumerate(queries)
    ]
    return matcher, searches


def shared_answers() -> dict[str, list[Any]]:
    matcher, searches = shared_world()
    answers = []
    for search in searches:
        matches = search.run(matcher)
        answers.append(
            {
                "label": search.label,
                "found": [[m["dataset"], m["key"], m["score"]] for m in matches],
                "digest": digest(matches),
            }
        )
    return {"searches": answers}


def canonical(value: Any) -> Any:
    """``value`` as it reads back from the golden file (enums as text, tuples as lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def write(path: Path, answers: dict[str, list[Any]]) -> None:
    """One JSON object with one line per item, so that a change shows as a line."""
    parts = []
    for key, items in sorted(answers.items()):
        lines = ",\n".join(
            json.dumps(item, ensure_ascii=False, sort_keys=True, default=str) for item in items
        )
        parts.append(f"{json.dumps(key)}: [\n{lines}\n]")
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")


def main() -> None:
    write(PAIRS_GOLDEN, pairs_answers())
    print(f"wrote {PAIRS_GOLDEN}")
    if shared_present():
        write(SHARED_GOLDEN, shared_answers())
        print(f"wrote {SHARED_GOLDEN}")
    else:
        print(f"{SHARED} not found: {SHARED_GOLDEN.name} left as it is")


if __name__ == "__main__":
    main()
