"""Match / no-match decisions on labelled name pairs: casework against nomenklatura.

The pairs are tests/screening/data/name_pairs.csv (its README says how each kind of pair was
made): real listed names against their aliases, other scripts, romanisations, acronyms, legal
forms, nicknames and so on, and near-misses that name different parties. Each engine sees the
two names only, with the pair's schema (Person, Company, Organization, Vessel), and decides.

- casework: ``casework.screening.search.compare`` on a ``CompareRequest``, the code path of
  ``POST /v1/screenings/compare``, at the default threshold.
- nomenklatura logic-v1 and logic-v2: a FollowTheMoney entity of the pair's schema for each
  name (its ``name`` property, a unique id each, as logic-v2 caches by id), compared with
  ``ScoringConfig.defaults()`` at 0.70, yente's default threshold. nomenklatura is a
  benchmark-only tool, never a dependency; without it only casework is measured.

Printed per schema, per kind of pair and overall: pairs, of which matches, then for each
engine precision, recall and F1 of "match", and accuracy (the only figure that means anything
for a kind made of near-misses alone, where there is nothing to recall). ``--show N`` prints N
pairs per kind that casework decides wrongly, with its score. ``--search`` adds casework's
search: each pair's listed name becomes an entity of one list, each query name is searched
in it, and the pair scores what its own entity scored (0 when the index missed it), so
retrieval is measured as well as scoring.

    .venv/bin/python bench/screening_pairs.py [--show 5] [--search]
    # with nomenklatura: an environment holding nomenklatura and an editable casework
    <that environment>/bin/python bench/screening_pairs.py
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Entity, Name, Schema
from casework.screening.schemas import CompareRequest
from casework.screening.search import compare

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "screening" / "data" / "name_pairs.csv"
NOMENKLATURA_THRESHOLD = 0.70
SCHEMAS = ("Person", "Company", "Organization", "Vessel")


@dataclass(frozen=True)
class Pair:
    kind: str
    schema: str
    a: str
    b: str
    match: bool
    note: str


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    wrong: list[tuple[Pair, float]] = field(default_factory=list)

    def add(self, pair: Pair, score: float, decided: bool) -> None:
        if decided and pair.match:
            self.tp += 1
        elif decided:
            self.fp += 1
        elif pair.match:
            self.fn += 1
        else:
            self.tn += 1
        if decided != pair.match:
            self.wrong.append((pair, score))

    def cells(self) -> str:
        p = r = f1 = None
        if self.tp + self.fn:  # precision, recall and F1 need something to find
            p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
            r = self.tp / (self.tp + self.fn)
            f1 = 2 * p * r / (p + r) if p + r else 0.0
        acc = (self.tp + self.tn) / (self.tp + self.fp + self.fn + self.tn)
        return " ".join(f"{x:5.3f}" if x is not None else "    -" for x in (p, r, f1, acc))


Scorer = Callable[[Pair, int], float]


def load(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Pair(row["kind"], row["schema"], row["a"], row["b"], row["match"] == "1", row["note"])
            for row in csv.DictReader(f)
        ]


def casework_scorer() -> Scorer:
    def score(pair: Pair, _index: int) -> float:
        request = CompareRequest.model_validate(
            {"schema": pair.schema, "a": {"name": pair.a}, "b": {"name": pair.b}}
        )
        return compare(request, DEFAULT_THRESHOLD).score

    return score


def search_scorer(pairs: list[Pair]) -> Scorer:
    """casework's search (index and scorer): every pair's listed name is one entity of a
    list, every query name is searched in it, and the pair scores what its own entity
    scored, 0 when the index did not find it."""
    matcher = Matcher.build(
        ("pairs", Entity(key=str(i), schema=Schema(p.schema), names=[Name(p.b)], topics=[]))
        for i, p in enumerate(pairs)
    )

    def score(pair: Pair, index: int) -> float:
        query = Query(schema=Schema(pair.schema), name=pair.a)
        found = matcher.search(query, threshold=0.0, limit=100)
        return next((m.score for m in found if m.entity_key == str(index)), 0.0)

    return score


def nomenklatura_scorers() -> dict[str, Scorer] | str:
    try:
        from followthemoney import model  # type: ignore[import-not-found, unused-ignore]
        from nomenklatura.matching import (  # type: ignore[import-not-found, unused-ignore]
            LogicV1,
            LogicV2,
            ScoringConfig,
        )
    except ImportError as exc:
        return f"nomenklatura is not installed ({exc}); logic-v1 and logic-v2 skipped"
    config = ScoringConfig.defaults()

    def entity(schema: str, ident: str, name: str) -> Any:
        made = model.make_entity(schema)
        made.id = ident  # logic-v2 caches by entity id, so every name gets its own
        made.add("name", name, quiet=True)
        return made

    def scorer(algorithm: Any) -> Scorer:
        def score(pair: Pair, index: int) -> float:
            a = entity(pair.schema, f"query-{index}", pair.a)
            b = entity(pair.schema, f"listed-{index}", pair.b)
            return float(algorithm.compare(a, b, config).score)

        return score

    return {"logic-v1": scorer(LogicV1), "logic-v2": scorer(LogicV2)}


def table(
    title: str,
    groups: Iterable[str],
    pairs_of: dict[str, list[Pair]],
    tallies: dict[str, dict[str, Tally]],
) -> None:
    engines = list(tallies)
    head = "".join(f" | {name:^29}" for name in engines)
    print(f"\n{title:<24} {'pairs':>5} {'match':>5}{head}")
    sub = "".join(f" | {'P     R     F1    acc':>29}" for _ in engines)
    print(f"{'':<24} {'':>5} {'':>5}{sub}")
    for group in groups:
        pairs = pairs_of[group]
        matches = sum(p.match for p in pairs)
        row = "".join(f" | {tallies[name][group].cells():>29}" for name in engines)
        print(f"{group:<24} {len(pairs):>5} {matches:>5}{row}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="the labelled pairs (CSV)")
    parser.add_argument("--show", type=int, default=0, help="casework's wrong pairs per kind")
    parser.add_argument(
        "--search", action="store_true", help="also casework's search: listed b, searched a"
    )
    args = parser.parse_args()

    pairs = load(args.pairs)
    matches = sum(p.match for p in pairs)
    print(
        f"{len(pairs)} pairs ({matches} match, {len(pairs) - matches} no match) from {args.pairs}"
    )
    scorers: dict[str, tuple[float, Scorer]] = {"casework": (DEFAULT_THRESHOLD, casework_scorer())}
    if args.search:
        scorers["casework search"] = (DEFAULT_THRESHOLD, search_scorer(pairs))
    nk = nomenklatura_scorers()
    if isinstance(nk, str):
        print(nk)
    else:
        scorers |= {name: (NOMENKLATURA_THRESHOLD, scorer) for name, scorer in nk.items()}

    kinds = sorted({p.kind for p in pairs})
    pairs_of: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        pairs_of[pair.schema].append(pair)
        pairs_of[pair.kind].append(pair)
        pairs_of["overall"].append(pair)
    tallies: dict[str, dict[str, Tally]] = {}
    for name, (threshold, scorer) in scorers.items():
        tally: dict[str, Tally] = defaultdict(Tally)
        started = time.perf_counter()
        for index, pair in enumerate(pairs):
            score = scorer(pair, index)
            for group in (pair.schema, pair.kind, "overall"):
                tally[group].add(pair, score, score >= threshold)
        each = (time.perf_counter() - started) / len(pairs) * 1000
        print(f"{name}: threshold {threshold:.2f}, {each:.2f} ms per pair")
        tallies[name] = tally

    table("by schema", SCHEMAS, pairs_of, tallies)
    table("by kind", kinds, pairs_of, tallies)
    table("all pairs", ["overall"], pairs_of, tallies)

    if args.show:
        print(f"\ncasework's wrong decisions, up to {args.show} per kind:")
        for kind in kinds:
            for pair, score in tallies["casework"][kind].wrong[: args.show]:
                label = "missed" if pair.match else "false match"
                print(
                    f"  [{kind}] {label} {score:.3f} {pair.schema}: {pair.a!r} / {pair.b!r}"
                    + (f" ({pair.note})" if pair.note else "")
                )


if __name__ == "__main__":
    main()
