"""Benchmark automated checks end to end: POST /v1/cases to the signed webhook.

    .venv/bin/python bench/checks_e2e.py [--postgres] [--workers N] [--cases N]
                                         [--concurrency N] [--json]

Starts ``casework serve`` on a fresh data directory (SQLite: jobs run inside the
server) or on a fresh PostgreSQL database with N ``casework worker`` processes;
imports the real OFAC SDN, OFAC consolidated and UN lists from ../shared; registers a
webhook endpoint for case.completed on a local receiver; then opens cases with a
customer and SANCTIONS, PEP and ADVERSE_MEDIA checks and times each case from the
start of its POST to the arrival of its webhook (targets: p50 < 300 ms embedded;
>= 50 cases/s completed with two workers on PostgreSQL). Progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from api_cases import cli, log, run_and_print, stats
from harness import running, subscribed_tenant

LISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "watchlists"
IMPORTS = [
    (
        "ofac-sdn",
        "ofac-csv",
        [
            "ofac_sdn_2019/sdn.csv",
            "ofac_sdn_2019/add.csv",
            "ofac_sdn_2019/alt.csv",
            "ofac_sdn_2019/sdn_comments.csv",
        ],
    ),
    (
        "ofac-consolidated",
        "ofac-csv",
        [
            "ofac_consolidated/cons_prim.csv",
            "ofac_consolidated/cons_add.csv",
            "ofac_consolidated/cons_alt.csv",
            "ofac_consolidated/cons_comments.csv",
        ],
    ),
    ("un", "un-xml", ["un/UN_consolidated.xml"]),
]
FIRST = ["Maria", "James", "Olga", "Ahmed", "Li", "Carlos", "Fatima", "Jan", "Aisha", "Tom"]
LAST = ["Berg", "Novak", "Haddad", "Silva", "Chen", "Moreau", "Okafor", "Ivanova", "Kim"]
WARMUP = 20


class Receiver:
    """Records when each case's case.completed webhook arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.perf_counter()
                case_id = json.loads(body)["data"]["id"]
                with receiver.changed:
                    receiver.arrived.setdefault(case_id, now)
                    receiver.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def body(rng: random.Random) -> dict[str, Any]:
    return {
        "title": "Onboarding",
        "customer": {
            "customer_type": "INDIVIDUAL",
            "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "birth_date": f"{rng.randint(1950, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "country": rng.choice(["DEU", "FRA", "GBR", "USA", "ESP"]),
        },
        "checks": [{"type": "SANCTIONS"}, {"type": "PEP"}, {"type": "ADVERSE_MEDIA"}],
    }


async def open_cases(
    base: str, key: str, n: int, concurrency: int, seed: int
) -> tuple[dict[str, float], list[str]]:
    rng = random.Random(seed)
    sent: dict[str, float] = {}
    failures: list[str] = []
    todo = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker() -> None:
            for _ in todo:
                start = time.perf_counter()
                r = await client.post(
                    "/v1/cases", json=body(rng), headers={"Authorization": f"Bearer {key}"}
                )
                if r.status_code != 201:
                    failures.append(f"{r.status_code} {r.text[:300]}")
                    continue
                sent[r.json()["id"]] = start

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent, failures


def wait_for(receiver: Receiver, expected: int, timeout: float) -> None:
    with receiver.changed:
        receiver.changed.wait_for(lambda: len(receiver.arrived) >= expected, timeout)


def latency_phase(base: str, key: str, receiver: Receiver, n: int) -> dict[str, Any]:
    """One case at a time, each waited for: the time a case takes on an idle system."""
    rng = random.Random(3)
    latencies, failures = [], []
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(n):
            receiver.arrived.clear()
            begin = time.perf_counter()
            r = client.post("/v1/cases", json=body(rng), headers={"Authorization": f"Bearer {key}"})
            if r.status_code != 201:
                failures.append(f"{r.status_code} {r.text[:300]}")
                continue
            wait_for(receiver, 1, 60)
            arrived = receiver.arrived.get(r.json()["id"])
            if arrived is None:
                failures.append("webhook did not arrive within 60 s")
                continue
            latencies.append(arrived - begin)
    return stats(n, latencies, failures, time.perf_counter() - started)


def throughput_phase(
    base: str, key: str, receiver: Receiver, n: int, concurrency: int
) -> dict[str, Any]:
    """A burst of cases: how many complete per second, and how long each waits."""
    receiver.arrived.clear()
    started = time.perf_counter()
    sent, failures = asyncio.run(open_cases(base, key, n, concurrency, seed=2))
    wait_for(receiver, len(sent), 600)
    ended = max(receiver.arrived.values(), default=time.perf_counter())
    latencies = [receiver.arrived[c] - t for c, t in sent.items() if c in receiver.arrived]
    return {
        "burst": stats(len(sent), latencies, failures, ended - started),
        "completed_per_second": round(len(latencies) / (ended - started), 1),
        "webhooks_missing": len([c for c in sent if c not in receiver.arrived]),
    }


def measure(base: str, key: str, receiver: Receiver, args: argparse.Namespace) -> dict[str, Any]:
    log(f"warm-up: {WARMUP} cases (builds each process's matcher)")
    receiver.arrived.clear()
    asyncio.run(open_cases(base, key, WARMUP, 2, seed=1))
    wait_for(receiver, WARMUP, 300)
    log(f"latency: {args.cases} cases, one at a time")
    latency = latency_phase(base, key, receiver, args.cases)
    log(f"throughput: {args.cases} cases at concurrency {args.concurrency}")
    return {
        "latency": latency,
        **throughput_phase(base, key, receiver, args.cases, args.concurrency),
    }


def _import_lists(env: dict[str, str]) -> None:
    for dataset, fmt, files in IMPORTS:
        log(f"importing {dataset}")
        paths = " ".join(str(LISTS / f) for f in files)
        cli(env, f"lists import --dataset {dataset} --format {fmt} {paths}")


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    receiver = Receiver()
    with running(
        workdir,
        pg_url=args.pg_url if args.postgres else None,
        workers=args.workers,
        worker_args=["--concurrency", str(args.worker_concurrency)],
        prepare=_import_lists,
    ) as (env, base):
        key = subscribed_tenant(
            env, base, name="Bench Bank", hook_url=receiver.url, events=["case.completed"]
        )
        result = measure(base, key, receiver, args)
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "workers": args.workers if args.postgres else "in-process",
        "concurrency": args.concurrency,
        "cases": args.cases,
        **result,
    }


def report(r: dict[str, Any]) -> str:
    lat, burst = r["latency"], r["burst"]
    return "\n".join(
        [
            f"backend {r['backend']}  workers {r['workers']}  cases {r['cases']} per phase "
            "(SANCTIONS + PEP + ADVERSE_MEDIA against OFAC SDN + consolidated + UN)",
            f"one at a time, POST -> case.completed webhook: p50 {lat['p50_ms']} ms  "
            f"p99 {lat['p99_ms']} ms  (target p50 < 300 ms embedded)",
            f"burst at concurrency {r['concurrency']}: {r['completed_per_second']} cases "
            f"completed/s (target >= 50/s, two PostgreSQL workers); waiting p50 "
            f"{burst['p50_ms']} ms  p99 {burst['p99_ms']} ms",
            f"failures: {lat['failures'] + burst['failures']}  "
            f"webhooks missing: {r['webhooks_missing']}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark checks end to end.")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=2, help="casework worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=4)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8, help="for the burst")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not LISTS.is_dir():
        raise SystemExit(f"the real lists are not at {LISTS}")
    run_and_print(args, run, report)


if __name__ == "__main__":
    main()
