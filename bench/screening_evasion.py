"""Screening against disguised names: recall per evasion technique, through the HTTP API.

    .venv/bin/python bench/screening_evasion.py [--per-technique 80] [--negatives 5000]
                                                [--seed 16] [--engine-only]

Variants of real listed names (the primary names of people and organisations on the
OFAC SDN and consolidated lists and the UN Security Council list, in ../shared/data) are
made with each technique of ``tests/screening/evasion.py``: look-alike letters of other
scripts, a word wholly in look-alikes, full-width and compatibility forms, invisible
characters, bidirectional controls, stacked combining marks, odd spaces, words run
together or broken up, punctuation stuffing, doubled letters, and two techniques at once.

The lists are first searched in process (the engine alone). Then ``casework serve`` is
started on loopback with a scratch SQLite data directory, the same list files are
imported with ``casework lists import``, and every variant and ``--negatives`` clean people
(../shared/data/screening-eval) are screened through ``POST /v1/screenings/batch`` with
an API client's key, as a customer would. A variant is found when its own listed entity
is among the matches at the default threshold; a clean person raises a false alert when
anything matches; they are screened by name alone and as KYC records (with date of
birth, nationality and gender, as bench/screening_quality.py screens them). Prints recall
per technique for both, and false alerts per 1,000 clean people. Progress goes to stderr,
the table to stdout.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from api_cases import CASEWORK, cli, free_port, log, server
from casework.screening.countries import to_alpha3
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher, Query
from casework.screening.entity import Entity, Schema
from casework.screening.importers import ofac_csv, un_xml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.screening.evasion import TECHNIQUES, TWO, Variant, sources, variants  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
WATCHLISTS = SHARED / "watchlists"
NEGATIVES = SHARED / "screening-eval" / "negatives_synthetic_people.csv"
LISTS = {  # dataset: (format, files)
    "ofac-sdn": ("ofac-csv", sorted((WATCHLISTS / "ofac_sdn_2019").glob("*.csv"))),
    "ofac-cons": ("ofac-csv", sorted((WATCHLISTS / "ofac_consolidated").glob("*.csv"))),
    "un-sc": ("un-xml", [WATCHLISTS / "un" / "UN_consolidated.xml"]),
}
BATCH = 500
ALERT_ROWS = {"by name alone": True, "as KYC records": False}  # label: name only?


def entries() -> list[tuple[str, Entity]]:
    found: list[tuple[str, Entity]] = []
    for dataset, (format_name, paths) in LISTS.items():
        read = ofac_csv.read if format_name == "ofac-csv" else un_xml.read
        found += [(dataset, e) for e in read(paths) if isinstance(e, Entity)]
    return found


def negatives(count: int, seed: int) -> list[dict[str, Any]]:
    """Clean people as KYC records: name, date of birth, nationality, gender."""
    with NEGATIVES.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    people = []
    for row in random.Random(seed).sample(rows, min(count, len(rows))):
        country = to_alpha3(row["nationality"])
        people.append(
            {
                "name": row["full_name"],
                "birth_date": row["date_of_birth"] or None,
                "countries": [country] if country else [],
                "gender": row["gender"] if row["gender"] in ("male", "female") else None,
            }
        )
    return people


def _query(person: dict[str, Any], name_only: bool) -> Query:
    if name_only:
        return Query(schema=Schema.person, name=person["name"])
    return Query(schema=Schema.person, **person)


def engine_run(
    listed: list[tuple[str, Entity]], made: list[Variant], clean: list[dict[str, Any]]
) -> tuple[list[bool], dict[str, list[bool]], float]:
    matcher = Matcher.build(listed)
    found: list[bool] = []
    started = time.perf_counter()
    for variant in made:
        query = Query(schema=variant.source.schema, name=variant.text)
        hits = matcher.search(query, threshold=DEFAULT_THRESHOLD, limit=50)
        found.append(any((m.dataset, m.entity_key) == _id(variant) for m in hits))
    alerts = {
        label: [bool(matcher.search(_query(p, name_only), limit=1)) for p in clean]
        for label, name_only in ALERT_ROWS.items()
    }
    took = (time.perf_counter() - started) / max(1, len(made) + 2 * len(clean)) * 1000
    return found, alerts, took


def _id(variant: Variant) -> tuple[str, str]:
    return variant.source.dataset, variant.source.key


def _batches(queries: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(queries), BATCH):
        yield queries[start : start + BATCH]


def screen(client: httpx.Client, queries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    results: list[list[dict[str, Any]]] = []
    for batch in _batches(queries):
        response = client.post("/v1/screenings/batch", json={"queries": batch})
        if response.status_code != 200:
            raise SystemExit(f"batch screening answered {response.status_code}: {response.text}")
        results += [item.get("matches") or [] for item in response.json()["results"]]
    return results


def http_run(
    made: list[Variant], clean: list[dict[str, Any]], workdir: Path
) -> tuple[list[bool], dict[str, list[bool]]]:
    env = {**os.environ, "CASEWORK_DATA_DIR": str(workdir), "CASEWORK_LOG_LEVEL": "WARNING"}
    env.pop("CASEWORK_DATABASE_URL", None)
    subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
    for dataset, (format_name, paths) in LISTS.items():
        files = " ".join(str(p) for p in paths)
        report = cli(env, f"lists import --dataset {dataset} --format {format_name} {files}")
        log(f"imported {dataset}: {report.get('entities')} entities")
    slug = f"evasion-{secrets.token_hex(3)}"
    cli(env, f"tenants create --slug {slug} --name 'Evasion Bench'")
    email = f"analyst@{slug}.test"
    cli(
        {**env, "CASEWORK_USER_PASSWORD": secrets.token_urlsafe(16)},
        f"users create --tenant {slug} --email {email} --first-name A --last-name B --role analyst",
    )
    key = cli(env, f"api-clients create --tenant {slug} --name bench --acting-user {email}")
    headers = {"Authorization": f"Bearer {key['api_key']}"}
    with (
        server(env, free_port(), workdir) as base,
        httpx.Client(base_url=base, headers=headers, timeout=300) as client,
    ):
        queries = [{"name": v.text, "schema": v.source.schema.value, "limit": 50} for v in made]
        log(f"screening {len(queries)} variants through {base}/v1/screenings/batch")
        results = screen(client, queries)
        found = [
            any(m["entity_id"] == f"{v.source.dataset}:{v.source.key}" and m["match"] for m in r)
            for v, r in zip(made, results, strict=True)
        ]
        log(f"screening {len(clean)} clean people, by name alone and as KYC records")
        alerts = {}
        for label, name_only in ALERT_ROWS.items():
            queries = [
                {"name": p["name"]} if name_only else {k: v for k, v in p.items() if v}
                for p in clean
            ]
            results = screen(client, [q | {"schema": "Person", "limit": 1} for q in queries])
            alerts[label] = [any(m["match"] for m in r) for r in results]
    return found, alerts


def table(
    made: list[Variant],
    columns: dict[str, list[bool]],
    alerts: dict[str, dict[str, list[bool]]],
) -> str:
    by_technique: dict[str, list[int]] = defaultdict(list)
    for i, variant in enumerate(made):
        by_technique[variant.technique].append(i)
    names = list(columns)
    lines = [f"{'technique':<26}{'variants':>9}" + "".join(f"{n:>10}" for n in names)]
    for technique in [*TECHNIQUES, TWO]:
        rows = by_technique.get(technique, [])
        cells = "".join(
            f"{sum(columns[n][i] for i in rows) / max(1, len(rows)):>10.3f}" for n in names
        )
        lines.append(f"{technique:<26}{len(rows):>9}{cells}")
    total = "".join(f"{sum(columns[n]) / max(1, len(made)):>10.3f}" for n in names)
    lines.append(f"{'all':<26}{len(made):>9}{total}")
    lines.append("false alerts per 1,000 clean people:")
    for label in ALERT_ROWS:
        clean = len(alerts[names[0]][label])
        rates = "".join(f"{1000 * sum(alerts[n][label]) / max(1, clean):>10.2f}" for n in names)
        lines.append(f"  {label:<24}{clean:>9}{rates}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Recall on disguised listed names.")
    parser.add_argument("--per-technique", type=int, default=80)
    parser.add_argument("--negatives", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--engine-only", action="store_true", help="Skip the HTTP run.")
    args = parser.parse_args()
    if not WATCHLISTS.is_dir() or not NEGATIVES.is_file():
        raise SystemExit(f"list files or negatives not found under {SHARED}")
    listed = entries()
    made = variants(sources(listed), args.per_technique, args.seed)
    clean = negatives(args.negatives, args.seed)
    log(f"{len(listed)} listed entities; {len(made)} variants; {len(clean)} clean people")
    found, alerts, took = engine_run(listed, made, clean)
    log(f"engine: {took:.2f} ms per search")
    columns, false_alerts = {"engine": found}, {"engine": alerts}
    if not args.engine_only:
        with tempfile.TemporaryDirectory(prefix="casework-evasion-") as tmp:
            columns["http"], false_alerts["http"] = http_run(made, clean, Path(tmp))
    print(f"recall at the default threshold {DEFAULT_THRESHOLD}, seed {args.seed}")
    print(table(made, columns, false_alerts))


if __name__ == "__main__":
    main()
