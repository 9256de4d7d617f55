"""Production's layout on PostgreSQL: throughput with one and with two `casework serve`
replicas, and how long a list imported with the CLI takes to reach both.

    .venv/bin/python bench/replicas.py [--requests N] [--concurrency N] [--entities N]
                                       [--workers N] [--rounds N] [--json]

Starts the layout of tests/replicas (a fresh ``casework_test_...`` database migrated with
``casework db upgrade``, two replicas and ``--workers`` workers sharing the Fernet key and
the audit key files), with a fictional watchlist of ``--entities`` people imported first.
Then, with replica 1 stopped and again with both replicas up (requests spread round
robin, as a load balancer would), ``--requests`` POST /v1/cases and as many POST
/v1/screenings at ``--concurrency``; each phase is warmed up first. Last, ``--rounds``
times: a new version of the list is imported with ``casework lists import`` and both
replicas are screened until each result names the new version, timed from the start of
the command and from its end. Progress goes to stderr; the table to stdout (or, with
--json, one JSON object). No figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import threading
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import httpx

from api_cases import log, postgres_database, run_and_print, run_load

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.replicas.cluster import Cluster, Replica, Tenant  # noqa: E402

DATASET = "bench-watch"
WARMUP = 100
PROPAGATION_SECONDS = 120.0
GIVEN = ["Radomir", "Zorana", "Ilse", "Teodor", "Mirela", "Aurel", "Vesna", "Kazimir", "Oksana"]
SYLLABLES = ["kvel", "mar", "vash", "ton", "ric", "lev", "dor", "sha", "nik", "bran", "zel"]


def fictional_people(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = []
    for i in range(count):
        surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        people.append(
            {
                "id": f"bw-{i}",
                "schema": "Person",
                "properties": {
                    "name": [f"{rng.choice(GIVEN)} {surname}"],
                    "topics": ["sanction"],
                    "birthDate": [f"{rng.randint(1940, 2000)}"],
                },
            }
        )
    return people


def write_list(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


async def measure(
    replicas: Sequence[Replica], tenant: Tenant, requests: int, concurrency: int
) -> dict[str, Any]:
    """Creates, then screenings, spread round robin over ``replicas``."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [
        httpx.AsyncClient(base_url=r.url, headers=tenant.headers, limits=limits, timeout=60)
        for r in replicas
    ]
    names = [p["properties"]["name"][0] for p in fictional_people(200, seed=2)]

    def create(i: int) -> Awaitable[httpx.Response]:
        body = {"title": f"Bench case {i}", "priority": "high", "module": "aml"}
        return clients[i % len(clients)].post("/v1/cases", json=body)

    def screen(i: int) -> Awaitable[httpx.Response]:
        body = {"name": names[i % len(names)], "schema": "Person"}
        return clients[i % len(clients)].post("/v1/screenings", json=body)

    try:
        await run_load(WARMUP * len(clients), concurrency, create, 201)
        await run_load(WARMUP * len(clients), concurrency, screen, 200)
        return {
            "create": await run_load(requests, concurrency, create, 201),
            "screen": await run_load(requests, concurrency, screen, 200),
        }
    finally:
        for client in clients:
            await client.aclose()


def propagation(
    cluster: Cluster, tenant: Tenant, people: list[dict[str, Any]], workdir: Path, round_: int
) -> dict[str, Any]:
    """Import a new version with the CLI; time until each replica's results name it."""
    newcomer = f"Teodor Newcomer{round_}"
    added = {
        "id": f"bw-new-{round_}",
        "schema": "Person",
        "properties": {"name": [newcomer], "topics": ["sanction"]},
    }
    path = write_list(workdir / f"round-{round_}.ftm.json", [*people, added])
    started = time.perf_counter()
    report = cluster.cli("lists", "import", "--dataset", DATASET, "--format", "ftm", str(path))
    imported = time.perf_counter()
    version = report["version"]
    reached: dict[str, float] = {}

    def poll(replica: Replica) -> None:
        with httpx.Client(base_url=replica.url, headers=tenant.headers, timeout=60) as client:
            deadline = time.monotonic() + PROPAGATION_SECONDS
            while time.monotonic() < deadline:
                answer = client.post("/v1/screenings", json={"name": newcomer, "schema": "Person"})
                answer.raise_for_status()
                if answer.json()["dataset_versions"].get(DATASET) == version:
                    reached[replica.name] = time.perf_counter()
                    return

    threads = [threading.Thread(target=poll, args=(r,)) for r in cluster.replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "version": version,
        "import_s": round(imported - started, 2),
        "replicas": {
            name: {
                "from_command_start_s": round(at - started, 2),
                "from_command_end_s": round(at - imported, 2),
            }
            for name, at in sorted(reached.items())
        },
        "missed": sorted(r.name for r in cluster.replicas if r.name not in reached),
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with postgres_database(args.pg_url) as url:
        cluster = Cluster(workdir, url, replicas=2, workers=args.workers)
        try:
            log("casework db upgrade")
            cluster.upgrade()
            people = fictional_people(args.entities, seed=1)
            log(f"importing {len(people)} fictional people as {DATASET}")
            cluster.cli(
                "lists", "import", "--dataset", DATASET, "--format", "ftm",
                str(write_list(workdir / "list.ftm.json", people)),
            )  # fmt: skip
            cluster.start()
            tenant = cluster.tenant(f"bench{os.getpid()}")
            one, two = cluster.replicas
            log("stopping replica-1: one replica")
            two.stop()
            single = asyncio.run(measure([one], tenant, args.requests, args.concurrency))
            log("starting replica-1 again: two replicas")
            cluster.start()
            double = asyncio.run(measure([one, two], tenant, args.requests, args.concurrency))
            rounds = []
            for round_ in range(args.rounds):
                log(f"list propagation, round {round_ + 1}")
                rounds.append(propagation(cluster, tenant, people, workdir, round_))
        except BaseException:
            log(cluster.logs())
            raise
        finally:
            cluster.stop()
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "requests": args.requests,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "entities": args.entities,
        "one_replica": single,
        "two_replicas": double,
        "propagation": rounds,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"python {r['python']}  cpus {r['cpus']}  workers {r['workers']}  "
        f"concurrency {r['concurrency']}  list {r['entities']} entities",
        f"{'replicas':<10}{'endpoint':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'fail':>6}",
    ]
    for label, phase in (("1", r["one_replica"]), ("2", r["two_replicas"])):
        for endpoint, key in (("POST /v1/cases", "create"), ("POST /v1/screenings", "screen")):
            s = phase[key]
            lines.append(
                f"{label:<10}{endpoint:<22}{s['requests']:>9}{s['rps']:>9}{s['p50_ms']:>9}"
                f"{s['p99_ms']:>9}{s['failures']:>6}"
            )
            lines += [f"  failure: {sample}" for sample in s["failure_samples"]]
    lines.append("list import -> used by each replica (s from the command's start / its end):")
    for p in r["propagation"]:
        reached = "  ".join(
            f"{name} {t['from_command_start_s']} / {t['from_command_end_s']}"
            for name, t in p["replicas"].items()
        )
        missed = f"  MISSED by {', '.join(p['missed'])}" if p["missed"] else ""
        lines.append(f"  version {p['version']}: import {p['import_s']} s;  {reached}{missed}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark serve replicas on PostgreSQL.")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="Admin URL; the benchmark database is created beside it.",
    )
    parser.add_argument("--requests", type=int, default=1000, help="Requests per endpoint.")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--entities", type=int, default=5000, help="People on the list.")
    parser.add_argument("--workers", type=int, default=1, help="`casework worker` processes.")
    parser.add_argument("--rounds", type=int, default=3, help="List imports timed.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    run_and_print(args, run, report)


if __name__ == "__main__":
    main()
