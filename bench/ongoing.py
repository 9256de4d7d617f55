"""Benchmark ongoing monitoring: rescreen 100,000 monitored customers after a list
update of 1,000 changed entities.

    .venv/bin/python bench/ongoing.py [--postgres] [--customers N] [--changes N] [--json]

On a fresh SQLite file (or a fresh PostgreSQL database with --postgres): imports the
real OFAC SDN list from ../shared as version 1, enrols N monitored customers (the
synthetic people from ../shared, recombined; a few dozen of them named as listed
people so the update has real hits), then imports version 2 with ``--changes``
entities changed, and times the rescreen job from start to finish (target: under 60 s
for 100,000 customers and 1,000 changes). Progress on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from api_cases import log, postgres_database
from casework.assembly import job_registry
from casework.checks.runners.screening import Subject
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.infra.jobs import JobContext, run_job
from casework.migrations import upgrade
from casework.models import Base, MonitoringRun
from casework.monitoring.service import RESCREEN
from casework.screening.entity import Schema
from casework.screening.service import import_dataset
from casework.tenants.service import create_tenant

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SDN = SHARED / "watchlists" / "ofac_sdn_2019"
PEOPLE = SHARED / "screening-eval" / "negatives_synthetic_people.csv"
FILES = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
LISTED = 50  # monitored customers who share a name with a changed entity
BATCH = 5000


def people(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Synthetic, unlisted people: the shared file's, then recombined first and last names."""
    with PEOPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    made = [
        {"name": r["full_name"], "birth_date": r["date_of_birth"] or None} for r in rows[:count]
    ]
    while len(made) < count:
        a, b = rng.choice(rows), rng.choice(rows)
        made.append(
            {"name": f"{a['first_name']} {b['last_name']}", "birth_date": b["date_of_birth"]}
        )
    return made


def changed_copy(folder: Path, changes: int, rng: random.Random) -> tuple[list[Path], list[str]]:
    """The SDN files with ``changes`` individuals' programmes edited; their names."""
    lines = (SDN / "sdn.csv").read_text(encoding="latin-1").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    people_rows = [i for i, r in enumerate(rows) if len(r) > 3 and r[2].strip() == "individual"]
    picked = rng.sample(people_rows, min(changes, len(people_rows)))
    if len(picked) < changes:  # not enough individuals: entities of any kind
        rest = [i for i in range(len(rows)) if i not in set(picked) and len(rows[i]) > 3]
        picked += rng.sample(rest, changes - len(picked))
    names = []
    for i in picked:
        rows[i][3] = rows[i][3] + "] [MONITORING-TEST"
        if rows[i][2].strip() == "individual":
            names.append(rows[i][1])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "sdn.csv").open("w", newline="", encoding="latin-1") as handle:
        csv.writer(handle).writerows(rows)
    for name in FILES[1:]:
        (folder / name).write_bytes((SDN / name).read_bytes())
    return [folder / n for n in FILES], names


def display(sdn_name: str) -> str:
    """OFAC writes "SURNAME, Given Names"; a customer record has "Given Names Surname"."""
    last, _, first = sdn_name.partition(",")
    return f"{first.strip()} {last.strip().title()}".strip()


def enrol(database: Database, count: int, listed: list[str], rng: random.Random) -> str:
    tables = Base.metadata.tables
    now = datetime.now(UTC)
    with database.transaction() as session:
        tenant_id = create_tenant(
            session, slug_value="bench-ongoing", name="Bench Bank", currency="EUR"
        ).id
    crowd = people(count - len(listed), rng) + [{"name": display(n)} for n in listed]
    checks = {"SANCTIONS": {"threshold": 0.7}, "PEP": {}, "ADVERSE_MEDIA": {}}
    with database.engine.begin() as conn:
        for start in range(0, len(crowd), BATCH):
            customers, monitored = [], []
            for person in crowd[start : start + BATCH]:
                customer_id = new_id()
                customers.append(
                    {
                        "id": customer_id,
                        "tenant_id": tenant_id,
                        "customer_type": "INDIVIDUAL",
                        "full_name": person["name"],
                        "input_details": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                subject = Subject(
                    person["name"], "customer", Schema.person, birth_date=person.get("birth_date")
                )
                monitored.append(
                    {
                        "id": new_id(),
                        "tenant_id": tenant_id,
                        "customer_id": customer_id,
                        "checks": checks,
                        "subjects": [subject.as_dict()],
                        "enrolled_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(tables["customers"]), customers)
            conn.execute(insert(tables["monitored_customers"]), monitored)
    return tenant_id


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    backend = postgres_database(args.pg_url) if args.postgres else nullcontext(None)
    with backend as url:
        database = Database(Settings(data_dir=workdir, database_url=url))
        try:
            upgrade(database.engine)
            log("importing the OFAC SDN list as version 1")
            with database.transaction() as session:
                first = import_dataset(
                    session, name="ofac-sdn", format_name="ofac-csv", paths=[SDN / n for n in FILES]
                )
            paths, names = changed_copy(workdir / "v2", args.changes, rng)
            listed = rng.sample(names, min(LISTED, len(names)))
            log(f"enrolling {args.customers} monitored customers")
            started = time.perf_counter()
            enrol(database, args.customers, listed, rng)
            enrol_seconds = time.perf_counter() - started
            log(f"importing version 2 with {args.changes} changed entities")
            started = time.perf_counter()
            with database.transaction() as session:
                second = import_dataset(
                    session, name="ofac-sdn", format_name="ofac-csv", paths=paths
                )
            import_seconds = time.perf_counter() - started
            with database.session(write=False) as session:
                run_id = session.scalar(
                    select(MonitoringRun.id).where(MonitoringRun.version == second.version)
                )
            log("rescreening")
            context = JobContext(
                database=database, settings=database.settings, registry=job_registry()
            )
            started = time.perf_counter()
            run_job(context, RESCREEN, {"run_id": run_id})
            seconds = time.perf_counter() - started
            with database.session(write=False) as session:
                done = session.get(MonitoringRun, run_id)
                assert done is not None
                assert done.status == "done", "the run did not finish"
                stats = dict(done.stats)
        finally:
            database.dispose()
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "list_entities": first.entities,
        "changes": {"added": second.added, "changed": second.changed, "removed": second.removed},
        "customers": args.customers,
        "customers_named_as_listed": len(listed),
        "enrol_seconds": round(enrol_seconds, 2),
        "import_v2_seconds": round(import_seconds, 2),
        "rescreen_seconds": round(seconds, 2),
        "customers_per_second": round(args.customers / seconds),
        "target_seconds": 60,
        "run": stats,
    }


def report(r: dict[str, Any]) -> str:
    c = r["changes"]
    return "\n".join(
        [
            f"ongoing monitoring on {r['backend']}: {r['customers']:,} monitored customers",
            f"  list: {r['list_entities']:,} entities; update: {c['changed']} changed, "
            f"{c['added']} added, {c['removed']} removed (import {r['import_v2_seconds']} s)",
            f"  rescreen: {r['rescreen_seconds']} s ({r['customers_per_second']:,} customers/s; "
            f"target < {r['target_seconds']} s)",
            f"  hits {r['run'].get('hits', 0)}, new matches {r['run'].get('new_matches', 0)}, "
            f"cases opened {r['run'].get('cases_opened', 0)} "
            f"({r['customers_named_as_listed']} customers named as changed entities)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not SDN.exists():
        sys.exit(f"needs the shared watchlists at {SDN}")
    with tempfile.TemporaryDirectory(prefix="casework-ongoing-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
