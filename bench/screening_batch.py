"""Batch screening throughput through the HTTP API: POST /v1/screenings/batch.

    .venv/bin/python bench/screening_batch.py [--batches 5] [--size 1000] [--postgres URL]

Starts ``casework serve`` on loopback with a scratch SQLite data directory (or a
throwaway PostgreSQL database with --postgres), imports the real OFAC SDN, OFAC
consolidated and UN Security Council lists (../shared/data) with ``casework lists
import``, and creates a tenant with an API client. Then it sends batches of --size
queries, one request at a time, as a customer screening a file would: half are listed
names changed as customers' records differ from lists (words reordered, a letter
dropped), half clean people with date of birth and gender (../shared/data/screening-eval),
the mix of bench/screening_scale.py. A first batch warms the server up (its matcher is
built on the first screening) and is not counted. Prints queries per second over the
counted batches, and each request's time.

The server runs from the same interpreter as this script (``python -m casework.cli``)
and the source tree beside it, unless PYTHONPATH names another.
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
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import httpx

import machine
from api_cases import CASEWORK, free_port, log, postgres_database, server
from screening_scale import NEGATIVES, WATCHLISTS, variant

ROOT = Path(__file__).resolve().parents[1]
# Customers are screened as what their records say they are; a list's "legal entity"
# (a party of unknown kind) is screened as a company.
QUERY_SCHEMA = {"LegalEntity": "Company"}
GENDERS = {"m": "male", "male": "male", "f": "female", "female": "female"}
LISTS = {  # dataset: (format, files)
    "ofac-sdn": ("ofac-csv", sorted((WATCHLISTS / "ofac_sdn_2019").glob("*.csv"))),
    "ofac-cons": ("ofac-csv", sorted((WATCHLISTS / "ofac_consolidated").glob("*.csv"))),
    "un-sc": ("un-xml", [WATCHLISTS / "un" / "UN_consolidated.xml"]),
}


def cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    import json

    proc = subprocess.run(
        [*CASEWORK, *args, "--json"], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"`casework {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr}")
    found: dict[str, Any] = json.loads(proc.stdout)
    return found


def queries(count: int, seed: int) -> list[dict[str, Any]]:
    """Half listed names as customers' records differ from them, half clean people."""
    from casework.screening.importers import ofac_csv, un_xml

    rng = random.Random(seed)
    paths = [p for _, files in LISTS.values() for p in files]
    listed = [
        e
        for e in (*ofac_csv.read([p for p in paths if p.suffix == ".csv"]),
                  *un_xml.read([p for p in paths if p.suffix == ".xml"]))
        if hasattr(e, "names") and e.names
    ]  # fmt: skip
    made = [
        {
            "name": variant(e.names[0].value, rng),
            "schema": QUERY_SCHEMA.get(e.schema.value, e.schema.value),
        }
        for e in rng.sample(listed, count // 2)
    ]
    with NEGATIVES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rng.sample(rows, count - len(made)):
        person = {"name": row["full_name"], "schema": "Person", "birth_date": row["date_of_birth"]}
        gender = GENDERS.get(row["gender"].strip().lower())
        made.append({**person, "gender": gender} if gender else person)
    rng.shuffle(made)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5, help="counted batches")
    parser.add_argument("--size", type=int, default=1000, help="queries per batch")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    if not WATCHLISTS.is_dir() or not NEGATIVES.is_file():
        sys.exit(f"list files or negatives not found under {WATCHLISTS.parent}")

    print(machine.describe())
    work = [queries(args.size, args.seed + i) for i in range(args.batches + 1)]
    backend = postgres_database(args.postgres) if args.postgres else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="casework-batch-") as tmp, backend as url:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [*filter(None, [os.environ.get("PYTHONPATH")]), str(ROOT / "src")]
            ),
            "CASEWORK_DATA_DIR": tmp,
            "CASEWORK_LOG_LEVEL": "WARNING",
        }
        env.pop("CASEWORK_DATABASE_URL", None)
        if url:
            env["CASEWORK_DATABASE_URL"] = url
        subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
        for dataset, (format_name, paths) in LISTS.items():
            report = cli(
                env, "lists", "import", "--dataset", dataset, "--format", format_name,
                *map(str, paths),
            )  # fmt: skip
            log(f"imported {dataset}: {report.get('entities')} entities")
        slug = f"batch-{secrets.token_hex(3)}"
        cli(env, "tenants", "create", "--slug", slug, "--name", "Batch Bench")
        email = f"analyst@{slug}.test"
        cli(
            {**env, "CASEWORK_USER_PASSWORD": secrets.token_urlsafe(16)},
            "users", "create", "--tenant", slug, "--email", email, "--first-name", "A",
            "--last-name", "B", "--role", "analyst",
        )  # fmt: skip
        key = cli(env, "api-clients", "create", "--tenant", slug, "--name", "bench",
                  "--acting-user", email)["api_key"]  # fmt: skip
        headers = {"Authorization": f"Bearer {key}"}
        with (
            server(env, free_port(), Path(tmp)) as base,
            httpx.Client(base_url=base, headers=headers, timeout=600) as client,
        ):
            took: list[float] = []
            matched = 0
            for i, batch in enumerate(work):
                started = time.perf_counter()
                response = client.post("/v1/screenings/batch", json={"queries": batch})
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    sys.exit(f"batch answered {response.status_code}: {response.text[:2000]}")
                results = response.json()["results"]
                failed = [r["error"] for r in results if "error" in r]
                if len(results) != len(batch) or failed:
                    sys.exit(f"a query of the batch failed: {failed[:1]}")
                if i == 0:
                    log(f"warm-up batch: {elapsed:.2f} s (builds the matcher)")
                    continue
                took.append(elapsed)
                matched += sum(any(m["match"] for m in r["matches"]) for r in results)
    total = sum(took)
    print(
        f"POST /v1/screenings/batch, {args.batches} batches of {args.size} queries, one at a"
        f" time, {'PostgreSQL' if args.postgres else 'SQLite'}; lists: OFAC SDN, OFAC"
        " consolidated, UN (8,824 entities)"
    )
    print(f"  per batch: {', '.join(f'{t:.2f} s' for t in took)}")
    print(
        f"  throughput: {args.batches * args.size / total:.0f} queries/s"
        f" ({total / (args.batches * args.size) * 1000:.2f} ms per query); {matched} matched"
    )


if __name__ == "__main__":
    main()
