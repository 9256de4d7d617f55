"""Screening quality on the real OFAC and UN lists: recall and false alerts.

Positives are listed names changed the way customers' records differ from lists: typos,
transposed letters, dropped middle names, reordered parts, "SURNAME, Given" forms,
transliteration variants (spelling rules, and whole names written in Cyrillic), legal
forms spelled another way, left out or added, and short one-token names; a quarter get
two different changes ("two changes"). Some carry the listed date of birth,
a country, the gender or an identifier, as a KYC record would. Negatives are people on no
list, from ../shared/data/screening-eval/. A positive is found when its entity scores at or
above the threshold; a negative raises a false alert when any entity does.

casework's search (index and scorer) is measured end to end first. Then every scorer is
run on exactly the same candidates for each query (those casework's index retrieves, the
ten best names by rapidfuzz token-sort ratio over all listed names, and for a positive its
own entity, so that part compares scorers alone): casework's scorer, nomenklatura's
logic-v1 and logic-v2 at yente's default threshold 0.70 (when nomenklatura is installed;
it is a benchmark-only tool, never a dependency), and a plain rapidfuzz token-sort-ratio
baseline at 0.85. The seed is fixed, so runs are comparable.

    .venv/bin/python bench/screening_quality.py [--positives 2000] [--negatives 5000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from casework.screening.countries import to_alpha3
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Entity, NameKind, Schema, Skipped
from casework.screening.importers import ofac_csv, un_xml
from casework.screening.normalize import LEGAL_FORMS, strip_legal_forms, tokenize

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WATCHLISTS = SHARED / "watchlists"
NEGATIVES = SHARED / "screening-eval" / "negatives_synthetic_people.csv"
BASELINE_THRESHOLD = 0.85
NOMENKLATURA_THRESHOLD = 0.70
DOUBLE_SHARE = 0.25  # positives that get a second, different change on top of the first
QUERY_SCHEMA = {s: s for s in Schema} | {Schema.legal_entity: Schema.company}


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(a, b) for a, _, b in (pair.partition("=") for pair in text.split())]


# Latin to Cyrillic as Russian writes foreign names, longest spelling first.
_TO_CYRILLIC = _pairs(
    "ce=це ci=ци shch=щ kh=х zh=ж ts=ц ch=ч sh=ш yu=ю ya=я yo=ё iy=ий a=а b=б v=в "  # noqa: RUF001
    "g=г d=д e=е z=з i=и y=ы k=к l=л m=м n=н o=о p=п r=р s=с t=т u=у f=ф c=к "  # noqa: RUF001
    "h=х j=дж q=к w=в x=кс"  # noqa: RUF001
)
# Spellings that transliterations of one name disagree on.
_SPELLINGS = _pairs(
    "ou=u u=ou ph=f kh=h y=i i=y ee=i oo=u dj=j j=dj q=k ck=k w=v v=w ss=s mm=m tch=ch "
    "ya=ia yu=iu iy=i ei=ey aa=a mohammed=muhammad mohamed=mohammad muhammad=mohamed "
    "abdul=abdel hussein=husayn yusuf=yousef ahmad=ahmed"
)
_FORM_SPELLINGS = ["LLC", "Ltd", "Limited", "Co., Ltd.", "Inc.", "Corp.", "GmbH", "S.A.", "JSC"]
_FORMS = {" ".join(k) for k in LEGAL_FORMS}


@dataclass
class Positive:
    query: Query
    target: int  # index into the entries
    change: str


def load() -> list[tuple[str, Entity]]:
    sources: list[tuple[str, Callable[[Sequence[Path]], Iterator[Entity | Skipped]], list[Path]]]
    sources = [
        ("ofac-sdn", ofac_csv.read, sorted((WATCHLISTS / "ofac_sdn_2019").iterdir())),
        ("ofac-cons", ofac_csv.read, sorted((WATCHLISTS / "ofac_consolidated").iterdir())),
        ("un-sc", un_xml.read, [WATCHLISTS / "un" / "UN_consolidated.xml"]),
    ]
    return [
        (dataset, e)
        for dataset, read, paths in sources
        for e in read(paths)
        if isinstance(e, Entity)
    ]


def _typo(token: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(token) - 1)
    letter = rng.choice("aeioulnrstmkdh")
    op = rng.choice(("insert", "delete", "replace"))
    if op == "insert":
        return token[:i] + letter + token[i:]
    if op == "delete":
        return token[:i] + token[i + 1 :]
    return token[:i] + letter + token[i + 1 :]


def _transpose(token: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(token) - 2)
    return token[:i] + token[i + 1] + token[i] + token[i + 2 :]


def _cyrillic(text: str) -> str:
    out, lowered, i = [], text.lower(), 0
    while i < len(lowered):
        for latin, cyr in _TO_CYRILLIC:
            if lowered.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(lowered[i])
            i += 1
    return "".join(out).title()


def _given_first(entity: Entity, value: str) -> list[str]:
    if entity.schema == Schema.person and value.count(",") == 1:
        last, given = value.split(",")
        return given.split() + last.split()
    return value.replace(",", " ").split()


def perturb(entity: Entity, value: str, rng: random.Random) -> tuple[str, str] | None:
    """One realistic variant of a listed name and the kind of change made."""
    words = _given_first(entity, value)
    person = entity.schema == Schema.person
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    spellable = [i for i in long if words[i].lower() not in _FORMS]
    kinds = []
    if long:
        kinds += ["typo", "transposed"]
    if person and len(words) >= 3:
        kinds.append("dropped middle")
    if person and len(words) >= 2:
        kinds.append("SURNAME, Given")
        # Two given names the other way round are another person ("Ali Muhammad" /
        # "Muhammad Ali"), so that is no variant of the listed name.
        from casework.screening.given_names import is_given_name  # only to generate queries

        given = [re.sub("[^a-z]", "", w.lower()) for w in words]
        if not (len(words) == 2 and all(is_given_name(w) for w in given)):
            kinds.append("reordered")
    if any(a in words[i].lower() for i in spellable for a, _ in _SPELLINGS):
        kinds.append("transliteration")
    if person and value.isascii() and len(words) >= 2:
        kinds.append("Cyrillic")
    if entity.schema in (Schema.company, Schema.legal_entity):
        kinds.append("legal form")
    if len(tokenize(value)) == 1:
        kinds = ["one-token name"]
    if not kinds:
        return None
    kind = rng.choice(kinds)
    if kind in ("typo", "transposed"):
        i = rng.choice(long)
        words[i] = (_typo if kind == "typo" else _transpose)(words[i], rng)
    elif kind == "dropped middle":
        del words[rng.randrange(1, len(words) - 1)]
    elif kind == "reordered":
        words = words[-1:] + words[:-1]
    elif kind == "SURNAME, Given":
        return f"{words[-1].upper()}, {' '.join(words[:-1])}", kind
    elif kind == "transliteration":
        options = [(i, a, b) for i in spellable for a, b in _SPELLINGS if a in words[i].lower()]
        i, a, b = rng.choice(options)
        words[i] = words[i].lower().replace(a, b, 1)
    elif kind == "Cyrillic":
        return _cyrillic(" ".join(words)), kind
    elif kind == "legal form":
        # The same legal form spelled another way, or left out; a different form would
        # name a different company ("Siemens AG" / "Siemens GmbH").
        rest, forms = strip_legal_forms(tokenize(value))
        forms = forms or strip_legal_forms(tokenize(entity.caption))[1]
        words = [w.upper() for w in rest]
        if forms and rng.random() < 0.5:
            same = sorted(" ".join(k) for k, code in LEGAL_FORMS.items() if code == forms[-1])
            words.append(rng.choice(same).upper())
        elif not forms:
            words.append(rng.choice(_FORM_SPELLINGS))
    return " ".join(words).title() if rng.random() < 0.5 else " ".join(words), kind


def positives(entries: list[tuple[str, Entity]], count: int, rng: random.Random) -> list[Positive]:
    made: list[Positive] = []
    order = list(range(len(entries)))
    rng.shuffle(order)
    for i in order:
        if len(made) >= count:
            break
        entity = entries[i][1]
        names = [n for n in entity.names if n.kind != NameKind.weak]
        primary = [n for n in names if n.kind == NameKind.primary]
        if not names:
            continue
        name = rng.choice(primary if primary and rng.random() < 0.7 else names)
        found = perturb(entity, name.value, rng)
        if found is None:
            continue
        if rng.random() < DOUBLE_SHARE and found[0].isascii():
            again = perturb(entity, found[0], rng)
            if again is not None and again[1] != found[1]:
                found = again[0], "two changes"
        countries = entity.nationalities + entity.countries
        dob = entity.birth_dates and rng.random() < 0.5
        ids = entity.identifiers and rng.random() < 0.05
        query = Query(
            QUERY_SCHEMA[entity.schema],
            found[0],
            birth_date=rng.choice(entity.birth_dates) if dob else None,
            countries=[rng.choice(countries)] if countries and rng.random() < 0.4 else [],
            gender=entity.gender if rng.random() < 0.3 else None,
            identifiers=[rng.choice(entity.identifiers).value] if ids else [],
        )
        made.append(Positive(query, i, found[1]))
    return made


def negatives(count: int, rng: random.Random) -> list[Query]:
    with NEGATIVES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    country = {r["nationality"]: to_alpha3(r["nationality"]) for r in rows}
    return [
        Query(
            Schema.person,
            row["full_name"],
            birth_date=row["date_of_birth"] or None,
            countries=[c] if (c := country[row["nationality"]]) else [],
            gender=row["gender"] or None,
        )
        for row in rng.sample(rows, count)
    ]


def write_queries(
    path: Path, entries: list[tuple[str, Entity]], pos: list[Positive], neg: list[Query]
) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in [*pos, *neg]:
            query = item.query if isinstance(item, Positive) else item
            line: dict[str, Any] = {k: v for k, v in vars(query).items() if v}
            line["schema"] = str(query.schema) if query.schema else None
            if isinstance(item, Positive):
                dataset, entity = entries[item.target]
                line |= {"target": [dataset, entity.key], "change": item.change}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_queries(
    path: Path, entries: list[tuple[str, Entity]]
) -> tuple[list[Positive], list[Query]]:
    where = {(d, e.key): i for i, (d, e) in enumerate(entries)}
    pos: list[Positive] = []
    neg: list[Query] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            target, change = data.pop("target", None), data.pop("change", None)
            schema = data.pop("schema")
            query = Query(schema=Schema(schema) if schema else None, **data)
            if target is None:
                neg.append(query)
            else:
                pos.append(Positive(query, where[tuple(target)], change))
    return pos, neg


def rapidfuzz_top(
    entries: list[tuple[str, Entity]], texts: list[str], k: int = 10
) -> list[set[int]]:
    """The entities of the k best listed names by token-sort ratio, for each text."""
    names, owner = [], []
    for i, (_, entity) in enumerate(entries):
        for name in entity.names:
            names.append(default_process(name.value))
            owner.append(i)
    found: list[set[int]] = []
    for start in range(0, len(texts), 500):
        batch = [default_process(t) for t in texts[start : start + 500]]
        scores = process.cdist(
            batch, names, scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=-1
        )
        best = np.argpartition(-scores.astype(np.int16), k, axis=1)[:, :k]
        found.extend({owner[int(j)] for j in row} for row in best)
    return found


def baseline_score(query: Query, entity: Entity) -> float:
    return max(
        fuzz.token_sort_ratio(a, n.value, processor=default_process) / 100
        for a in [query.name, *query.aliases]
        for n in entity.names
    )


def nomenklatura_scorers() -> dict[str, Callable[[Query, Entity], float]] | str:
    """logic-v1 and logic-v2 over FollowTheMoney copies of the same queries and entities."""
    try:
        import pycountry
        from followthemoney import model  # type: ignore[import-not-found, unused-ignore]
        from nomenklatura.matching import (  # type: ignore[import-not-found, unused-ignore]
            LogicV1,
            LogicV2,
            ScoringConfig,
        )
    except ImportError as exc:
        return f"nomenklatura is not installed ({exc}); logic-v1 and logic-v2 skipped"

    config = ScoringConfig.defaults()
    kinds = {
        NameKind.primary: "name",
        NameKind.aka: "alias",
        NameKind.fka: "previousName",
        NameKind.weak: "weakAlias",
    }

    def alpha2(code: str) -> str | None:
        found = pycountry.countries.get(alpha_3=code)
        return found.alpha_2.lower() if found else None

    def make(schema: Schema | None, ident: str) -> Any:
        made = model.make_entity(
            {"Aircraft": "Airplane"}.get(str(schema), str(schema or "LegalEntity"))
        )
        made.id = ident  # logic-v2 caches by entity id, so ids must be unique
        return made

    def listed(entity: Entity) -> Any:
        made = make(entity.schema, f"listed-{id(entity)}")
        person = entity.schema == Schema.person
        for name in entity.names:
            made.add(kinds[name.kind], name.value, quiet=True)
        for d in entity.birth_dates:
            made.add("birthDate", d, quiet=True)
        for c in entity.countries:
            made.add("country", alpha2(c), quiet=True)
        for c in entity.nationalities:
            made.add("nationality" if person else "country", alpha2(c), quiet=True)
        if person and entity.gender:
            made.add("gender", entity.gender, quiet=True)
        for ident in entity.identifiers:
            if ident.kind == "imo" and entity.schema == Schema.vessel:
                made.add("imoNumber", ident.value, quiet=True)
            elif person and ident.kind == "passport":
                made.add("passportNumber", ident.value, quiet=True)
            made.add("idNumber", ident.value, quiet=True)
            made.add("registrationNumber", ident.value, quiet=True)
        return made

    def queried(query: Query) -> Any:
        made = make(query.schema, f"query-{id(query)}")
        person = query.schema == Schema.person
        made.add("name", query.name, quiet=True)
        for alias in query.aliases:
            made.add("alias", alias, quiet=True)
        if query.birth_date:
            made.add("birthDate", query.birth_date, quiet=True)
        for c in query.countries:
            made.add("nationality" if person else "country", alpha2(c), quiet=True)
        if person and query.gender:
            made.add("gender", query.gender, quiet=True)
        for ident in query.identifiers:
            made.add("idNumber", ident, quiet=True)
            made.add("passportNumber" if person else "registrationNumber", ident, quiet=True)
        return made

    proxies: dict[int, Any] = {}

    def proxy(key: Any, build: Callable[[Any], Any]) -> Any:
        if id(key) not in proxies:
            proxies[id(key)] = build(key)
        return proxies[id(key)]

    def scorer(algorithm: Any) -> Callable[[Query, Entity], float]:
        def score(query: Query, entity: Entity) -> float:
            pair = (proxy(query, queried), proxy(entity, listed))
            return float(algorithm.compare(*pair, config).score)

        return score

    return {"logic-v1": scorer(LogicV1), "logic-v2": scorer(LogicV2)}


def distribution(scores: list[float]) -> str:
    bins = Counter(min(int(s * 10), 9) for s in scores)
    deciles = " ".join(f"{b / 10:.1f}:{bins[b] / len(scores):.0%}" for b in range(10) if bins[b])
    p10, p50, p90 = np.quantile(scores, [0.1, 0.5, 0.9])
    ones = sum(1 for s in scores if s >= 0.999) / len(scores)
    distinct = len({round(s, 3) for s in scores})
    return (
        f"p10 {p10:.2f} p50 {p50:.2f} p90 {p90:.2f}; at 1.0: {ones:.0%}; {distinct} distinct;"
        f" by decile {deciles}"
    )


def report(
    name: str, threshold: float, pos: list[float], neg: list[float], pp: list[Positive]
) -> None:
    recall = sum(s >= threshold for s in pos) / len(pos)
    alerts = sum(s >= threshold for s in neg) / len(neg) * 1000
    cut = sorted(neg, reverse=True)[len(neg) // 500] if len(neg) >= 500 else 1.0
    own = sum(s > cut for s in pos) / len(pos)
    print(
        f"  {name} at {threshold:.2f}: recall {recall:.4f}, {alerts:.1f} false alerts per 1,000"
        f" clean queries; recall {own:.4f} at its own <=2-per-1,000 cut (> {cut:.3f})"
    )
    by_change: dict[str, list[bool]] = defaultdict(list)
    for score, positive in zip(pos, pp, strict=True):
        by_change[positive.change].append(score >= threshold)
    print(
        "    recall by change: "
        + ", ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in sorted(by_change.items()))
    )
    print(f"    positives' scores: {distribution(pos)}")
    print(f"    negatives' top scores: {distribution(neg)}")


def end_to_end(
    matcher: Matcher,
    entries: list[tuple[str, Entity]],
    pos: list[Positive],
    neg: list[Query],
    show: int,
) -> list[dict[int, float]]:
    """casework's own search on every query; what it found, by entry, with scores."""
    print(f"\ncasework search, end to end (index and scorer), threshold {DEFAULT_THRESHOLD}:")
    where = {(d, e.key): i for i, (d, e) in enumerate(entries)}
    queries = [p.query for p in pos] + neg
    started = time.perf_counter()
    retrieved: list[dict[int, float]] = []
    for query in queries:
        found = matcher.search(query, threshold=0.0, limit=10**6)
        retrieved.append({where[(m.dataset, m.entity_key)]: m.score for m in found})
    each = (time.perf_counter() - started) / len(queries) * 1000
    print(f"  {len(queries)} searches, {each:.2f} ms each")
    end_pos = [r.get(p.target, 0.0) for r, p in zip(retrieved, pos, strict=False)]
    end_neg = [max(r.values(), default=0.0) for r in retrieved[len(pos) :]]
    report("casework search", DEFAULT_THRESHOLD, end_pos, end_neg, pos)
    missed = [(s, p) for s, p in zip(end_pos, pos, strict=True) if s < DEFAULT_THRESHOLD]
    for score, p in missed[:show]:
        listed = entries[p.target][1].caption
        print(f"    missed [{p.change}] {p.query.name!r}: {listed!r} {score:.3f}")
    alerts = [(r, q) for r, q in zip(retrieved[len(pos) :], neg, strict=True) if r]
    alerts = [(r, q) for r, q in alerts if max(r.values()) >= DEFAULT_THRESHOLD]
    for r, q in alerts[:show]:
        i, score = max(r.items(), key=lambda x: x[1])
        print(f"    alert {q.name!r} ({q.birth_date}): {entries[i][1].caption!r} {score:.3f}")
    return retrieved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positives", type=int, default=2000)
    parser.add_argument("--negatives", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and alerts")
    parser.add_argument(
        "--queries",
        type=Path,
        help="JSON lines file: read the queries from it if it exists, else write them to it "
        "(to measure two versions of the engine on exactly the same queries)",
    )
    args = parser.parse_args()
    if not WATCHLISTS.is_dir() or not NEGATIVES.is_file():
        sys.exit(f"real list files not found under {SHARED}")
    rng = random.Random(args.seed)

    started = time.perf_counter()
    entries = load()
    matcher = Matcher.build(entries)
    elapsed = time.perf_counter() - started
    datasets = ", ".join(sorted({d for d, _ in entries}))
    print(f"lists: {len(entries):,} entities ({datasets}), read and indexed in {elapsed:.1f} s")
    if args.queries and args.queries.is_file():
        pos, neg = read_queries(args.queries, entries)
        print(f"queries read from {args.queries}")
    else:
        pos = positives(entries, args.positives, rng)
        neg = negatives(args.negatives, rng)
        if args.queries:
            write_queries(args.queries, entries, pos, neg)
            print(f"queries written to {args.queries}")
    queries = [p.query for p in pos] + neg
    changes = ", ".join(f"{k} {v}" for k, v in sorted(Counter(p.change for p in pos).items()))
    print(f"queries: {len(pos)} perturbed positives ({changes});")
    print(f"  {len(neg)} clean people from {NEGATIVES.name}; seed {args.seed}")

    retrieved = end_to_end(matcher, entries, pos, neg, args.show)

    print(
        "\nsame candidates for every scorer (casework's retrieval, rapidfuzz's top 10 names,"
        " and a positive's own entity):"
    )
    extra = rapidfuzz_top(entries, [q.name for q in queries])
    targets = [{p.target} for p in pos] + [set() for _ in neg]
    candidates = [sorted(set(r) | e | t) for r, e, t in zip(retrieved, extra, targets, strict=True)]
    print(f"  {sum(map(len, candidates)) / len(candidates):.1f} candidates per query on average")
    datasets_of = {id(e): d for d, e in entries}

    def casework(query: Query, entity: Entity) -> float:
        match = matcher.explain(query, datasets_of[id(entity)], entity.key)
        return match.score if match else 0.0

    scorers: dict[str, tuple[float, Callable[[Query, Entity], float]]] = {
        "casework": (DEFAULT_THRESHOLD, casework)
    }
    nk = nomenklatura_scorers()
    if isinstance(nk, str):
        print(f"  {nk}")
    else:
        scorers |= {name: (NOMENKLATURA_THRESHOLD, scorer) for name, scorer in nk.items()}
    scorers["rapidfuzz token-sort"] = (BASELINE_THRESHOLD, baseline_score)
    for name, (threshold, scorer) in scorers.items():
        started = time.perf_counter()
        best: list[float] = []
        for i, (query, cands) in enumerate(zip(queries, candidates, strict=True)):
            scores = {c: scorer(query, entries[c][1]) for c in cands}
            best.append(
                scores[pos[i].target] if i < len(pos) else max(scores.values(), default=0.0)
            )
        pairs = sum(map(len, candidates))
        print(f"  {name}: {pairs} pairs in {time.perf_counter() - started:.1f} s")
        report(name, threshold, best[: len(pos)], best[len(pos) :], pos)


if __name__ == "__main__":
    main()
